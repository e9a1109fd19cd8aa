/** Responses of the OCI distribution API: the spec's error body and status per code, and the common headers. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "../gateway/app.ts";
import type { Scope } from "../state/state-store.ts";

export const API_VERSION_HEADER = { "docker-distribution-api-version": "registry/2.0" };

/** The distribution spec's error codes with the status the reference registry answers them with. */
const STATUS: Record<string, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  TAG_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  RANGE_INVALID: 416,
};

/** One registry request after authentication: the account/region of the token and the parsed path. */
export interface RegistryCall {
  app: App;
  req: IncomingMessage;
  res: ServerResponse;
  scope: Scope;
  url: URL;
}

export class RegistryError extends Error {
  readonly code: string;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;
  constructor(code: string, message: string, detail: unknown = null, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = STATUS[code] ?? 400;
    this.detail = detail;
    this.headers = headers;
  }
}

export function sendError(res: ServerResponse, error: RegistryError): void {
  const body = JSON.stringify({ errors: [{ code: error.code === "RANGE_INVALID" ? "BLOB_UPLOAD_INVALID" : error.code, message: error.message, detail: error.detail }] });
  res.writeHead(error.status, {
    ...API_VERSION_HEADER,
    ...error.headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...API_VERSION_HEADER, "content-length": "0", ...headers });
  res.end();
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...API_VERSION_HEADER, "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** Reads a small body (manifests) into memory, refusing more than `limit` bytes. */
export async function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Read to the end even when too large (leaving the loop early would destroy the socket before the error is sent).
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total <= limit) chunks.push(buffer);
  }
  if (total > limit) throw new RegistryError("SIZE_INVALID", `the manifest exceeds the ${limit} byte limit`);
  return Buffer.concat(chunks);
}

/** The spec's paging parameters `n` and `last` over a sorted list, with the `Link` header of the next page. */
export function page(items: string[], url: URL, path: string): { items: string[]; headers: Record<string, string> } {
  const last = url.searchParams.get("last");
  const nText = url.searchParams.get("n");
  let start = 0;
  if (last !== null) start = items.findIndex((item) => item > last) === -1 ? items.length : items.findIndex((item) => item > last);
  if (nText === null) return { items: items.slice(start), headers: {} };
  const n = Number(nText);
  if (!Number.isInteger(n) || n < 0) throw new RegistryError("UNSUPPORTED", "invalid n parameter");
  const slice = items.slice(start, start + n);
  const headers: Record<string, string> = {};
  const tail = slice[slice.length - 1];
  if (n > 0 && start + n < items.length && tail !== undefined) headers.link = `<${path}?n=${n}&last=${encodeURIComponent(tail)}>; rel="next"`;
  return { items: slice, headers };
}
