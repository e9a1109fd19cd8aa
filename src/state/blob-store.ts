/** Content-addressed storage for large bytes (function code): files named by their SHA-256 under the data dir, or memory when ephemeral. */
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, type ReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crypto } from "../shared/builtins.ts";
import { onShutdown } from "../shared/shutdown.ts";

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
    if (this.dir) return existsSync(this.pathOf(digest));
    return this.memory.has(digest) || (this.scratch !== undefined && existsSync(this.scratchPath(digest)));
  }

  // Streamed blobs (image layers) are never held in memory: when ephemeral they live in a temp dir removed at exit.
  private scratch: string | undefined;

  private scratchRoot(): string {
    if (!this.scratch) {
      const made = mkdtempSync(join(tmpdir(), "stratus-blobs-"));
      this.scratch = made;
      onShutdown(() => rmSync(made, { recursive: true, force: true }));
    }
    return this.scratch;
  }

  private scratchPath(digest: string): string {
    return join(this.scratchRoot(), "blobs", digest);
  }

  private filePath(digest: string): string {
    return this.dir ? this.pathOf(digest) : this.scratchPath(digest);
  }

  /** A directory for partial uploads (files written while hashing), on the same filesystem as the blobs. */
  uploadDir(): string {
    const dir = this.dir ? join(this.dir, "..", "uploads") : join(this.scratchRoot(), "uploads");
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Moves a completely written file in as the blob `digest` (hex SHA-256 the caller verified while writing it). */
  adopt(file: string, digest: string): void {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error(`not a sha256 hex digest: ${digest}`);
    const target = this.filePath(digest);
    if (existsSync(target)) {
      unlinkSync(file);
      return;
    }
    mkdirSync(join(target, ".."), { recursive: true });
    renameSync(file, target);
  }

  /** Size in bytes of a stored blob, or undefined. */
  sizeOf(digest: string): number | undefined {
    if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
    const held = this.dir ? undefined : this.memory.get(digest);
    if (held) return held.length;
    try {
      return statSync(this.filePath(digest)).size;
    } catch {
      return undefined;
    }
  }

  /** The file holding a stored blob (for callers that stream it themselves), or undefined when missing or held in memory. */
  fileOf(digest: string): string | undefined {
    if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
    if (!this.dir && (this.memory.has(digest) || this.scratch === undefined)) return undefined;
    const path = this.filePath(digest);
    return existsSync(path) ? path : undefined;
  }

  /** A stream of a stored blob's bytes from `start` to `end` inclusive (whole blob by default); undefined when missing. */
  openRead(digest: string, start?: number, end?: number): ReadStream | Buffer | undefined {
    if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
    const held = this.dir ? undefined : this.memory.get(digest);
    if (held) return held.subarray(start ?? 0, end === undefined ? undefined : end + 1);
    const path = this.filePath(digest);
    if (!existsSync(path)) return undefined;
    return createReadStream(path, { start, end, highWaterMark: 1024 * 1024 });
  }

  /** The bytes, verified against their digest; undefined when missing or corrupt. */
  get(digest: string): Buffer | undefined {
    if (!/^[0-9a-f]{64}$/.test(digest)) return undefined;
    let bytes: Buffer;
    if (!this.dir && this.memory.has(digest)) {
      bytes = this.memory.get(digest) ?? Buffer.alloc(0);
    } else {
      try {
        if (!this.dir && this.scratch === undefined) return undefined;
        bytes = readFileSync(this.filePath(digest));
      } catch {
        return undefined;
      }
    }
    return sha256Hex(bytes) === digest ? bytes : undefined;
  }
}
