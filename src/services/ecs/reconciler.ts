/**
 * The service scheduler: one unref'd timer (every second while services exist) keeps each service at desiredCount,
 * rolls deployments within minimumHealthyPercent/maximumPercent, trips the circuit breaker, drains deleted services.
 * `reconcileOnce` runs one pass (tests call it directly).
 */
import type { CapacityProviderStrategyItem, Tag } from "@aws-sdk/client-ecs";
import { isAwsError } from "../../shared/aws-error.ts";
import { crypto } from "../../shared/builtins.ts";
import { log } from "../../shared/log.ts";
import type { RequestContext } from "../service-types.ts";
import { launchTasks } from "./launch.ts";
import { onTaskChange } from "./progress.ts";
import { backgroundContext, currentRuntime, onRuntimeStart, scopeOfKey, type Runtime } from "./runtime.ts";
import { serviceKey, STOPPED_TASK_VISIBILITY_MS, tables, type DeploymentRecord, type ServiceRecord, type TaskRecord } from "./state.ts";
import { findTaskDefinition } from "./task-definitions.ts";
import { stopTask } from "./tasks.ts";
import { newDeployment } from "./services.ts";
import { syncContainerInstances } from "./instances-sync.ts";

const INTERVAL_MS = 1000;
/**
 * A deployment completes (and the service reaches steady state) once its tasks have stayed RUNNING this long: a task that
 * starts and crashes at once must not complete a rollout (AWS also waits for tasks to stay up before declaring it).
 */
const STABLE_MS = Number(process.env.STRATUS_ECS_STABLE_MS ?? 2000);
let timer: NodeJS.Timeout | undefined;
let timerRuntime: Runtime | undefined;
let immediate: NodeJS.Immediate | undefined;
let lastPrune = 0;
const SYNC_MS = 5000;
const lastSync = new Map<string, number>();

/** Runs a pass soon (after a service change or a service task changing status) and keeps the timer going. */
export function scheduleReconcile(rt: Runtime): void {
  if (timer && timerRuntime !== rt) {
    clearInterval(timer);
    timer = undefined;
  }
  if (!timer) {
    timerRuntime = rt;
    timer = setInterval(() => reconcileOnce(rt), INTERVAL_MS);
    timer.unref();
  }
  if (!immediate) {
    immediate = setImmediate(() => {
      immediate = undefined;
      reconcileOnce(rt);
    });
    immediate.unref();
  }
}

onRuntimeStart((rt) => scheduleReconcile(rt));
onTaskChange((task) => {
  const rt = currentRuntime();
  if (rt && task.serviceKey && (task.lastStatus === "RUNNING" || task.lastStatus === "STOPPED")) scheduleReconcile(rt);
});

/** One pass over every scope ECS was used in. */
export function reconcileOnce(rt: Runtime): void {
  let anyService = false;
  const prune = Date.now() - lastPrune > 60_000;
  if (prune) lastPrune = Date.now();
  for (const key of rt.scopes) {
    const ctx = backgroundContext(rt, scopeOfKey(key));
    // EC2 instances joining or leaving clusters are picked up every few seconds (the listing is not free).
    if (Date.now() - (lastSync.get(key) ?? 0) > SYNC_MS) {
      lastSync.set(key, Date.now());
      try {
        syncContainerInstances(ctx);
      } catch (error) {
        log.warn("ECS container instance sync failed", error);
      }
    }
    const t = tables(rt.state);
    for (const service of t.services.list(ctx)) {
      if (service.status === "INACTIVE") continue;
      anyService = true;
      try {
        reconcileService(ctx, rt, service);
      } catch (error) {
        log.warn(`ECS service ${service.serviceName} reconcile failed`, error);
      }
    }
    if (prune) pruneStoppedTasks(ctx);
  }
  if (!anyService && timer && timerRuntime === rt) {
    clearInterval(timer);
    timer = undefined;
  }
}

/** Stopped tasks disappear about an hour after they stopped, as on AWS. */
function pruneStoppedTasks(ctx: RequestContext): void {
  const t = tables(ctx.state).tasks;
  const cutoff = Date.now() - STOPPED_TASK_VISIBILITY_MS;
  ctx.state.transaction(() => {
    for (const task of t.list(ctx)) if (task.lastStatus === "STOPPED" && (task.stoppedAt ?? task.createdAt) < cutoff) t.delete(ctx, task.taskId);
  });
}

