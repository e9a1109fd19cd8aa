/** Task definitions: register (revisions per family), describe, list, families, deregister and delete. */
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import type { EcsOperations } from "../../generated/ecs.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { callerIdentity } from "../sts/credentials.ts";
import { checkTags, epoch, page } from "./common.ts";
import { clientException, invalidParameter } from "./errors.ts";
import { arnPrefix, tables, type TaskDefinitionRecord } from "./state.ts";
import { checkFargateSize, cpuUnits, memoryMiB, normalizeContainers } from "./task-definition-validate.ts";

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const NETWORK_MODES = new Set(["bridge", "host", "awsvpc", "none"]);

const key = (family: string, revision: number): string => `${family}:${revision}`;

export function taskDefinitionView(record: TaskDefinitionRecord): TaskDefinition {
  const { tags: _tags, registeredAt, deregisteredAt, deleteRequestedAt, ...rest } = record;
  return {
    ...rest,
    registeredAt: new Date(registeredAt),
    ...(deregisteredAt !== undefined ? { deregisteredAt: epoch(deregisteredAt) } : {}),
    ...(deleteRequestedAt !== undefined ? { deleteRequestedAt: epoch(deleteRequestedAt) } : {}),
  };
}

/**
 * A task definition reference as RunTask/CreateService/Describe take it: `family` (its latest ACTIVE revision),
 * `family:revision`, or the ARN. Undefined when there is none.
 */
export function findTaskDefinition(ctx: RequestContext, ref: string): TaskDefinitionRecord | undefined {
  const t = tables(ctx.state);
  const match = /^(?:arn:aws[a-z-]*:ecs:[^:]+:\d{12}:task-definition\/)?([A-Za-z0-9_-]+)(?::(\d+))?$/.exec(ref);
  if (!match) return undefined;
  const family = match[1] ?? "";
  if (match[2] !== undefined) {
    const record = t.taskDefinitions.get(ctx, key(family, Number(match[2])));
    return record && record.status !== "DELETE_IN_PROGRESS" ? record : undefined;
  }
  return t.taskDefinitions
    .list(ctx)
    .filter((d) => d.family === family && d.status === "ACTIVE")
    .sort((a, b) => b.revision - a.revision)[0];
}

/** The ACTIVE task definition a RunTask/CreateService names (ClientException / InvalidParameterException as AWS answers). */
export function requireRunnableTaskDefinition(ctx: RequestContext, ref: string): TaskDefinitionRecord {
  const record = findTaskDefinition(ctx, ref);
  if (!record) throw clientException("Unable to describe task definition.");
  if (record.status !== "ACTIVE") throw invalidParameter(`TaskDefinition is inactive`);
  return record;
}

type Ops = EcsOperations;

