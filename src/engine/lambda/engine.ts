/** The Lambda runner: warm environments (processes, or containers for image functions and on the docker runner) per function version, concurrency limits, timeouts, Lambda's log lines, async retries. */
import { codeDirectory, optDirectory, removeScratch } from "./code-cache.ts";
import { Environment, type Ending, type Outcome } from "./environment.ts";
import { ImageEnvironment } from "./image-environment.ts";
import { RESPONSE_LIMIT } from "./runtime-api.ts";
import { runtimeLaunch } from "./runtimes.ts";
import { capabilities, removeCgroup, removeSpareCgroups } from "./sandbox.ts";
import { zipContainer, zipRunner } from "./zip-docker.ts";
import { ThrottledError, type FunctionSpec, type InvokeRequest, type InvokeResult, type LogEvent, type LogSink } from "./types.ts";

const IDLE_MS = Number(process.env.STRATUS_LAMBDA_IDLE_SECONDS ?? 300) * 1000;
/** Lambda retries a failed asynchronous invocation twice (after about 1 and 2 minutes on AWS; seconds here). */
const RETRY_DELAYS_MS = (process.env.STRATUS_LAMBDA_RETRY_DELAYS_MS ?? "1000,2000").split(",").map(Number);
const TAIL_BYTES = 4096;

const functionKey = (spec: { account: string; region: string; functionName: string }): string => `${spec.account}/${spec.region}/${spec.functionName}`;
const versionKey = (spec: FunctionSpec): string => `${functionKey(spec)}/${spec.version}`;
const accountKey = (spec: FunctionSpec): string => `${spec.account}/${spec.region}`;

function exitDescription(ending: Extract<Ending, { kind: "exit" }>): string {
  if (ending.signal) return `signal: ${ending.signal === "SIGKILL" ? "killed" : ending.signal.replace(/^SIG/, "").toLowerCase()}`;
  return `exit status ${ending.code ?? 0}`;
}

const errorBody = (errorType: string, errorMessage: string): Buffer => Buffer.from(JSON.stringify({ errorType, errorMessage }));

/** Lambda's answer and the error line its log shows, per way an invocation can end. */
function shape(ending: Ending, request: InvokeRequest, spec: FunctionSpec): { payload: Buffer; failed: boolean; logLine?: string; status?: string; errorType?: string } {
  const id = request.requestId;
  switch (ending.kind) {
    case "response":
      if (ending.tooLarge) {
        const message = `Response payload size exceeded maximum allowed payload size (${RESPONSE_LIMIT} bytes).`;
        return { payload: errorBody("Function.ResponseSizeTooLarge", message), failed: true, status: "error", errorType: "Function.ResponseSizeTooLarge" };
      }
      return { payload: ending.body, failed: false };
    case "error":
      return { payload: ending.body, failed: true };
    case "init-error": {
      const type = ending.errorType ?? "Runtime.Unknown";
      return { payload: ending.body, failed: true, status: "error", errorType: type, logLine: `INIT_REPORT Status: error\tError Type: ${type}` };
    }
    case "exit": {
      const message = `RequestId: ${id} Error: Runtime exited with error: ${exitDescription(ending)}`;
      return { payload: errorBody("Runtime.ExitError", message), failed: true, logLine: `${message}\nRuntime.ExitError`, status: "error", errorType: "Runtime.ExitError" };
    }
    case "timeout": {
      const seconds = spec.timeoutSec.toFixed(2);
      return {
        payload: errorBody("Sandbox.Timedout", `RequestId: ${id} Error: Task timed out after ${seconds} seconds`),
        failed: true,
        logLine: `${new Date().toISOString()} ${id} Task timed out after ${seconds} seconds`,
        status: "timeout",
      };
    }
  }
}

/** START, the function's lines, END and REPORT, as Lambda writes them for one invocation. */
function logEvents(spec: FunctionSpec, request: InvokeRequest, outcome: Outcome, shaped: ReturnType<typeof shape>): LogEvent[] {
  const id = request.requestId;
  const start = outcome.startedAt;
  const end = Date.now();
  const duration = outcome.durationMs;
  const init = outcome.initDurationMs;
  // Since August 2025 Lambda bills the init phase of on-demand functions too, at 1 ms granularity.
  const billed = Math.ceil(duration + (init ?? 0));
  const report = [
    `REPORT RequestId: ${id}`,
    `Duration: ${duration.toFixed(2)} ms`,
    `Billed Duration: ${billed} ms`,
    `Memory Size: ${spec.memoryMb} MB`,
    `Max Memory Used: ${Math.max(1, Math.round(outcome.maxMemoryBytes() / 1048576))} MB`,
    ...(init !== undefined ? [`Init Duration: ${init.toFixed(2)} ms`] : []),
    ...(shaped.status ? [`Status: ${shaped.status}`] : []),
    ...(shaped.errorType ? [`Error Type: ${shaped.errorType}`] : []),
  ].join("\t");
  const events: LogEvent[] = [{ timestamp: Math.floor(start), message: `START RequestId: ${id} Version: ${spec.version}` }, ...outcome.lines];
  if (shaped.logLine) events.push({ timestamp: end, message: shaped.logLine });
  events.push({ timestamp: end, message: `END RequestId: ${id}` }, { timestamp: end, message: `${report}\t` });
  return events;
}

