/** From a task definition plus overrides to what the runner runs (TaskLaunch), and the task's resource needs. */
import type { ContainerDefinition, ContainerOverride, TaskOverride } from "@aws-sdk/client-ecs";
import type { ContainerLaunch, NetworkMode, PortMappingLaunch, TaskLaunch } from "../../engine/containers/types.ts";
import { localImageReference } from "../ecr/api.ts";
import { invalidParameter } from "./errors.ts";
import type { TaskDefinitionRecord, TaskRecord } from "./state.ts";

/** Checks RunTask's containerOverrides name containers of the definition (InvalidParameterException as AWS answers). */
export function checkOverrides(def: TaskDefinitionRecord, overrides: TaskOverride | undefined): TaskOverride {
  const names = new Set(def.containerDefinitions.map((c) => c.name ?? ""));
  for (const o of overrides?.containerOverrides ?? []) {
    if (!names.has(o.name ?? "")) throw invalidParameter(`Override for container named ${o.name ?? ""} is not a container in the TaskDefinition.`);
  }
  return overrides ?? { containerOverrides: [] };
}

/** The definition's container with RunTask's override applied (command replaced, environment merged by name). */
export function effectiveContainer(def: ContainerDefinition, override: ContainerOverride | undefined): ContainerDefinition {
  if (!override) return def;
  const env = new Map((def.environment ?? []).map((e) => [e.name ?? "", e.value ?? ""]));
  for (const e of override.environment ?? []) env.set(e.name ?? "", e.value ?? "");
  return {
    ...def,
    ...(override.command ? { command: override.command } : {}),
    ...(override.cpu !== undefined ? { cpu: override.cpu } : {}),
    ...(override.memory !== undefined ? { memory: override.memory } : {}),
    ...(override.memoryReservation !== undefined ? { memoryReservation: override.memoryReservation } : {}),
    environment: [...env].map(([name, value]) => ({ name, value })),
  };
}

export function effectiveContainers(def: TaskDefinitionRecord, overrides: TaskOverride): ContainerDefinition[] {
  return def.containerDefinitions.map((c) => effectiveContainer(c, overrides.containerOverrides?.find((o) => o.name === c.name)));
}

/** CPU units and MiB a task takes from a container instance: task-level sizes, else the containers' sum. */
export function resourceNeeds(def: TaskDefinitionRecord, overrides: TaskOverride): { cpu: number; memory: number } {
  const containers = effectiveContainers(def, overrides);
  const taskCpu = overrides.cpu ?? def.cpu;
  const taskMemory = overrides.memory ?? def.memory;
  return {
    cpu: taskCpu !== undefined ? Number(taskCpu) : containers.reduce((sum, c) => sum + (c.cpu ?? 0), 0),
    memory: taskMemory !== undefined ? Number(taskMemory) : containers.reduce((sum, c) => sum + (c.memory ?? c.memoryReservation ?? 0), 0),
  };
}

/** Host ports the task reserves on its container instance (static hostPorts of bridge/host mode). */
export function reservedPorts(def: TaskDefinitionRecord): number[] {
  if (def.networkMode === "awsvpc") return [];
  return def.containerDefinitions.flatMap((c) => (c.portMappings ?? []).map((p) => (def.networkMode === "host" ? p.containerPort : p.hostPort) ?? 0)).filter((p) => p > 0);
}

function portMappings(def: ContainerDefinition, mode: NetworkMode): PortMappingLaunch[] {
  return (def.portMappings ?? [])
    .filter((p) => p.containerPort !== undefined)
    .map((p) => {
      // awsvpc tasks each have their own address on AWS; on one machine they share 127.0.0.1, so the runner picks a
      // free host port for each (shown in networkBindings). bridge/host modes keep the registered hostPort.
      const hostPort = mode === "awsvpc" ? undefined : mode === "host" ? p.containerPort : p.hostPort;
      return { containerPort: p.containerPort ?? 0, ...(hostPort ? { hostPort } : {}), protocol: p.protocol === "udp" ? "udp" : "tcp" };
    });
}

