/** Tasks: RunTask, StartTask, StopTask, DescribeTasks, ListTasks, and the restart rule (no containers survive a restart). */
import type { CapacityProviderStrategyItem, RunTaskRequest, Tag } from "@aws-sdk/client-ecs";
import type { EcsOperations } from "../../generated/ecs.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { FARGATE_PROVIDERS } from "./clusters.ts";
import { checkTags, idOf, page, requireCluster } from "./common.ts";
import { invalidParameter } from "./errors.ts";
import { checkOverrides } from "./launch-spec.ts";
import { launchTasks, type LaunchRequest } from "./launch.ts";
import { syncContainerInstances } from "./instances-sync.ts";
import { checkPlacement } from "./placement.ts";
import { applyProgress, stoppedProgress } from "./progress.ts";
import { attachRuntime, backgroundContext, onRuntimeStart, runnerOf, scopeOfKey, type Runtime } from "./runtime.ts";
import { isVisibleTask, tables, type ClusterRecord, type TaskDefinitionRecord, type TaskRecord } from "./state.ts";
import { requireRunnableTaskDefinition } from "./task-definitions.ts";
import { taskView } from "./task-view.ts";

type Ops = EcsOperations;

/** Picks the provider of a strategy for one task: the one with a base first, else by weight. */
function pickProvider(strategy: CapacityProviderStrategyItem[]): string {
  const based = strategy.find((item) => (item.base ?? 0) > 0);
  if (based?.capacityProvider) return based.capacityProvider;
  const total = strategy.reduce((sum, item) => sum + (item.weight ?? 0), 0);
  let roll = Math.random() * total;
  for (const item of strategy) {
    roll -= item.weight ?? 0;
    if (roll < 0) return item.capacityProvider ?? "FARGATE";
  }
  return strategy[0]?.capacityProvider ?? "FARGATE";
}

/** The launch type RunTask/CreateService use: given, from a capacity provider strategy, the cluster's default, else EC2. */
export function resolveLaunchType(
  cluster: ClusterRecord,
  def: TaskDefinitionRecord,
  launchType: string | undefined,
  strategy: CapacityProviderStrategyItem[] | undefined,
): { launchType: "FARGATE" | "EC2" | "EXTERNAL"; capacityProviderName?: string } {
  if (launchType && strategy && strategy.length > 0) {
    throw invalidParameter("Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.");
  }
  let resolved: { launchType: "FARGATE" | "EC2" | "EXTERNAL"; capacityProviderName?: string };
  const chosen = strategy && strategy.length > 0 ? strategy : launchType ? undefined : cluster.defaultCapacityProviderStrategy;
  if (chosen && chosen.length > 0) {
    for (const item of chosen) {
      if (!FARGATE_PROVIDERS.has(item.capacityProvider ?? "")) throw invalidParameter(`The specified capacity provider ${item.capacityProvider ?? ""} was not found.`);
      if (!cluster.capacityProviders.includes(item.capacityProvider ?? "")) {
        throw invalidParameter("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.");
      }
    }
    resolved = { launchType: "FARGATE", capacityProviderName: pickProvider(chosen) };
  } else {
    const type = launchType ?? "EC2";
    if (type !== "FARGATE" && type !== "EC2" && type !== "EXTERNAL") throw invalidParameter(`Invalid launch type: ${type}. Valid values: EC2, FARGATE, EXTERNAL.`);
    resolved = { launchType: type };
  }
  if (resolved.launchType === "FARGATE" && !(def.compatibilities ?? []).includes("FARGATE")) {
    throw invalidParameter("Task definition does not support launch_type FARGATE.");
  }
  return resolved;
}

function tagsFor(def: TaskDefinitionRecord, given: Tag[] | undefined, propagate: string | undefined): Tag[] {
  const tags = checkTags(given);
  if (propagate === "TASK_DEFINITION") for (const tag of def.tags) if (!tags.some((t) => t.key === tag.key)) tags.push(tag);
  return tags;
}

/** What RunTask and StartTask take alike: network, overrides, startedBy, group, tags, execute command. */
function commonLaunchFields(
  def: TaskDefinitionRecord,
  input: Pick<RunTaskRequest, "networkConfiguration" | "overrides" | "startedBy" | "group" | "tags" | "propagateTags" | "enableExecuteCommand">,
): Pick<LaunchRequest, "networkConfiguration" | "overrides" | "startedBy" | "group" | "tags" | "enableExecuteCommand"> {
  return {
    ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
    overrides: checkOverrides(def, input.overrides),
    ...(input.startedBy ? { startedBy: input.startedBy } : {}),
    group: input.group ?? `family:${def.family}`,
    tags: tagsFor(def, input.tags, input.propagateTags),
    enableExecuteCommand: input.enableExecuteCommand ?? false,
  };
}

