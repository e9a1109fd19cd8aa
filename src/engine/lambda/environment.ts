/** One execution environment: a sandboxed runtime process, its Runtime API, its log stream, one invocation at a time. */
import { spawn } from "node:child_process";
import type { Server, ServerResponse } from "node:http";
import { crypto } from "../../shared/builtins.ts";
import { serveRuntimeApi, type RuntimeApiHandler } from "./runtime-api.ts";
import { createCgroup, killCgroupMembers, launch, peakMemory, releaseCgroup, residentMemory } from "./sandbox.ts";
import type { FunctionSpec, InvokeRequest, LogEvent } from "./types.ts";

/** How an invocation ended, before the engine shapes it into Lambda's answer and log lines. */
export type Ending =
  | { kind: "response"; body: Buffer; tooLarge: boolean }
  | { kind: "error"; body: Buffer; errorType: string | undefined }
  | { kind: "init-error"; body: Buffer; errorType: string | undefined }
  | { kind: "exit"; code: number | null; signal: NodeJS.Signals | null }
  | { kind: "timeout" };

export interface Outcome {
  ending: Ending;
  lines: LogEvent[];
  startedAt: number;
  durationMs: number;
  /** Set on the environment's first invocation (a cold start). */
  initDurationMs: number | undefined;
  /** Read on first call (then kept): callers read it before the process is killed, or later while it lives. */
  maxMemoryBytes: () => number;
}

/** Where a runtime's process comes from: the command line given the roots it sees. */
export interface RuntimeLaunch {
  codeDir: string;
  runtimeDir: string;
  optDir: string | undefined;
  command: (taskRoot: string, runtimeRoot: string, optRoot: string | undefined) => string[];
  /** Whether the runtime client writes an end-of-invocation marker to stdout (ours do; a `provided` bootstrap does not). */
  marksEnd: boolean;
  environment: (taskRoot: string, runtimeRoot: string, optRoot: string | undefined) => Record<string, string>;
}

/** What the environment needs of its runtime once started: the process runner's child process, or a container (image functions). */
export interface RuntimeChild {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal: NodeJS.Signals): boolean;
}

/** Our runtime clients print this line (and the request id) after an invocation's output. */
const END_MARK = "\u0000stratus:end:";
const MAX_LINE = 256 * 1024;
const MAX_LINES = 10_000;
/** Longest that init may take before the environment is given up (Lambda's init phase limit). */
const INIT_LIMIT_MS = 10_000;

interface Current {
  request: InvokeRequest;
  delivered: boolean;
  startedAt: number;
  resolveEnding: (ending: Ending) => void;
  /** Runs from delivery (the function's timeout), or until delivery when the runtime does not ask for work. */
  timer: NodeJS.Timeout | undefined;
}

export class Environment implements RuntimeApiHandler {
  readonly id = crypto.randomBytes(16).toString("hex");
  readonly spec: FunctionSpec;
  readonly logStream: string;
  state: "starting" | "idle" | "busy" | "dead" = "starting";
  lastUsed = Date.now();
  protected child: RuntimeChild | undefined;
  protected server: Server | undefined;
  private cgroupDir: string | undefined;
  private waitingNext: ServerResponse | undefined;
  private current: Current | undefined;
  private collecting: LogEvent[];
  private pending: LogEvent[] = [];
  private readonly spawnedAt = Date.now();
  private initDurationMs: number | undefined;
  private initReported = false;
  private endMarks = new Set<string>();
  private droppedLines = 0;
  private markWaiter: (() => void) | undefined;
  private readyWaiter: (() => void) | undefined;
  private initFailure: Ending | undefined;
  private exited: Promise<void>;
  private resolveExited!: () => void;
  private marksEnd: boolean;
  /** Whether a runtime that never printed our mark stops being waited for (a container image may bring its own runtime client). */
  private readonly learnsMarks: boolean;
  private sawMark = false;
  onDead: (env: Environment) => void = () => {};

  constructor(spec: FunctionSpec, marksEnd: boolean | "learn", now = new Date()) {
    this.spec = spec;
    this.marksEnd = marksEnd !== false;
    this.learnsMarks = marksEnd === "learn";
    const day = now.toISOString().slice(0, 10).replace(/-/g, "/");
    this.logStream = `${day}/[${spec.version}]${this.id}`;
    this.collecting = this.pending;
    this.exited = new Promise((resolveExit) => (this.resolveExited = resolveExit));
  }

