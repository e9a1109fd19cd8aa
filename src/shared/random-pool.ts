/** Cheap random bytes for ids: one 8 KiB draw from the CSPRNG serves hundreds of ids (randomBytes costs a system call each time). */
import { crypto } from "./builtins.ts";

const POOL_SIZE = 8192;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

/** `length` fresh random bytes (a copy: callers may keep it). */
export function pooledRandomBytes(length: number): Buffer {
  if (length > POOL_SIZE) return crypto.randomBytes(length);
  if (offset + length > POOL_SIZE) {
    crypto.randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + length));
  offset += length;
  return bytes;
}

/** `digits` random lower-case hex digits. */
export function pooledRandomHex(digits: number): string {
  return pooledRandomBytes(Math.ceil(digits / 2)).toString("hex").slice(0, digits);
}

/** A uniform random integer in [min, max) — for picking, not for secrets. */
export function pooledRandomInt(min: number, max: number): number {
  return min + (pooledRandomBytes(4).readUInt32BE(0) % (max - min));
}
