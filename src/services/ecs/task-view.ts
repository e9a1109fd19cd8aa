/** A task record as DescribeTasks/RunTask answer it. */
import type { Container, Task } from "@aws-sdk/client-ecs";
import { epoch } from "./common.ts";
import type { TaskRecord } from "./state.ts";

export function taskView(task: TaskRecord, withTags: boolean): Task {
  const containers: Container[] = task.containers.map((c) => ({
    containerArn: c.containerArn,
    taskArn: task.taskArn,
    name: c.name,
    image: c.image,
    ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}),
    ...(c.runtimeId ? { runtimeId: c.runtimeId } : {}),
    lastStatus: c.lastStatus,
    ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    ...(c.reason ? { reason: c.reason } : {}),
    networkBindings: c.networkBindings,
    networkInterfaces: c.networkInterfaces,
    ...(c.healthStatus ? { healthStatus: c.healthStatus } : {}),
    ...(c.cpu !== undefined ? { cpu: c.cpu } : {}),
    ...(c.memory !== undefined ? { memory: c.memory } : {}),
    ...(c.memoryReservation !== undefined ? { memoryReservation: c.memoryReservation } : {}),
  }));
  const view: Task = {
    attachments: task.attachments,
    attributes: [{ name: "ecs.cpu-architecture", value: "x86_64" }],
    availabilityZone: task.availabilityZone,
    clusterArn: task.clusterArn,
    containers,
    createdAt: epoch(task.createdAt),
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: task.enableExecuteCommand,
    group: task.group,
    healthStatus: task.healthStatus,
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    overrides: task.overrides,
    taskArn: task.taskArn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
    tags: withTags ? task.tags : [],
  };
  if (task.capacityProviderName) view.capacityProviderName = task.capacityProviderName;
  if (task.containerInstanceArn) view.containerInstanceArn = task.containerInstanceArn;
  if (task.cpu !== undefined) view.cpu = task.cpu;
  if (task.memory !== undefined) view.memory = task.memory;
  if (task.platformVersion) view.platformVersion = task.platformVersion;
  if (task.platformFamily) view.platformFamily = task.platformFamily;
  if (task.launchType === "FARGATE") view.ephemeralStorage = { sizeInGiB: 20 };
  if (task.connectivity) view.connectivity = task.connectivity;
  if (task.startedBy) view.startedBy = task.startedBy;
  if (task.stopCode) view.stopCode = task.stopCode;
  if (task.stoppedReason) view.stoppedReason = task.stoppedReason;
  const times: Array<[keyof Task, number | undefined]> = [
    ["connectivityAt", task.connectivityAt],
    ["pullStartedAt", task.pullStartedAt],
    ["pullStoppedAt", task.pullStoppedAt],
    ["startedAt", task.startedAt],
    ["stoppingAt", task.stoppingAt],
    ["executionStoppedAt", task.executionStoppedAt],
    ["stoppedAt", task.stoppedAt],
  ];
  const timed = view as Record<string, unknown>;
  for (const [name, value] of times) if (value !== undefined) timed[name] = new Date(value);
  return view;
}
