/** Starting and measuring the servers a benchmark compares: Stratus and Moto, on free loopback ports. */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const cliPath = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export interface StartedPeer {
  name: string;
  endpoint: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first successful answer. */
  readyMs: number;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, { method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15", headers: STS_HEADERS, signal: AbortSignal.timeout(500) });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}

/** A small request both servers answer: STS GetCallerIdentity, signed-looking so both route it to STS. */
export const STS_HEADERS = {
  "content-type": "application/x-www-form-urlencoded; charset=utf-8",
  authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0",
};

async function startPeer(name: string, command: string, args: string[], endpoint: string, env: NodeJS.ProcessEnv): Promise<StartedPeer> {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ["ignore", "ignore", "ignore"] });
  const deadline = started + 20_000;
  while (!(await answers(endpoint))) {
    if (performance.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not start`);
    await new Promise((r) => setTimeout(r, 2));
  }
  const readyMs = performance.now() - started;
  return {
    name,
    endpoint,
    child,
    readyMs,
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null) return resolveStop();
        child.once("exit", () => resolveStop());
        child.kill("SIGTERM");
      }),
  };
}

export async function startStratusPeer(): Promise<StartedPeer> {
  const port = await freePort();
  const env = { ...process.env, STRATUS_LOG_LEVEL: "warn" };
  return startPeer("Stratus", process.execPath, [cliPath, "start", "--port", String(port), "--ephemeral"], `http://127.0.0.1:${port}`, env);
}

export async function startMotoPeer(): Promise<StartedPeer> {
  const port = await freePort();
  return startPeer("Moto", "python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], `http://127.0.0.1:${port}`, process.env);
}

/** Resident set size of a process in MB, and the part that is its own (not file pages shared with others). */
export function memoryMb(pid: number): { rss: number; private: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0);
  return { rss: kb("Rss") / 1024, private: (kb("Private_Clean") + kb("Private_Dirty")) / 1024 };
}

/** Whether `docker info` reaches an engine (the container benchmarks need one). */
export function dockerReachable(): boolean {
  return spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}
