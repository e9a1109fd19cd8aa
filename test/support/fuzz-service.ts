/** Runs the codec differential fuzz for one service: every operation both ways through the real SDK, then its errors. */
import { Readable } from "node:stream";
import type { Codec } from "../../src/protocol/codec.ts";
import type { HttpRequest, HttpResponse } from "../../src/protocol/http-types.ts";
import type { LoadedModel } from "../../src/protocol/model-registry.ts";
import { isPrimitive } from "../../src/protocol/model-registry.ts";
import type { MemberRef, ServiceModel } from "../../src/protocol/model-types.ts";
import { AwsError } from "../../src/shared/aws-error.ts";
import { describeSdkError, type Exchange, type SdkOracle } from "./sdk-oracle.ts";
import { ShapeValues, seedOf, type GenerateOptions } from "./shape-values.ts";
import { compareStructure, type CompareRules, type MemberSite } from "./value-compare.ts";

export type Phase = "request" | "response" | "error";

export interface Failure {
  service: string;
  /** The operation, or `!<ErrorShape>` for the error phase. */
  operation: string;
  phase: Phase;
  message: string;
  /** The reason from the exceptions list when this failure is expected. */
  excepted?: string;
}

export interface ServiceReport {
  service: string;
  operations: number;
  checked: number;
  excepted: number;
  /** Operations with at least one failure not in the exceptions list. */
  failed: number;
  errorsChecked: number;
  errorsFailed: number;
  failures: Failure[];
  /** Exceptions whose phase passed (the list should shrink). */
  stale: string[];
}

/** What a test file tells the runner about a service beyond its model. */
export interface ServiceProfile {
  /** Exceptions keyed `op` (not run), `op:request` / `op:response` (run, failures tolerated) or `!ErrorShape`. */
  exceptions: ReadonlyMap<string, string>;
  /** Input generation limits for the SDK's own behaviour (members it computes, enum values it acts on). */
  input?: Pick<GenerateOptions, "omit" | "choices">;
  /** Output generation limits (members a real response always carries and the SDK insists on). */
  output?: Pick<GenerateOptions, "require" | "omit">;
  /** Adjusts the generated output to what the SDK legitimately derives from it (e.g. S3 ExpiresString). */
  expectOutput?: (operation: string, output: Record<string, unknown>) => Record<string, unknown>;
  /** Request direction: members the SDK fills in, rewrites or drops (beyond idempotency tokens and host labels). */
  requestMayAdd?: (site: MemberSite, operation: string, actual: unknown, input: Record<string, unknown>) => boolean;
  requestIgnore?: (site: MemberSite, operation: string) => boolean;
  /** Unmodelled error codes to check besides NotImplemented 501 (EC2 models none of its codes). */
  extraErrors?: { code: string; status: number }[];
  /** The gateway's service and protocol detection, which must pick this service and its codec's protocol. */
  detect?: (request: HttpRequest) => { service: string; protocol: string } | undefined;
  /** Adjusts the generated input to what the SDK legitimately turns it into (e.g. S3 SSE-C keys). */
  expectInput?: (operation: string, input: Record<string, unknown>) => Record<string, unknown>;
}

const isEventStream = (model: ServiceModel, ref: MemberRef): boolean => {
  if (isPrimitive(ref.t)) return false;
  const shape = model.shapes[ref.t];
  return shape?.type === "structure" && shape.streaming === true;
};

/** Members whose emptiness the wire cannot carry in this protocol and position. */
function emptyDropped(model: ServiceModel, site: MemberSite): boolean {
  if (model.protocol === "ec2" || model.protocol === "awsQuery") return true;
  if (model.protocol === "restJson1" || model.protocol === "restXml") {
    const location = site.ref.location;
    if (site.top && (location === "header" || location === "query" || location === "prefixHeaders" || location === "queryParams")) return true;
  }
  if (model.protocol === "restXml") {
    // A flattened list or map is its repeated elements: an empty one leaves nothing.
    const target = isPrimitive(site.ref.t) ? undefined : model.shapes[site.ref.t];
    return site.ref.xmlFlattened === true || (target !== undefined && target.type !== "structure" && target.xmlFlattened === true);
  }
  return false;
}

