/** Input checks shared by the Logs handlers: names, limits, group identifiers and opaque paging tokens. */
import type { Scope } from "../../state/state-store.ts";
import { encodeToken, readToken } from "../page-tokens.ts";
import { constraint, invalidParameter, invalidToken } from "./errors.ts";

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;
const STREAM_NAME = /^[^:*]*$/;

export function checkGroupName(name: string | undefined, member = "logGroupName"): string {
  if (name === undefined) throw constraint(undefined, member, "Member must not be null");
  if (name.length < 1) throw constraint(name, member, "Member must have length greater than or equal to 1");
  if (name.length > 512) throw constraint(name, member, "Member must have length less than or equal to 512");
  if (!GROUP_NAME.test(name)) throw constraint(name, member, "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
  return name;
}

export function checkStreamName(name: string | undefined, member = "logStreamName"): string {
  if (name === undefined) throw constraint(undefined, member, "Member must not be null");
  if (name.length < 1) throw constraint(name, member, "Member must have length greater than or equal to 1");
  if (name.length > 512) throw constraint(name, member, "Member must have length less than or equal to 512");
  if (!STREAM_NAME.test(name)) throw constraint(name, member, "Member must satisfy regular expression pattern: [^:*]*");
  return name;
}

export function checkLimit(limit: number | undefined, max: number, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) throw constraint(limit, "limit", "Member must have value greater than or equal to 1");
  if (limit > max) throw constraint(limit, "limit", `Member must have value less than or equal to ${max}`);
  return limit;
}

const GROUP_ARN = /^arn:aws[a-z-]*:logs:([a-z0-9-]+):(\d{12}):log-group:([^:]+)(?::\*)?$/;

/**
 * The group a request names: `logGroupName`, or `logGroupIdentifier` (a name or an ARN, with or without `:*`).
 * Exactly one of them must be given. An ARN of another account or region names no group here.
 */
export function resolveGroup(scope: Scope, input: { logGroupName?: string | undefined; logGroupIdentifier?: string | undefined }): string {
  const { logGroupName, logGroupIdentifier } = input;
  if (logGroupName !== undefined && logGroupIdentifier !== undefined) {
    throw invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
  }
  if (logGroupIdentifier !== undefined) return identifierName(scope, logGroupIdentifier);
  if (logGroupName === undefined) throw invalidParameter("Should provide either name or ARN of the log group.");
  return checkGroupName(logGroupName);
}

/** A group name or ARN as the `…Identifier` members take it; undefined-safe callers get a name that exists nowhere for foreign ARNs. */
export function identifierName(scope: Scope, identifier: string, member = "logGroupIdentifier"): string {
  if (!identifier.startsWith("arn:")) return checkGroupName(identifier, member);
  const match = GROUP_ARN.exec(identifier);
  if (!match) throw invalidParameter(`Invalid log group ARN: ${identifier}`);
  const name = checkGroupName(match[3], member);
  // The caller's own scope only: another account's or region's group is not reachable through this endpoint's tables.
  if (match[1] !== scope.region || match[2] !== scope.account) return `\u0000${name}`;
  return name;
}

export { encodeToken };

export function decodeToken<T>(token: string, check: (value: unknown) => value is T): T {
  const value = readToken(token, check);
  if (value === undefined) throw invalidToken();
  return value;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

const isAfter = (value: unknown): value is { after: string } =>
  typeof value === "object" && value !== null && "after" in value && typeof value.after === "string";

/**
 * One page of `sorted` (ordered by the unique `key`, ascending or descending). The token names the last item returned,
 * so pages stay put when items before the boundary are deleted.
 */
export function paginate<T>(sorted: T[], key: (item: T) => string, token: string | undefined, limit: number, descending = false): Page<T> {
  let start = 0;
  if (token !== undefined) {
    const { after } = decodeToken(token, isAfter);
    start = sorted.findIndex((item) => (descending ? key(item) < after : key(item) > after));
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + limit);
  const last = items[items.length - 1];
  if (start + limit >= sorted.length || last === undefined) return { items };
  return { items, nextToken: encodeToken({ after: key(last) }) };
}
