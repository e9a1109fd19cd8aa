/** The shape-walking JSON reader and writer shared by the awsJson and restJson1 codecs. */
import { AwsError } from "../shared/aws-error.ts";
import type { LoadedModel } from "./model-registry.ts";
import type { MemberRef, StructureShape } from "./model-types.ts";
import { formatTimestamp, fromBase64, parseTimestamp, toBase64 } from "./values.ts";

export interface JsonOptions {
  /** restJson1 honours `jsonName`; the awsJson protocols ignore it (as the SDKs do). */
  jsonName: boolean;
  /** restJson1: top-level members bound to the URI, query or headers are not part of the body. */
  skipBound: boolean;
}

/** Thrown deep in the walk; each level adds its step to the path on the way out. */
class Mismatch extends Error {
  readonly path: string[];
  constructor(message: string, step?: string) {
    super(message);
    this.path = step === undefined ? [] : [step];
  }
}

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Assigns without letting a `__proto__` key from the wire touch the prototype. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Wire name → member name, only for structures where some member is renamed by `jsonName`. */
function wireIndex(model: LoadedModel, shape: StructureShape): Map<string, string> | undefined {
  const cache = model.memo("json-wire-names", () => new Map<StructureShape, Map<string, string> | undefined>());
  if (cache.has(shape)) return cache.get(shape);
  let index: Map<string, string> | undefined;
  for (const [name, ref] of Object.entries(shape.members)) {
    if (ref.jsonName !== undefined && ref.jsonName !== name) {
      index = new Map(Object.keys(shape.members).map((n) => [shape.members[n]?.jsonName ?? n, n]));
      break;
    }
  }
  cache.set(shape, index);
  return index;
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

function readValue(model: LoadedModel, ref: MemberRef, value: unknown, options: JsonOptions): unknown {
  switch (ref.t) {
    case "string":
      if (typeof value === "string") return value;
      throw new Mismatch(`expected a string but got ${describe(value)}`);
    case "number":
    case "bigInteger":
    case "bigDecimal":
      if (typeof value === "number") return value;
      // AWS JSON writes the non-finite floats as these strings.
      if (typeof value === "string" && Object.hasOwn(NON_FINITE, value)) return NON_FINITE[value];
      throw new Mismatch(`expected a number but got ${describe(value)}`);
    case "boolean":
      if (typeof value === "boolean") return value;
      throw new Mismatch(`expected a boolean but got ${describe(value)}`);
    case "timestamp":
      // Epoch seconds (fractional from the JS SDK, whole from botocore); ISO strings accepted too.
      // Rounded: a fraction like 1700000000.123 times 1000 may land a hair below the millisecond.
      if (typeof value === "number" && Number.isFinite(value)) return new Date(Math.round(value * 1000));
      if (typeof value === "string") {
        try {
          return parseTimestamp(value, "SerializationException", "");
        } catch {
          throw new Mismatch(`expected a timestamp but got "${value}"`);
        }
      }
      throw new Mismatch(`expected a timestamp but got ${describe(value)}`);
    case "blob":
    case "streamingBlob":
      if (typeof value === "string") {
        try {
          return fromBase64(value, "SerializationException", "");
        } catch {
          throw new Mismatch("expected base64-encoded bytes");
        }
      }
      throw new Mismatch(`expected a base64 string but got ${describe(value)}`);
    case "document":
      return value;
    case "structure":
      // The unit type (a union member without a value).
      if (isRecord(value)) return {};
      throw new Mismatch(`expected an object but got ${describe(value)}`);
  }
  return walkAggregate(model, ref, value, options, READ);
}

function addStep(error: unknown, step: string): unknown {
  if (error instanceof Mismatch) error.path.unshift(step);
  return error;
}

/** What differs between reading the wire and writing output; the walk over structures, lists and maps is shared. */
interface Direction {
  value: (model: LoadedModel, ref: MemberRef, value: unknown, options: JsonOptions) => unknown;
  /** With `jsonName`, reading maps wire names to members and writing members to wire names. */
  reading: boolean;
  /** The items of a list value; undefined when it is not one. */
  listItems: (value: unknown) => readonly unknown[] | undefined;
  /** The entries of a map value; undefined when it is not one. */
  mapEntries: (value: unknown) => Iterable<[unknown, unknown]> | undefined;
}

/** A structure, list or map member, each step named for the error path. Null list entries and map values are left out. */
function walkAggregate(model: LoadedModel, ref: MemberRef, value: unknown, options: JsonOptions, direction: Direction): unknown {
  const shape = model.shape(ref.t);
  if (!shape) return value;
  if (shape.type === "structure") {
    if (!isRecord(value)) throw new Mismatch(`expected an object but got ${describe(value)}`);
    return walkStructure(model, shape, value, options, false, direction);
  }
  if (shape.type === "list") {
    const items = direction.listItems(value);
    if (!items) throw new Mismatch(`expected an array but got ${describe(value)}`);
    const out: unknown[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      // Dense lists only: a null entry carries nothing.
      if (item === null || item === undefined) continue;
      try {
        out.push(direction.value(model, shape.member, item, options));
      } catch (error) {
        throw addStep(error, `[${i}]`);
      }
    }
    return out;
  }
  const entries = direction.mapEntries(value);
  if (!entries) throw new Mismatch(`expected an object but got ${describe(value)}`);
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    if (item === null || item === undefined) continue;
    try {
      put(out, String(key), direction.value(model, shape.value, item, options));
    } catch (error) {
      throw addStep(error, `[${JSON.stringify(String(key))}]`);
    }
  }
  return out;
}

