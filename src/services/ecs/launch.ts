/** Launching tasks (RunTask, StartTask, services): records, awsvpc ENIs from EC2, placement, then the runner. */
import type { KeyValuePair, NetworkConfiguration, PlacementConstraint, PlacementStrategy, TaskOverride } from "@aws-sdk/client-ecs";
import { isAwsError } from "../../shared/aws-error.ts";
import { crypto } from "../../shared/builtins.ts";
import { availabilityZoneNames } from "../ec2/catalog/api.ts";
import { checkServiceNetwork, createServiceInterface } from "../ec2/network/api.ts";
import { logGroupExists, ensureLogGroup } from "../logs/api.ts";
import type { RequestContext } from "../service-types.ts";
import { invalidParameter } from "./errors.ts";
import { effectiveContainers, resourceNeeds, reservedPorts, taskLaunch } from "./launch-spec.ts";
import { placeTasks } from "./placement.ts";
import { applyProgress, stoppedProgress } from "./progress.ts";
import { runnerOf, type Runtime } from "./runtime.ts";
import { arnPrefix, hexId, tables, type ClusterRecord, type ContainerInstanceRecord, type TaskDefinitionRecord, type TaskRecord } from "./state.ts";

/** What RunTask, StartTask and the service scheduler ask for: the new tasks' own fields, and how to place them. */
export interface LaunchRequest
  extends Pick<TaskRecord, "launchType" | "capacityProviderName" | "overrides" | "startedBy" | "group" | "tags" | "enableExecuteCommand" | "serviceKey"> {
  cluster: ClusterRecord;
  taskDefinition: TaskDefinitionRecord;
  count: number;
  networkConfiguration?: NetworkConfiguration;
  placementConstraints: PlacementConstraint[];
  placementStrategy: PlacementStrategy[];
  /** StartTask: exactly these instances, one task each. */
  containerInstances?: ContainerInstanceRecord[];
}

export interface Launched {
  tasks: TaskRecord[];
  failures: Array<{ arn: string; reason: string }>;
  /** Call after the transaction that wrote the records committed: hands the tasks to the runner. */
  start: () => void;
}

/** awsvpc rules RunTask applies before anything is created. */
export function checkNetwork(def: TaskDefinitionRecord, config: NetworkConfiguration | undefined): void {
  const awsvpc = def.networkMode === "awsvpc";
  if (awsvpc && !config?.awsvpcConfiguration) throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  if (!awsvpc && config?.awsvpcConfiguration) throw invalidParameter("Network Configuration is not valid for the given networkMode of this task definition.");
  const subnets = config?.awsvpcConfiguration?.subnets ?? [];
  if (awsvpc && subnets.length === 0) throw invalidParameter("subnets can not be empty.");
  if (subnets.length > 16) throw invalidParameter("subnets can have at most 16 items.");
  if ((config?.awsvpcConfiguration?.securityGroups ?? []).length > 5) throw invalidParameter("securityGroups can have at most 5 items.");
}

function rephraseEc2Error(error: unknown, subnets: string[], groups: string[]): never {
  if (!isAwsError(error)) throw error;
  if (error.code.startsWith("InvalidSubnet")) throw invalidParameter(`Error retrieving subnet information for [${subnets.join(", ")}]: ${error.message} (ErrorCode: ${error.code})`);
  if (error.code.startsWith("InvalidGroup") || error.code === "InvalidParameter") {
    throw invalidParameter(`Error retrieving security group information for [${groups.join(", ")}]: ${error.message} (ErrorCode: ${error.code})`);
  }
  throw invalidParameter(`${error.message} (ErrorCode: ${error.code})`);
}

/** The reason a task cannot start before any container exists (awslogs group missing and not to be created). */
function preflightFailure(ctx: RequestContext, def: TaskDefinitionRecord, overrides: TaskOverride): string | undefined {
  for (const c of effectiveContainers(def, overrides)) {
    const log = c.logConfiguration;
    if (log?.logDriver !== "awslogs") continue;
    const group = log.options?.["awslogs-group"];
    if (!group) return `ResourceInitializationError: failed to validate logger args: must specify a value for log opt 'awslogs-group' : exit status 1`;
    const scope = { account: ctx.account, region: log.options?.["awslogs-region"] ?? ctx.region };
    if (log.options?.["awslogs-create-group"] === "true") {
      ensureLogGroup(ctx.state, scope, group);
    } else if (!logGroupExists(ctx.state, scope, group)) {
      return `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1`;
    }
  }
  return undefined;
}

