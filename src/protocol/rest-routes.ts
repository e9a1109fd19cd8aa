/** REST routing: compiles each operation's `http` URI template into a per-model route table and matches requests. */
import { AwsError } from "../shared/aws-error.ts";
import type { LoadedModel } from "./model-registry.ts";

/** Decoded query string: every key with all its values in order (`?a=1&a=2` → a: ["1", "2"]). */
export type QueryParams = Map<string, string[]>;

interface Segment {
  /** A literal path segment, or undefined for a label. */
  literal: string | undefined;
  /** The label's member name. */
  label: string;
}

export interface Route {
  operation: string;
  method: string;
  segments: readonly Segment[];
  /** Index of the greedy `{Key+}` segment, -1 when none. */
  greedy: number;
  /** Query literals that must be present (`?tagging`, `?List=ALL`); value undefined = any value. */
  literals: ReadonlyArray<readonly [string, string | undefined]>;
  /**
   * `x-id=GetObject` is a hint only the JS SDK sends (botocore and real S3 clients leave it out), so it
   * disambiguates when present and never excludes the route when absent.
   */
  xId: string | undefined;
  literalSegments: number;
  /** Query keys and (lower-case) header names of required input members: tie-breakers between routes. */
  requiredQuery: readonly string[];
  requiredHeaders: readonly string[];
  /**
   * Label members the template does not place in the path: S3's `Bucket`, which the SDK puts in the host
   * or in front of the path. The caller supplies those; a route fits only when exactly these are supplied.
   */
  outOfPathLabels: readonly string[];
}

export interface RouteMatch {
  route: Route;
  operation: string;
  /** Label values, percent-decoded (a greedy label keeps its `/`). */
  labels: Record<string, string>;
}

