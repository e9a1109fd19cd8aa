/** Nothing outlives Stratus: orphans of dead Stratus processes are removed at start, and a watchdog cleans up after kill -9. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DockerClient } from "../docker/client.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes every container and volume this engine holds for a given run, or (no runId) for Stratus processes that are gone. */
export async function reap(client: DockerClient, runId?: string): Promise<number> {
  const label = runId ? `stratus.run-id=${runId}` : "stratus.managed=true";
  const orphan = (labels: Record<string, string> | null): boolean => {
    if (runId !== undefined) return true;
    const pid = Number(labels?.["stratus.pid"]);
    // Without an owner pid there is no telling whether its owner is gone: leave it.
    return Number.isInteger(pid) && pid > 0 && !alive(pid);
  };
  let removed = 0;
  for (const container of await client.containerList([label])) {
    if (!orphan(container.Labels)) continue;
    await client.containerRemove(container.Id, { force: true, volumes: true }).catch(() => undefined);
    removed++;
  }
  for (const volume of await client.volumeList([label])) {
    if (orphan(volume.Labels)) await client.volumeRemove(volume.Name).catch(() => undefined);
  }
  return removed;
}

export interface Watchdog {
  /** Lets the watchdog go: it cleans up what is left of this run (nothing, after close) and exits. */
  release(): void;
}

/**
 * A detached node process holding a pipe from this one. The pipe closes when Stratus exits in any way (kill -9
 * included); the watchdog then removes this run's containers and volumes and exits.
 */
export function spawnWatchdog(socketPath: string, runId: string): Watchdog {
  const script = fileURLToPath(new URL("./watchdog.ts", import.meta.url));
  const child = spawn(process.execPath, [script, socketPath, runId], { detached: true, stdio: ["pipe", "ignore", "ignore"] });
  child.on("error", () => undefined);
  child.stdin?.on("error", () => undefined);
  // Neither the child nor its pipe may keep Stratus alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return { release: () => child.stdin?.end() };
}