/** An Event invocation's retry policy (the function's event invoke config). */
export interface AsyncPolicy {
  maximumRetryAttempts?: number | undefined;
  maximumEventAgeSeconds?: number | undefined;
  /** When the event was first queued (epoch ms): its age counts from then, also across a restart of Stratus. */
  enqueuedAt?: number | undefined;
}

export class LambdaEngine {
  private readonly pools = new Map<string, Environment[]>();
  private readonly inFlight = new Map<string, number>();
  private readonly retired = new Set<Environment>();
  private readonly sink: LogSink;
  private readonly loadCode: (digest: string) => Buffer | undefined;
  private readonly reaper: NodeJS.Timeout;

  constructor(sink: LogSink, loadCode: (digest: string) => Buffer | undefined) {
    this.sink = sink;
    this.loadCode = loadCode;
    this.reaper = setInterval(() => this.reapIdle(), Math.min(5000, IDLE_MS)).unref();
    process.once("exit", () => this.shutdown());
  }

  private count(key: string, delta: number): number {
    const value = (this.inFlight.get(key) ?? 0) + delta;
    if (value <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, value);
    return value;
  }

  /** Takes a concurrency slot: the function's reservation, else the account's unreserved pool. */
  private acquireSlot(spec: FunctionSpec): () => void {
    const fn = `fn:${functionKey(spec)}`;
    const pool = `pool:${accountKey(spec)}`;
    if (spec.reserved !== undefined) {
      if ((this.inFlight.get(fn) ?? 0) >= spec.reserved) throw new ThrottledError("ReservedFunctionConcurrentInvocationLimitExceeded");
      this.count(fn, 1);
      return () => this.count(fn, -1);
    }
    if ((this.inFlight.get(pool) ?? 0) >= spec.unreservedLimit) throw new ThrottledError("ConcurrentInvocationLimitExceeded");
    this.count(fn, 1);
    this.count(pool, 1);
    return () => {
      this.count(fn, -1);
      this.count(pool, -1);
    };
  }

  private async environmentFor(spec: FunctionSpec): Promise<Environment> {
    const key = versionKey(spec);
    const pool = this.pools.get(key) ?? [];
    this.pools.set(key, pool);
    // Most recently used first: the warmest environment serves, the others may idle out.
    const warm = pool
      .filter((env) => env.state === "idle" && env.spec.revision === spec.revision && !this.retired.has(env))
      .sort((a, b) => b.lastUsed - a.lastUsed)[0];
    if (warm && !spec.hotReloadDir) {
      warm.state = "busy";
      return warm;
    }
    // Image functions run in a container; zip functions in a sandboxed process, or in a container of their runtime's
    // image on the docker runner (code and layers mounted). The rest is the same.
    let env: Environment;
    let start: () => Promise<void>;
    if (spec.image) {
      const image = new ImageEnvironment(spec);
      env = image;
      start = () => image.launch();
    } else {
      const load = (digest: string): Buffer => {
        const bytes = this.loadCode(digest);
        if (!bytes) throw new Error(`code ${digest} of ${spec.functionName} is missing from the blob store`);
        return bytes;
      };
      const codeDir = spec.hotReloadDir ?? codeDirectory(spec.codeDigest ?? "", load);
      const optDir = optDirectory(spec.layerDigests, load);
      if (zipRunner() === "docker") {
        const container = new ImageEnvironment(spec, zipContainer(spec, codeDir, optDir));
        env = container;
        start = () => container.launch();
      } else {
        const launch = runtimeLaunch(spec, codeDir, optDir);
        const processEnv = new Environment(spec, launch.marksEnd);
        env = processEnv;
        start = () => processEnv.start(launch);
      }
    }
    env.onDead = (dead) => {
      const list = this.pools.get(key);
      const at = list?.indexOf(dead) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
      this.retired.delete(dead);
    };
    pool.push(env);
    try {
      await start();
    } catch (error) {
      env.kill();
      throw error;
    }
    return env;
  }

