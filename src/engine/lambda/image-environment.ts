/** An execution environment in a Docker container (PackageType Image, or a zip function on the docker runner): the process runner's Runtime API and invocation logic, launched by Docker. */
import { randomUUID } from "node:crypto";
import { constants } from "node:os";
import { onShutdown } from "../../shared/shutdown.ts";
import { reap, spawnWatchdog, type Watchdog } from "../containers/reaper.ts";
import { createDockerClient, DockerError, type ContainerCreateOptions, type DockerClient, type HostConfig } from "../docker/client.ts";
import { Environment, type RuntimeChild } from "./environment.ts";
import { placement } from "./image-network.ts";
import { serveRuntimeApi } from "./runtime-api.ts";
import { baseEnvironment } from "./runtimes.ts";
import type { FunctionSpec, ImageSpec } from "./types.ts";
import { missingRuntimeImage, type ZipContainer } from "./zip-docker.ts";

/** The image cannot be run: no Docker engine, or the image is neither present nor pullable. The service answers it as an AWS error. */
export class ImageUnavailable extends Error {}

const LABEL_KIND = "stratus.kind";
const KIND = "lambda";

let docker: DockerClient | undefined;
/** This Stratus process's Lambda containers carry it: the watchdog removes them if Stratus dies without stopping (kill -9). */
const runId = randomUUID();
let watchdog: Watchdog | undefined;

function client(): DockerClient {
  if (docker) return docker;
  const engine = createDockerClient();
  docker = engine;
  // Containers of Stratus processes that died before their watchdog could act (the ECS runner's sweep).
  void reap(engine).catch(() => 0);
  // Stratus stopping: every function container of this run goes, then the watchdog is let go.
  onShutdown(async () => {
    await reap(engine, runId).catch(() => 0);
    watchdog?.release();
  });
  return engine;
}

/** Docker reports a container killed by signal N as exit status 128+N: give it back as the signal, as the process runner sees it. */
function exitOf(status: number): { code: number | null; signal: NodeJS.Signals | null } {
  if (status > 128) {
    const signal = (Object.entries(constants.signals) as Array<[NodeJS.Signals, number]>).find(([, number]) => number === status - 128)?.[0];
    if (signal) return { code: null, signal };
  }
  return { code: status, signal: null };
}

/** Makes the image present locally: already there, else pulled from Stratus's registry with the function account's credentials. */
async function ensureImage(engine: DockerClient, image: ImageSpec): Promise<void> {
  if (await engine.imageInspect(image.reference)) return;
  if (!image.auth) throw new ImageUnavailable(`Source image ${image.reference} does not exist. Provide a valid source image.`);
  try {
    await engine.imagePull(image.reference, image.auth());
  } catch (error) {
    if (error instanceof DockerError && error.status === 0) throw error;
    throw new ImageUnavailable(`Lambda cannot pull the source image ${image.reference}: ${(error as Error).message}`);
  }
}

/** Makes a zip function's runtime image present: already there, else pulled anonymously (AWS's images are public). */
async function ensureRuntimeImage(engine: DockerClient, zip: ZipContainer, runtime: string): Promise<void> {
  if (await engine.imageInspect(zip.image)) return;
  try {
    await engine.imagePull(zip.image);
  } catch (error) {
    if (error instanceof DockerError && error.status === 0) throw error;
    throw missingRuntimeImage(zip, runtime, (error as Error).message);
  }
  // A pull may succeed and still leave no such reference (a digest-only pull of a tag-less name): check, not assume.
  if (!(await engine.imageInspect(zip.image))) throw missingRuntimeImage(zip, runtime, "the pull left no such image");
}

/** The container as the environment sees its runtime: killing it removes it (the wait then reports its end). */
class ContainerChild implements RuntimeChild {
  readonly id: string;
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private readonly engine: DockerClient;

  constructor(engine: DockerClient, id: string) {
    this.engine = engine;
    this.id = id;
  }

  kill(): boolean {
    this.engine.containerRemove(this.id, { force: true }).catch(() => {});
    return true;
  }
}

export class ImageEnvironment extends Environment {
  /** Set for a zip function on the docker runner: the runtime image, the code's mounts, the handler as CMD. */
  private readonly zip: ZipContainer | undefined;

  constructor(spec: FunctionSpec, zip?: ZipContainer) {
    // Our runtime client marks the end of an invocation's output; an image's own client does not (learned on first use).
    super(spec, "learn");
    this.zip = zip;
  }

  /** What Docker runs: the function's image, or for a zip function its runtime's image given the handler as CMD. */
  private plan(): ImageSpec {
    const zip = this.zip;
    if (zip) return { reference: zip.image, auth: undefined, entryPoint: zip.entryPoint, command: zip.command, workingDirectory: undefined };
    if (!this.spec.image) throw new Error(`${this.spec.functionName} is not a container image function`);
    return this.spec.image;
  }

