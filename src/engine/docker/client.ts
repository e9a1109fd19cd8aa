/** A small dependency-free Docker Engine API client (API v1.41) over the engine's unix socket. */
import { request as httpRequest, type IncomingMessage } from "node:http";

export const DOCKER_API_VERSION = "v1.41";

/** An engine answer other than 2xx (status 0: the engine could not be reached at all). */
export class DockerError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "DockerError";
    this.status = status;
  }
}

/** The socket: STRATUS_DOCKER_HOST, else DOCKER_HOST (`unix://…` only), else /var/run/docker.sock. */
export function dockerSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.STRATUS_DOCKER_HOST || env.DOCKER_HOST;
  if (host?.startsWith("unix://")) return host.slice("unix://".length);
  if (host?.startsWith("/")) return host;
  return "/var/run/docker.sock";
}

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface HealthcheckConfig {
  /** ["CMD", exe, …], ["CMD-SHELL", "…"] or ["NONE"]. */
  Test: string[];
  /** Nanoseconds. */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface MountConfig {
  Type: "bind" | "volume" | "tmpfs";
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
}

export interface HostConfig {
  NetworkMode?: string;
  /** Bytes. */
  Memory?: number;
  MemoryReservation?: number;
  NanoCpus?: number;
  CpuShares?: number;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  Binds?: string[];
  Mounts?: MountConfig[];
  ReadonlyRootfs?: boolean;
  Init?: boolean;
  AutoRemove?: boolean;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
  ExtraHosts?: string[];
  Dns?: string[];
}

/** The body of POST /containers/create (Docker's own field names). */
export interface ContainerCreateOptions {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  Hostname?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  StopSignal?: string;
  StopTimeout?: number;
  ExposedPorts?: Record<string, Record<string, never>>;
  Healthcheck?: HealthcheckConfig;
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, { IPAMConfig?: { IPv4Address?: string }; Aliases?: string[] }> };
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Image: string;
  State: {
    Status: "created" | "running" | "paused" | "restarting" | "removing" | "exited" | "dead";
    Running: boolean;
    OOMKilled: boolean;
    Pid: number;
    ExitCode: number;
    Error: string;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: "starting" | "healthy" | "unhealthy" | "none"; FailingStreak: number; Log?: Array<{ ExitCode: number; Output: string }> };
  };
  Config: { Image: string; Labels: Record<string, string> | null; Env: string[] | null };
  NetworkSettings: { Networks: Record<string, { IPAddress: string; Gateway: string; NetworkID: string }> | null };
}

export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Labels: Record<string, string>;
}

export interface ImageInspect {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Config: { Env?: string[] | null; Cmd?: string[] | null; Entrypoint?: string[] | null; WorkingDir?: string; User?: string } | null;
}

export interface NetworkInspect {
  Id: string;
  Name: string;
  Internal: boolean;
  IPAM: { Config: Array<{ Subnet?: string; Gateway?: string }> | null };
  Labels: Record<string, string> | null;
}

export interface LogLine {
  stream: "stdout" | "stderr";
  /** Epoch ms from the engine's timestamp (Date.now() when absent). */
  timestamp: number;
  message: string;
}

/** A following log reader: `done` settles when the container's output ends (it exited) or close() was called. */
export interface LogFollower {
  done: Promise<void>;
  close(): void;
}

export interface Response {
  status: number;
  body: Buffer;
}

type Query = Record<string, string | number | boolean | undefined>;

function queryString(query: Query | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

function errorMessage(body: Buffer, status: number): string {
  const text = body.toString("utf8").trim();
  try {
    const parsed = JSON.parse(text) as { message?: string };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: the raw text is the message
  }
  return text || `Docker engine answered HTTP ${status}`;
}

/** Splits image references: `repo[:tag]` or `repo@sha256:…` into Docker's fromImage/tag query pair. */
export function splitImageReference(image: string): { repository: string; tag: string } {
  const at = image.indexOf("@");
  if (at >= 0) return { repository: image.slice(0, at), tag: image.slice(at + 1) };
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  if (colon > slash) return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repository: image, tag: "latest" };
}

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
function timestamped(line: string): { timestamp: number; message: string } {
  const space = line.indexOf(" ");
  if (space > 0) {
    const parsed = Date.parse(line.slice(0, space));
    if (!Number.isNaN(parsed)) return { timestamp: parsed, message: line.slice(space + 1).replace(/\r$/, "") };
  }
  return { timestamp: Date.now(), message: line.replace(/\r$/, "") };
}

