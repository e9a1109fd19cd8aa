/** Protocol-neutral REST HTTP bindings: labels, query, headers, prefix headers, payload and status code members. */
import { AwsError } from "../shared/aws-error.ts";
import type { LoadedModel } from "./model-registry.ts";
import type { MemberRef, StructureShape } from "./model-types.ts";
import type { QueryParams, Route } from "./rest-routes.ts";
import { formatTimestamp, fromBase64, parseTimestamp, toBase64 } from "./values.ts";

export { decodePathSegment, findRoute, matchRoute, parseQuery, routeTable } from "./rest-routes.ts";
export type { QueryParams, Route, RouteMatch } from "./rest-routes.ts";

/** What a member's value is, with named shapes resolved (bigInteger/bigDecimal travel as numbers). */
export type ValueKind =
  | "string"
  | "number"
  | "boolean"
  | "timestamp"
  | "blob"
  | "streamingBlob"
  | "document"
  | "structure"
  | "list"
  | "map";

export interface Binding {
  name: string;
  ref: MemberRef;
  kind: ValueKind;
  /** Label name, query key, lower-case header name or lower-case header prefix. */
  wire: string;
  /** Header name or prefix as modelled, for writing responses. */
  headerName: string;
  /** For a list: its member; for a map: its value. */
  item: MemberRef | undefined;
  itemKind: ValueKind | undefined;
}

export interface HttpBindings {
  labels: readonly Binding[];
  query: readonly Binding[];
  queryParams: Binding | undefined;
  headers: readonly Binding[];
  prefixHeaders: readonly Binding[];
  payload: Binding | undefined;
  statusCode: Binding | undefined;
  /** Names of the members that travel in the body (no HTTP binding). */
  body: readonly string[];
}

export function kindOf(model: LoadedModel, ref: MemberRef): ValueKind {
  switch (ref.t) {
    case "string":
    case "number":
    case "boolean":
    case "timestamp":
    case "blob":
    case "streamingBlob":
    case "document":
      return ref.t;
    case "bigInteger":
    case "bigDecimal":
      return "number";
    case "structure":
      return "structure";
  }
  return model.shape(ref.t)?.type ?? "structure";
}

/** The HTTP bindings of a structure, computed once per shape and model. */
export function httpBindings(model: LoadedModel, shape: StructureShape): HttpBindings {
  const cache = model.memo("rest-bindings", () => new Map<StructureShape, HttpBindings>());
  let bindings = cache.get(shape);
  if (!bindings) {
    bindings = buildBindings(model, shape);
    cache.set(shape, bindings);
  }
  return bindings;
}

function buildBindings(model: LoadedModel, shape: StructureShape): HttpBindings {
  const out = {
    labels: [] as Binding[],
    query: [] as Binding[],
    queryParams: undefined as Binding | undefined,
    headers: [] as Binding[],
    prefixHeaders: [] as Binding[],
    payload: undefined as Binding | undefined,
    statusCode: undefined as Binding | undefined,
    body: [] as string[],
  };
  for (const [name, ref] of Object.entries(shape.members)) {
    if (!ref.location) {
      out.body.push(name);
      continue;
    }
    const kind = kindOf(model, ref);
    const target = model.shape(ref.t);
    const item = target?.type === "list" ? target.member : target?.type === "map" ? target.value : undefined;
    const headerName = ref.locationName ?? name;
    const wire = ref.location === "header" || ref.location === "prefixHeaders" ? headerName.toLowerCase() : headerName;
    const binding: Binding = { name, ref, kind, wire, headerName, item, itemKind: item ? kindOf(model, item) : undefined };
    switch (ref.location) {
      case "label":
        out.labels.push(binding);
        break;
      case "query":
        out.query.push(binding);
        break;
      case "queryParams":
        out.queryParams = binding;
        break;
      case "header":
        out.headers.push(binding);
        break;
      case "prefixHeaders":
        out.prefixHeaders.push(binding);
        break;
      case "payload":
        out.payload = binding;
        break;
      case "statusCode":
        out.statusCode = binding;
        break;
    }
  }
  return out;
}

