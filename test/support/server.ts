/** Starts a real Stratus process for black-box tests and stops (or kills) it afterwards. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cliPath = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

export interface RunningStratus {
  endpoint: string;
  port: number;
  dataDir: string | undefined;
  process: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit (crash simulation). */
  kill(): Promise<number | null>;
}

export interface StartOptions {
  /** Persist here; when omitted the server is --ephemeral. */
  dataDir?: string;
  port?: number;
  env?: Record<string, string>;
  args?: string[];
}

export function tempDataDir(prefix = "stratus-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startStratus(options: StartOptions = {}): Promise<RunningStratus> {
  const args = [cliPath, "start", "--port", String(options.port ?? 0)];
  if (options.dataDir) args.push("--data-dir", options.dataDir);
  else args.push("--ephemeral");
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, STRATUS_LOG_LEVEL: "warn", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const endpoint = await new Promise<string>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`Stratus did not become ready:\n${output}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Stratus ready on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveReady(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Stratus exited with ${code} before ready:\n${output}`));
    });
  });
  const port = Number(new URL(endpoint).port);
  return {
    endpoint,
    port,
    dataDir: options.dataDir,
    process: child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      return exited;
    },
  };
}

/** Client settings every SDK test uses against a running Stratus. */
export function clientConfig(endpoint: string, accessKeyId = "test", region = "us-east-1") {
  return { endpoint, region, credentials: { accessKeyId, secretAccessKey: "test" }, maxAttempts: 1 };
}

/** Environment for running the AWS CLI against Stratus. */
export function cliEnv(endpoint: string, accessKeyId = "test"): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_ENDPOINT_URL: endpoint,
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
  };
}
