/** Decoding the Engine API's streams: multiplexed log frames, timestamps, and the JSON-lines pull progress. */

/** Demultiplexes Docker's 8-byte-header frames (type, 0,0,0, size BE) into per-stream lines. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private readonly partial: Record<"stdout" | "stderr", string> = { stdout: "", stderr: "" };
  private readonly onLine: (stream: "stdout" | "stderr", line: string) => void;
  constructor(onLine: (stream: "stdout" | "stderr", line: string) => void) {
    this.onLine = onLine;
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0] === 2 ? "stderr" : "stdout";
      const text = this.partial[kind] + this.pending.subarray(8, 8 + size).toString("utf8");
      this.pending = this.pending.subarray(8 + size);
      const lines = text.split("\n");
      this.partial[kind] = lines.pop() ?? "";
      for (const line of lines) this.onLine(kind, line);
    }
  }

  /** Emits unterminated last lines. */
  end(): void {
    for (const kind of ["stdout", "stderr"] as const) {
      if (this.partial[kind]) this.onLine(kind, this.partial[kind]);
      this.partial[kind] = "";
    }
  }
}

/** Splits Docker's `timestamps=true` prefix (RFC 3339 with nanoseconds, then a space) off a line. */
export function timestamped(line: string): { timestamp: number; message: string } {
  const space = line.indexOf(" ");
  if (space > 0) {
    const parsed = Date.parse(line.slice(0, space));
    if (!Number.isNaN(parsed)) return { timestamp: parsed, message: line.slice(space + 1).replace(/\r$/, "") };
  }
  return { timestamp: Date.now(), message: line.replace(/\r$/, "") };
}

/** One line of the pull progress stream: reports progress, returns the error text when the line is an error. */
export function pullLine(line: string, onProgress?: (event: { status?: string; id?: string }) => void): string | undefined {
  if (!line.trim()) return undefined;
  let event: { status?: string; id?: string; error?: string; errorDetail?: { message?: string } };
  try {
    event = JSON.parse(line) as typeof event;
  } catch {
    return undefined;
  }
  if (event.error || event.errorDetail) return event.errorDetail?.message ?? event.error ?? "image pull failed";
  onProgress?.(event);
  return undefined;
}
