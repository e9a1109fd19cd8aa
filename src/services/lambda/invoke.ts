/** Invoke: resolves the qualifier (weighted aliases), checks state and limits, and hands the call to the runner (processes; Docker for images). */
import type { LambdaOperations } from "../../generated/lambda.ts";
import { AwsError } from "../../shared/aws-error.ts";
import { LambdaEngine } from "../../engine/lambda/engine.ts";
import { ImageUnavailable } from "../../engine/lambda/image-environment.ts";
import { RuntimeUnavailable } from "../../engine/lambda/runtimes.ts";
import { zipRunner } from "../../engine/lambda/zip-docker.ts";
import { ThrottledError, type FunctionCredentials, type FunctionSpec, type LogEvent, type LogSink } from "../../engine/lambda/types.ts";
import { log } from "../../shared/log.ts";
import type { StateStore } from "../../state/state-store.ts";
import { findRoleByArn } from "../iam/api.ts";
import { awsImageScope, localImageReference, registryAuthFor } from "../ecr/api.ts";
import { appendLogEvents } from "../logs/api.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { issueTemporaryCredentials } from "../sts/credentials.ts";
import { conflict, invalidParameter, tooManyRequests } from "./errors.ts";
import { functionArn, functions, type FunctionConfigRecord, type FunctionRecord } from "./state.ts";
import { eventConfigFor } from "./event-config.ts";
import { dequeueEvent, enqueueEvent, resumeQueuedEvents, type QueuedEvent } from "./event-queue.ts";
import { layerDigests } from "./layers.ts";
import { parseFunctionRef, resolveQualifier, RUNNABLE_RUNTIMES } from "./validate.ts";
import { resolveFunction, versionConfig } from "./view.ts";

type Ops = LambdaOperations;

const SYNC_LIMIT = 6 * 1024 * 1024;
const ASYNC_LIMIT = 256 * 1024;

/** The account's concurrency limit (AWS's default is 1000; STRATUS_LAMBDA_CONCURRENCY changes it). */
export const accountConcurrencyLimit = (): number => Number(process.env.STRATUS_LAMBDA_CONCURRENCY ?? 1000);
/** AWS keeps 100 unreserved; a smaller configured limit keeps a tenth. */
export const minimumUnreserved = (limit: number): number => Math.min(100, Math.floor(limit / 10));

let engine: LambdaEngine | undefined;
const sessions = new Map<string, { credentials: FunctionCredentials; expiresAt: number }>();

/**
 * Log lines reach CloudWatch Logs just after the invocation's answer, batched in one transaction (as on AWS, they
 * arrive shortly after the call rather than with it): the disk write stays off the invocation's path.
 */
function logWriter(state: StateStore): LogSink {
  const queued: Array<{ spec: FunctionSpec; stream: string; events: () => LogEvent[] }> = [];
  const flush = (): void => {
    const batch = queued.splice(0);
    try {
      state.transaction(() => {
        for (const { spec, stream, events } of batch) {
          appendLogEvents(state, { account: spec.account, region: spec.region }, `/aws/lambda/${spec.functionName}`, stream, events());
        }
      });
    } catch (error) {
      log.warn("could not write Lambda log events", error);
    }
  };
  return (spec, stream, events) => {
    if (queued.push({ spec, stream, events }) === 1) setImmediate(flush);
  };
}

/** One engine per Stratus process, made on the first invocation; its log lines go to CloudWatch Logs. */
function engineFor(state: StateStore): LambdaEngine {
  if (!engine) {
    const made = new LambdaEngine(logWriter(state), (digest) => state.blobs.get(digest));
    // A reset (or restore) drops the functions: their warm environments (processes, containers) go as well.
    state.onReplaced((service) => {
      if (service === undefined || service === "lambda") made.retireAll();
    });
    engine = made;
  }
  return engine;
}

/** Makes a function's environments cold (after an update or delete, or on request). */
export function retireEnvironments(ctx: RequestContext, name: string): void {
  engine?.retire(ctx.account, ctx.region, name);
}

export function resetEnvironments(): number {
  return engine?.retireAll() ?? 0;
}

/** Picks the version an alias routes this call to (AdditionalVersionWeights: the chance of the other version). */
function routedVersion(primary: string, weights: Record<string, number> | undefined): string {
  for (const [version, weight] of Object.entries(weights ?? {})) if (Math.random() < weight) return version;
  return primary;
}

