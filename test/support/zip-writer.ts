/** A tiny zip writer for tests (deflate via node:zlib, Unix modes kept): builds function packages without dependencies. */
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipFileSpec {
  /** File content; a string is written as UTF-8. */
  content: string | Uint8Array;
  /** Unix mode bits (default 0o644). */
  mode?: number;
  /** Store without compression. */
  stored?: boolean;
}

/** Builds a zip from a map of relative path → content (or spec). */
export function makeZip(files: Record<string, string | Uint8Array | ZipFileSpec>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, value] of Object.entries(files)) {
    const spec: ZipFileSpec = typeof value === "string" || value instanceof Uint8Array ? { content: value } : value;
    const data = Buffer.from(typeof spec.content === "string" ? Buffer.from(spec.content, "utf8") : spec.content);
    const compressed = spec.stored ? data : deflateRawSync(data);
    const method = spec.stored ? 0 : 8;
    const crc = crc32(data);
    const nameBytes = Buffer.from(name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100000 | (spec.mode ?? 0o644)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = Object.keys(files).length;
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}