export class DockerClient {
  readonly socketPath: string;
  constructor(socketPath: string = dockerSocketPath()) {
    this.socketPath = socketPath;
  }

  /** Opens a request and resolves with the response once headers arrive (any status). */
  private open(method: string, path: string, options: { query?: Query; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const raw = Buffer.isBuffer(options.body);
      const payload = options.body === undefined ? undefined : raw ? (options.body as Buffer) : Buffer.from(JSON.stringify(options.body));
      const headers: Record<string, string> = { Host: "docker", ...options.headers };
      if (payload) {
        headers["Content-Type"] ??= raw ? "application/x-tar" : "application/json";
        headers["Content-Length"] = String(payload.length);
      }
      // agent: false — Node's global agent puts a 5 s idle timeout on its sockets, which would cut waits and log follows.
      const req = httpRequest({ socketPath: this.socketPath, agent: false, method, path: `/${DOCKER_API_VERSION}${path}${queryString(options.query)}`, headers, signal: options.signal, timeout: options.timeoutMs });
      req.on("response", resolve);
      req.on("timeout", () => req.destroy(new DockerError(0, `Docker engine at ${this.socketPath} did not answer ${method} ${path} in time`)));
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (error instanceof DockerError || error.name === "AbortError") reject(error);
        else reject(new DockerError(0, `no Docker engine reachable at ${this.socketPath} (${error.code ?? error.message})`));
      });
      req.end(payload);
    });
  }

  /** A whole request: rejects with DockerError on a non-2xx answer. */
  async call(method: string, path: string, options: { query?: Query; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Response> {
    const res = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new DockerError(status, errorMessage(body, status));
    return { status, body };
  }

  private async json<T>(method: string, path: string, options: { query?: Query; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number } = {}): Promise<T> {
    const { body } = await this.call(method, path, options);
    return JSON.parse(body.toString("utf8")) as T;
  }

  /** True when the engine answers /_ping. */
  async ping(timeoutMs = 5_000): Promise<boolean> {
    try {
      await this.call("GET", "/_ping", { timeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  async version(): Promise<{ Version: string; ApiVersion: string; Os: string; Arch: string }> {
    return this.json("GET", "/version");
  }

  /** The image, or undefined when the engine does not have it. */
  async imageInspect(image: string): Promise<ImageInspect | undefined> {
    try {
      return await this.json<ImageInspect>("GET", `/images/${encodeURIComponent(image)}/json`);
    } catch (error) {
      if (error instanceof DockerError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Pulls an image (tag `latest` when none is given); the progress stream's error becomes a DockerError. */
  async imagePull(image: string, auth?: RegistryAuth, onProgress?: (event: { status?: string; id?: string }) => void): Promise<void> {
    const { repository, tag } = splitImageReference(image);
    const headers: Record<string, string> = {};
    if (auth) headers["X-Registry-Auth"] = Buffer.from(JSON.stringify(auth)).toString("base64url");
    const res = await this.open("POST", "/images/create", { query: { fromImage: repository, tag }, headers });
    const status = res.statusCode ?? 0;
    let buffered = "";
    let failure: string | undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of res) {
      if (status < 200 || status >= 300) {
        chunks.push(chunk as Buffer);
        continue;
      }
      buffered += (chunk as Buffer).toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) failure ??= pullLine(line, onProgress);
    }
    if (status < 200 || status >= 300) throw new DockerError(status, errorMessage(Buffer.concat(chunks), status));
    failure ??= pullLine(buffered, onProgress);
    if (failure !== undefined) throw new DockerError(500, failure);
  }

  /** `docker import`: a root filesystem tar becomes image `repo:tag`; `changes` are Dockerfile lines (CMD, ENV …). */
  async imageImport(tar: Buffer, repo: string, tag: string, changes: string[] = []): Promise<void> {
    const query = new URLSearchParams({ fromSrc: "-", repo, tag });
    for (const change of changes) query.append("changes", change);
    const res = await this.open("POST", `/images/create?${query.toString()}`, { body: tar });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw new DockerError(status, errorMessage(Buffer.concat(chunks), status));
    const failure = Buffer.concat(chunks).toString("utf8").split("\n").map((line) => pullLine(line)).find((message) => message !== undefined);
    if (failure !== undefined) throw new DockerError(500, failure);
  }

  async containerCreate(options: ContainerCreateOptions, name?: string): Promise<string> {
    const created = await this.json<{ Id: string }>("POST", "/containers/create", { query: { name }, body: options });
    return created.Id;
  }

  async containerStart(id: string): Promise<void> {
    await this.call("POST", `/containers/${encodeURIComponent(id)}/start`);
  }

  async containerInspect(id: string): Promise<ContainerInspect> {
    return this.json("GET", `/containers/${encodeURIComponent(id)}/json`);
  }

  /** Blocks until the container is not running; resolves with its exit code. */
  async containerWait(id: string, signal?: AbortSignal): Promise<{ StatusCode: number; Error?: { Message: string } | null }> {
    return this.json("POST", `/containers/${encodeURIComponent(id)}/wait`, { query: { condition: "not-running" }, signal });
  }

  async containerKill(id: string, signal = "SIGKILL"): Promise<void> {
    await this.call("POST", `/containers/${encodeURIComponent(id)}/kill`, { query: { signal } });
  }

  /** SIGTERM (or the image's stop signal), then SIGKILL after `timeoutSeconds`; a stopped container is not an error. */
  async containerStop(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.call("POST", `/containers/${encodeURIComponent(id)}/stop`, { query: { t: timeoutSeconds } });
    } catch (error) {
      if (!(error instanceof DockerError && error.status === 304)) throw error;
    }
  }

  /** Removes a container (force: kills it first); an already-gone container is not an error. */
  async containerRemove(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    try {
      await this.call("DELETE", `/containers/${encodeURIComponent(id)}`, { query: { force: options.force ?? true, v: options.volumes ?? true } });
    } catch (error) {
      if (!(error instanceof DockerError && error.status === 404)) throw error;
    }
  }

  /** Containers (running or not) carrying every `key=value` (or bare `key`) label given. */
  async containerList(labels: string[]): Promise<ContainerSummary[]> {
    return this.json("GET", "/containers/json", { query: { all: true, filters: JSON.stringify({ label: labels }) } });
  }

  /**
   * Logs of a non-TTY container as lines; `follow` keeps reading until the container exits or close() is called.
   * The engine's follow stream can end before the last unterminated line is flushed at exit, so once it ends a
   * plain read catches up on any lines the follow stream missed.
   */
  logs(id: string, onLine: (line: LogLine) => void, options: { follow?: boolean; since?: number } = {}): LogFollower {
    const controller = new AbortController();
    const follow = options.follow ?? true;
    let seen = 0;
    const read = async (followStream: boolean, skip: number): Promise<void> => {
      let res: IncomingMessage;
      try {
        res = await this.open("GET", `/containers/${encodeURIComponent(id)}/logs`, {
          query: { stdout: true, stderr: true, timestamps: true, follow: followStream, since: options.since },
          signal: controller.signal,
        });
      } catch (error) {
        if ((error as Error).name === "AbortError") return;
        throw error;
      }
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        throw new DockerError(status, errorMessage(Buffer.concat(chunks), status));
      }
      let index = 0;
      const decoder = new FrameDecoder((stream, line) => {
        if (index++ < skip) return;
        seen++;
        onLine({ stream, ...timestamped(line) });
      });
      try {
        for await (const chunk of res) decoder.push(chunk as Buffer);
      } catch (error) {
        if ((error as Error).name !== "AbortError" && (error as NodeJS.ErrnoException).code !== "ECONNRESET") throw error;
        return;
      }
      decoder.end();
    };
    const done = (async () => {
      await read(follow, 0);
      if (follow && !controller.signal.aborted) await read(false, seen);
    })();
    return { done, close: () => controller.abort() };
  }

  async networkInspect(idOrName: string): Promise<NetworkInspect | undefined> {
    try {
      return await this.json<NetworkInspect>("GET", `/networks/${encodeURIComponent(idOrName)}`);
    } catch (error) {
      if (error instanceof DockerError && error.status === 404) return undefined;
      throw error;
    }
  }

  async networkList(): Promise<NetworkInspect[]> {
    return this.json("GET", "/networks");
  }

  async networkCreate(options: { Name: string; Internal?: boolean; Driver?: string; Subnet?: string; Gateway?: string; Labels?: Record<string, string>; Options?: Record<string, string> }): Promise<string> {
    const body = {
      Name: options.Name,
      CheckDuplicate: true,
      Driver: options.Driver ?? "bridge",
      Internal: options.Internal ?? false,
      Labels: options.Labels ?? {},
      Options: options.Options ?? {},
      IPAM: options.Subnet ? { Driver: "default", Config: [{ Subnet: options.Subnet, ...(options.Gateway ? { Gateway: options.Gateway } : {}) }] } : undefined,
    };
    const created = await this.json<{ Id: string }>("POST", "/networks/create", { body });
    return created.Id;
  }

  async networkRemove(idOrName: string): Promise<void> {
    try {
      await this.call("DELETE", `/networks/${encodeURIComponent(idOrName)}`);
    } catch (error) {
      if (!(error instanceof DockerError && error.status === 404)) throw error;
    }
  }

  async volumeCreate(name: string, labels: Record<string, string>): Promise<void> {
    await this.call("POST", "/volumes/create", { body: { Name: name, Labels: labels } });
  }

  async volumeRemove(name: string): Promise<void> {
    try {
      await this.call("DELETE", `/volumes/${encodeURIComponent(name)}`, { query: { force: true } });
    } catch (error) {
      if (!(error instanceof DockerError && error.status === 404)) throw error;
    }
  }

  async volumeList(labels: string[]): Promise<Array<{ Name: string; Labels: Record<string, string> | null }>> {
    const listed = await this.json<{ Volumes: Array<{ Name: string; Labels: Record<string, string> | null }> | null }>("GET", "/volumes", { query: { filters: JSON.stringify({ label: labels }) } });
    return listed.Volumes ?? [];
  }

  /** Runs a command in a running container; resolves with its exit code and output. */
  async exec(id: string, cmd: string[], options: { user?: string; env?: string[] } = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const created = await this.json<{ Id: string }>("POST", `/containers/${encodeURIComponent(id)}/exec`, {
      body: { Cmd: cmd, AttachStdout: true, AttachStderr: true, User: options.user, Env: options.env },
    });
    const res = await this.open("POST", `/exec/${created.Id}/start`, { body: { Detach: false, Tty: false } });
    const out = { stdout: [] as string[], stderr: [] as string[] };
    const decoder = new FrameDecoder((stream, line) => out[stream].push(line));
    for await (const chunk of res) decoder.push(chunk as Buffer);
    decoder.end();
    const inspected = await this.json<{ ExitCode: number | null }>("GET", `/exec/${created.Id}/json`);
    return { exitCode: inspected.ExitCode ?? -1, stdout: out.stdout.join("\n"), stderr: out.stderr.join("\n") };
  }

  /** Engine events (filters as the API takes them, e.g. { label: ["stratus.managed=true"], type: ["container"] }). */
  events(filters: Record<string, string[]>, onEvent: (event: { Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> }; time: number }) => void): LogFollower {
    const controller = new AbortController();
    const done = (async () => {
      let res: IncomingMessage;
      try {
        res = await this.open("GET", "/events", { query: { filters: JSON.stringify(filters) }, signal: controller.signal });
      } catch (error) {
        if ((error as Error).name === "AbortError") return;
        throw error;
      }
      let buffered = "";
      try {
        for await (const chunk of res) {
          buffered += (chunk as Buffer).toString("utf8");
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const line of lines) if (line.trim()) onEvent(JSON.parse(line));
        }
      } catch (error) {
        if ((error as Error).name !== "AbortError" && (error as NodeJS.ErrnoException).code !== "ECONNRESET") throw error;
      }
    })();
    return { done, close: () => controller.abort() };
  }
}

/** One line of the pull progress stream: reports progress, returns the error text when the line is an error. */
function pullLine(line: string, onProgress?: (event: { status?: string; id?: string }) => void): string | undefined {
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

/** A client on the configured socket (STRATUS_DOCKER_HOST / DOCKER_HOST / /var/run/docker.sock). */
export function createDockerClient(socketPath?: string): DockerClient {
  return new DockerClient(socketPath ?? dockerSocketPath());
}
