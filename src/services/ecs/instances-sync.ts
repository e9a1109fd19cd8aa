/** EC2 instances whose user data sets ECS_CLUSTER=<name> join that cluster when running, as the ECS agent makes them do. */
import { findInstance, instanceUserData, listInstances } from "../ec2/instances/api.ts";
import type { RequestContext } from "../service-types.ts";
import { currentRuntime } from "./runtime.ts";
import { tables, type ClusterRecord } from "./state.ts";
import { stopTask } from "./tasks.ts";

const CLUSTER_LINE = /(?:^|[\s"'])ECS_CLUSTER=["']?([A-Za-z0-9_-]{1,255})/m;

/** Registers running instances that name an existing cluster; instances that terminated leave their cluster. */
export function syncContainerInstances(ctx: RequestContext): void {
  const t = tables(ctx.state);
  // Only accounts that use EC2 have instances; the EC2 listing is skipped when ECS has nothing to sync with.
  const registered = t.instances.list(ctx).filter((i) => i.status !== "INACTIVE");
  const instances = listInstances(ctx);
  if (instances.length === 0 && registered.length === 0) return;
  ctx.state.transaction(() => {
    for (const record of registered) {
      const state = findInstance(ctx, record.ec2InstanceId)?.State?.Name;
      // Instances EC2 does not know (registered from an identity document only) keep their state.
      if (state === undefined) continue;
      if (state === "terminated" || state === "shutting-down") {
        t.instances.put(ctx, record.id, { ...record, status: "INACTIVE", agentConnected: false, version: record.version + 1 });
        // Its tasks end with the host, in AWS's words; services start replacements elsewhere.
        const rt = currentRuntime();
        for (const task of t.tasks.list(ctx)) {
          if (rt && task.containerInstanceArn === record.containerInstanceArn && task.lastStatus !== "STOPPED") {
            stopTask(ctx, rt, task, "ServiceSchedulerInitiated", `Host EC2 (instance ${record.ec2InstanceId}) terminated.`);
          }
        }
      } else if (state !== undefined && (state === "running") !== record.agentConnected) {
        t.instances.put(ctx, record.id, { ...record, agentConnected: state === "running", version: record.version + 1 });
      }
    }
    for (const instance of instances) {
      if (instance.State?.Name !== "running" || !instance.InstanceId) continue;
      if (registered.some((r) => r.ec2InstanceId === instance.InstanceId)) continue;
      const clusterName = CLUSTER_LINE.exec(instanceUserData(ctx, instance.InstanceId) ?? "")?.[1];
      if (!clusterName) continue;
      const cluster = t.clusters.get(ctx, clusterName);
      if (!cluster || cluster.status !== "ACTIVE") continue;
      registerInstanceLazy(ctx, cluster, instance.InstanceId);
    }
  });
}

let registerFn: ((ctx: RequestContext, cluster: ClusterRecord, instanceId: string) => void) | undefined;

/** container-instances.ts hands its register function over (avoids an import cycle). */
export function setRegister(fn: typeof registerFn): void {
  registerFn = fn;
}

function registerInstanceLazy(ctx: RequestContext, cluster: ClusterRecord, instanceId: string): void {
  registerFn?.(ctx, cluster, instanceId);
}