function findTask(ctx: RequestContext, cluster: ClusterRecord, ref: string): TaskRecord | undefined {
  const task = tables(ctx.state).tasks.get(ctx, idOf(ref));
  return task && task.clusterName === cluster.clusterName && isVisibleTask(task) ? task : undefined;
}

/** Stops a task: the runner stops its containers; a task the runner does not have is stopped at once. */
export function stopTask(ctx: RequestContext, rt: Runtime, task: TaskRecord, stopCode: "UserInitiated" | "ServiceSchedulerInitiated", reason: string): TaskRecord {
  if (task.lastStatus === "STOPPED" || task.desiredStatus === "STOPPED") return task;
  const t = tables(ctx.state).tasks;
  const updated: TaskRecord = {
    ...task,
    desiredStatus: "STOPPED",
    stopCode,
    stoppedReason: reason,
    version: task.version + 1,
    ...(stopCode === "ServiceSchedulerInitiated" ? { stoppedByScheduler: true } : {}),
  };
  t.put(ctx, task.taskId, updated);
  const runner = runnerOf(rt);
  queueMicrotask(() => {
    if (runner.active().includes(task.taskArn)) {
      runner.stop(task.taskArn, stopCode, reason);
    } else {
      applyProgress(rt, stoppedProgress(task, ctx, stopCode, reason));
    }
  });
  return updated;
}