function containerLaunch(def: ContainerDefinition, mode: NetworkMode, endpoint: string): ContainerLaunch {
  const hc = def.healthCheck;
  const launch: ContainerLaunch = {
    name: def.name ?? "",
    image: localImageReference(def.image ?? "", endpoint),
    essential: def.essential ?? true,
    environment: (def.environment ?? []).map((e) => ({ name: e.name ?? "", value: e.value ?? "" })),
    portMappings: portMappings(def, mode),
    dependsOn: (def.dependsOn ?? []).map((d) => ({ containerName: d.containerName ?? "", condition: d.condition ?? "START" })),
    ulimits: (def.ulimits ?? []).map((u) => ({ name: u.name ?? "", softLimit: u.softLimit ?? 0, hardLimit: u.hardLimit ?? 0 })),
    mountPoints: (def.mountPoints ?? []).map((m) => ({ sourceVolume: m.sourceVolume ?? "", containerPath: m.containerPath ?? "", readOnly: m.readOnly ?? false })),
    dockerLabels: def.dockerLabels ?? {},
  };
  if (def.cpu) launch.cpu = def.cpu;
  if (def.memory !== undefined) launch.memory = def.memory;
  if (def.memoryReservation !== undefined) launch.memoryReservation = def.memoryReservation;
  if (def.command) launch.command = def.command;
  if (def.entryPoint) launch.entryPoint = def.entryPoint;
  if (hc?.command) {
    // ECS's health check defaults: 30 s interval, 5 s timeout, 3 retries, no start period.
    launch.healthCheck = { command: hc.command, intervalSeconds: hc.interval ?? 30, timeoutSeconds: hc.timeout ?? 5, retries: hc.retries ?? 3, startPeriodSeconds: hc.startPeriod ?? 0 };
  }
  if (def.user) launch.user = def.user;
  if (def.workingDirectory) launch.workingDirectory = def.workingDirectory;
  if (def.logConfiguration?.logDriver) launch.logConfiguration = { logDriver: def.logConfiguration.logDriver, options: def.logConfiguration.options ?? {} };
  if (def.stopTimeout !== undefined) launch.stopTimeoutSeconds = def.stopTimeout;
  if (def.readonlyRootFilesystem !== undefined) launch.readonlyRootFilesystem = def.readonlyRootFilesystem;
  return launch;
}

/** What the runner gets for a task record (built when the task starts). */
export function taskLaunch(task: TaskRecord, def: TaskDefinitionRecord, endpoint: string, account: string, region: string, privateIp: string | undefined): TaskLaunch {
  const mode = (def.networkMode ?? "awsvpc") as NetworkMode;
  const launch: TaskLaunch = {
    account,
    region,
    taskArn: task.taskArn,
    taskId: task.taskId,
    clusterArn: task.clusterArn,
    clusterName: task.clusterName,
    taskDefinitionArn: def.taskDefinitionArn,
    family: def.family,
    revision: def.revision,
    launchType: task.launchType,
    networkMode: mode,
    availabilityZone: task.availabilityZone,
    containers: effectiveContainers(def, task.overrides).map((c) => containerLaunch(c, mode, endpoint)),
    volumes: (def.volumes ?? []).map((v) => ({ name: v.name ?? "", ...(v.host?.sourcePath ? { hostPath: v.host.sourcePath } : {}) })),
  };
  if (task.cpu !== undefined) launch.cpu = task.cpu;
  if (task.memory !== undefined) launch.memory = task.memory;
  if (privateIp) launch.privateIp = privateIp;
  const taskRole = task.overrides.taskRoleArn ?? def.taskRoleArn;
  const executionRole = task.overrides.executionRoleArn ?? def.executionRoleArn;
  if (taskRole) launch.taskRoleArn = taskRole;
  if (executionRole) launch.executionRoleArn = executionRole;
  if (task.startedBy) launch.startedBy = task.startedBy;
  launch.group = task.group;
  return launch;
}
