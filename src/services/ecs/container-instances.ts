/** Container instances (EC2 launch type): register (from an instance identity document), describe, list, drain, deregister. */
import type { Attribute, ContainerInstance, Resource } from "@aws-sdk/client-ecs";
import type { EcsOperations } from "../../generated/ecs.ts";
import { instanceTypeInfo } from "../ec2/catalog/api.ts";
import { findInstance } from "../ec2/instances/api.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { checkTags, idOf, page, requireCluster } from "./common.ts";
import { clientException, invalidParameter } from "./errors.ts";
import { setRegister, syncContainerInstances } from "./instances-sync.ts";
import { matchesExpression, remainingResources } from "./placement.ts";
import { attachRuntime, type Runtime } from "./runtime.ts";
import { arnPrefix, hexId, tables, type ClusterRecord, type ContainerInstanceRecord } from "./state.ts";
import { stopTask } from "./tasks.ts";

type Ops = EcsOperations;

/** Ports the ECS agent and Docker reserve on every container instance. */
const RESERVED_PORTS = ["22", "2375", "2376", "51678", "51679"];

const intResource = (name: string, value: number): Resource => ({ name, type: "INTEGER", integerValue: value, doubleValue: 0, longValue: 0 });

/** Registers an EC2 instance into a cluster (CPU = vCPUs × 1024, MEMORY = MiB of its type), or answers the existing record. */
export function registerInstance(
  ctx: RequestContext,
  cluster: ClusterRecord,
  doc: { instanceId: string; instanceType?: string; availabilityZone?: string },
  extra: { totalResources?: Resource[]; attributes?: Attribute[]; tags?: Array<{ key?: string; value?: string }> } = {},
): ContainerInstanceRecord {
  const t = tables(ctx.state);
  const existing = t.instances.list(ctx).find((i) => i.ec2InstanceId === doc.instanceId && i.status !== "INACTIVE");
  if (existing && existing.clusterName === cluster.clusterName) return existing;
  if (existing) t.instances.put(ctx, existing.id, { ...existing, status: "INACTIVE", agentConnected: false });
  const instance = findInstance(ctx, doc.instanceId);
  const instanceType = instance?.InstanceType ?? doc.instanceType;
  const zone = instance?.Placement?.AvailabilityZone ?? doc.availabilityZone;
  const info = instanceType ? instanceTypeInfo(instanceType) : undefined;
  const given = new Map((extra.totalResources ?? []).map((r) => [r.name ?? "", r]));
  const cpu = given.get("CPU")?.integerValue ?? (info?.VCpuInfo?.DefaultVCpus ?? 1) * 1024;
  const memory = given.get("MEMORY")?.integerValue ?? info?.MemoryInfo?.SizeInMiB ?? 1024;
  const id = hexId();
  const attributes = [
    { name: "ecs.os-type", value: "linux" },
    { name: "ecs.cpu-architecture", value: "x86_64" },
    ...(instanceType ? [{ name: "ecs.instance-type", value: instanceType }] : []),
    ...(zone ? [{ name: "ecs.availability-zone", value: zone }] : []),
    ...(instance?.ImageId ? [{ name: "ecs.ami-id", value: instance.ImageId }] : []),
    ...(extra.attributes ?? []).map((a) => ({ name: a.name ?? "", ...(a.value !== undefined ? { value: a.value } : {}) })),
  ];
  return t.instances.put(ctx, id, {
    containerInstanceArn: `${arnPrefix(ctx)}:container-instance/${cluster.clusterName}/${id}`,
    id,
    clusterName: cluster.clusterName,
    ec2InstanceId: doc.instanceId,
    ...(instanceType ? { instanceType } : {}),
    ...(zone ? { availabilityZone: zone } : {}),
    status: "ACTIVE",
    agentConnected: true,
    registeredResources: [
      intResource("CPU", cpu),
      intResource("MEMORY", memory),
      { name: "PORTS", type: "STRINGSET", stringSetValue: RESERVED_PORTS, integerValue: 0, doubleValue: 0, longValue: 0 },
      { name: "PORTS_UDP", type: "STRINGSET", stringSetValue: [], integerValue: 0, doubleValue: 0, longValue: 0 },
    ],
    attributes,
    tags: checkTags(extra.tags),
    registeredAt: Date.now(),
    version: 1,
  });
}

function instanceView(ctx: RequestContext, instance: ContainerInstanceRecord, withTags: boolean): ContainerInstance {
  const tasks = tables(ctx.state).tasks.list(ctx).filter((task) => task.containerInstanceArn === instance.containerInstanceArn && task.lastStatus !== "STOPPED");
  return {
    containerInstanceArn: instance.containerInstanceArn,
    ec2InstanceId: instance.ec2InstanceId,
    version: instance.version,
    versionInfo: { agentVersion: "1.89.0", agentHash: "stratus", dockerVersion: "DockerVersion: 20.10" },
    remainingResources: remainingResources(instance, tasks),
    registeredResources: instance.registeredResources,
    status: instance.status,
    agentConnected: instance.agentConnected,
    runningTasksCount: tasks.filter((task) => task.lastStatus === "RUNNING").length,
    pendingTasksCount: tasks.filter((task) => task.lastStatus !== "RUNNING").length,
    attributes: instance.attributes,
    registeredAt: new Date(instance.registeredAt),
    attachments: [],
    tags: withTags ? instance.tags : [],
  };
}