export const taskHandlers: HandlerTable<Ops> = {
  RunTask: (input, ctx) => {
    const rt = attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    // A retried RunTask with the same clientToken answers the tasks the first call started (the SDK fills the token).
    const tokens = ctx.state.table<{ taskIds: string[]; failures: Array<{ arn: string; reason: string }>; at: number }>("ecs", "run-task-token");
    const tokenKey = input.clientToken ? `${cluster.clusterName}/${input.clientToken}` : undefined;
    const earlier = tokenKey ? tokens.get(ctx, tokenKey) : undefined;
    if (earlier && earlier.at > Date.now() - 12 * 3600_000) {
      const known = earlier.taskIds.map((id) => tables(ctx.state).tasks.get(ctx, id)).filter((task) => task !== undefined);
      return { tasks: known.map((task) => taskView(task, true)), failures: earlier.failures };
    }
    if (input.clientToken && input.clientToken.length > 64) throw invalidParameter("clientToken can be at most 64 characters.");
    const count = input.count ?? 1;
    if (count < 1 || count > 10) throw invalidParameter("Count must be between 1 and 10.");
    if (input.startedBy && input.startedBy.length > 128) throw invalidParameter("startedBy must be at most 128 characters.");
    const def = requireRunnableTaskDefinition(ctx, input.taskDefinition ?? "");
    const { launchType, capacityProviderName } = resolveLaunchType(cluster, def, input.launchType, input.capacityProviderStrategy);
    if (launchType !== "FARGATE") syncContainerInstances(ctx);
    checkPlacement(input.placementConstraints, input.placementStrategy);
    if (launchType === "FARGATE" && ((input.placementConstraints ?? []).length > 0 || (input.placementStrategy ?? []).length > 0)) {
      throw invalidParameter("Task placement constraints and strategies are not supported for tasks using the Fargate launch type.");
    }
    const launched = launchTasks(ctx, rt, {
      cluster,
      taskDefinition: def,
      count,
      launchType,
      ...(capacityProviderName ? { capacityProviderName } : {}),
      ...commonLaunchFields(def, input),
      placementConstraints: [...(def.placementConstraints ?? []).map((c) => ({ type: c.type, expression: c.expression })), ...(input.placementConstraints ?? [])],
      placementStrategy: input.placementStrategy ?? [],
    });
    if (tokenKey) tokens.put(ctx, tokenKey, { taskIds: launched.tasks.map((task) => task.taskId), failures: launched.failures, at: Date.now() });
    queueMicrotask(launched.start);
    return { tasks: launched.tasks.map((task) => taskView(task, true)), failures: launched.failures };
  },

  StartTask: (input, ctx) => {
    const rt = attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const refs = input.containerInstances ?? [];
    if (refs.length < 1 || refs.length > 10) throw invalidParameter("containerInstances must contain between 1 and 10 items.");
    const def = requireRunnableTaskDefinition(ctx, input.taskDefinition ?? "");
    const instances = tables(ctx.state).instances;
    const failures: Array<{ arn: string; reason: string }> = [];
    const hosts = refs.flatMap((ref) => {
      const instance = instances.get(ctx, idOf(ref));
      if (!instance || instance.clusterName !== cluster.clusterName || instance.status === "INACTIVE") {
        failures.push({ arn: ref, reason: "MISSING" });
        return [];
      }
      return [instance];
    });
    if (hosts.length === 0) return { tasks: [], failures };
    const launched = launchTasks(ctx, rt, {
      cluster,
      taskDefinition: def,
      count: hosts.length,
      launchType: "EC2",
      ...commonLaunchFields(def, input),
      placementConstraints: [],
      placementStrategy: [],
      containerInstances: hosts,
    });
    queueMicrotask(launched.start);
    return { tasks: launched.tasks.map((task) => taskView(task, true)), failures: [...failures, ...launched.failures] };
  },

  StopTask: (input, ctx) => {
    const rt = attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const task = findTask(ctx, cluster, input.task ?? "");
    if (!task) throw invalidParameter("The referenced task was not found.");
    if (input.reason && input.reason.length > 255) throw invalidParameter("reason must be at most 255 characters.");
    const stopped = stopTask(ctx, rt, task, "UserInitiated", input.reason ?? "Task stopped by user");
    return { task: taskView(stopped, true) };
  },

  DescribeTasks: (input, ctx) => {
    attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const refs = input.tasks ?? [];
    if (refs.length === 0) throw invalidParameter("Tasks cannot be empty.");
    if (refs.length > 100) throw invalidParameter("tasks can have at most 100 items.");
    const withTags = (input.include ?? []).includes("TAGS");
    const tasks = [];
    const failures = [];
    for (const ref of refs) {
      const task = findTask(ctx, cluster, ref);
      if (task) tasks.push(taskView(task, withTags));
      else failures.push({ arn: ref.startsWith("arn:") ? ref : `arn:aws:ecs:${ctx.region}:${ctx.account}:task/${cluster.clusterName}/${ref}`, reason: "MISSING" });
    }
    return { tasks, failures };
  },

  ListTasks: (input, ctx) => {
    attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    if (input.serviceName && input.family) throw invalidParameter("Service name and family cannot both be specified.");
    const desired = input.desiredStatus ?? "RUNNING";
    const instanceId = input.containerInstance ? idOf(input.containerInstance) : undefined;
    const serviceName = input.serviceName?.split("/").pop();
    const arns = tables(ctx.state)
      .tasks.list(ctx)
      .filter(
        (task) =>
          task.clusterName === cluster.clusterName &&
          isVisibleTask(task) &&
          task.desiredStatus === desired &&
          (input.family === undefined || task.family === input.family) &&
          (input.startedBy === undefined || task.startedBy === input.startedBy) &&
          (input.launchType === undefined || task.launchType === input.launchType) &&
          (serviceName === undefined || task.serviceKey === `${cluster.clusterName}/${serviceName}`) &&
          (instanceId === undefined || (task.containerInstanceArn ?? "").endsWith(`/${instanceId}`)),
      )
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((task) => task.taskArn);
    const result = page(arns, input.maxResults, input.nextToken);
    return { taskArns: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
  },
};

/**
 * After a restart no container of an earlier run exists: tasks that were not STOPPED are marked STOPPED (services then
 * replace theirs). Scopes are found from the stored rows once.
 */
onRuntimeStart((rt) => {
  const t = tables(rt.state);
  const scopes = new Set<string>();
  for (const row of [...t.tasks.memoryRows(), ...t.services.memoryRows(), ...t.instances.memoryRows()]) scopes.add(row.scope);
  for (const key of scopes) rt.scopes.add(key);
  for (const key of scopes) {
    const ctx = backgroundContext(rt, scopeOfKey(key));
    const live = t.tasks.list(ctx).filter((task) => task.lastStatus !== "STOPPED" && task.createdAt < rt.startedAt);
    for (const task of live) {
      const reason = "Stratus restarted: the task's containers did not survive the restart";
      applyProgress(rt, stoppedProgress(task, ctx, "TerminationNotice", reason));
    }
  }
});