/** A structure's members, each step named for the error path; top-level members bound to HTTP are skipped when asked. */
function walkStructure(
  model: LoadedModel,
  shape: StructureShape,
  value: Record<string, unknown>,
  options: JsonOptions,
  topLevel: boolean,
  direction: Direction,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const index = direction.reading && options.jsonName ? wireIndex(model, shape) : undefined;
  const rename = !direction.reading && options.jsonName;
  const members = shape.members;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const name = index ? index.get(key) : key;
    // Unknown members are ignored: SDK customizations and newer clients add some.
    if (name === undefined || !Object.hasOwn(members, name)) continue;
    const ref = members[name] as MemberRef;
    if (topLevel && options.skipBound && ref.location) continue;
    const item = value[key];
    // Absent members are left out: AWS never writes null.
    if (item === null || item === undefined) continue;
    try {
      put(out, rename && ref.jsonName !== undefined ? ref.jsonName : name, direction.value(model, ref, item, options));
    } catch (error) {
      throw addStep(error, name);
    }
  }
  return out;
}

const READ: Direction = {
  value: readValue,
  reading: true,
  listItems: (value) => (Array.isArray(value) ? value : undefined),
  mapEntries: (value) => (isRecord(value) ? Object.entries(value) : undefined),
};

function pathText(path: readonly string[]): string {
  let text = "";
  for (const step of path) text += step.startsWith("[") || text === "" ? step : `.${step}`;
  return text;
}

/**
 * Reads a decoded JSON value as the given structure. Wrong types throw `errorCode` (SerializationException)
 * naming the member path, e.g. `containerDefinitions[0].memory`.
 */
export function readJsonStructure(
  model: LoadedModel,
  shape: StructureShape,
  json: unknown,
  options: JsonOptions,
  errorCode = "SerializationException",
): Record<string, unknown> {
  if (!isRecord(json)) throw new AwsError(errorCode, `Expected a JSON object as the request body but got ${describe(json)}`);
  try {
    return walkStructure(model, shape, json, options, true, READ);
  } catch (error) {
    if (error instanceof Mismatch) {
      throw new AwsError(errorCode, `Invalid value for member ${pathText(error.path)}: ${error.message}`);
    }
    throw error;
  }
}

/** Reads a member that is not a structure (a restJson document payload) with the same rules. */
export function readJsonValue(model: LoadedModel, ref: MemberRef, json: unknown, options: JsonOptions, member: string, errorCode = "SerializationException"): unknown {
  try {
    return readValue(model, ref, json, options);
  } catch (error) {
    if (error instanceof Mismatch) throw new AwsError(errorCode, `Invalid value for member ${pathText([member, ...error.path])}: ${error.message}`);
    throw error;
  }
}

/** Parses body bytes as JSON; an empty body is `{}`. Malformed JSON throws `errorCode`. */
export function parseJsonBody(body: Buffer, errorCode = "SerializationException"): unknown {
  if (body.length === 0) return {};
  const text = body.toString("utf8");
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AwsError(errorCode, `Malformed JSON in the request body: ${error instanceof Error ? error.message : String(error)}`);
  }
}

// ---- writing ----

function writeNumber(value: unknown): unknown {
  const n = typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  if (Number.isFinite(n)) return n;
  if (typeof value === "number" || (typeof value === "string" && Object.hasOwn(NON_FINITE, value))) {
    return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  }
  throw new Mismatch(`expected a number but got ${describe(value)}`);
}

function writeValue(model: LoadedModel, ref: MemberRef, value: unknown, options: JsonOptions): unknown {
  switch (ref.t) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
      throw new Mismatch(`expected a string but got ${describe(value)}`);
    case "number":
    case "bigInteger":
    case "bigDecimal":
      return writeNumber(value);
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "false") return value === "true";
      throw new Mismatch(`expected a boolean but got ${describe(value)}`);
    case "timestamp":
      try {
        return formatTimestamp(value, ref.timestampFormat ?? "epoch-seconds");
      } catch {
        throw new Mismatch(`expected a timestamp but got ${describe(value)}`);
      }
    case "blob":
    case "streamingBlob":
      try {
        return toBase64(value);
      } catch {
        throw new Mismatch(`expected bytes but got ${describe(value)}`);
      }
    case "document":
      return value;
    case "structure":
      return {};
  }
  return walkAggregate(model, ref, value, options, WRITE);
}

const WRITE: Direction = {
  value: writeValue,
  reading: false,
  // Sets are accepted for lists, Maps for maps, for convenience.
  listItems: (value) => (Array.isArray(value) ? value : value instanceof Set ? [...value] : undefined),
  mapEntries: (value) => (value instanceof Map ? value.entries() : isRecord(value) ? Object.entries(value) : undefined),
};

/**
 * Turns an output structure into a JSON-ready object: members as modelled, timestamps as epoch seconds,
 * blobs base64, unknown keys dropped. A value of the wrong type is a handler bug: it throws a plain Error
 * (the gateway answers InternalFailure) naming the member path.
 */
export function writeJsonStructure(model: LoadedModel, shape: StructureShape, value: Record<string, unknown>, options: JsonOptions): Record<string, unknown> {
  try {
    return walkStructure(model, shape, value, options, true, WRITE);
  } catch (error) {
    if (error instanceof Mismatch) throw new Error(`Cannot serialize output member ${pathText(error.path)}: ${error.message}`);
    throw error;
  }
}

/** A single non-structure value (a restJson document payload), written with the same rules. */
export function writeJsonValue(model: LoadedModel, ref: MemberRef, value: unknown, options: JsonOptions, member: string): unknown {
  try {
    return writeValue(model, ref, value, options);
  } catch (error) {
    if (error instanceof Mismatch) throw new Error(`Cannot serialize output member ${pathText([member, ...error.path])}: ${error.message}`);
    throw error;
  }
}
