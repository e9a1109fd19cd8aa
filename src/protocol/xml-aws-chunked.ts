/** Decodes S3's `aws-chunked` upload encoding (SigV4 streaming and trailing checksums) into the plain body. */
import { AwsError } from "../shared/aws-error.ts";

export interface DechunkedBody {
  body: Buffer;
  /** Trailing headers (`x-amz-checksum-crc32: …`), names lower-cased. */
  trailers: Record<string, string>;
}

/**
 * The SDKs send a streaming upload of unknown length (and, since 2025, most uploads with a checksum) as
 * `Content-Encoding: aws-chunked`: `<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0\r\n`, then
 * trailer lines and a blank line. Signatures are not verified (Stratus does not check SigV4).
 */
export function isAwsChunked(headers: Record<string, string>): boolean {
  const encoding = headers["content-encoding"];
  if (encoding !== undefined && encoding.includes("aws-chunked")) return true;
  return headers["x-amz-content-sha256"]?.startsWith("STREAMING-") === true;
}

const CRLF = Buffer.from("\r\n");

export function decodeAwsChunked(raw: Buffer): DechunkedBody {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let pos = 0;
  const bad = (why: string): AwsError => new AwsError("IncompleteBody", `Invalid aws-chunked body: ${why}`);
  for (;;) {
    const eol = raw.indexOf(CRLF, pos);
    if (eol === -1) throw bad("missing chunk header");
    const header = raw.toString("latin1", pos, eol);
    const semi = header.indexOf(";");
    const hex = (semi === -1 ? header : header.slice(0, semi)).trim();
    const size = /^[0-9a-fA-F]{1,12}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
    if (!Number.isFinite(size)) throw bad(`bad chunk size "${hex.slice(0, 20)}"`);
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size > raw.length) throw bad("chunk longer than the body");
    chunks.push(raw.subarray(pos, pos + size));
    pos += size;
    if (raw[pos] === 13 && raw[pos + 1] === 10) pos += 2;
    else throw bad("chunk not followed by CRLF");
  }
  // Trailers: `name:value` lines up to an empty line (or the end of the body).
  while (pos < raw.length) {
    let eol = raw.indexOf(CRLF, pos);
    if (eol === -1) eol = raw.length;
    const line = raw.toString("latin1", pos, eol);
    pos = eol + 2;
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), trailers };
}
