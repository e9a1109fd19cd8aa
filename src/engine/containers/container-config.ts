/** Task definition container → Docker create options: environment ECS injects, labels, limits, mounts, health check. */
import { availableParallelism } from "node:os";
import type { ContainerCreateOptions, HealthcheckConfig, MountConfig } from "../docker/client.ts";
import type { ContainerLaunch, TaskLaunch } from "./types.ts";

const MIB = 1024 * 1024;
const SECOND_NS = 1_000_000_000;

/** Labels on every container and volume: Stratus's own (reaping) and those the ECS agent sets. */
export function taskLabels(task: TaskLaunch, runId: string): Record<string, string> {
  return {
    "stratus.managed": "true",
    "stratus.run-id": runId,
    "stratus.pid": String(process.pid),
    "stratus.task-arn": task.taskArn,
    "com.amazonaws.ecs.task-arn": task.taskArn,
    "com.amazonaws.ecs.cluster": task.clusterArn,
    "com.amazonaws.ecs.task-definition-family": task.family,
    "com.amazonaws.ecs.task-definition-version": String(task.revision),
  };
}

/** The task-scoped Docker volume backing a task definition volume without a host path. */
export const scratchVolumeName = (task: TaskLaunch, volume: string): string => `stratus-${task.taskId}-${volume.replace(/[^A-Za-z0-9_.-]/g, "_")}`;

/** The variables ECS puts into every container, then the task definition's own (which win, as on ECS). */
export function containerEnvironment(task: TaskLaunch, container: ContainerLaunch, metadataUrl: string | undefined, token: string): string[] {
  const env = new Map<string, string>();
  env.set("AWS_REGION", task.region);
  env.set("AWS_DEFAULT_REGION", task.region);
  env.set("AWS_EXECUTION_ENV", task.launchType === "FARGATE" ? "AWS_ECS_FARGATE" : "AWS_ECS_EC2");
  if (metadataUrl) {
    env.set("ECS_CONTAINER_METADATA_URI_V4", `${metadataUrl}/v4/${token}`);
    env.set("ECS_CONTAINER_METADATA_URI", `${metadataUrl}/v4/${token}`);
    env.set("AWS_ENDPOINT_URL", metadataUrl);
    if (task.taskRoleArn) env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", `${metadataUrl}/v2/credentials/${token}`);
  }
  for (const { name, value } of container.environment) env.set(name, value);
  return [...env].map(([name, value]) => `${name}=${value}`);
}

/** ECS health check → Docker's (seconds → nanoseconds); CMD-SHELL and CMD keep their meaning. */
export function dockerHealthcheck(container: ContainerLaunch): HealthcheckConfig | undefined {
  const check = container.healthCheck;
  if (!check || check.command.length === 0) return undefined;
  return {
    Test: check.command,
    Interval: check.intervalSeconds * SECOND_NS,
    Timeout: check.timeoutSeconds * SECOND_NS,
    Retries: check.retries,
    StartPeriod: check.startPeriodSeconds * SECOND_NS,
  };
}

/** Hard and soft memory, CPU: the container's own sizes, else the task's (Fargate sizes the task as a whole). */
function limits(task: TaskLaunch, container: ContainerLaunch): { Memory?: number; MemoryReservation?: number; NanoCpus?: number; CpuShares?: number } {
  const out: { Memory?: number; MemoryReservation?: number; NanoCpus?: number; CpuShares?: number } = {};
  const taskMemory = Number(task.memory) || undefined;
  const memory = container.memory ?? taskMemory;
  if (memory) out.Memory = memory * MIB;
  if (container.memoryReservation) out.MemoryReservation = container.memoryReservation * MIB;
  if (container.cpu) out.CpuShares = Math.max(2, container.cpu);
  const taskCpu = Number(task.cpu) || undefined;
  // Docker refuses more CPUs than the machine has.
  if (taskCpu) out.NanoCpus = Math.round(Math.min(taskCpu / 1024, availableParallelism()) * SECOND_NS);
  return out;
}

function mounts(task: TaskLaunch, container: ContainerLaunch): MountConfig[] {
  const out: MountConfig[] = [];
  for (const point of container.mountPoints) {
    const volume = task.volumes.find((candidate) => candidate.name === point.sourceVolume);
    if (!volume) continue;
    out.push(
      volume.hostPath
        ? { Type: "bind", Source: volume.hostPath, Target: point.containerPath, ReadOnly: point.readOnly }
        : { Type: "volume", Source: scratchVolumeName(task, volume.name), Target: point.containerPath, ReadOnly: point.readOnly },
    );
  }
  return out;
}

export interface CreateContext {
  runId: string;
  image: string;
  networkMode: string;
  /** The task network's id when the container joins it itself (bridge). */
  networkId?: string;
  metadataUrl?: string;
  token: string;
}

export function containerCreateOptions(task: TaskLaunch, container: ContainerLaunch, context: CreateContext): ContainerCreateOptions {
  const options: ContainerCreateOptions = {
    Image: context.image,
    Env: containerEnvironment(task, container, context.metadataUrl, context.token),
    Labels: { ...container.dockerLabels, ...taskLabels(task, context.runId), "com.amazonaws.ecs.container-name": container.name },
    HostConfig: {
      NetworkMode: context.networkMode,
      ...limits(task, container),
      Ulimits: container.ulimits.map((limit) => ({ Name: limit.name, Soft: limit.softLimit, Hard: limit.hardLimit })),
      Mounts: mounts(task, container),
      ReadonlyRootfs: container.readonlyRootFilesystem ?? false,
      AutoRemove: false,
    },
  };
  if (container.command) options.Cmd = container.command;
  if (container.entryPoint) options.Entrypoint = container.entryPoint;
  if (container.user) options.User = container.user;
  if (container.workingDirectory) options.WorkingDir = container.workingDirectory;
  const healthcheck = dockerHealthcheck(container);
  if (healthcheck) options.Healthcheck = healthcheck;
  options.StopTimeout = container.stopTimeoutSeconds ?? 30;
  if (context.networkId && context.networkMode === context.networkId) {
    options.NetworkingConfig = { EndpointsConfig: { [context.networkId]: { Aliases: [container.name] } } };
  }
  return options;
}