function specFor(ctx: RequestContext, record: FunctionRecord, config: FunctionConfigRecord): FunctionSpec {
  const limit = accountConcurrencyLimit();
  const reservedTotal = functions(ctx.state)
    .list(ctx)
    .reduce((sum, f) => sum + (f.reservedConcurrency ?? 0), 0);
  return {
    account: ctx.account,
    region: ctx.region,
    functionName: config.FunctionName,
    version: config.Version,
    runtime: config.Runtime ?? "",
    handler: config.Handler ?? "",
    memoryMb: config.MemorySize,
    timeoutSec: config.Timeout,
    environment: config.Environment ?? {},
    revision: config.RevisionId,
    codeDigest: config.codeDigest || undefined,
    hotReloadDir: config.hotReloadDir,
    layerDigests: layerDigests(ctx, config.Layers),
    image: imageSpec(ctx, config),
    endpoint: ctx.endpoint,
    credentials: () => {
      // One session per function and role while it has over an hour left: cold starts do not pile up issued keys.
      const cacheKey = `${ctx.account}/${ctx.region}/${config.FunctionName}/${config.Role}`;
      const cached = sessions.get(cacheKey);
      if (cached && cached.expiresAt - Date.now() > 3_600_000) return cached.credentials;
      const role = findRoleByArn(ctx.state, ctx.account, config.Role);
      // Lambda assumes the execution role with the function's name as the session name.
      const roleName = role?.RoleName ?? config.Role.slice(config.Role.lastIndexOf("/") + 1);
      const principal = {
        account: ctx.account,
        arn: `arn:aws:sts::${ctx.account}:assumed-role/${roleName}/${config.FunctionName}`,
        userId: `${role?.RoleId ?? "AROA000000000000000000"}:${config.FunctionName}`,
        kind: "assumed-role" as const,
      };
      const issued = issueTemporaryCredentials(ctx.state, principal, 43200, config.Role);
      const credentials = { accessKeyId: issued.AccessKeyId, secretAccessKey: issued.SecretAccessKey, sessionToken: issued.SessionToken };
      sessions.set(cacheKey, { credentials, expiresAt: issued.Expiration.getTime() });
      return credentials;
    },
    reserved: record.reservedConcurrency,
    unreservedLimit: limit - reservedTotal,
  };
}

/** What Docker runs for an image function: a registry image by digest (pulled with the caller's registry credentials) or a local image. */
function imageSpec(ctx: RequestContext, config: FunctionConfigRecord): FunctionSpec["image"] {
  const image = config.image;
  if (!image) return undefined;
  const { state, endpoint } = ctx;
  // The registry credentials of the account and region the image belongs to.
  const { account, region } = awsImageScope(image.reference) ?? ctx;
  return {
    // Stored as resolved: the port of Stratus's registry is today's, not the one at creation.
    reference: image.fromRegistry ? localImageReference(image.reference, endpoint) : image.reference,
    auth: image.fromRegistry ? () => registryAuthFor(state, account, region, endpoint) : undefined,
    entryPoint: image.EntryPoint,
    command: image.Command,
    workingDirectory: image.WorkingDirectory,
  };
}