type TextPlace = "label" | "query" | "header";

/** Reads one scalar sent as text (label, query value, header). */
export function scalarFromText(
  kind: ValueKind,
  ref: MemberRef,
  raw: string,
  place: TextPlace,
  errorCode: string,
  member: string,
): unknown {
  switch (kind) {
    case "string":
      // A header string with a mediaType (Smithy's jsonvalue) is base64 of the JSON text.
      if (place === "header" && ref.mediaType) return Buffer.from(fromBase64(raw, errorCode, member)).toString("utf8");
      return raw;
    case "number": {
      const text = raw.trim();
      const n = Number(text);
      if (text === "" || (Number.isNaN(n) && text !== "NaN")) {
        throw new AwsError(errorCode, `Invalid number for ${member}: ${raw}`);
      }
      return n;
    }
    case "boolean": {
      const text = raw.trim().toLowerCase();
      if (text === "true") return true;
      if (text === "false") return false;
      throw new AwsError(errorCode, `Invalid boolean for ${member}: ${raw}`);
    }
    case "timestamp":
      return parseTimestamp(raw, errorCode, member);
    case "blob":
    case "streamingBlob":
      return fromBase64(raw, errorCode, member);
    default:
      throw new AwsError(errorCode, `Member ${member} cannot be bound to the ${place}`);
  }
}

/** Writes one scalar as text; timestamps default to RFC 7231 in headers and ISO-8601 in query and labels. */
export function scalarToText(kind: ValueKind | undefined, ref: MemberRef, value: unknown, place: TextPlace): string {
  switch (kind) {
    case "timestamp":
      return String(formatTimestamp(value, ref.timestampFormat ?? (place === "header" ? "http-date" : "date-time")));
    case "blob":
    case "streamingBlob":
      return toBase64(value);
    case "string":
      if (place === "header" && ref.mediaType) return Buffer.from(String(value), "utf8").toString("base64");
      return String(value);
    case "number":
      return typeof value === "number" && Number.isNaN(value) ? "NaN" : String(value);
    default:
      return String(value);
  }
}

/**
 * Splits a list header: items separated by commas, an item with a comma or quote arrives double-quoted
 * (`"a,b", c`). RFC 7231 dates contain a comma themselves, so timestamp lists pair the pieces up.
 */
export function splitHeaderList(raw: string, itemKind: ValueKind | undefined, ref: MemberRef | undefined): string[] {
  if (raw.trim() === "") return [];
  const httpDates = itemKind === "timestamp" && (ref?.timestampFormat ?? "http-date") === "http-date";
  const items: string[] = [];
  let current = "";
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (quoted) {
      if (c === "\\" && i + 1 < raw.length) current += raw[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"' && current.trim() === "") {
      quoted = true;
      wasQuoted = true;
      current = "";
    } else if (c === ",") {
      items.push(wasQuoted ? current : current.trim());
      current = "";
      wasQuoted = false;
    } else if (!wasQuoted) {
      current += c;
    }
  }
  items.push(wasQuoted ? current : current.trim());
  if (!httpDates) return items;
  const dates: string[] = [];
  for (let i = 0; i < items.length; i += 2) dates.push(items[i + 1] === undefined ? (items[i] as string) : `${items[i]}, ${items[i + 1]}`);
  return dates;
}