  /** Serves the Runtime API, starts the container and follows its output; resolves once it runs (its first /next makes it ready). */
  async launch(): Promise<void> {
    const image = this.plan();
    const zip = this.zip;
    const engine = client();
    try {
      if (zip) await ensureRuntimeImage(engine, zip, this.spec.runtime);
      else await ensureImage(engine, image);
    } catch (error) {
      if (error instanceof DockerError && error.status === 0) {
        const what = zip ? "zip functions with STRATUS_LAMBDA_RUNNER=docker" : "container image functions";
        throw new ImageUnavailable(`Stratus needs a Docker engine to run ${what}: ${error.message}.`);
      }
      throw error;
    }
    const where = await placement(engine, this.spec.endpoint);
    const { server, address } = await serveRuntimeApi(this, where.runtimeHost);
    this.server = server;
    const credentials = this.spec.credentials();
    const variables: Record<string, string> = {
      ...baseEnvironment(this.spec, credentials, "/var/task", "/var/runtime"),
      AWS_LAMBDA_RUNTIME_API: address,
      AWS_LAMBDA_LOG_STREAM_NAME: this.logStream,
      AWS_ENDPOINT_URL: where.endpoint,
    };
    // The image's own PATH stays; the handler is the image's CMD (its entry point reads it). A zip function keeps
    // Lambda's _HANDLER and AWS_EXECUTION_ENV (AWS_Lambda_<runtime>), as the managed runtime sets them.
    delete variables.PATH;
    if (!zip) {
      delete variables._HANDLER;
      delete variables.AWS_EXECUTION_ENV;
    }
    const bytes = this.spec.memoryMb * 1024 * 1024;
    const hostConfig = { NetworkMode: where.networkMode, Memory: bytes, MemorySwap: bytes, AutoRemove: false, ...(zip ? { Binds: zip.binds } : {}) };
    const options: ContainerCreateOptions = {
      Image: image.reference,
      Env: Object.entries(variables).map(([key, value]) => `${key}=${value}`),
      // The runtime client's stdin stays open (never attached): ours exits when it closes.
      OpenStdin: true,
      Labels: {
        "stratus.managed": "true",
        "stratus.pid": String(process.pid),
        "stratus.run-id": runId,
        [LABEL_KIND]: KIND,
        "stratus.lambda.function": `arn:aws:lambda:${this.spec.region}:${this.spec.account}:function:${this.spec.functionName}:${this.spec.version}`,
      },
      HostConfig: hostConfig as HostConfig,
      ...(image.entryPoint ? { Entrypoint: image.entryPoint } : {}),
      ...(image.command ? { Cmd: image.command } : {}),
      ...(image.workingDirectory ? { WorkingDir: image.workingDirectory } : {}),
    };
    const name = `stratus-lambda-${this.spec.functionName.slice(0, 40)}-${this.id.slice(0, 12)}`;
    watchdog ??= spawnWatchdog(engine.socketPath, runId);
    let id: string;
    try {
      id = await engine.containerCreate(options, name);
    } catch (error) {
      throw new ImageUnavailable(`Lambda could not create the container for ${this.spec.functionName}: ${(error as Error).message}`);
    }
    const child = new ContainerChild(engine, id);
    this.child = child;
    try {
      await engine.containerStart(id);
      child.pid = (await engine.containerInspect(id)).State.Pid || undefined;
    } catch (error) {
      child.kill();
      // Nothing will report this container's end: the environment is cleaned up as one that never started.
      this.child = undefined;
      const message = (error as Error).message;
      const entrypoint = /(?:starting container process caused|unable to start container process): (exec: .*?)(?:: unknown)?$/.exec(message)?.[1];
      if (entrypoint) {
        // As Lambda reports an entry point that cannot be started: the invocation's error (Runtime.InvalidEntrypoint), not a service failure.
        this.initError(Buffer.from(JSON.stringify({ errorType: "Runtime.InvalidEntrypoint", errorMessage: `Error: ${entrypoint}` })), "Runtime.InvalidEntrypoint");
        return;
      }
      throw new ImageUnavailable(`Lambda could not start the container for ${this.spec.functionName}: ${message}`);
    }
    const logs = engine.logs(id, (line) => this.onLine(line.message, line.stream === "stdout"));
    logs.done.catch(() => {});
    engine
      .containerWait(id)
      .then(
        (result) => exitOf(result.StatusCode),
        () => ({ code: null, signal: "SIGKILL" as NodeJS.Signals }),
      )
      .then(async (ending) => {
        // The output's last lines come before the end is reported (the follower reads until the container's output ends).
        await Promise.race([logs.done.catch(() => {}), new Promise((resolveLate) => setTimeout(resolveLate, 500))]);
        logs.close();
        child.exitCode = ending.code;
        child.signalCode = ending.signal;
        this.onExit(ending.code, ending.signal);
        child.kill();
      });
  }
}