  /** Starts the process; its first GET /next makes it ready. */
  async start(runtime: RuntimeLaunch): Promise<void> {
    const { server, address } = await serveRuntimeApi(this);
    this.server = server;
    this.cgroupDir = createCgroup(this.spec.memoryMb);
    const plan = launch({ codeDir: runtime.codeDir, runtimeDir: runtime.runtimeDir, optDir: runtime.optDir, command: runtime.command, cgroupDir: this.cgroupDir });
    const env = { ...runtime.environment(plan.taskRoot, plan.runtimeRoot, plan.optRoot), AWS_LAMBDA_RUNTIME_API: address, AWS_LAMBDA_LOG_STREAM_NAME: this.logStream };
    const child = spawn(plan.file, plan.args, { cwd: plan.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    this.readLines(child.stdout, true);
    this.readLines(child.stderr, false);
    // The runtime client watches stdin: it closes when Stratus goes away, however that happens.
    child.stdin.on("error", () => {});
    child.on("error", () => this.onExit(null, null));
    child.on("exit", (code, signal) => this.onExit(code, signal));
  }

  private readLines(stream: NodeJS.ReadableStream, withMarks: boolean): void {
    let partial = "";
    stream.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      // CloudWatch Logs events are at most 256 KB: a longer unterminated line is cut there.
      if (partial.length > MAX_LINE) {
        parts.push(partial.slice(0, MAX_LINE));
        partial = "";
      }
      for (const line of parts) this.onLine(line, withMarks);
    });
    stream.on("end", () => {
      if (partial) this.onLine(partial, withMarks);
      partial = "";
    });
  }

  protected onLine(line: string, withMarks: boolean): void {
    if (withMarks && line.startsWith(END_MARK)) {
      this.sawMark = true;
      this.endMarks.add(line.slice(END_MARK.length));
      this.markWaiter?.();
      return;
    }
    // A function printing without end must not fill Stratus's memory: past the cap, lines are counted, not kept.
    if (this.collecting.length < MAX_LINES) this.collecting.push({ timestamp: Date.now(), message: line });
    else this.droppedLines++;
  }