const isActive = (task: TaskRecord): boolean => task.lastStatus !== "STOPPED" && task.desiredStatus === "RUNNING";

/** A task of the deployment that stopped by itself (failed to start or its essential container exited). */
const isFailure = (task: TaskRecord): boolean =>
  task.lastStatus === "STOPPED" && !task.stoppedByScheduler && (task.stopCode === "TaskFailedToStart" || task.stopCode === "EssentialContainerExited");

function event(service: ServiceRecord, message: string): void {
  service.events.push({ id: crypto.randomUUID(), createdAt: Date.now(), message: `(service ${service.serviceName}) ${message}` });
  if (service.events.length > 100) service.events.splice(0, service.events.length - 100);
}

/** An event not repeated while it is the latest one (placement failures are retried every pass). */
function eventOnce(service: ServiceRecord, message: string): void {
  if (service.events[service.events.length - 1]?.message !== `(service ${service.serviceName}) ${message}`) event(service, message);
}

/** AWS's failure threshold: half the desired count, at least 3 and at most 200. */
export const failureThreshold = (desired: number): number => Math.min(200, Math.max(3, Math.ceil(desired * 0.5)));

function reconcileService(ctx: RequestContext, rt: Runtime, stored: ServiceRecord): void {
  const key = serviceKey(stored.clusterName, stored.serviceName);
  const starts: Array<() => void> = [];
  ctx.state.transaction(() => {
    const t = tables(ctx.state);
    const service: ServiceRecord = structuredClone(t.services.get(ctx, key) ?? stored);
    const before = JSON.stringify(service);
    const tasks = t.tasks.list(ctx).filter((task) => task.serviceKey === key);
    const byDeployment = (d: DeploymentRecord): TaskRecord[] => tasks.filter((task) => task.startedBy === d.id);
    const stopped: string[] = [];
    const stop = (task: TaskRecord, reason: string): void => {
      stopTask(ctx, rt, task, "ServiceSchedulerInitiated", reason);
      stopped.push(task.taskId);
    };

    // Container health: an UNHEALTHY task is replaced.
    for (const task of tasks) if (isActive(task) && task.healthStatus === "UNHEALTHY") stop(task, "Task failed container health checks");
    const active = (d: DeploymentRecord): TaskRecord[] => byDeployment(d).filter((task) => isActive(task) && !stopped.includes(task.taskId));

    if (service.schedulingStrategy === "DAEMON" && service.status === "ACTIVE") {
      service.desiredCount = t.instances.list(ctx).filter((i) => i.clusterName === service.clusterName && i.status === "ACTIVE").length;
    }
    if (service.status === "DRAINING") {
      for (const d of service.deployments) for (const task of active(d)) stop(task, `Scaling activity initiated by (deployment ${d.id})`);
      if (tasks.every((task) => task.lastStatus === "STOPPED")) {
        service.status = "INACTIVE";
        service.deployments = service.deployments.map((d) => ({ ...d, status: "INACTIVE" as const }));
      }
    } else {
      rollService(ctx, rt, service, active, byDeployment, stop, starts);
    }
    for (const d of service.deployments) {
      const live = active(d);
      d.runningCount = live.filter((task) => task.lastStatus === "RUNNING").length;
      d.pendingCount = live.length - d.runningCount;
      d.failedTasks = byDeployment(d).filter((task) => isFailure(task) && task.createdAt >= d.createdAt).length;
    }
    if (stopped.length > 0 && service.status === "ACTIVE") {
      event(service, `has stopped ${stopped.length} running tasks: ${stopped.map((id) => `(task ${id})`).join(" ")}.`);
      service.steady = false;
    }
    if (JSON.stringify(service) !== before) t.services.put(ctx, key, service);
  });
  for (const start of starts) start();
}