function findInstanceRecord(ctx: RequestContext, cluster: ClusterRecord, ref: string): ContainerInstanceRecord | undefined {
  const record = tables(ctx.state).instances.get(ctx, idOf(ref));
  return record && record.clusterName === cluster.clusterName ? record : undefined;
}

/** Stops the service tasks on an instance (draining or deregistered): their services start replacements elsewhere. */
function evictServiceTasks(ctx: RequestContext, rt: Runtime, instance: ContainerInstanceRecord, all: boolean): void {
  for (const task of tables(ctx.state).tasks.list(ctx)) {
    if (task.containerInstanceArn !== instance.containerInstanceArn || task.lastStatus === "STOPPED") continue;
    if (task.serviceKey || all) stopTask(ctx, rt, task, "ServiceSchedulerInitiated", "Container instance is draining or was deregistered");
  }
}

export const containerInstanceHandlers: HandlerTable<Ops> = {
  RegisterContainerInstance: (input, ctx) => {
    attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    let doc: { instanceId?: unknown; instanceType?: unknown; availabilityZone?: unknown } = {};
    try {
      doc = JSON.parse(input.instanceIdentityDocument ?? "{}") as typeof doc;
    } catch {
      throw clientException("The instance identity document is not valid JSON.");
    }
    if (typeof doc.instanceId !== "string" || !doc.instanceId) throw clientException("The instance identity document must contain an instanceId.");
    const record = registerInstance(
      ctx,
      cluster,
      {
        instanceId: doc.instanceId,
        ...(typeof doc.instanceType === "string" ? { instanceType: doc.instanceType } : {}),
        ...(typeof doc.availabilityZone === "string" ? { availabilityZone: doc.availabilityZone } : {}),
      },
      { ...(input.totalResources ? { totalResources: input.totalResources } : {}), ...(input.attributes ? { attributes: input.attributes } : {}), ...(input.tags ? { tags: input.tags } : {}) },
    );
    return { containerInstance: instanceView(ctx, record, true) };
  },

  DescribeContainerInstances: (input, ctx) => {
    attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    syncContainerInstances(ctx);
    if ((input.containerInstances ?? []).length > 100) throw invalidParameter("containerInstances can have at most 100 items.");
    const withTags = (input.include ?? []).includes("TAGS");
    const containerInstances = [];
    const failures = [];
    for (const ref of input.containerInstances ?? []) {
      const record = findInstanceRecord(ctx, cluster, ref);
      if (record) containerInstances.push(instanceView(ctx, record, withTags));
      else failures.push({ arn: ref, reason: "MISSING" });
    }
    return { containerInstances, failures };
  },

  ListContainerInstances: (input, ctx) => {
    attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    syncContainerInstances(ctx);
    const status = input.status;
    const arns = tables(ctx.state)
      .instances.list(ctx)
      .filter((i) => i.clusterName === cluster.clusterName && (status ? i.status === status : i.status !== "INACTIVE"))
      .filter((i) => !input.filter || matchesExpression(i, input.filter))
      .sort((a, b) => a.registeredAt - b.registeredAt)
      .map((i) => i.containerInstanceArn);
    const result = page(arns, input.maxResults, input.nextToken);
    return { containerInstanceArns: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
  },

  DeregisterContainerInstance: (input, ctx) => {
    const rt = attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const record = findInstanceRecord(ctx, cluster, input.containerInstance ?? "");
    if (!record || record.status === "INACTIVE") throw invalidParameter("The referenced container instance was not found.");
    const busy = tables(ctx.state).tasks.list(ctx).some((task) => task.containerInstanceArn === record.containerInstanceArn && task.lastStatus !== "STOPPED");
    if (busy && !input.force) throw invalidParameter("Found running tasks on the instance.");
    evictServiceTasks(ctx, rt, record, false);
    const updated = tables(ctx.state).instances.put(ctx, record.id, { ...record, status: "INACTIVE", agentConnected: false, version: record.version + 1 });
    return { containerInstance: instanceView(ctx, updated, true) };
  },

  UpdateContainerInstancesState: (input, ctx) => {
    const rt = attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    if (input.status !== "ACTIVE" && input.status !== "DRAINING") throw invalidParameter("Container instances can only be set to ACTIVE or DRAINING.");
    const containerInstances = [];
    const failures = [];
    for (const ref of input.containerInstances ?? []) {
      const record = findInstanceRecord(ctx, cluster, ref);
      if (!record || record.status === "INACTIVE") {
        failures.push({ arn: ref, reason: "MISSING" });
        continue;
      }
      const updated = tables(ctx.state).instances.put(ctx, record.id, { ...record, status: input.status, version: record.version + 1 });
      if (input.status === "DRAINING") evictServiceTasks(ctx, rt, updated, false);
      containerInstances.push(instanceView(ctx, updated, false));
    }
    return { containerInstances, failures };
  },
};

setRegister((ctx, cluster, instanceId) => {
  registerInstance(ctx, cluster, { instanceId });
});
