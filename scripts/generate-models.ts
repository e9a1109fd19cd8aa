/** Extracts a compact JSON model per service from the pinned @aws-sdk/client-* packages (build time only). */
// Usage: node scripts/generate-models.ts [--out DIR]   (DIR defaults to the repository root)
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  MemberRef,
  ModelIndex,
  OperationModel,
  ProtocolName,
  ServiceModel,
  Shape,
  TimestampFormat,
} from "../src/protocol/model-types.ts";
import { SERVICE_PACKAGES } from "./service-packages.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outArg = process.argv.indexOf("--out");
const outRoot = outArg > 0 ? (process.argv[outArg + 1] ?? root) : root;
const require = createRequire(join(root, "package.json"));

type Raw = unknown;
type RawArray = readonly unknown[];
type Traits = Record<string, unknown>;

const PROTOCOL_CLASSES: Record<string, ProtocolName> = {
  AwsQueryProtocol: "awsQuery",
  AwsEc2QueryProtocol: "ec2",
  AwsJson1_0Protocol: "awsJson1_0",
  AwsJson1_1Protocol: "awsJson1_1",
  AwsRestJsonProtocol: "restJson1",
  AwsRestXmlProtocol: "restXml",
  S3RestXmlProtocol: "restXml",
};

// The bit-packed trait indicator of the SDK's static schemas (see @smithy/core translateTraits).
const PACKED_TRAITS = ["httpLabel", "idempotent", "idempotencyToken", "sensitive", "httpPayload", "httpResponseCode", "httpQueryParams"];

function traitsOf(indicator: unknown): Traits {
  if (indicator && typeof indicator === "object") return indicator as Traits;
  const bits = typeof indicator === "number" ? indicator : 0;
  const out: Traits = {};
  PACKED_TRAITS.forEach((name, i) => {
    if ((bits >> i) & 1) out[name] = 1;
  });
  return out;
}

const deref = (ref: Raw): Raw => (typeof ref === "function" ? (ref as () => Raw)() : ref);
const isMemberPair = (ref: Raw): ref is RawArray => Array.isArray(ref) && ref.length === 2;

const PRIMITIVES: Record<number, string> = {
  0: "string",
  1: "number",
  2: "boolean",
  4: "timestamp",
  5: "timestamp",
  6: "timestamp",
  7: "timestamp",
  15: "document",
  17: "bigInteger",
  19: "bigDecimal",
  21: "blob",
  42: "streamingBlob",
};
const TIMESTAMP_CODES: Record<number, TimestampFormat> = { 5: "date-time", 6: "http-date", 7: "epoch-seconds" };

class ServiceExtractor {
  shapes: Record<string, Shape> = {};
  private seen = new Set<string>();

  /** Turns a member reference (maybe `[ref, traits]`) into a MemberRef, registering named shapes. */
  member(ref: Raw, extraTraits: Traits = {}): MemberRef {
    let traits: Traits = { ...extraTraits };
    let target = ref;
    while (isMemberPair(target)) {
      traits = { ...traitsOf(target[1]), ...traits };
      target = deref(target[0]);
    }
    target = deref(target);
    const out: MemberRef = { t: "string" };
    if (typeof target === "number") {
      this.primitiveOrInlineCollection(target, out);
    } else if (target === "unit") {
      out.t = "structure";
    } else if (Array.isArray(target)) {
      const kind = target[0] as number;
      if (kind === 0) {
        // A named simple shape: its own traits (timestampFormat, mediaType …) apply, member traits win.
        const inner = this.member([target[4], target[3]]);
        Object.assign(out, inner);
      } else {
        out.t = this.named(target);
      }
    } else {
      throw new Error(`unexpected schema ${String(target)}`);
    }
    applyMemberTraits(out, traits);
    return out;
  }

  private primitiveOrInlineCollection(code: number, out: MemberRef): void {
    if (code >= 64 && code < 128) {
      out.t = this.inlineCollection("list", code & 63);
    } else if (code >= 128 && code < 256) {
      out.t = this.inlineCollection("map", code & 63);
    } else {
      const name = PRIMITIVES[code];
      if (!name) throw new Error(`unknown primitive schema code ${code}`);
      out.t = name;
      const fmt = TIMESTAMP_CODES[code];
      if (fmt) out.timestampFormat = fmt;
    }
  }

  /** `64 | x` and `128 | x` are anonymous lists/maps of a primitive: give them stable names. */
  private inlineCollection(kind: "list" | "map", code: number): string {
    const inner = this.member(code);
    const name = `__${kind}_${inner.t}${inner.timestampFormat ? `_${inner.timestampFormat}` : ""}`;
    if (!this.shapes[name]) {
      this.shapes[name] =
        kind === "list" ? { type: "list", member: inner } : { type: "map", key: { t: "string" }, value: inner };
    }
    return name;
  }