function rollService(
  ctx: RequestContext,
  rt: Runtime,
  service: ServiceRecord,
  active: (d: DeploymentRecord) => TaskRecord[],
  byDeployment: (d: DeploymentRecord) => TaskRecord[],
  stop: (task: TaskRecord, reason: string) => void,
  starts: Array<() => void>,
): void {
  let primary = service.deployments.find((d) => d.status === "PRIMARY");
  if (!primary) return;
  const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
  const failed = byDeployment(primary).filter((task) => isFailure(task) && task.createdAt >= (primary?.createdAt ?? 0)).length;
  if (primary.rolloutState === "IN_PROGRESS" && breaker?.enable && failed >= failureThreshold(service.desiredCount)) {
    primary.rolloutState = "FAILED";
    primary.rolloutStateReason = "ECS deployment circuit breaker: tasks failed to start.";
    primary.updatedAt = Date.now();
    event(service, `(deployment ${primary.id}) deployment failed: tasks failed to start.`);
    if (breaker.rollback && service.lastCompletedTaskDefinition) {
      const target = service.lastCompletedTaskDefinition;
      const rollback = newDeployment(service, target, service.desiredCount);
      rollback.rolloutStateReason = `ECS deployment circuit breaker: rolling back to deploymentId ${service.lastCompletedDeploymentId ?? "unknown"}.`;
      primary.status = "ACTIVE";
      service.deployments = [rollback, ...service.deployments];
      service.taskDefinition = target;
      primary = rollback;
      event(service, `(deployment ${rollback.id}) deployment started: rolling back to ${target}.`);
    }
  }
  const desired = service.desiredCount;
  primary.desiredCount = desired;
  const { maximumPercent = 200, minimumHealthyPercent = 100 } = service.deploymentConfiguration;
  const maxTotal = Math.max(desired, Math.floor((desired * maximumPercent) / 100));
  const minHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
  const old = service.deployments.filter((d) => d !== primary && d.status === "ACTIVE");
  const primaryActive = active(primary);
  // Scale down the primary: pending tasks go first.
  if (primaryActive.length > desired) {
    const excess = [...primaryActive].sort((a, b) => Number(a.lastStatus === "RUNNING") - Number(b.lastStatus === "RUNNING")).slice(0, primaryActive.length - desired);
    for (const task of excess) stop(task, `Scaling activity initiated by (deployment ${primary.id})`);
  }
  // Old deployments drain while enough tasks stay running (minimumHealthyPercent); a failed rollout without rollback keeps them.
  if (primary.rolloutState !== "FAILED" || breaker?.rollback) {
    let running = [primary, ...old].reduce((sum, d) => sum + active(d).filter((task) => task.lastStatus === "RUNNING").length, 0);
    const oldTasks = old.flatMap((d) => active(d).map((task) => ({ task, d }))).sort((a, b) => Number(a.task.lastStatus === "RUNNING") - Number(b.task.lastStatus === "RUNNING"));
    for (const { task, d } of oldTasks) {
      if (task.lastStatus === "RUNNING") {
        if (running - 1 < minHealthy) break;
        running--;
      }
      stop(task, `Scaling activity initiated by (deployment ${d.id})`);
    }
  }
  // Start primary tasks up to desiredCount, never above maximumPercent of it in total.
  const totalActive = [primary, ...old].reduce((sum, d) => sum + active(d).length, 0);
  let toStart = Math.min(desired - active(primary).length, maxTotal - totalActive);
  if (primary.rolloutState === "FAILED" && !breaker?.rollback) toStart = 0;
  if (toStart > 0 && !backingOff(primary, byDeployment(primary))) launchFor(ctx, rt, service, primary, toStart, active(primary), starts);
  // Deployments whose tasks are all gone are finished.
  for (const d of old) if (active(d).length === 0) d.status = "INACTIVE";
  service.deployments = service.deployments.filter((d) => d.status !== "INACTIVE");
  const live = active(primary);
  const stableSince = Date.now() - STABLE_MS;
  const stable = live.filter((task) => task.lastStatus === "RUNNING" && (task.startedAt ?? task.connectivityAt ?? Date.now()) <= stableSince).length;
  if (service.deployments.length === 1 && stable === desired && live.length === desired) {
    if (primary.rolloutState === "IN_PROGRESS") {
      primary.rolloutState = "COMPLETED";
      primary.rolloutStateReason = "ECS deployment completed.";
      primary.updatedAt = Date.now();
      service.lastCompletedTaskDefinition = primary.taskDefinition;
      service.lastCompletedDeploymentId = primary.id;
      event(service, `(deployment ${primary.id}) deployment completed.`);
    }
    if (!service.steady) {
      event(service, "has reached a steady state.");
      service.steady = true;
    }
  }
}

