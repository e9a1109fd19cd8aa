/** A small dependency-free Docker Engine API client (API v1.41) over the engine's unix socket. */
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { ContainerCreateOptions, ContainerInspect, ContainerSummary, ImageInspect, NetworkInspect, RegistryAuth } from "./api-types.ts";
import { FrameDecoder, pullLine, timestamped } from "./streams.ts";

export type { RegistryAuth, HealthcheckConfig, MountConfig, HostConfig, ContainerCreateOptions, ContainerInspect, ContainerSummary, ImageInspect, NetworkInspect } from "./api-types.ts";
export { FrameDecoder } from "./streams.ts";

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
    // URL-safe base64 *with* padding: Engine 20.10 decodes with Go's base64.URLEncoding, which rejects unpadded input
    // and then pulls anonymously ("no basic auth credentials").
    if (auth) headers["X-Registry-Auth"] = Buffer.from(JSON.stringify(auth)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
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

  /** One sample of the container's resource usage (Docker's stats JSON, as ECS's metadata /stats returns it). */
  async containerStats(id: string): Promise<unknown> {
    return this.json("GET", `/containers/${encodeURIComponent(id)}/stats`, { query: { stream: false, "one-shot": true } });
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

/** A client on the configured socket (STRATUS_DOCKER_HOST / DOCKER_HOST / /var/run/docker.sock). */
export function createDockerClient(socketPath?: string): DockerClient {
  return new DockerClient(socketPath ?? dockerSocketPath());
}