/** The codec hands a blob payload over as bytes; an absent one is the empty event. */
function payloadBytes(value: unknown): Buffer {
  if (value === undefined || value === null) return Buffer.from("{}");
  if (typeof value === "string") return Buffer.from(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw invalidParameter("Could not read the request payload.");
}

export interface Invocation {
  payload: Buffer;
  type: "RequestResponse" | "Event" | "DryRun";
  clientContext?: string | undefined;
  wantLog: boolean;
  /** An Event invocation resumed from the on-disk queue after a restart (not queued a second time). */
  queued?: QueuedEvent | undefined;
}

export interface InvocationResult {
  statusCode: number;
  executedVersion: string;
  payload?: Buffer;
  functionError?: string;
  logText?: string;
}

/** Invoke's whole path, shared by the API and function URLs: qualifier routing, limits, state, the runner. */
export async function invokeFunction(ctx: RequestContext, name: string, qualifier: string | undefined, invocation: Invocation): Promise<InvocationResult> {
  const resolved = resolveFunction(ctx, name, qualifier);
  const config = resolved.alias ? versionConfig(ctx, resolved.record, routedVersion(resolved.alias.FunctionVersion, resolved.alias.AdditionalVersionWeights)) : resolved.config;
  const { type, payload } = invocation;
  const limit = type === "Event" ? ASYNC_LIMIT : SYNC_LIMIT;
  if (payload.length > limit) {
    throw new AwsError("RequestTooLargeException", `Request must be smaller than ${limit} bytes for the InvokeFunction operation`, { status: 413, fields: { Type: "User" } });
  }
  if (Date.now() < config.activeAt) {
    throw conflict(`The operation cannot be performed at this time. The function is currently in the following state: Pending`);
  }
  if (type === "DryRun") return { statusCode: 204, executedVersion: config.Version };
  // The docker runner runs any runtime AWS publishes an image for (the image being present is checked when it starts).
  if (!config.image && !RUNNABLE_RUNTIMES.has(config.Runtime ?? "") && zipRunner() !== "docker") {
    throw new AwsError("InvalidRuntimeException", `Stratus cannot run ${config.Runtime ?? "this"} functions yet.`, { status: 502, fields: { Type: "User" } });
  }
  const spec = specFor(ctx, resolved.record, config);
  const request = { requestId: ctx.requestId, payload, invokedFunctionArn: functionArn(ctx, name, qualifier), clientContext: invocation.clientContext, wantLog: invocation.wantLog };
  const runner = engineFor(ctx.state);
  if (type === "Event") {
    const policy = eventConfigFor(ctx, name, qualifier);
    const queued = invocation.queued ?? enqueueEvent(ctx, name, qualifier, payload, invocation.clientContext);
    const scope = { account: ctx.account, region: ctx.region };
    runner.invokeAsync(
      spec,
      { ...request, requestId: queued.requestId, wantLog: false },
      { maximumRetryAttempts: policy?.MaximumRetryAttempts, maximumEventAgeSeconds: policy?.MaximumEventAgeInSeconds, enqueuedAt: queued.enqueuedAt },
      () => dequeueEvent(ctx.state, scope, queued.requestId),
    );
    return { statusCode: 202, executedVersion: config.Version };
  }
  try {
    const result = await runner.invoke(spec, request);
    return {
      statusCode: 200,
      executedVersion: config.Version,
      payload: result.payload,
      ...(result.functionError ? { functionError: result.functionError } : {}),
      ...(result.logText !== undefined ? { logText: result.logText } : {}),
    };
  } catch (error) {
    if (error instanceof ThrottledError) throw tooManyRequests(error.reason, "Rate Exceeded.");
    if (error instanceof RuntimeUnavailable) throw new AwsError("InvalidRuntimeException", error.message, { status: 502, fields: { Type: "User" } });
    // The image cannot be run (no Docker engine, image gone): Lambda's own failure, never a made-up success.
    if (error instanceof ImageUnavailable) throw new AwsError("ServiceException", error.message, { status: 500, fields: { Type: "Service" } });
    throw error;
  }
}

export const invokeHandlers: HandlerTable<Ops> = {
  async Invoke(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const type = input.InvocationType ?? "RequestResponse";
    if (type !== "RequestResponse" && type !== "Event" && type !== "DryRun") throw invalidParameter(`Unsupported InvocationType ${String(type)}`);
    const result = await invokeFunction(ctx, ref.name, resolveQualifier(ref, input.Qualifier), {
      payload: payloadBytes(input.Payload),
      type,
      clientContext: input.ClientContext,
      wantLog: input.LogType === "Tail",
    });
    if (result.statusCode !== 200) return { StatusCode: result.statusCode, ...(type === "DryRun" ? { ExecutedVersion: result.executedVersion } : {}) };
    return {
      StatusCode: 200,
      // The SDK's type is its own blob adapter; the codec writes any bytes.
      Payload: result.payload as unknown as Ops["Invoke"]["output"]["Payload"],
      ExecutedVersion: result.executedVersion,
      ...(result.functionError ? { FunctionError: result.functionError } : {}),
      ...(result.logText !== undefined ? { LogResult: Buffer.from(result.logText).toString("base64") } : {}),
    };
  },

  /** The deprecated asynchronous API: the same queue as Invoke with InvocationType Event. */
  async InvokeAsync(input, ctx) {
    const ref = parseFunctionRef(input.FunctionName ?? "", ctx);
    const result = await invokeFunction(ctx, ref.name, ref.qualifier, { payload: payloadBytes(input.InvokeArgs), type: "Event", wantLog: false });
    return { Status: result.statusCode };
  },
};

/** Start-up: events accepted before a restart (or a crash) run now. */
export function resumeLambda(state: StateStore, endpoint: string): void {
  const count = resumeQueuedEvents(state, endpoint, (ctx, event) =>
    invokeFunction(ctx, event.functionName, event.qualifier, {
      payload: Buffer.from(event.payload, "base64"),
      type: "Event",
      clientContext: event.clientContext,
      wantLog: false,
      queued: event,
    }),
  );
  if (count) log.info(`resumed ${count} queued Lambda event invocation(s)`);
}
