/** Function code unpacked once per zip digest into a scratch directory (the environment's /var/task), removed when Stratus exits. */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { crypto } from "../../shared/builtins.ts";
import { readZip } from "../../shared/zip-reader.ts";

let root: string | undefined;

/** This process's scratch root (made on first use; those of Stratus processes that died are removed then). */
export function scratchRoot(): string {
  if (!root) {
    for (const name of readdirSync(tmpdir())) {
      const pid = /^stratus-lambda-(\d+)-/.exec(name)?.[1];
      if (pid && existsSync("/proc/self") && !existsSync(`/proc/${pid}`)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
    root = mkdtempSync(join(tmpdir(), `stratus-lambda-${process.pid}-`));
  }
  return root;
}

export function removeScratch(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

/** The directory holding the unpacked zip; `load` gives the zip's bytes the first time. */
export function codeDirectory(digest: string, load: (digest: string) => Buffer): string {
  return unpacked(join(scratchRoot(), "code", digest), [digest], load);
}

/** Layers unpacked into one directory in order (later layers overwrite earlier files), as Lambda merges them into /opt. */
export function optDirectory(digests: string[], load: (digest: string) => Buffer): string | undefined {
  if (digests.length === 0) return undefined;
  const key = digests.length === 1 ? (digests[0] ?? "") : crypto.createHash("sha256").update(digests.join(",")).digest("hex");
  return unpacked(join(scratchRoot(), "opt", key), digests, load);
}

function unpacked(dir: string, digests: string[], load: (digest: string) => Buffer): string {
  if (existsSync(dir)) return dir;
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const entry of digests.flatMap((digest) => readZip(load(digest)))) {
    const target = join(partial, entry.name);
    if (entry.isDirectory) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true });
    writeFileSync(target, entry.read());
    // Keep the executable bits (a `provided` bootstrap must be executable); files are never writable by the function anyway.
    chmodSync(target, entry.mode & 0o111 ? 0o755 : 0o644);
  }
  renameSync(partial, dir);
  return dir;
}