/** Splits `?a=1&b&c=x+y` into decoded keys and values (`+` is a space, as form encoding and botocore use). */
export function parseQuery(rawQuery: string): QueryParams {
  const out: QueryParams = new Map();
  if (rawQuery === "") return out;
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? "" : decodeQueryComponent(part.slice(eq + 1));
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

function decodeQueryComponent(text: string): string {
  if (!text.includes("%") && !text.includes("+")) return text;
  const spaced = text.replaceAll("+", " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Percent-decodes one path segment; a malformed escape is kept as it came. */
export function decodePathSegment(raw: string): string {
  if (!raw.includes("%")) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function compileRoute(model: LoadedModel, operation: string, method: string, uri: string): Route {
  const q = uri.indexOf("?");
  const pathPart = q < 0 ? uri : uri.slice(0, q);
  const queryPart = q < 0 ? "" : uri.slice(q + 1);
  const trimmed = pathPart.startsWith("/") ? pathPart.slice(1) : pathPart;
  const raw = trimmed === "" ? [] : trimmed.split("/");
  // A template written with a trailing slash matches the same paths as one without.
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  let greedy = -1;
  let literalSegments = 0;
  const segments: Segment[] = raw.map((text, i) => {
    if (text.startsWith("{") && text.endsWith("}")) {
      const isGreedy = text.endsWith("+}");
      if (isGreedy) greedy = i;
      return { literal: undefined, label: text.slice(1, isGreedy ? -2 : -1) };
    }
    literalSegments++;
    return { literal: decodePathSegment(text), label: "" };
  });
  const literals: Array<readonly [string, string | undefined]> = [];
  let xId: string | undefined;
  for (const [key, values] of parseQuery(queryPart)) {
    const value = values[0] ?? "";
    if (key === "x-id") xId = value;
    else literals.push([key, value === "" ? undefined : value]);
  }
  const requiredQuery: string[] = [];
  const requiredHeaders: string[] = [];
  const input = model.inputShape(operation);
  const inPath = new Set(segments.map((s) => s.label));
  const outOfPathLabels = Object.entries(input.members)
    .filter(([name, ref]) => ref.location === "label" && !inPath.has(name))
    .map(([name]) => name);
  for (const name of input.required ?? []) {
    const ref = input.members[name];
    if (ref?.location === "query") requiredQuery.push(ref.locationName ?? name);
    else if (ref?.location === "header") requiredHeaders.push((ref.locationName ?? name).toLowerCase());
  }
  return { operation, method, segments, greedy, literals, xId, literalSegments, requiredQuery, requiredHeaders, outOfPathLabels };
}

/** Static specificity: more query literals, then more literal segments, then no greedy label. */
function staticOrder(a: Route, b: Route): number {
  return (
    b.literals.length - a.literals.length ||
    b.literalSegments - a.literalSegments ||
    (a.greedy < 0 ? 0 : 1) - (b.greedy < 0 ? 0 : 1) ||
    b.segments.length - a.segments.length
  );
}

/** The model's routes grouped by HTTP method, most specific first (computed once per model). */
export function routeTable(model: LoadedModel): ReadonlyMap<string, readonly Route[]> {
  return model.memo("rest-routes", () => {
    const byMethod = new Map<string, Route[]>();
    for (const [name, op] of Object.entries(model.model.operations)) {
      if (!op.http) continue;
      const route = compileRoute(model, name, op.http[0].toUpperCase(), op.http[1]);
      const list = byMethod.get(route.method);
      if (list) list.push(route);
      else byMethod.set(route.method, [route]);
    }
    for (const list of byMethod.values()) list.sort(staticOrder);
    return byMethod;
  });
}

/** Whether the path segments fit the route (labels non-empty; a greedy label takes one or more segments). */
function fits(route: Route, segs: readonly string[], n: number): boolean {
  const rs = route.segments;
  if (route.greedy < 0) {
    if (n !== rs.length) return false;
    for (let i = 0; i < n; i++) {
      const s = rs[i] as Segment;
      const value = segs[i] as string;
      if (s.literal === undefined ? value === "" : s.literal !== value) return false;
    }
    return true;
  }
  const before = route.greedy;
  const after = rs.length - before - 1;
  if (n < rs.length) return false;
  for (let i = 0; i < before; i++) {
    const s = rs[i] as Segment;
    const value = segs[i] as string;
    if (s.literal === undefined ? value === "" : s.literal !== value) return false;
  }
  for (let j = 0; j < after; j++) {
    const s = rs[before + 1 + j] as Segment;
    const value = segs[n - after + j] as string;
    if (s.literal === undefined ? value === "" : s.literal !== value) return false;
  }
  // An empty greedy label ("/" alone) is no key at all.
  return !(n - after - before === 1 && segs[before] === "");
}

function extractLabels(route: Route, segs: readonly string[], n: number): Record<string, string> {
  const labels: Record<string, string> = {};
  const rs = route.segments;
  if (route.greedy < 0) {
    for (let i = 0; i < n; i++) {
      const s = rs[i] as Segment;
      if (s.literal === undefined) labels[s.label] = decodePathSegment(segs[i] as string);
    }
    return labels;
  }
  const after = rs.length - route.greedy - 1;
  for (let i = 0; i < rs.length; i++) {
    const s = rs[i] as Segment;
    if (s.literal !== undefined) continue;
    if (i < route.greedy) labels[s.label] = decodePathSegment(segs[i] as string);
    else if (i > route.greedy) labels[s.label] = decodePathSegment(segs[n - (rs.length - i)] as string);
    // Split on "/" first, decode each piece: an encoded %2F inside a key segment stays part of the key.
    else labels[s.label] = segs.slice(route.greedy, n - after).map(decodePathSegment).join("/");
  }
  return labels;
}

/** Run-time tie-break between routes that all fit: required query keys and headers present minus missing. */
function requiredScore(route: Route, query: QueryParams, headers: Record<string, string>): number {
  let score = 0;
  for (const key of route.requiredQuery) score += query.has(key) ? 1 : -1;
  for (const name of route.requiredHeaders) score += Object.hasOwn(headers, name) ? 1 : -1;
  return score;
}

function sameLabels(route: Route, supplied: Record<string, string>, suppliedCount: number): boolean {
  if (route.outOfPathLabels.length !== suppliedCount) return false;
  for (const name of route.outOfPathLabels) if (!Object.hasOwn(supplied, name)) return false;
  return true;
}

/**
 * Finds the operation for a REST request: method, path (raw, percent-encoded; S3 passes it without the
 * bucket) and query literals. Among several fitting routes the most specific wins. Undefined when none fits.
 * `outOfPathLabels` are labels the caller read elsewhere (S3: `{ Bucket }` from the host or first segment,
 * `{}` for service-level calls like ListBuckets); they are returned among the labels.
 */
export function findRoute(
  model: LoadedModel,
  method: string,
  path: string,
  query: QueryParams,
  headers: Record<string, string> = {},
  outOfPathLabels: Record<string, string> = {},
): RouteMatch | undefined {
  const routes = routeTable(model).get(method.toUpperCase());
  if (!routes) return undefined;
  const trimmed = path.startsWith("/") ? path.slice(1) : path;
  const segs = trimmed === "" ? [] : trimmed.split("/");
  const n = segs.length;
  // Tolerate one trailing slash (botocore writes "/2015-03-31/functions/"), except where a greedy label wants it.
  const nTrim = n > 0 && segs[n - 1] === "" ? n - 1 : n;
  const xId = query.get("x-id")?.[0];
  const suppliedCount = Object.keys(outOfPathLabels).length;
  let best: Route | undefined;
  let bestN = 0;
  let bestRank: number[] = [];
  for (const route of routes) {
    if (route.xId !== undefined && xId !== undefined && route.xId !== xId) continue;
    if (!sameLabels(route, outOfPathLabels, suppliedCount)) continue;
    let literalsOk = true;
    for (const [key, value] of route.literals) {
      const values = query.get(key);
      if (!values || (value !== undefined && !values.includes(value))) {
        literalsOk = false;
        break;
      }
    }
    if (!literalsOk) continue;
    let used = n;
    if (!fits(route, segs, n)) {
      if (route.greedy >= 0 || nTrim === n || !fits(route, segs, nTrim)) continue;
      used = nTrim;
    }
    const rank = [
      route.xId !== undefined && route.xId === xId ? 1 : 0,
      route.literals.length,
      route.literalSegments,
      route.greedy < 0 ? 1 : 0,
      requiredScore(route, query, headers),
    ];
    if (!best || compareRank(rank, bestRank) > 0) {
      best = route;
      bestN = used;
      bestRank = rank;
    }
  }
  if (!best) return undefined;
  const labels = extractLabels(best, segs, bestN);
  for (const name of best.outOfPathLabels) labels[name] = outOfPathLabels[name] as string;
  return { route: best, operation: best.operation, labels };
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Like findRoute, but answers as AWS does when nothing matches (Lambda: 404 UnknownOperationException). */
export function matchRoute(...args: Parameters<typeof findRoute>): RouteMatch {
  const match = findRoute(...args);
  if (!match) {
    const [model, method, path] = args;
    throw new AwsError("UnknownOperationException", `No operation of ${model.model.sdkServiceId} matches ${method} ${path}`, {
      status: 404,
    });
  }
  return match;
}
