/** Runner progress → task records: statuses, containers, timestamps, stop codes; the ENI goes away when a task stops. */
import type { StopCode, TaskProgress } from "../../engine/containers/types.ts";
import { log } from "../../shared/log.ts";
import { deleteServiceInterface } from "../ec2/network/api.ts";
import { backgroundContext, setObserver, type Runtime, currentRuntime } from "./runtime.ts";
import { tables, type TaskRecord } from "./state.ts";

const listeners: Array<(task: TaskRecord) => void> = [];

/** Called after a task record changed status (the reconciler listens for service tasks). */
export function onTaskChange(listener: (task: TaskRecord) => void): void {
  listeners.push(listener);
}

const ATTACHMENT_STATUS: Record<string, string> = {
  PROVISIONING: "PRECREATED",
  PENDING: "ATTACHED",
  ACTIVATING: "ATTACHED",
  RUNNING: "ATTACHED",
  DEACTIVATING: "ATTACHED",
  STOPPING: "ATTACHED",
  DEPROVISIONING: "DETACHING",
  STOPPED: "DELETED",
};

const ORDER = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"];

/** The report for a task that has no containers to stop (failed before start, gone after a restart, unknown to the runner). */
export function stoppedProgress(task: TaskRecord, scope: { account: string; region: string }, stopCode: StopCode, reason: string): TaskProgress {
  const now = Date.now();
  return {
    taskArn: task.taskArn,
    account: scope.account,
    region: scope.region,
    lastStatus: "STOPPED",
    containers: task.containers.map((c) => ({ name: c.name, lastStatus: "STOPPED", networkBindings: [] })),
    stoppingAt: now,
    executionStoppedAt: now,
    stoppedAt: now,
    stopCode,
    stoppedReason: reason,
  };
}

export function applyProgress(rt: Runtime, progress: TaskProgress): void {
  const ctx = backgroundContext(rt, { account: progress.account, region: progress.region });
  const taskId = progress.taskArn.slice(progress.taskArn.lastIndexOf("/") + 1);
  let changed: TaskRecord | undefined;
  try {
    rt.state.transaction(() => {
      const t = tables(rt.state).tasks;
      const task = t.get(ctx, taskId);
      if (!task || task.lastStatus === "STOPPED") return;
      // Reports replace each other, but a task never goes back in its lifecycle.
      const status = ORDER.indexOf(progress.lastStatus) >= ORDER.indexOf(task.lastStatus) ? progress.lastStatus : task.lastStatus;
      const containers = task.containers.map((c) => {
        const p = progress.containers.find((pc) => pc.name === c.name);
        if (!p) return c;
        return {
          ...c,
          lastStatus: p.lastStatus,
          ...(p.runtimeId ? { runtimeId: p.runtimeId } : {}),
          ...(p.imageDigest ? { imageDigest: p.imageDigest } : {}),
          ...(p.exitCode !== undefined ? { exitCode: p.exitCode } : {}),
          ...(p.reason ? { reason: p.reason } : {}),
          ...(p.healthStatus ? { healthStatus: p.healthStatus } : {}),
          networkBindings: p.networkBindings.length > 0 || p.lastStatus !== "STOPPED" ? p.networkBindings : c.networkBindings,
        };
      });
      const stopped = status === "STOPPED";
      const next: TaskRecord = {
        ...task,
        lastStatus: status,
        desiredStatus: stopped || progress.stopCode ? "STOPPED" : task.desiredStatus,
        containers,
        attachments: task.attachments.map((a) => ({ ...a, status: ATTACHMENT_STATUS[status] ?? a.status })),
        version: task.version + 1,
        ...(progress.healthStatus ? { healthStatus: progress.healthStatus } : {}),
      };
      if (status === "RUNNING" || ORDER.indexOf(status) >= ORDER.indexOf("RUNNING")) {
        next.connectivity = stopped ? "DISCONNECTED" : "CONNECTED";
        next.connectivityAt ??= progress.connectivityAt ?? progress.startedAt ?? Date.now();
      }
      const times = ["pullStartedAt", "pullStoppedAt", "connectivityAt", "startedAt", "stoppingAt", "executionStoppedAt", "stoppedAt"] as const;
      for (const name of times) {
        const value = progress[name];
        if (value !== undefined && next[name] === undefined) next[name] = value;
      }
      if (stopped) next.stoppedAt ??= Date.now();
      // The first stop reason wins (StopTask's reason stays when the runner then reports the exit).
      if (progress.stopCode && !task.stopCode) next.stopCode = progress.stopCode;
      if (progress.stoppedReason && !task.stoppedReason) next.stoppedReason = progress.stoppedReason;
      if (stopped && task.eniId) deleteServiceInterface(ctx, task.eniId);
      t.put(ctx, taskId, next);
      if (status !== task.lastStatus) changed = next;
    });
  } catch (error) {
    log.warn("could not record ECS task progress", error);
    return;
  }
  if (changed) for (const listener of listeners) listener(changed);
}

setObserver((progress) => {
  const rt = currentRuntime();
  if (rt) applyProgress(rt, progress);
});
