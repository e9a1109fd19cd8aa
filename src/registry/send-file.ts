/** Streams a byte range of a file into an HTTP response through a few reused buffers (no per-chunk allocation, so no GC churn on large blobs). */
import { open } from "node:fs/promises";
import type { ServerResponse } from "node:http";

/** 1 MiB reads: few syscalls per layer, and two of them in flight keep the socket fed while the next one is read. */
const CHUNK = 1024 * 1024;
const POOL_LIMIT = 8;
const pool: Buffer[] = [];

const take = (): Buffer => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
const give = (buffer: Buffer): void => {
  if (pool.length < POOL_LIMIT) pool.push(buffer);
};

/**
 * Writes bytes `start`..`end` (inclusive) of the open file to `res` after its headers, then ends it. A buffer is reused
 * only once the response has handed it to the kernel (the write callback). Returns false (response destroyed) when the
 * file ends early or a read fails: the client then sees a truncated body, never wrong bytes under a valid length.
 */
export async function sendFileRange(res: ServerResponse, path: string, start: number, end: number): Promise<boolean> {
  const handle = await open(path, "r");
  const buffers = [take(), take()];
  // The write of each buffer, settled when the buffer may be refilled (or the response is gone).
  const pending: Array<Promise<boolean> | undefined> = [undefined, undefined];
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  res.once("close", onClose);
  let position = start;
  let slot = 0;
  let ok = true;
  try {
    while (position <= end && !closed) {
      const buffer = buffers[slot] ?? take();
      if (pending[slot] && !(await pending[slot])) {
        ok = false;
        break;
      }
      const wanted = Math.min(CHUNK, end - position + 1);
      const { bytesRead } = await handle.read(buffer, 0, wanted, position);
      if (bytesRead === 0 || closed) {
        ok = false;
        break;
      }
      position += bytesRead;
      const chunk = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      pending[slot] = new Promise<boolean>((settle) => {
        const done = (): void => {
          res.off("close", done);
          settle(!closed);
        };
        res.once("close", done);
        res.write(chunk, (error) => {
          res.off("close", done);
          settle(!error);
        });
      });
      slot ^= 1;
    }
    if (ok && !closed) {
      const last = await Promise.all(pending.map((write) => write ?? true));
      ok = last.every(Boolean);
    }
  } catch {
    ok = false;
  } finally {
    res.off("close", onClose);
    await handle.close().catch(() => undefined);
  }
  if (!ok || closed) {
    if (!res.destroyed) res.destroy();
    // Buffers whose writes may still be queued are left to the GC rather than reused.
    return false;
  }
  res.end();
  for (const buffer of buffers) if (buffer) give(buffer);
  return true;
}