  named(schema: RawArray): string {
    const kind = schema[0] as number;
    const name = String(schema[2]);
    if (this.seen.has(name)) return name;
    this.seen.add(name);
    const traits = traitsOf(schema[3]);
    if (kind === 1) {
      const shape: Shape = { type: "list", member: { t: "string" } };
      this.shapes[name] = shape;
      shape.member = this.member(schema[4]);
      copyCollectionTraits(shape, traits);
    } else if (kind === 2) {
      const shape: Shape = { type: "map", key: { t: "string" }, value: { t: "string" } };
      this.shapes[name] = shape;
      shape.key = this.member(schema[4]);
      shape.value = this.member(schema[5]);
      copyCollectionTraits(shape, traits);
    } else if (kind === 3 || kind === -3 || kind === 4) {
      const shape: Shape = { type: "structure", members: {} };
      this.shapes[name] = shape;
      const names = schema[4] as string[];
      const refs = schema[5] as Raw[];
      names.forEach((memberName, i) => {
        shape.members[memberName] = this.member(refs[i]);
      });
      const requiredCount = typeof schema[6] === "number" ? schema[6] : 0;
      if (requiredCount > 0) shape.required = names.slice(0, requiredCount);
      if (kind === 4) shape.union = true;
      if (typeof traits.xmlName === "string") shape.xmlName = traits.xmlName;
      if (typeof traits.xmlNamespace === "string") shape.xmlNamespace = traits.xmlNamespace;
      else if (Array.isArray(traits.xmlNamespace)) shape.xmlNamespace = String(traits.xmlNamespace[1] ?? traits.xmlNamespace[0]);
      if (traits.streaming) shape.streaming = true;
      if (kind === -3) {
        const fault = traits.error === "server" ? "server" : "client";
        const status = typeof traits.httpError === "number" ? traits.httpError : fault === "server" ? 500 : 400;
        shape.error = { fault, status };
        const query = traits.awsQueryError;
        if (Array.isArray(query)) {
          shape.error.queryCode = String(query[0]);
          shape.error.queryStatus = Number(query[1]);
        }
      }
    } else {
      throw new Error(`unknown schema kind ${kind} for ${name}`);
    }
    return name;
  }
}

function copyCollectionTraits(shape: { xmlFlattened?: boolean; xmlName?: string }, traits: Traits): void {
  if (traits.xmlFlattened) shape.xmlFlattened = true;
  if (typeof traits.xmlName === "string") shape.xmlName = traits.xmlName;
}

function applyMemberTraits(out: MemberRef, traits: Traits): void {
  const str = (k: string): string | undefined => (typeof traits[k] === "string" ? (traits[k] as string) : undefined);
  if (str("xmlName")) out.xmlName = str("xmlName");
  if (str("ec2QueryName")) out.ec2QueryName = str("ec2QueryName");
  if (str("jsonName")) out.jsonName = str("jsonName");
  if (str("mediaType")) out.mediaType = str("mediaType");
  if (traits.xmlFlattened) out.xmlFlattened = true;
  if (traits.xmlAttribute) out.xmlAttribute = true;
  if (traits.xmlNamespace) {
    const ns = traits.xmlNamespace;
    out.xmlNamespace = Array.isArray(ns) ? ns.map(String).join(" ") : String(ns);
  }
  if (traits.idempotencyToken) out.idempotencyToken = true;
  if (traits.hostLabel) out.hostLabel = true;
  if (traits.eventPayload) out.eventPayload = true;
  const fmt = str("timestampFormat");
  if (fmt === "date-time" || fmt === "http-date" || fmt === "epoch-seconds") out.timestampFormat = fmt;
  if (traits.httpLabel) out.location = "label";
  else if (str("httpQuery") !== undefined) {
    out.location = "query";
    out.locationName = str("httpQuery");
  } else if (traits.httpQueryParams) out.location = "queryParams";
  else if (str("httpHeader") !== undefined) {
    out.location = "header";
    out.locationName = str("httpHeader");
  } else if (str("httpPrefixHeaders") !== undefined) {
    out.location = "prefixHeaders";
    out.locationName = str("httpPrefixHeaders");
  } else if (traits.httpPayload) out.location = "payload";
  else if (traits.httpResponseCode) out.location = "statusCode";
}

function readRuntimeConfig(pkgDir: string): { protocol: ProtocolName; settings: Record<string, string | boolean> } {
  const text = readFileSync(join(pkgDir, "dist-es/runtimeConfig.shared.js"), "utf8");
  const cls = /protocol: config\?\.protocol \?\? (\w+)/.exec(text)?.[1] ?? "";
  const protocol = PROTOCOL_CLASSES[cls];
  if (!protocol) throw new Error(`${pkgDir}: unknown protocol class ${cls}`);
  const settings: Record<string, string | boolean> = {};
  const block = /protocolSettings: config\?\.protocolSettings \?\? \{([^}]*)\}/.exec(text)?.[1] ?? "";
  for (const m of block.matchAll(/(\w+): ("([^"]*)"|true|false)/g)) {
    settings[m[1] as string] = m[3] !== undefined ? m[3] : m[2] === "true";
  }
  const serviceId = /serviceId: config\?\.serviceId \?\? "([^"]+)"/.exec(text)?.[1] ?? "";
  settings.serviceId = serviceId;
  return { protocol, settings };
}