/** A blob payload left out is an empty body: the other side reads an empty stream (or the SDK, null). */
const emptyStream = (site: MemberSite, actual: unknown): boolean =>
  (site.ref.t === "streamingBlob" || (site.ref.t === "blob" && site.ref.location === "payload")) &&
  (actual === null || (actual instanceof Uint8Array && actual.byteLength === 0));

function requestRules(model: ServiceModel, operation: string, input: Record<string, unknown>, profile: ServiceProfile): CompareRules {
  return {
    model,
    emptyMayBeAbsent: (site) => emptyDropped(model, site),
    mayAdd: (site, actual) =>
      site.ref.idempotencyToken === true || emptyStream(site, actual) || profile.requestMayAdd?.(site, operation, actual, input) === true,
    ignore: (site) =>
      (site.top && site.ref.hostLabel === true) ||
      isEventStream(model, site.ref) ||
      profile.requestIgnore?.(site, operation) === true,
  };
}

function responseRules(model: ServiceModel): CompareRules {
  return {
    model,
    // Clients read an empty collection and a missing one alike.
    emptyMayBeAbsent: () => true,
    mayAdd: emptyStream,
    ignore: (site) => isEventStream(model, site.ref),
  };
}

const errorText = (error: unknown): string => {
  if (error instanceof AwsError) return `AwsError ${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
};

/** Optional-member density per round: typical, everything, sparse. */
const ROUND_DENSITY = [0.7, 1, 0.3] as const;

const withRound = (failure: Failure, round: number): Failure => ({ ...failure, message: `round ${round}: ${failure.message}` });

interface ErrorCase {
  name: string;
  status: number;
  error: AwsError;
  /** Query-compatible JSON services: the awsQuery code the SDK must read from `x-amzn-query-error`. */
  queryCode?: string | undefined;
  /** The modelled error structure and the member values sent with it. */
  shape?: string;
  fields?: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

const fallbackResponse: HttpResponse = { status: 200, headers: {}, body: "" };

export class ServiceFuzzer {
  private readonly loaded: LoadedModel;
  private readonly codec: Codec;
  private readonly oracle: SdkOracle;
  private readonly profile: ServiceProfile;
  private readonly report: ServiceReport;
  private readonly usedExceptions = new Set<string>();
  private readonly rounds: number;
  /** An operation whose request the SDK sends and the codec parses: the carrier of error responses. */
  private carrier: { operation: string; input: Record<string, unknown> } | undefined;

  constructor(loaded: LoadedModel, codec: Codec, oracle: SdkOracle, profile: ServiceProfile, rounds = 3) {
    this.loaded = loaded;
    this.rounds = rounds;
    this.codec = codec;
    this.oracle = oracle;
    this.profile = profile;
    this.report = {
      service: loaded.id,
      operations: Object.keys(loaded.model.operations).length,
      checked: 0,
      excepted: 0,
      failed: 0,
      errorsChecked: 0,
      errorsFailed: 0,
      failures: [],
      stale: [],
    };
  }

  async run(): Promise<ServiceReport> {
    for (const operation of Object.keys(this.loaded.model.operations)) {
      if (this.profile.exceptions.has(operation)) {
        this.usedExceptions.add(operation);
        this.report.excepted++;
        continue;
      }
      this.report.checked++;
      const failures = await this.operation(operation);
      if (failures.some((failure) => failure.excepted === undefined)) this.report.failed++;
      this.report.failures.push(...failures);
    }
    await this.errors();
    for (const key of this.profile.exceptions.keys()) if (!this.usedExceptions.has(key)) this.report.stale.push(key);
    return this.report;
  }

  private fail(operation: string, phase: Phase, message: string): Failure {
    const key = phase === "error" ? operation : `${operation}:${phase}`;
    const excepted = this.profile.exceptions.get(key);
    if (excepted !== undefined) this.usedExceptions.add(key);
    return { service: this.loaded.id, operation, phase, message, ...(excepted === undefined ? {} : { excepted }) };
  }

  /** Generated input and output for an operation and round, reproducible from their names alone. */
  values(operation: string, round = 0): { input: Record<string, unknown>; output: Record<string, unknown> } {
    const model = this.loaded.model;
    const op = model.operations[operation];
    if (!op) throw new Error(`unknown operation ${operation}`);
    const density = ROUND_DENSITY[round % ROUND_DENSITY.length];
    const seed = (direction: string): number => seedOf(`${model.id}/${operation}/${direction}/${round}`);
    const input = new ShapeValues(model, seed("input"), { direction: "input", density, ...this.profile.input }).forOperation(op);
    const output = new ShapeValues(model, seed("output"), {
      direction: "output",
      density,
      successStatus: op.http?.[2] ?? 200,
      ...this.profile.output,
    }).forOperation(op);
    return { input, output };
  }

  /** Runs the rounds of one operation, stopping at the first that fails. */
  private async operation(operation: string): Promise<Failure[]> {
    if (!this.oracle.hasCommand(operation)) return [this.fail(operation, "request", `${this.oracle.packageName} exports no ${operation}Command`)];
    for (let round = 0; round < this.rounds; round++) {
      const failures = await this.round(operation, round);
      if (failures.length > 0) return failures;
    }
    return [];
  }

  private async round(operation: string, round: number): Promise<Failure[]> {
    const { input, output } = this.values(operation, round);
    const failures: Failure[] = [];
    let response: HttpResponse | undefined;
    try {
      response = this.codec.serializeResponse(this.loaded, operation, output, "req-1");
    } catch (error) {
      failures.push(this.fail(operation, "response", `round ${round}: serializeResponse threw ${errorText(error)}`));
    }
    const exchange = await this.oracle.call(operation, this.sendable(operation, input, round), response ?? fallbackResponse);
    failures.push(...this.checkRequest(operation, input, exchange).map((failure) => withRound(failure, round)));
    if (response) failures.push(...this.checkResponse(operation, output, exchange).map((failure) => withRound(failure, round)));
    return failures;
  }

  /** A copy of the input for the SDK; in round 1 streaming payloads go as Node streams (S3: aws-chunked uploads). */
  private sendable(operation: string, input: Record<string, unknown>, round: number): Record<string, unknown> {
    const copy = structuredClone(input);
    if (round !== 1) return copy;
    const shape = this.loaded.inputShape(operation);
    for (const [member, ref] of Object.entries(shape.members)) {
      const value = copy[member];
      if (ref.t === "streamingBlob" && value instanceof Uint8Array) copy[member] = Readable.from([Buffer.from(value)]);
    }
    return copy;
  }

  private checkRequest(operation: string, input: Record<string, unknown>, exchange: Exchange): Failure[] {
    const model = this.loaded.model;
    if (!exchange.request) return [this.fail(operation, "request", `SDK sent no request: ${errorText(exchange.error)}`)];
    const detected = this.profile.detect?.(exchange.request);
    if (this.profile.detect && (detected?.service !== model.id || detected.protocol !== this.codec.protocol)) {
      return [this.fail(operation, "request", `gateway detects ${detected ? `${detected.service}/${detected.protocol}` : "no service"}`)];
    }
    let parsed;
    try {
      parsed = this.codec.parseRequest(exchange.request, this.loaded);
    } catch (error) {
      return [this.fail(operation, "request", `parseRequest threw ${errorText(error)}`)];
    }
    if (parsed.operation !== operation) return [this.fail(operation, "request", `parsed as operation ${parsed.operation}`)];
    const expected = this.profile.expectInput ? this.profile.expectInput(operation, input) : input;
    const diffs = compareStructure(model.operations[operation]?.input, expected, parsed.input, requestRules(model, operation, input, this.profile));
    if (diffs.length > 0) return [this.fail(operation, "request", `input differs: ${diffs.join("; ")}`)];
    this.carrier ??= { operation, input };
    return [];
  }

  private checkResponse(operation: string, output: Record<string, unknown>, exchange: Exchange): Failure[] {
    const model = this.loaded.model;
    if (exchange.error !== undefined) {
      if (!exchange.request) return [];
      return [this.fail(operation, "response", `SDK rejected the response: ${errorText(exchange.error)}`)];
    }
    const expected = this.profile.expectOutput ? this.profile.expectOutput(operation, output) : output;
    const diffs = compareStructure(model.operations[operation]?.output, expected, exchange.output ?? {}, responseRules(model));
    if (exchange.requestId !== "req-1") diffs.push(`$metadata.requestId: ${String(exchange.requestId)}, expected "req-1"`);
    return diffs.length > 0 ? [this.fail(operation, "response", `output differs: ${diffs.join("; ")}`)] : [];
  }

  /** Every modelled error, plus an unmodelled NotImplemented 501, must reach the SDK by name and status. */
  private async errors(): Promise<void> {
    const model = this.loaded.model;
    const carrier = this.carrier;
    if (!carrier) {
      this.report.failures.push(this.fail("!*", "error", "no operation round-tripped its request to carry the error responses"));
      this.report.errorsFailed++;
      return;
    }
    const cases: ErrorCase[] = [];
    for (const name of model.errors) {
      const shape = model.shapes[name];
      if (shape?.type !== "structure" || !shape.error) continue;
      const status = model.protocol === "awsQuery" ? (shape.error.queryStatus ?? shape.error.status) : shape.error.status;
      // The error's own members (Lambda's Type, a Retry-After header …) travel too; the message is the AwsError's.
      const fields = new ShapeValues(model, seedOf(`${model.id}/!${name}`), { direction: "output" }).forStructure(name);
      for (const member of Object.keys(fields)) if (/^message$/i.test(member)) delete fields[member];
      const queryCode = model.awsQueryCompatible ? (shape.error.queryCode ?? name) : undefined;
      cases.push({ name, status, error: new AwsError(name, "boom", { fields }), fields, shape: name, queryCode });
    }
    for (const { code, status } of [{ code: "NotImplemented", status: 501 }, ...(this.profile.extraErrors ?? [])]) {
      cases.push({ name: code, status, error: new AwsError(code, "boom", { status }) });
    }
    for (const errorCase of cases) {
      const { name } = errorCase;
      const key = `!${name}`;
      this.report.errorsChecked++;
      const message = await this.error(carrier.operation, carrier.input, errorCase);
      if (message === undefined) continue;
      const failure = this.fail(key, "error", `via ${carrier.operation}: ${message}`);
      if (failure.excepted === undefined) this.report.errorsFailed++;
      this.report.failures.push(failure);
    }
  }

  private async error(operation: string, input: Record<string, unknown>, errorCase: ErrorCase): Promise<string | undefined> {
    const { name, status, error } = errorCase;
    let response: HttpResponse;
    try {
      response = this.codec.serializeError(this.loaded, operation, error, "req-1");
    } catch (thrown) {
      return `serializeError threw ${errorText(thrown)}`;
    }
    const exchange = await this.oracle.call(operation, structuredClone(input), response);
    if (exchange.error === undefined) return `SDK did not throw (status ${response.status})`;
    const got = describeSdkError(exchange.error);
    const problems: string[] = [];
    if (got.name !== name) problems.push(`name ${got.name}, expected ${name}`);
    if (got.status !== status) problems.push(`status ${String(got.status)}, expected ${status}`);
    if (got.message !== "boom") problems.push(`message ${JSON.stringify(got.message)}, expected "boom"`);
    if (exchange.requestId !== "req-1") problems.push(`requestId ${String(exchange.requestId)}, expected "req-1"`);
    if (errorCase.queryCode !== undefined && isRecord(exchange.error) && exchange.error.Code !== errorCase.queryCode) {
      problems.push(`query-compatible Code ${String(exchange.error.Code)}, expected ${errorCase.queryCode}`);
    }
    if (errorCase.shape && errorCase.fields && isRecord(exchange.error)) {
      const thrown = exchange.error;
      const actual = Object.fromEntries(Object.keys(errorCase.fields).map((member) => [member, thrown[member]]));
      const rules: CompareRules = { model: this.loaded.model, emptyMayBeAbsent: () => true };
      problems.push(...compareStructure(errorCase.shape, errorCase.fields, actual, rules));
    }
    return problems.length > 0 ? problems.join("; ") : undefined;
  }
}
