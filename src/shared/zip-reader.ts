/** A small zip reader (central directory; stored and deflate entries) that refuses paths escaping the extraction root. */
import { inflateRawSync } from "node:zlib";

export interface ZipEntry {
  /** Normalized relative path; directories end with "/". */
  name: string;
  /** Unix permission bits when the archive was made on Unix (0 otherwise). */
  mode: number;
  uncompressedSize: number;
  isDirectory: boolean;
  /** Decompresses the entry (checks its size). */
  read(): Buffer;
}

export class ZipError extends Error {}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Rejects absolute paths, drive letters and `..` segments (zip-slip). */
export function safeEntryName(raw: string): string {
  const name = raw.replace(/\\/g, "/");
  if (name.startsWith("/") || /^[a-zA-Z]:/.test(name)) throw new ZipError(`unsafe path in zip: ${raw}`);
  const parts = name.split("/").filter((part, index, all) => part !== "." && (part !== "" || index === all.length - 1));
  if (parts.some((part) => part === "..")) throw new ZipError(`unsafe path in zip: ${raw}`);
  return parts.join("/");
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes at the very end.
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= stop; at--) {
    if (zip.readUInt32LE(at) === EOCD) return at;
  }
  throw new ZipError("not a zip file (no end of central directory)");
}

export function readZip(zip: Buffer): ZipEntry[] {
  if (zip.length < 22) throw new ZipError("not a zip file (too short)");
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) throw new ZipError("corrupt central directory");
    const madeBy = zip.readUInt16LE(at + 4) >> 8;
    const flags = zip.readUInt16LE(at + 8);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const uncompressedSize = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const external = zip.readUInt32LE(at + 38);
    const localOffset = zip.readUInt32LE(at + 42);
    const rawName = zip.toString(flags & 0x800 ? "utf8" : "latin1", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (flags & 0x1) throw new ZipError(`encrypted entries are not supported: ${rawName}`);
    if (method !== 0 && method !== 8) throw new ZipError(`unsupported compression method ${method}: ${rawName}`);
    const name = safeEntryName(rawName);
    if (name === "") continue;
    const isDirectory = name.endsWith("/");
    // Version made by 3 = Unix: the high 16 bits of the external attributes are st_mode.
    const mode = madeBy === 3 ? (external >>> 16) & 0o7777 : 0;
    const read = (): Buffer => {
      if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL) throw new ZipError(`corrupt entry ${name}`);
      const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
      const data = zip.subarray(start, start + compressedSize);
      if (data.length !== compressedSize) throw new ZipError(`truncated entry ${name}`);
      const bytes = method === 0 ? data : inflateRawSync(data, { maxOutputLength: Math.max(uncompressedSize, 1) });
      if (bytes.length !== uncompressedSize) throw new ZipError(`size mismatch in entry ${name}`);
      return bytes;
    };
    entries.push({ name, mode, uncompressedSize, isDirectory, read });
  }
  return entries;
}
