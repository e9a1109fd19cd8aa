/** One ECS task as Docker containers: PROVISIONING → … → RUNNING → … → STOPPED, every change reported to ECS. */
import { randomBytes } from "node:crypto";
import type { DockerClient, LogFollower } from "../docker/client.ts";
import { shipAwslogs } from "./awslogs.ts";
import { containerCreateOptions, scratchVolumeName, taskLabels } from "./container-config.ts";
import { PullFailure, resolveImage } from "./images.ts";
import type { MetadataServer } from "./metadata-server.ts";
import { PAUSE_IMAGE, ensurePauseImage } from "./pause-image.ts";
import { tcpProxy, udpProxy, type PortProxy, type ProxyTarget } from "./port-proxy.ts";
import { containerMetadata, credentialsJson, taskMetadata, type ContainerRuntime } from "./task-metadata.ts";
import type { RunnerServices, StopCode, TaskLaunch, TaskObserver, TaskProgress, TaskStatus } from "./types.ts";

/** What every task of one runner shares. */
export interface RunnerContext {
  client: DockerClient;
  services: RunnerServices;
  observer: TaskObserver;
  runId: string;
  /** The tasks' network and the metadata listener on it, created on first use. */
  shared(): Promise<{ networkId: string; metadata: MetadataServer | undefined }>;
  /** Called once the engine answered (the runner starts its watchdog then). */
  engineReachable(): void;
  /** Called once the task reported STOPPED. */
  stopped(task: DockerTask): void;
}

/** A failure before the task ran: stopCode TaskFailedToStart with this message. */
class StartFailure extends Error {}