export const taskDefinitionHandlers: HandlerTable<Ops> = {
  RegisterTaskDefinition: (input, ctx) => {
    const family = input.family ?? "";
    if (!FAMILY.test(family)) throw clientException("Family contains invalid characters or is longer than 255 characters: only letters, numbers, hyphens and underscores are allowed.");
    const fargate = (input.requiresCompatibilities ?? []).includes("FARGATE");
    for (const c of input.requiresCompatibilities ?? []) {
      if (!["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"].includes(c)) throw clientException(`Invalid compatibility: ${c}.`);
    }
    const networkMode = input.networkMode ?? (fargate ? undefined : "bridge");
    if (input.networkMode !== undefined && !NETWORK_MODES.has(input.networkMode)) throw clientException(`Invalid network mode: ${input.networkMode}.`);
    if (fargate && networkMode !== "awsvpc") throw clientException("Fargate only supports network mode ‘awsvpc’.");
    const cpu = input.cpu !== undefined ? cpuUnits(input.cpu) : undefined;
    const memory = input.memory !== undefined ? memoryMiB(input.memory) : undefined;
    if (input.cpu !== undefined && cpu === undefined) throw clientException(`Invalid 'cpu' setting for task: ${input.cpu}.`);
    if (input.memory !== undefined && memory === undefined) throw clientException(`Invalid 'memory' setting for task: ${input.memory}.`);
    if (fargate) {
      if (cpu === undefined) throw clientException("Fargate requires that 'cpu' be defined at the task level.");
      if (memory === undefined) throw clientException("Fargate requires that 'memory' be defined at the task level.");
      checkFargateSize(cpu, memory);
    } else if (cpu !== undefined && (cpu < 128 || cpu > 196608)) {
      throw clientException("Invalid 'cpu' setting for task. For EC2 launch type, the task cpu must be between 128 and 196608 units.");
    }
    const containers = normalizeContainers(input, networkMode ?? "awsvpc", fargate, memory);
    const tags = checkTags(input.tags);
    for (const volume of input.volumes ?? []) {
      if (!volume.name || !/^[A-Za-z0-9_-]{1,255}$/.test(volume.name)) throw clientException("Volume name is invalid: up to 255 letters, numbers, hyphens and underscores.");
    }
    const t = tables(ctx.state);
    const revision = (t.families.get(ctx, family)?.lastRevision ?? 0) + 1;
    t.families.put(ctx, family, { family, lastRevision: revision });
    // Compatibilities ECS computes: EC2 always; FARGATE when the definition fits Fargate (awsvpc, task sizes).
    const fitsFargate = networkMode === "awsvpc" && cpu !== undefined && memory !== undefined;
    const record: TaskDefinitionRecord = {
      taskDefinitionArn: `${arnPrefix(ctx)}:task-definition/${family}:${revision}`,
      containerDefinitions: containers,
      family,
      revision,
      ...(input.taskRoleArn ? { taskRoleArn: input.taskRoleArn } : {}),
      ...(input.executionRoleArn ? { executionRoleArn: input.executionRoleArn } : {}),
      ...(networkMode ? { networkMode } : {}),
      volumes: input.volumes ?? [],
      status: "ACTIVE",
      requiresAttributes: [],
      placementConstraints: input.placementConstraints ?? [],
      compatibilities: fitsFargate ? ["EC2", "FARGATE"] : ["EC2"],
      ...(input.runtimePlatform ? { runtimePlatform: input.runtimePlatform } : {}),
      requiresCompatibilities: input.requiresCompatibilities ?? [],
      ...(cpu !== undefined ? { cpu: String(cpu) } : {}),
      ...(memory !== undefined ? { memory: String(memory) } : {}),
      ...(input.pidMode ? { pidMode: input.pidMode } : {}),
      ...(input.ipcMode ? { ipcMode: input.ipcMode } : {}),
      ...(input.proxyConfiguration ? { proxyConfiguration: input.proxyConfiguration } : {}),
      ...(input.ephemeralStorage ? { ephemeralStorage: input.ephemeralStorage } : {}),
      ...(input.enableFaultInjection !== undefined ? { enableFaultInjection: input.enableFaultInjection } : {}),
      registeredAt: Date.now(),
      registeredBy: callerIdentity(ctx.state, ctx.account, ctx.accessKeyId).arn,
      tags,
    };
    t.taskDefinitions.put(ctx, key(family, revision), record);
    return { taskDefinition: taskDefinitionView(record), tags };
  },

  DescribeTaskDefinition: (input, ctx) => {
    const record = findTaskDefinition(ctx, input.taskDefinition ?? "");
    if (!record) throw clientException("Unable to describe task definition.");
    return { taskDefinition: taskDefinitionView(record), ...(input.include?.includes("TAGS") ? { tags: record.tags } : {}) };
  },

  ListTaskDefinitions: (input, ctx) => {
    const status = input.status ?? "ACTIVE";
    const list = tables(ctx.state)
      .taskDefinitions.list(ctx)
      .filter((d) => d.status === status && (input.familyPrefix === undefined || d.family === input.familyPrefix))
      .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
    if (input.sort === "DESC") list.reverse();
    const result = page(
      list.map((d) => d.taskDefinitionArn),
      input.maxResults,
      input.nextToken,
    );
    return { taskDefinitionArns: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
  },

  ListTaskDefinitionFamilies: (input, ctx) => {
    const status = input.status ?? "ACTIVE";
    const active = new Set<string>();
    const all = new Set<string>();
    for (const d of tables(ctx.state).taskDefinitions.list(ctx)) {
      if (d.status === "DELETE_IN_PROGRESS") continue;
      all.add(d.family);
      if (d.status === "ACTIVE") active.add(d.family);
    }
    const chosen = [...all].filter((f) => (status === "ALL" ? true : status === "ACTIVE" ? active.has(f) : !active.has(f)));
    const families = chosen.filter((f) => input.familyPrefix === undefined || f.startsWith(input.familyPrefix)).sort();
    const result = page(families, input.maxResults, input.nextToken);
    return { families: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
  },

  DeregisterTaskDefinition: (input, ctx) => {
    if (!/:\d+$/.test(input.taskDefinition ?? "")) throw clientException("The specified task definition must include a revision (family:revision or its full ARN).");
    const record = findTaskDefinition(ctx, input.taskDefinition ?? "");
    if (!record) throw clientException("The specified task definition does not exist.");
    const updated: TaskDefinitionRecord = record.status === "ACTIVE" ? { ...record, status: "INACTIVE", deregisteredAt: Date.now() } : record;
    tables(ctx.state).taskDefinitions.put(ctx, key(record.family, record.revision), updated);
    return { taskDefinition: taskDefinitionView(updated) };
  },

  DeleteTaskDefinitions: (input, ctx) => {
    const refs = input.taskDefinitions ?? [];
    if (refs.length === 0 || refs.length > 10) throw invalidParameter("taskDefinitions must contain between 1 and 10 items.");
    const taskDefinitions: TaskDefinition[] = [];
    const failures: Array<{ arn: string; reason: string; detail?: string }> = [];
    const t = tables(ctx.state);
    for (const ref of refs) {
      const record = /:\d+$/.test(ref) ? findTaskDefinition(ctx, ref) : undefined;
      if (!record) {
        failures.push({ arn: ref, reason: "The specified task definition does not exist." });
      } else if (record.status === "ACTIVE") {
        failures.push({ arn: record.taskDefinitionArn, reason: "The specified task definition is still in ACTIVE status. Please deregister the target and try again." });
      } else {
        const updated: TaskDefinitionRecord = { ...record, status: "DELETE_IN_PROGRESS", deleteRequestedAt: Date.now() };
        t.taskDefinitions.put(ctx, key(record.family, record.revision), updated);
        taskDefinitions.push(taskDefinitionView(updated));
      }
    }
    return { taskDefinitions, failures };
  },
};

export const taskDefinitionKey = key;