  protected onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const wasReady = this.state !== "starting";
    this.state = "dead";
    if (!wasReady) this.initFailure ??= { kind: "exit", code, signal };
    this.readyWaiter?.();
    this.current?.resolveEnding({ kind: "exit", code, signal });
    this.cleanup();
    this.resolveExited();
  }

  private cleanedUp = false;

  private cleanup(): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.server?.close();
    this.server?.closeAllConnections();
    this.waitingNext = undefined;
    if (this.cgroupDir) {
      const dir = this.cgroupDir;
      setTimeout(() => releaseCgroup(dir), 20).unref();
    }
    this.onDead(this);
  }

  // ---- Runtime API ----

  next(res: ServerResponse): void {
    if (this.state === "dead") {
      res.destroy();
      return;
    }
    this.waitingNext = res;
    if (this.state === "starting") {
      this.initDurationMs = Date.now() - this.spawnedAt;
      this.state = "idle";
      this.readyWaiter?.();
    }
    this.deliver();
  }

  response(requestId: string, body: Buffer, tooLarge: boolean): boolean {
    if (this.current?.request.requestId !== requestId) return false;
    this.current.resolveEnding({ kind: "response", body, tooLarge });
    return true;
  }

  error(requestId: string, body: Buffer, errorType: string | undefined): boolean {
    if (this.current?.request.requestId !== requestId) return false;
    this.current.resolveEnding({ kind: "error", body, errorType });
    return true;
  }

  initError(body: Buffer, errorType: string | undefined): void {
    this.initFailure = { kind: "init-error", body, errorType };
    this.readyWaiter?.();
    this.current?.resolveEnding(this.initFailure);
  }

  private deliver(): void {
    const current = this.current;
    const res = this.waitingNext;
    if (!current || current.delivered || !res) return;
    this.waitingNext = undefined;
    current.delivered = true;
    current.startedAt = performanceNow();
    // The function's timeout runs from delivery, as on Lambda.
    clearTimeout(current.timer);
    current.timer = setTimeout(() => current.resolveEnding({ kind: "timeout" }), this.spec.timeoutSec * 1000);
    const { request } = current;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "lambda-runtime-aws-request-id": request.requestId,
      "lambda-runtime-deadline-ms": String(Math.round(current.startedAt) + this.spec.timeoutSec * 1000),
      "lambda-runtime-invoked-function-arn": request.invokedFunctionArn,
      "lambda-runtime-trace-id": `Root=1-${Math.floor(current.startedAt / 1000).toString(16)}-${randomHex(24)};Parent=${randomHex(16)};Sampled=0`,
      "content-length": String(request.payload.length),
    };
    if (request.clientContext) headers["lambda-runtime-client-context"] = Buffer.from(request.clientContext, "base64").toString("utf8");
    res.writeHead(200, headers);
    res.end(request.payload);
  }

  // ---- invocations ----

  private waitReady(): Promise<void> {
    if (this.state !== "starting" || this.initFailure) return Promise.resolve();
    return new Promise((resolveReady) => {
      const timer = setTimeout(() => {
        this.initFailure ??= { kind: "timeout" };
        resolveReady();
      }, INIT_LIMIT_MS);
      this.readyWaiter = () => {
        clearTimeout(timer);
        this.readyWaiter = undefined;
        resolveReady();
      };
    });
  }

  /** Runs one invocation to its end (response, error, exit or timeout); kills the environment when it cannot be reused. */
  async run(request: InvokeRequest): Promise<Outcome> {
    this.state = this.state === "starting" ? "starting" : "busy";
    const lines: LogEvent[] = this.pending.splice(0);
    this.collecting = lines;
    this.endMarks.clear();
    this.droppedLines = 0;
    const queuedAt = performanceNow();
    await this.waitReady();
    // The state may have changed while waiting (ready, or dead).
    if ((this.state as Environment["state"]) === "idle") this.state = "busy";
    let ending: Ending;
    let startedAt = queuedAt;
    if (this.initFailure) {
      ending = this.initFailure;
      this.kill();
    } else {
      this.watchMemory();
      ending = await new Promise<Ending>((resolveEnding) => {
        let settled = false;
        const settle = (value: Ending): void => {
          if (settled) return;
          settled = true;
          clearTimeout(current.timer);
          resolveEnding(value);
        };
        const current: Current = { request, delivered: false, startedAt: performanceNow(), resolveEnding: settle, timer: undefined };
        // A runtime that never comes back for work is given up like one that never finishes init.
        current.timer = setTimeout(() => settle({ kind: "timeout" }), INIT_LIMIT_MS + this.spec.timeoutSec * 1000);
        this.current = current;
        this.deliver();
      });
      clearInterval(this.memoryWatch);
      startedAt = this.current?.startedAt ?? startedAt;
    }
    const durationMs = Math.max(0, performanceNow() - startedAt);
    let peak: number | undefined;
    const cgroupDir = this.cgroupDir;
    const pid = this.child?.pid;
    const maxMemoryBytes = (): number => (peak ??= peakMemory(cgroupDir, pid));
    if (ending.kind === "timeout" || ending.kind === "init-error") {
      maxMemoryBytes();
      this.kill();
    }
    await this.flushLogs(request.requestId, ending);
    this.current = undefined;
    this.collecting = this.pending;
    if (this.droppedLines > 0) lines.push({ timestamp: Date.now(), message: `[Stratus] ${this.droppedLines} more log lines of this invocation were dropped (limit ${MAX_LINES}).` });
    const initDurationMs = this.initReported ? undefined : this.initDurationMs;
    this.initReported = true;
    this.lastUsed = Date.now();
    if (this.state === "busy") this.state = "idle";
    return { ending, lines, startedAt, durationMs, initDurationMs, maxMemoryBytes };
  }

  private memoryWatch: NodeJS.Timeout | undefined;

  /** Without a cgroup, the environment's resident memory is checked while it runs and over the limit it is killed. */
  private watchMemory(): void {
    if (this.cgroupDir || !this.child?.pid) return;
    const limit = this.spec.memoryMb * 1024 * 1024;
    this.memoryWatch = setInterval(() => {
      if (residentMemory(this.child?.pid) > limit) this.kill();
    }, 100);
    this.memoryWatch.unref();
  }

  /** Output written just before the response may still be in the pipe: wait for our end mark, or a moment. */
  private async flushLogs(requestId: string, ending: Ending): Promise<void> {
    if (this.state === "dead" || ending.kind === "exit") {
      await Promise.race([this.exited, delay(200)]);
      await delay(5);
      return;
    }
    if (!this.marksEnd) {
      await delay(10);
      return;
    }
    if (this.endMarks.delete(requestId)) return;
    await new Promise<void>((resolveMark) => {
      const timer = setTimeout(() => {
        // A runtime that has never printed our mark (an image's own runtime client) is not waited for again.
        if (self.learnsMarks && !self.sawMark) self.marksEnd = false;
        done();
      }, 200);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.markWaiter = undefined;
        resolveMark();
      }
      this.markWaiter = () => {
        if (this.endMarks.delete(requestId)) done();
      };
    });
  }

  kill(): void {
    const child = this.child;
    this.state = "dead";
    if (child && child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    } else {
      // Never started, or already exited: nothing will call onExit.
      this.cleanup();
    }
  }

  /** For process exit: no waiting, no callbacks. */
  killNow(): void {
    try {
      this.child?.kill("SIGKILL");
    } catch {
      // gone
    }
    if (this.cgroupDir) killCgroupMembers(this.cgroupDir);
  }
}

/** Hex digits from randomUUID, which draws from a buffered pool: randomBytes costs a system call on every invocation. */
const randomHex = (digits: number): string => crypto.randomUUID().replace(/-/g, "").slice(0, digits);
const delay = (ms: number): Promise<void> => new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
/** Date.now with sub-millisecond precision, for Duration in REPORT lines. */
const performanceNow = (): number => performance.timeOrigin + performance.now();