const HEALTH: Record<string, "HEALTHY" | "UNHEALTHY" | "UNKNOWN"> = { healthy: "HEALTHY", unhealthy: "UNHEALTHY", starting: "UNKNOWN" };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class DockerTask {
  readonly task: TaskLaunch;
  private readonly context: RunnerContext;
  private readonly progress: TaskProgress;
  private readonly containers: ContainerRuntime[];
  private readonly tokens = new Map<ContainerRuntime, string>();
  private readonly exits: Array<Promise<void>> = [];
  private readonly logs: LogFollower[] = [];
  private readonly proxies: PortProxy[] = [];
  private readonly volumes: string[] = [];
  private waiters: Array<() => void> = [];
  private pause?: { id: string; ip: string };
  private stopping = false;
  private startupDone!: Promise<void>;
  /** Settles once the task is STOPPED and everything it had is gone. */
  finished: Promise<void> = Promise.resolve();

  constructor(context: RunnerContext, task: TaskLaunch) {
    this.context = context;
    this.task = task;
    this.progress = { taskArn: task.taskArn, account: task.account, region: task.region, lastStatus: "PROVISIONING", containers: [] };
    this.containers = task.containers.map((launch) => ({
      launch,
      // ECS shows UNKNOWN for containers without a health check too.
      progress: { name: launch.name, lastStatus: "PENDING", networkBindings: [], healthStatus: "UNKNOWN" },
      labels: { ...launch.dockerLabels, ...taskLabels(task, context.runId), "com.amazonaws.ecs.container-name": launch.name },
    }));
    this.progress.healthStatus = "UNKNOWN";
  }

  get stopped(): boolean {
    return this.progress.lastStatus === "STOPPED";
  }

  start(): void {
    let release!: () => void;
    this.startupDone = new Promise((resolve) => (release = resolve));
    queueMicrotask(() => {
      this.report();
      void this.run().finally(release);
    });
  }

  /** Stops the task (once): SIGTERM to every container, SIGKILL after its stopTimeout, then everything removed. */
  stop(stopCode: StopCode, reason: string): void {
    if (this.stopping) return;
    this.stopping = true;
    this.progress.stopCode = stopCode;
    this.progress.stoppedReason = reason;
    this.progress.stoppingAt = Date.now();
    this.notify();
    this.finished = this.teardown().catch((error: Error) => {
      process.stderr.write(`stratus: stopping task ${this.task.taskId}: ${error.message}\n`);
    });
  }

  /** SIGKILL to every container still running (Stratus is stopping and cannot wait out long stop timeouts). */
  killRemaining(): void {
    for (const container of this.containers) {
      if (container.id && container.startedAt !== undefined && container.progress.lastStatus !== "STOPPED") void this.context.client.containerKill(container.id).catch(() => undefined);
    }
  }

  private report(): void {
    this.progress.containers = this.containers.map((container) => structuredClone(container.progress));
    try {
      this.context.observer(structuredClone(this.progress));
    } catch (error) {
      // The task's containers must still be stopped and removed whatever the observer did.
      process.stderr.write(`stratus: task progress for ${this.task.taskId} not recorded: ${(error as Error).message}\n`);
    }
  }

  private status(status: TaskStatus): void {
    this.progress.lastStatus = status;
    this.report();
  }

  /** Wakes everything waiting on a container's state (dependsOn, stop). */
  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private async run(): Promise<void> {
    const { client } = this.context;
    try {
      if (!(await client.ping())) throw new StartFailure(`CannotStartContainerError: no Docker engine reachable at ${client.socketPath}`);
      this.context.engineReachable();
      const networked = this.task.networkMode === "awsvpc" || this.task.networkMode === "bridge";
      let shared: { networkId: string; metadata: MetadataServer | undefined } | undefined;
      if (this.task.networkMode !== "none") {
        try {
          shared = await this.context.shared();
        } catch (error) {
          if (networked) throw new StartFailure(`ResourceInitializationError: unable to set up the task network: ${(error as Error).message}`);
        }
      }
      if (this.stopping) return;
      this.progress.connectivityAt = Date.now();
      this.status("PENDING");
      this.progress.pullStartedAt = Date.now();
      this.report();
      for (const container of this.containers) {
        try {
          const image = await resolveImage(client, this.context.services, this.task, container.launch.image);
          container.image = image.reference;
          container.imageId = image.imageId;
          container.progress.imageDigest = image.digest;
        } catch (error) {
          if (error instanceof PullFailure) container.progress.reason = error.message;
          throw error instanceof PullFailure ? new StartFailure(error.message) : error;
        }
        if (this.stopping) return;
      }
      this.progress.pullStoppedAt = Date.now();
      this.report();
      await this.createVolumes();
      // Several containers share one network namespace (one ENI on AWS), held by a pause container as the agent does;
      // a single container holds its own, which spares a second container start (~250 ms) on every task launch.
      if (this.task.networkMode === "awsvpc" && shared && this.containers.length > 1) await this.startPause(shared.networkId);
      // Each container settles on its own (a failure stops the task, which wakes the ones waiting on dependsOn), so
      // teardown never begins while a sibling is still being created.
      await Promise.all(this.containers.map((container) => this.startContainer(container, shared)));
      if (this.stopping) return;
      this.status("ACTIVATING");
      this.progress.startedAt = Date.now();
      this.status("RUNNING");
    } catch (error) {
      const message = error instanceof StartFailure ? error.message : `CannotStartContainerError: ${(error as Error).message}`;
      this.stop("TaskFailedToStart", message);
    }
  }

  private async createVolumes(): Promise<void> {
    const labels = taskLabels(this.task, this.context.runId);
    for (const volume of this.task.volumes) {
      if (volume.hostPath) continue;
      const name = scratchVolumeName(this.task, volume.name);
      await this.context.client.volumeCreate(name, labels);
      this.volumes.push(name);
    }
  }

  /** awsvpc: the network namespace every container of the task shares (one ENI on AWS), held by a do-nothing container. */
  private async startPause(networkId: string): Promise<void> {
    const { client } = this.context;
    const image = await ensurePauseImage(client);
    if (!image) throw new StartFailure("ResourceInitializationError: no pause image for this architecture");
    const id = await client.containerCreate(
      {
        Image: PAUSE_IMAGE,
        Labels: { ...taskLabels(this.task, this.context.runId), "com.amazonaws.ecs.container-name": "~internal~ecs~pause" },
        HostConfig: { NetworkMode: networkId, AutoRemove: false, Memory: 8 * 1024 * 1024 },
        NetworkingConfig: { EndpointsConfig: { [networkId]: { Aliases: [this.task.taskId] } } },
      },
      `ecs-${this.dockerSafe(this.task.family)}-${this.task.revision}-internalecspause-${randomBytes(8).toString("hex")}`,
    );
    this.pause = { id, ip: "" };
    await client.containerStart(id);
    const info = await client.containerInspect(id);
    this.pause.ip = Object.values(info.NetworkSettings.Networks ?? {})[0]?.IPAddress ?? "";
  }

  private dockerSafe(text: string): string {
    return text.replace(/[^A-Za-z0-9_.-]/g, "");
  }

  /** Why a container can never start (a dependency failed its condition), or undefined once every condition holds. */
  private async dependencies(container: ContainerRuntime): Promise<string | undefined> {
    for (;;) {
      if (this.stopping) return undefined;
      let waiting = false;
      for (const dependency of container.launch.dependsOn) {
        const other = this.containers.find((candidate) => candidate.launch.name === dependency.containerName);
        if (!other) continue;
        const exited = other.progress.lastStatus === "STOPPED";
        const failed = `DependencyConditionFailure: container ${other.launch.name} did not reach ${dependency.condition}`;
        if (dependency.condition === "START") {
          if (other.startedAt === undefined && exited) return failed;
          waiting ||= other.startedAt === undefined;
        } else if (dependency.condition === "COMPLETE") {
          waiting ||= !exited;
        } else if (dependency.condition === "SUCCESS") {
          if (exited && other.progress.exitCode !== 0) return failed;
          waiting ||= !exited;
        } else {
          if (exited || other.progress.healthStatus === "UNHEALTHY") return failed;
          waiting ||= other.progress.healthStatus !== "HEALTHY";
        }
      }
      if (!waiting) return undefined;
      await this.changed();
    }
  }

  private async startContainer(container: ContainerRuntime, shared: { networkId: string; metadata: MetadataServer | undefined } | undefined): Promise<void> {
    try {
      await this.createAndStart(container, shared);
    } catch (error) {
      const message = error instanceof StartFailure ? error.message : `CannotStartContainerError: ${(error as Error).message}`;
      container.progress.lastStatus = "STOPPED";
      container.progress.reason ??= message;
      this.notify();
      this.report();
      this.stop("TaskFailedToStart", message);
    }
  }

  private async createAndStart(container: ContainerRuntime, shared: { networkId: string; metadata: MetadataServer | undefined } | undefined): Promise<void> {
    const { client } = this.context;
    const failure = await this.dependencies(container);
    if (this.stopping) return;
    if (failure) {
      container.progress.lastStatus = "STOPPED";
      container.progress.reason = failure;
      this.notify();
      this.report();
      if (container.launch.essential) this.stop("TaskFailedToStart", failure);
      return;
    }
    const mode = this.task.networkMode;
    const sharesPause = mode === "awsvpc" && this.pause !== undefined;
    const ownNetwork = mode === "bridge" || (mode === "awsvpc" && !sharesPause);
    const networkMode = sharesPause ? `container:${this.pause?.id ?? ""}` : ownNetwork ? (shared?.networkId ?? "none") : mode;
    const token = randomBytes(16).toString("hex");
    this.tokens.set(container, token);
    shared?.metadata?.register(token, {
      container: () => containerMetadata(this.task, this.progress, container),
      task: () => taskMetadata(this.task, this.progress, this.containers),
      containerStats: () => this.stats(container),
      taskStats: async () => Object.fromEntries(await Promise.all(this.containers.filter((entry) => entry.id).map(async (entry) => [entry.id, await this.stats(entry)]))),
      credentials: () => {
        const credentials = this.context.services.taskCredentials(this.task);
        return credentials ? credentialsJson(credentials) : undefined;
      },
    });
    const options = containerCreateOptions(this.task, container.launch, {
      runId: this.context.runId,
      image: container.image ?? container.launch.image,
      networkMode,
      networkId: shared?.networkId,
      metadataUrl: shared?.metadata?.url,
      token,
    });
    const name = `ecs-${this.dockerSafe(this.task.family)}-${this.task.revision}-${this.dockerSafe(container.launch.name)}-${randomBytes(8).toString("hex")}`;
    const id = await client.containerCreate(options, name);
    container.id = id;
    container.dockerName = name;
    container.createdAt = Date.now();
    container.progress.runtimeId = id;
    if (this.stopping) return;
    // Host ports are taken before the container starts (a clash fails the start, as Docker's own publishing does);
    // a container on its own network address is looked up per connection, once the engine gave it one.
    if (sharesPause) {
      container.progress.privateIp = this.pause?.ip;
      await this.publish(container, this.pause?.ip ?? "");
    } else if (ownNetwork) {
      await this.publish(container, () => container.progress.privateIp ?? "");
    }
    // An engine refusal here (bad entrypoint, unknown user …) becomes CannotStartContainerError on the container and the task.
    await client.containerStart(id);
    container.startedAt = Date.now();
    this.exits.push(this.watchExit(container, id));
    const shipper = shipAwslogs(client, this.context.services, this.task, container.launch, id);
    if (shipper) this.logs.push(shipper);
    if (ownNetwork) {
      const info = await client.containerInspect(id);
      container.progress.privateIp = info.NetworkSettings.Networks?.[shared?.networkId ?? ""]?.IPAddress ?? Object.values(info.NetworkSettings.Networks ?? {})[0]?.IPAddress;
    } else if (mode === "host") {
      container.progress.networkBindings = container.launch.portMappings.map((mapping) => ({ bindIP: "0.0.0.0", containerPort: mapping.containerPort, hostPort: mapping.containerPort, protocol: mapping.protocol }));
    }
    if (container.progress.lastStatus === "PENDING") container.progress.lastStatus = "RUNNING";
    if (container.launch.healthCheck) void this.watchHealth(container, id);
    this.notify();
    this.report();
  }

  /** Docker's stats sample for a running container; null once it stopped (as the agent answers). */
  private async stats(container: ContainerRuntime): Promise<unknown> {
    if (!container.id || container.progress.lastStatus !== "RUNNING") return null;
    return this.context.client.containerStats(container.id).catch(() => null);
  }

  /** Port mappings → listeners on 127.0.0.1 forwarding to the container; a taken host port fails the task's start. */
  private async publish(container: ContainerRuntime, ip: ProxyTarget): Promise<void> {
    for (const mapping of container.launch.portMappings) {
      const requested = mapping.hostPort ?? 0;
      try {
        const proxy = await (mapping.protocol === "udp" ? udpProxy : tcpProxy)(requested, ip, mapping.containerPort);
        this.proxies.push(proxy);
        container.progress.networkBindings.push({ bindIP: "127.0.0.1", containerPort: mapping.containerPort, hostPort: proxy.hostPort, protocol: mapping.protocol });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new StartFailure(
          code === "EADDRINUSE"
            ? `CannotStartContainerError: Bind for 127.0.0.1:${requested} failed: port is already allocated`
            : `CannotStartContainerError: cannot publish port ${mapping.containerPort}/${mapping.protocol}: ${(error as Error).message}`,
        );
      }
    }
  }

  private async watchExit(container: ContainerRuntime, id: string): Promise<void> {
    const { client } = this.context;
    const waited = await client.containerWait(id).catch(() => undefined);
    const info = await client.containerInspect(id).catch(() => undefined);
    container.finishedAt = Date.parse(info?.State.FinishedAt ?? "") || Date.now();
    container.progress.lastStatus = "STOPPED";
    container.progress.exitCode = info?.State.ExitCode ?? waited?.StatusCode;
    if (info?.State.OOMKilled) container.progress.reason = "OutOfMemoryError: Container killed due to memory usage";
    this.notify();
    this.report();
    if (container.launch.essential && !this.stopping) this.stop("EssentialContainerExited", "Essential container in task exited");
  }

  /** Docker runs the health check; its verdict becomes ECS's healthStatus for the container and the task. */
  private async watchHealth(container: ContainerRuntime, id: string): Promise<void> {
    while (!this.stopping && container.progress.lastStatus === "RUNNING") {
      await sleep(250);
      const info = await this.context.client.containerInspect(id).catch(() => undefined);
      const status = HEALTH[info?.State.Health?.Status ?? "starting"] ?? "UNKNOWN";
      if (status === container.progress.healthStatus || container.progress.lastStatus !== "RUNNING") continue;
      container.progress.healthStatus = status;
      this.progress.healthStatus = this.taskHealth();
      this.notify();
      this.report();
      if (status === "UNHEALTHY" && container.launch.essential && !this.stopping) this.stop("ServiceSchedulerInitiated", "Task failed container health checks");
    }
  }

  /** HEALTHY when every essential container with a check is; UNHEALTHY when one is; otherwise UNKNOWN. */
  private taskHealth(): "HEALTHY" | "UNHEALTHY" | "UNKNOWN" {
    const checked = this.containers.filter((container) => container.launch.essential && container.launch.healthCheck);
    if (checked.some((container) => container.progress.healthStatus === "UNHEALTHY")) return "UNHEALTHY";
    if (checked.length > 0 && checked.every((container) => container.progress.healthStatus === "HEALTHY")) return "HEALTHY";
    return "UNKNOWN";
  }

  private async teardown(): Promise<void> {
    const { client } = this.context;
    await this.startupDone;
    this.status("DEACTIVATING");
    this.status("STOPPING");
    await Promise.all(
      this.containers
        .filter((container) => container.id && container.startedAt !== undefined && container.progress.lastStatus !== "STOPPED")
        .map((container) => client.containerStop(container.id ?? "", container.launch.stopTimeoutSeconds ?? 30).catch(() => undefined)),
    );
    await Promise.all(this.exits);
    this.progress.executionStoppedAt = Date.now();
    this.status("DEPROVISIONING");
    // Every line the containers wrote reaches CloudWatch Logs before the task reports STOPPED.
    await Promise.all(this.logs.map((follower) => follower.done.catch(() => undefined)));
    await Promise.all(this.proxies.map((proxy) => proxy.close()));
    const metadata = this.tokens.size ? await this.context.shared().then((shared) => shared.metadata).catch(() => undefined) : undefined;
    for (const token of this.tokens.values()) metadata?.unregister(token);
    const ids = [...this.containers.map((container) => container.id), this.pause?.id].filter((id): id is string => id !== undefined);
    await Promise.all(ids.map((id) => client.containerRemove(id, { force: true, volumes: true }).catch(() => undefined)));
    await Promise.all(this.volumes.map((name) => client.volumeRemove(name).catch(() => undefined)));
    for (const container of this.containers) container.progress.lastStatus = "STOPPED";
    this.progress.stoppedAt = Date.now();
    this.status("STOPPED");
    this.context.stopped(this);
  }
}