function signingNameOf(pkgDir: string): string {
  const text = readFileSync(join(pkgDir, "dist-es/auth/httpAuthSchemeProvider.js"), "utf8");
  const name = /name: "([^"]+)"/.exec(text)?.[1];
  if (!name) throw new Error(`${pkgDir}: no signing name`);
  return name;
}

async function extract(id: string, pkg: string): Promise<ServiceModel> {
  const pkgJsonPath = require.resolve(`${pkg}/package.json`);
  const pkgDir = dirname(pkgJsonPath);
  const version = (JSON.parse(readFileSync(pkgJsonPath, "utf8")) as { version: string }).version;
  const exportsOf = (await import(pkg)) as Record<string, unknown>;
  const { protocol, settings } = readRuntimeConfig(pkgDir);
  const extractor = new ServiceExtractor();
  const operations: Record<string, OperationModel> = {};
  const errors: string[] = [];
  for (const key of Object.keys(exportsOf).sort()) {
    const value = exportsOf[key];
    if (!key.endsWith("$") || !Array.isArray(value)) continue;
    if (value[0] === 9) {
      const op: OperationModel = {};
      const traits = traitsOf(value[3]);
      const input = extractor.member(value[4]);
      const output = extractor.member(value[5]);
      if (input.t !== "structure") op.input = input.t;
      if (output.t !== "structure") op.output = output.t;
      if (Array.isArray(traits.http)) op.http = [String(traits.http[0]), String(traits.http[1]), Number(traits.http[2])];
      const endpoint = traits.endpoint;
      if (Array.isArray(endpoint) && typeof endpoint[0] === "string") op.hostPrefix = endpoint[0];
      operations[String(value[2])] = op;
    } else if (value[0] === -3 && !String(value[1]).startsWith("smithy.ts.sdk.synthetic")) {
      // The synthetic namespace holds the SDK's own base class (e.g. STSServiceException), not an AWS error.
      errors.push(extractor.named(value));
    }
  }
  const model: ServiceModel = {
    id,
    sdkPackage: pkg,
    sdkVersion: version,
    sdkServiceId: String(settings.serviceId),
    protocol,
    apiVersion: String(settings.version),
    signingName: signingNameOf(pkgDir),
    targetPrefix: String(settings.serviceTarget),
    operations,
    shapes: sortKeys(extractor.shapes),
    errors: errors.sort(),
  };
  if (settings.awsQueryCompatible === true) {
    model.awsQueryCompatible = true;
    model.alsoServes = ["awsQuery"];
  }
  if (typeof settings.xmlNamespace === "string") model.xmlNamespace = settings.xmlNamespace;
  return model;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** First literal path segment of every REST operation: enough to tell Lambda from EKS without a signature. */
function pathPrefixes(model: ServiceModel): string[] {
  const prefixes = new Set<string>();
  for (const op of Object.values(model.operations)) {
    const segment = op.http?.[1].split("?")[0]?.split("/")[1];
    if (segment && !segment.startsWith("{")) prefixes.add(segment);
  }
  return [...prefixes].sort();
}

const index: ModelIndex = { services: {} };
const sources: string[] = [];
mkdirSync(join(outRoot, "models"), { recursive: true });
for (const [id, pkg] of Object.entries(SERVICE_PACKAGES)) {
  const model = await extract(id, pkg);
  writeFileSync(join(outRoot, "models", `${id}.json`), JSON.stringify(model) + "\n");
  const entry: ModelIndex["services"][string] = {
    protocol: model.protocol,
    signingName: model.signingName,
    targetPrefix: model.targetPrefix,
    apiVersion: model.apiVersion,
  };
  if (model.alsoServes) entry.alsoServes = model.alsoServes;
  if (model.protocol === "restJson1" || model.protocol === "restXml") entry.pathPrefixes = pathPrefixes(model);
  index.services[id] = entry;
  sources.push(`- ${pkg} ${model.sdkVersion}`);
  console.log(`${id}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes`);
}
writeFileSync(join(outRoot, "models", "index.json"), JSON.stringify(index, null, 1) + "\n");
writeFileSync(join(outRoot, "models", "SOURCES.md"), `# Where the models come from\n\nGenerated by \`npm run models\` from the static schemas shipped in these packages (Apache-2.0, Amazon.com, Inc.):\n\n${sources.join("\n")}\n`);
await import("./generate-operation-types.ts").then((m: { writeOperationTypes: (outRoot: string) => void }) => m.writeOperationTypes(outRoot));