/** Writes the task records (inside the caller's transaction) and returns how to start them once committed. */
export function launchTasks(ctx: RequestContext, rt: Runtime, req: LaunchRequest): Launched {
  const def = req.taskDefinition;
  checkNetwork(def, req.networkConfiguration);
  const needs = { ...resourceNeeds(def, req.overrides), ports: reservedPorts(def) };
  let hosts: Array<ContainerInstanceRecord | undefined> = Array.from({ length: req.count }, () => undefined);
  let failures: Array<{ arn: string; reason: string }> = [];
  if (req.launchType === "EC2") {
    const placement = placeTasks(ctx, req.cluster.clusterName, req.containerInstances ? req.containerInstances.length : req.count, needs, req.group, req.placementConstraints, req.placementStrategy, req.containerInstances);
    hosts = placement.placed;
    failures = placement.failures;
  }
  const zones = availabilityZoneNames(ctx);
  // Every named subnet and group is checked before anything is written (a bad one fails the call, nothing half-made).
  const vpcConfig = req.networkConfiguration?.awsvpcConfiguration;
  if (def.networkMode === "awsvpc" && vpcConfig) {
    try {
      checkServiceNetwork(ctx, vpcConfig.subnets ?? [], vpcConfig.securityGroups ?? []);
    } catch (error) {
      rephraseEc2Error(error, vpcConfig.subnets ?? [], vpcConfig.securityGroups ?? []);
    }
  }
  const t = tables(ctx.state);
  const created: Array<{ task: TaskRecord; privateIp?: string; failure?: string }> = [];
  const failure = preflightFailure(ctx, def, req.overrides);
  for (const host of hosts) {
    const taskId = hexId();
    const taskArn = `${arnPrefix(ctx)}:task/${req.cluster.clusterName}/${taskId}`;
    const attachments: TaskRecord["attachments"] = [];
    let privateIp: string | undefined;
    let eniId: string | undefined;
    let zone = host?.availabilityZone ?? zones[Math.floor(Math.random() * Math.max(1, zones.length))] ?? `${ctx.region}a`;
    const vpc = req.networkConfiguration?.awsvpcConfiguration;
    if (def.networkMode === "awsvpc" && vpc) {
      const subnets = vpc.subnets ?? [];
      const groups = vpc.securityGroups ?? [];
      const subnetId = subnets[Math.floor(Math.random() * subnets.length)] ?? "";
      // Every named subnet must exist (AWS checks them all), the ENI goes into one of them.
      let eni: ReturnType<typeof createServiceInterface> | undefined;
      try {
        eni = createServiceInterface(ctx, { subnetId, securityGroupIds: groups, description: `arn:aws:ecs:${ctx.region}:${ctx.account}:attachment/${crypto.randomUUID()}` });
      } catch (error) {
        rephraseEc2Error(error, subnets, groups);
      }
      privateIp = eni.privateIpAddress;
      eniId = eni.networkInterfaceId;
      zone = eni.availabilityZone;
      const details: KeyValuePair[] = [
        { name: "subnetId", value: eni.subnetId },
        { name: "networkInterfaceId", value: eni.networkInterfaceId },
        { name: "macAddress", value: eni.macAddress },
        { name: "privateDnsName", value: eni.privateDnsName },
        { name: "privateIPv4Address", value: eni.privateIpAddress },
      ];
      attachments.push({ id: crypto.randomUUID(), type: "ElasticNetworkInterface", status: "PRECREATED", details });
    }
    const containers = effectiveContainers(def, req.overrides).map((c) => ({
      containerArn: `${arnPrefix(ctx)}:container/${req.cluster.clusterName}/${taskId}/${crypto.randomUUID()}`,
      name: c.name ?? "",
      image: c.image ?? "",
      lastStatus: "PENDING",
      networkBindings: [],
      networkInterfaces: privateIp && attachments[0] ? [{ attachmentId: attachments[0].id, privateIpv4Address: privateIp }] : [],
      cpu: String(c.cpu ?? 0),
      ...(c.memory !== undefined ? { memory: String(c.memory) } : {}),
      ...(c.memoryReservation !== undefined ? { memoryReservation: String(c.memoryReservation) } : {}),
    }));
    const cpu = req.overrides.cpu ?? def.cpu;
    const memory = req.overrides.memory ?? def.memory;
    const task: TaskRecord = {
      taskArn,
      taskId,
      clusterArn: req.cluster.clusterArn,
      clusterName: req.cluster.clusterName,
      taskDefinitionArn: def.taskDefinitionArn,
      family: def.family,
      revision: def.revision,
      launchType: req.launchType,
      ...(req.capacityProviderName ? { capacityProviderName: req.capacityProviderName } : {}),
      ...(req.launchType === "FARGATE" ? { platformVersion: "1.4.0", platformFamily: "Linux" } : {}),
      ...(cpu !== undefined ? { cpu } : {}),
      ...(memory !== undefined ? { memory } : {}),
      availabilityZone: zone,
      ...(host ? { containerInstanceArn: host.containerInstanceArn, reserved: needs } : {}),
      lastStatus: "PROVISIONING",
      desiredStatus: "RUNNING",
      healthStatus: "UNKNOWN",
      containers,
      attachments,
      ...(eniId ? { eniId } : {}),
      overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...req.overrides },
      ...(req.startedBy ? { startedBy: req.startedBy } : {}),
      group: req.group,
      tags: req.tags,
      enableExecuteCommand: req.enableExecuteCommand,
      ...(req.serviceKey ? { serviceKey: req.serviceKey } : {}),
      version: 1,
      createdAt: Date.now(),
    };
    t.tasks.put(ctx, taskId, task);
    created.push({ task, ...(privateIp ? { privateIp } : {}), ...(failure ? { failure } : {}) });
  }
  const scope = { account: ctx.account, region: ctx.region };
  return {
    tasks: created.map((c) => c.task),
    failures,
    start: () => {
      const runner = runnerOf(rt);
      for (const { task, privateIp, failure: reason } of created) {
        if (reason) {
          failBeforeStart(rt, scope, task, reason);
          continue;
        }
        runner.start(taskLaunch(task, def, rt.endpoint, scope.account, scope.region, privateIp));
      }
    },
  };
}

/** A task that fails before any container exists: STOPPED with TaskFailedToStart, as AWS reports it. */
function failBeforeStart(rt: Runtime, scope: { account: string; region: string }, task: TaskRecord, reason: string): void {
  applyProgress(rt, stoppedProgress(task, scope, "TaskFailedToStart", reason));
}
