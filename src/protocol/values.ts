/** Conversions of timestamps and blobs shared by every codec. */
import { AwsError } from "../shared/aws-error.ts";
import type { TimestampFormat } from "./model-types.ts";

/** Accepts a Date, an ISO-8601/RFC 7231 string or epoch milliseconds (how stores keep times). */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  if (typeof value === "string") {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new Error(`not a timestamp: ${String(value)}`);
}

/** ISO-8601 in UTC as AWS writes it (milliseconds kept only when present). */
export function isoTimestamp(date: Date): string {
  const iso = date.toISOString();
  return date.getUTCMilliseconds() === 0 ? `${iso.slice(0, 19)}Z` : iso;
}

export function formatTimestamp(value: unknown, format: TimestampFormat): string | number {
  const date = toDate(value);
  if (format === "epoch-seconds") return date.getTime() / 1000;
  if (format === "http-date") return date.toUTCString();
  return isoTimestamp(date);
}

/**
 * Reads a timestamp a client sent: ISO-8601, RFC 7231, or epoch seconds (the JS SDK sends fractions,
 * botocore whole seconds). Throws the given error code when it is none of them.
 */
export function parseTimestamp(raw: unknown, errorCode: string, member: string): Date {
  if (typeof raw === "number" && Number.isFinite(raw)) return new Date(raw * 1000);
  if (typeof raw === "string" && raw.trim() !== "") {
    const text = raw.trim();
    if (/^-?\d+(\.\d+)?$/.test(text)) return new Date(Number(text) * 1000);
    const date = new Date(text);
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new AwsError(errorCode, `Invalid timestamp for ${member}: ${String(raw)}`);
}

export function blobBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === "string") return Buffer.from(value, "utf8");
  throw new Error("not a blob");
}

export const toBase64 = (value: unknown): string => blobBytes(value).toString("base64");

/** Decodes base64, rejecting text that is not base64 with the given error code. */
export function fromBase64(text: string, errorCode: string, member: string): Uint8Array {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw new AwsError(errorCode, `Invalid base64 for ${member}`);
  return new Uint8Array(Buffer.from(compact, "base64"));
}