  /** A synchronous invocation: throttled, run, logged. */
  async invoke(spec: FunctionSpec, request: InvokeRequest): Promise<InvokeResult> {
    const release = this.acquireSlot(spec);
    let env: Environment | undefined;
    try {
      env = await this.environmentFor(spec);
      const outcome = await env.run(request);
      const shaped = shape(outcome.ending, request, spec);
      // Hot-reload code is read afresh by every invocation; timed-out, crashed or retired environments are not reused.
      const reusable = outcome.ending.kind === "response" || outcome.ending.kind === "error";
      const keep = reusable && !spec.hotReloadDir && !this.retired.has(env);
      let built: LogEvent[] | undefined;
      const events = (): LogEvent[] => (built ??= logEvents(spec, request, outcome, shaped));
      // The peak memory of a process about to be killed is read now; a kept one's when the sink writes the lines.
      if (!keep) outcome.maxMemoryBytes();
      try {
        this.sink(spec, env.logStream, events);
      } catch {
        // Logs are best effort: a failing sink never fails the invocation.
      }
      if (!keep) env.kill();
      const result: InvokeResult = { payload: shaped.payload, ...(shaped.failed ? { functionError: "Unhandled" as const } : {}) };
      if (request.wantLog) {
        const text = Buffer.from(events().map((e) => e.message).join("\n") + "\n");
        result.logText = text.subarray(Math.max(0, text.length - TAIL_BYTES)).toString("utf8");
      }
      return result;
    } finally {
      release();
    }
  }

  /**
   * An Event invocation: queued, retried (twice by default) on a function error, retried while throttled, dropped once
   * older than its maximum age (six hours by default, as on AWS).
   */
  invokeAsync(spec: FunctionSpec, request: InvokeRequest, policy: AsyncPolicy = {}, onDone?: (result: InvokeResult | undefined) => void): void {
    const retries = Math.min(policy.maximumRetryAttempts ?? 2, RETRY_DELAYS_MS.length);
    const deadline = (policy.enqueuedAt ?? Date.now()) + (policy.maximumEventAgeSeconds ?? 21600) * 1000;
    const attempt = (n: number, throttles: number): void => {
      if (Date.now() > deadline) return onDone?.(undefined);
      this.invoke(spec, request).then(
        (result) => {
          const delayMs = RETRY_DELAYS_MS[n];
          if (result.functionError && n < retries && delayMs !== undefined) setTimeout(() => attempt(n + 1, throttles), delayMs).unref();
          else onDone?.(result);
        },
        (error: unknown) => {
          if (error instanceof ThrottledError) setTimeout(() => attempt(n, throttles + 1), 200 * Math.min(10, throttles + 1)).unref();
          else onDone?.(undefined);
        },
      );
    };
    setImmediate(() => attempt(0, 0));
  }

  /** Makes the function's environments cold: idle ones stop now, busy ones after their invocation. */
  retire(account: string, region: string, functionName?: string): number {
    const prefix = functionName ? `${functionKey({ account, region, functionName })}/` : "";
    let count = 0;
    for (const [key, pool] of this.pools) {
      if (prefix && !key.startsWith(prefix)) continue;
      for (const env of [...pool]) {
        count++;
        if (env.state === "idle") env.kill();
        else this.retired.add(env);
      }
    }
    return count;
  }

  /** Every environment of every function (the admin reset route). */
  retireAll(): number {
    let count = 0;
    for (const pool of this.pools.values()) {
      for (const env of [...pool]) {
        count++;
        if (env.state === "idle") env.kill();
        else this.retired.add(env);
      }
    }
    return count;
  }

  environmentCount(): number {
    let count = 0;
    for (const pool of this.pools.values()) count += pool.length;
    return count;
  }

  private reapIdle(): void {
    const cutoff = Date.now() - IDLE_MS;
    for (const pool of this.pools.values()) {
      for (const env of [...pool]) if (env.state === "idle" && env.lastUsed < cutoff) env.kill();
    }
  }

  /** On Stratus's exit: every process killed at once, scratch files and cgroups removed. */
  shutdown(): void {
    clearInterval(this.reaper);
    for (const pool of this.pools.values()) for (const env of pool) env.killNow();
    removeScratch();
    // The groups themselves go once empty: the next Stratus removes what is left (its processes may still be exiting).
    removeSpareCgroups();
    const root = capabilities().cgroupRoot;
    if (root) removeCgroup(root, false);
  }
}
