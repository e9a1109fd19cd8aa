/** The JSON of ECS's task metadata endpoint v4 (container, task, stats) and the credentials endpoint, from a running task's state. */
import type { ContainerLaunch, ContainerProgress, TaskLaunch, TaskProgress } from "./types.ts";

/** What the runner knows about one of its containers. */
export interface ContainerRuntime {
  launch: ContainerLaunch;
  progress: ContainerProgress;
  /** The Docker container id once created. */
  id?: string;
  dockerName?: string;
  /** The image reference Docker ran (after registry rewriting). */
  image?: string;
  imageId?: string;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  labels: Record<string, string>;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

function networks(task: TaskLaunch, container: ContainerRuntime): unknown[] {
  if (task.networkMode === "none") return [{ NetworkMode: "none", IPv4Addresses: [] }];
  if (task.networkMode === "host") return [{ NetworkMode: "host", IPv4Addresses: [] }];
  const ip = container.progress.privateIp;
  const entry: Record<string, unknown> = { NetworkMode: task.networkMode, IPv4Addresses: ip ? [ip] : [] };
  if (task.networkMode === "awsvpc") {
    entry.AttachmentIndex = 0;
    entry.IPv4SubnetCIDRBlock = "169.254.170.0/24";
    entry.SubnetGatewayIpv4Address = "169.254.170.2/24";
    entry.PrivateDNSName = `ip-${(ip ?? "0.0.0.0").replaceAll(".", "-")}.${task.region}.compute.internal`;
  }
  return [entry];
}

function knownStatus(progress: ContainerProgress): string {
  return progress.lastStatus;
}

export function containerMetadata(task: TaskLaunch, taskProgress: TaskProgress, container: ContainerRuntime): Record<string, unknown> {
  const out: Record<string, unknown> = {
    DockerId: container.id ?? "",
    Name: container.launch.name,
    DockerName: container.dockerName ?? container.launch.name,
    Image: container.launch.image,
    ImageID: container.imageId ?? "",
    Labels: container.labels,
    DesiredStatus: taskProgress.stoppingAt ? "STOPPED" : "RUNNING",
    KnownStatus: knownStatus(container.progress),
    Limits: { CPU: container.launch.cpu ?? 0, Memory: container.launch.memory ?? 0 },
    CreatedAt: iso(container.createdAt),
    StartedAt: iso(container.startedAt),
    FinishedAt: iso(container.finishedAt),
    Type: "NORMAL",
    Networks: networks(task, container),
  };
  if (container.progress.exitCode !== undefined) out.ExitCode = container.progress.exitCode;
  if (container.progress.healthStatus && container.launch.healthCheck) out.Health = { status: container.progress.healthStatus };
  if (container.launch.logConfiguration) {
    out.LogDriver = container.launch.logConfiguration.logDriver;
    out.LogOptions = container.launch.logConfiguration.options;
  }
  out.ContainerARN = `arn:aws:ecs:${task.region}:${task.account}:container/${task.clusterName}/${task.taskId}/${container.launch.name}`;
  return out;
}

export function taskMetadata(task: TaskLaunch, progress: TaskProgress, containers: ContainerRuntime[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Cluster: task.clusterArn,
    TaskARN: task.taskArn,
    Family: task.family,
    Revision: String(task.revision),
    DesiredStatus: progress.stoppingAt ? "STOPPED" : "RUNNING",
    KnownStatus: progress.lastStatus,
    Containers: containers.map((container) => containerMetadata(task, progress, container)),
    PullStartedAt: iso(progress.pullStartedAt),
    PullStoppedAt: iso(progress.pullStoppedAt),
    AvailabilityZone: task.availabilityZone,
    LaunchType: task.launchType,
  };
  const cpu = Number(task.cpu);
  const memory = Number(task.memory);
  if (cpu || memory) out.Limits = { ...(cpu ? { CPU: cpu / 1024 } : {}), ...(memory ? { Memory: memory } : {}) };
  if (progress.executionStoppedAt) out.ExecutionStoppedAt = iso(progress.executionStoppedAt);
  if (task.launchType === "FARGATE") out.ClockDrift = { ClockErrorBound: 0.5, ReferenceTimestamp: new Date().toISOString(), ClockSynchronizationStatus: "SYNCHRONIZED" };
  return out;
}

/** ECS's credential JSON (what the SDKs' container credential provider reads). */
export function credentialsJson(credentials: { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string; RoleArn: string }): Record<string, string> {
  return {
    RoleArn: credentials.RoleArn,
    AccessKeyId: credentials.AccessKeyId,
    SecretAccessKey: credentials.SecretAccessKey,
    Token: credentials.Token,
    Expiration: credentials.Expiration,
  };
}
