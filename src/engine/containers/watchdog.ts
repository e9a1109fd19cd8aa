/** The runner's watchdog process: when Stratus's pipe closes (exit, crash, kill -9), remove that run's containers. Args: socket runId. */
import { createDockerClient } from "../docker/client.ts";
import { reap } from "./reaper.ts";

const [socketPath, runId] = process.argv.slice(2);
if (!socketPath || !runId) process.exit(2);

// Not a child of Stratus's terminal: a Ctrl-C there must not kill the watchdog before it has cleaned up.
process.on("SIGINT", () => undefined);
process.on("SIGHUP", () => undefined);

let started = false;
async function cleanUp(): Promise<void> {
  if (started) return;
  started = true;
  const client = createDockerClient(socketPath);
  // Twice: a container being created while Stratus died can appear just after the first pass.
  for (let pass = 0; pass < 2; pass++) {
    await reap(client, runId).catch(() => 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  process.exit(0);
}

process.stdin.on("data", () => undefined);
process.stdin.on("end", () => void cleanUp());
process.stdin.on("close", () => void cleanUp());
process.stdin.on("error", () => void cleanUp());