/** After three launches in a row failed, wait a little longer each time (AWS throttles failing launches too). */
function backingOff(d: DeploymentRecord, tasks: TaskRecord[]): boolean {
  const recent = tasks.filter((task) => task.lastStatus === "STOPPED").sort((a, b) => b.createdAt - a.createdAt);
  let streak = 0;
  for (const task of recent) {
    if (!isFailure(task)) break;
    streak++;
  }
  if (streak < 3) return false;
  const last = recent[0]?.stoppedAt ?? d.updatedAt;
  return Date.now() - last < Math.min(60_000, 2_000 * (streak - 2));
}

/** How many of `count` new tasks go to each capacity provider: each base is filled first, then tasks follow the weights. */
export function splitByStrategy(strategy: CapacityProviderStrategyItem[], existing: Array<string | undefined>, count: number): Map<string | undefined, number> {
  const split = new Map<string | undefined, number>();
  if (strategy.length === 0) return split.set(undefined, count);
  const have = new Map<string, number>();
  for (const name of existing) if (name) have.set(name, (have.get(name) ?? 0) + 1);
  for (let n = 0; n < count; n++) {
    const under = strategy.find((item) => (have.get(item.capacityProvider ?? "") ?? 0) < (item.base ?? 0));
    const weighted = strategy.filter((item) => (item.weight ?? 0) > 0);
    const pick =
      under ??
      weighted.sort((a, b) => (have.get(a.capacityProvider ?? "") ?? 0) / (a.weight ?? 1) - (have.get(b.capacityProvider ?? "") ?? 0) / (b.weight ?? 1))[0] ??
      strategy[0];
    const name = pick?.capacityProvider ?? "FARGATE";
    have.set(name, (have.get(name) ?? 0) + 1);
    split.set(name, (split.get(name) ?? 0) + 1);
  }
  return split;
}

function launchFor(ctx: RequestContext, rt: Runtime, service: ServiceRecord, d: DeploymentRecord, count: number, active: TaskRecord[], starts: Array<() => void>): void {
  const def = findTaskDefinition(ctx, d.taskDefinition);
  const cluster = tables(ctx.state).clusters.get(ctx, service.clusterName);
  if (!def || !cluster) return;
  const tags: Tag[] = [];
  if (service.propagateTags === "SERVICE") tags.push(...service.tags);
  if (service.propagateTags === "TASK_DEFINITION") tags.push(...def.tags);
  if (service.enableECSManagedTags) tags.push({ key: "aws:ecs:serviceName", value: service.serviceName }, { key: "aws:ecs:clusterName", value: service.clusterName });
  const split = splitByStrategy(d.capacityProviderStrategy ?? [], active.map((task) => task.capacityProviderName), count);
  const started: TaskRecord[] = [];
  const failures: Array<{ arn: string; reason: string }> = [];
  try {
    for (const [capacityProviderName, n] of split) {
      const launched = launchTasks(ctx, rt, {
        cluster,
        taskDefinition: def,
        count: n,
        launchType: (d.launchType as "FARGATE" | "EC2" | "EXTERNAL" | undefined) ?? "FARGATE",
        ...(capacityProviderName ? { capacityProviderName } : {}),
        ...(d.networkConfiguration ? { networkConfiguration: d.networkConfiguration } : {}),
        overrides: { containerOverrides: [] },
        startedBy: d.id,
        group: `service:${service.serviceName}`,
        tags,
        enableExecuteCommand: service.enableExecuteCommand,
        serviceKey: serviceKey(service.clusterName, service.serviceName),
        placementConstraints: [
          ...(def.placementConstraints ?? []).map((c) => ({ type: c.type, expression: c.expression })),
          ...service.placementConstraints,
          // A daemon runs one task on each instance.
          ...(service.schedulingStrategy === "DAEMON" ? [{ type: "distinctInstance" as const }] : []),
        ],
        placementStrategy: service.placementStrategy,
      });
      started.push(...launched.tasks);
      failures.push(...launched.failures);
      if (launched.tasks.length > 0) starts.push(launched.start);
    }
  } catch (error) {
    if (!isAwsError(error)) throw error;
    eventOnce(service, `was unable to place a task. Reason: ${error.message}`);
  }
  if (started.length > 0) {
    event(service, `has started ${started.length} tasks: ${started.map((task) => `(task ${task.taskId})`).join(" ")}.`);
    service.steady = false;
  }
  if (failures.length > 0) {
    eventOnce(service, `was unable to place a task because no container instance met all of its requirements. Reason: ${failures[0]?.reason ?? ""}.`);
  }
}
