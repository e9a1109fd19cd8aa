/** Content-addressed storage for large bytes (function code): files named by their SHA-256 under the data dir, or memory when ephemeral. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crypto } from "../shared/builtins.ts";

export const sha256Hex = (bytes: Uint8Array): string => crypto.createHash("sha256").update(bytes).digest("hex");

export class BlobStore {
  /** undefined: in-memory only (--ephemeral). */
  readonly dir: string | undefined;
  private readonly memory = new Map<string, Buffer>();

  constructor(dir: string | undefined) {
    this.dir = dir;
  }

  private pathOf(digest: string): string {
    return join(this.dir ?? "", digest.slice(0, 2), digest);
  }

  /** Stores the bytes (once per content) and returns their hex SHA-256. */
  put(bytes: Uint8Array): string {
    const digest = sha256Hex(bytes);
    if (!this.dir) {
      if (!this.memory.has(digest)) this.memory.set(digest, Buffer.from(bytes));
      return digest;
    }
    const path = this.pathOf(digest);
    if (!existsSync(path)) {
      mkdirSync(join(this.dir, digest.slice(0, 2)), { recursive: true });
      // Written aside then renamed, so a crash never leaves a truncated blob under its digest.
      const partial = `${path}.${process.pid}.partial`;
      writeFileSync(partial, bytes);
      renameSync(partial, path);
    }
    return digest;
  }

  has(digest: string): boolean {
    if (!/^[0-9a-f]{64}$/.test(digest)) return false;
    return this.dir ? existsSync(this.pathOf(digest)) : this.memory.has(digest);
  }

  /** The bytes, verified against their digest; undefined when missing or corrupt. */
  get(digest: string): Buffer | undefined {
    if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
    let bytes: Buffer;
    if (!this.dir) {
      const held = this.memory.get(digest);
      if (!held) return undefined;
      bytes = held;
    } else {
      try {
        bytes = readFileSync(this.pathOf(digest));
      } catch {
        return undefined;
      }
    }
    return sha256Hex(bytes) === digest ? bytes : undefined;
  }
}