function joinHeaderList(values: readonly unknown[], b: Binding): string {
  const item = b.item ?? { t: "string" };
  return values
    .filter((v) => v !== undefined && v !== null)
    .map((v) => {
      const text = scalarToText(b.itemKind, item, v, "header");
      if (b.itemKind === "timestamp" || !/[",]/.test(text)) return text;
      return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    })
    .join(", ");
}

function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export interface BoundRequest {
  labels: Record<string, string>;
  query: QueryParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The matched route, so its query literals are not mistaken for `httpQueryParams` entries. */
  route?: Route;
}

/** Copies label, query, header and prefix-header members of a request into `input`. */
export function readHttpBindings(
  bindings: HttpBindings,
  request: BoundRequest,
  errorCode: string,
  input: Record<string, unknown>,
): void {
  for (const b of bindings.labels) {
    const raw = request.labels[b.name];
    if (raw !== undefined) input[b.name] = scalarFromText(b.kind, b.ref, raw, "label", errorCode, b.name);
  }
  for (const b of bindings.query) {
    const values = request.query.get(b.wire);
    if (!values) continue;
    if (b.kind === "list") {
      const item = b.item ?? { t: "string" };
      input[b.name] = values.map((v) => scalarFromText(b.itemKind ?? "string", item, v, "query", errorCode, b.name));
    } else {
      input[b.name] = scalarFromText(b.kind, b.ref, values[0] ?? "", "query", errorCode, b.name);
    }
  }
  if (bindings.queryParams) readQueryParams(bindings, bindings.queryParams, request, errorCode, input);
  for (const b of bindings.headers) {
    const raw = request.headers[b.wire];
    if (raw === undefined) continue;
    if (b.kind === "list") {
      const item = b.item ?? { t: "string" };
      input[b.name] = splitHeaderList(raw, b.itemKind, item).map((v) =>
        scalarFromText(b.itemKind ?? "string", item, v, "header", errorCode, b.name),
      );
    } else {
      input[b.name] = scalarFromText(b.kind, b.ref, raw, "header", errorCode, b.name);
    }
  }
  for (const b of bindings.prefixHeaders) {
    const map: Record<string, unknown> = {};
    let any = false;
    for (const [name, raw] of Object.entries(request.headers)) {
      if (!name.startsWith(b.wire)) continue;
      setMember(map, name.slice(b.wire.length), raw);
      any = true;
    }
    if (any) input[b.name] = map;
  }
}

/** `httpQueryParams`: every query key not bound to a named member nor a route literal. */
function readQueryParams(bindings: HttpBindings, b: Binding, request: BoundRequest, errorCode: string, input: Record<string, unknown>): void {
  const taken = new Set<string>(bindings.query.map((q) => q.wire));
  for (const [key] of request.route?.literals ?? []) taken.add(key);
  if (request.route?.xId !== undefined) taken.add("x-id");
  const map: Record<string, unknown> = {};
  let any = false;
  for (const [key, values] of request.query) {
    if (taken.has(key)) continue;
    const valueRef = b.item ?? { t: "string" };
    const valueKind = b.itemKind ?? "string";
    // A map of lists keeps every value of a repeated key; a map of strings takes the first.
    setMember(map, key, valueKind === "list" ? values : scalarFromText(valueKind, valueRef, values[0] ?? "", "query", errorCode, b.name));
    any = true;
  }
  if (any) input[b.name] = map;
}

/**
 * Writes header, prefix-header and status-code members of an output (or error) into `headers`;
 * returns the status from an `httpResponseCode` member, if one is set.
 */
export function writeHttpBindings(bindings: HttpBindings, output: Record<string, unknown>, headers: Record<string, string>): number | undefined {
  for (const b of bindings.headers) {
    const value = output[b.name];
    if (value === undefined || value === null) continue;
    if (b.kind === "list") {
      if (Array.isArray(value) && value.length > 0) headers[b.headerName] = joinHeaderList(value, b);
    } else {
      headers[b.headerName] = scalarToText(b.kind, b.ref, value, "header");
    }
  }
  for (const b of bindings.prefixHeaders) {
    const value = output[b.name];
    if (!value || typeof value !== "object") continue;
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined && item !== null) headers[b.headerName + key] = String(item);
    }
  }
  if (bindings.statusCode) {
    const status = output[bindings.statusCode.name];
    if (typeof status === "number" && Number.isInteger(status) && status >= 100 && status <= 599) return status;
  }
  return undefined;
}

/** A blob or string `httpPayload` as the body carries it (bytes, or UTF-8 text); undefined for other kinds. */
export function rawPayload(b: Binding, body: Buffer): Uint8Array | string | undefined {
  switch (b.kind) {
    case "blob":
    case "streamingBlob":
      return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    case "string":
      return body.toString("utf8");
    default:
      return undefined;
  }
}
