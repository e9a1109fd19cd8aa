/** Clusters: create, describe (with counts, settings, statistics, tags), list, update, capacity providers, delete. */
import type { Cluster, ClusterSetting, KeyValuePair } from "@aws-sdk/client-ecs";
import type { EcsOperations } from "../../generated/ecs.ts";
import { AwsError } from "../../shared/aws-error.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { checkTags, clusterNameOf, page, requireCluster } from "./common.ts";
import { invalidParameter } from "./errors.ts";
import { clusterArnOf, tables, type ClusterRecord } from "./state.ts";

export const FARGATE_PROVIDERS = new Set(["FARGATE", "FARGATE_SPOT"]);

function checkSettings(settings: ClusterSetting[] | undefined): ClusterSetting[] {
  const out: ClusterSetting[] = [];
  for (const setting of settings ?? []) {
    if (setting.name !== "containerInsights") throw invalidParameter(`Invalid setting name: ${setting.name ?? ""}. Valid value: containerInsights.`);
    if (!["enabled", "disabled", "enhanced"].includes(setting.value ?? "")) {
      throw invalidParameter("Invalid value for containerInsights. Valid values: enhanced, enabled, disabled.");
    }
    out.push({ name: setting.name, value: setting.value });
  }
  return out;
}

function checkProviders(providers: string[] | undefined, strategy: ClusterRecord["defaultCapacityProviderStrategy"] | undefined): void {
  for (const name of providers ?? []) {
    if (!FARGATE_PROVIDERS.has(name)) throw invalidParameter(`The specified capacity provider '${name}' does not exist. Specify a valid capacity provider and try again.`);
  }
  for (const item of strategy ?? []) {
    if (!(providers ?? []).includes(item.capacityProvider ?? "")) {
      throw invalidParameter(`The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.`);
    }
    if (item.weight !== undefined && (item.weight < 0 || item.weight > 1000)) throw invalidParameter("The capacity provider strategy weight must be between 0 and 1000.");
    if (item.base !== undefined && (item.base < 0 || item.base > 100000)) throw invalidParameter("The capacity provider strategy base must be between 0 and 100000.");
  }
  if ((strategy ?? []).filter((item) => (item.base ?? 0) > 0).length > 1) throw invalidParameter("A base value can only be specified for one capacity provider in a capacity provider strategy.");
}

/** Counts ECS reports on a cluster, from the task, service and container-instance tables. */
function counts(ctx: RequestContext, cluster: ClusterRecord): { running: number; pending: number; services: number; instances: number; stats: KeyValuePair[] } {
  const t = tables(ctx.state);
  const tasks = t.tasks.list(ctx).filter((task) => task.clusterName === cluster.clusterName && task.lastStatus !== "STOPPED");
  const services = t.services.list(ctx).filter((s) => s.clusterName === cluster.clusterName && s.status !== "INACTIVE");
  const count = (launch: string, running: boolean): number => tasks.filter((task) => task.launchType === launch && (task.lastStatus === "RUNNING") === running).length;
  const svc = (launch: string, status: string): number => services.filter((s) => (s.launchType ?? "FARGATE") === launch && s.status === status).length;
  const stats: KeyValuePair[] = [
    { name: "runningEC2TasksCount", value: String(count("EC2", true)) },
    { name: "runningFargateTasksCount", value: String(count("FARGATE", true)) },
    { name: "pendingEC2TasksCount", value: String(count("EC2", false)) },
    { name: "pendingFargateTasksCount", value: String(count("FARGATE", false)) },
    { name: "activeEC2ServiceCount", value: String(svc("EC2", "ACTIVE")) },
    { name: "activeFargateServiceCount", value: String(svc("FARGATE", "ACTIVE")) },
    { name: "drainingEC2ServiceCount", value: String(svc("EC2", "DRAINING")) },
    { name: "drainingFargateServiceCount", value: String(svc("FARGATE", "DRAINING")) },
  ];
  return {
    running: tasks.filter((task) => task.lastStatus === "RUNNING").length,
    pending: tasks.filter((task) => task.lastStatus !== "RUNNING").length,
    services: services.filter((s) => s.status === "ACTIVE").length,
    instances: t.instances.list(ctx).filter((i) => i.clusterName === cluster.clusterName && i.status !== "INACTIVE").length,
    stats,
  };
}

export function clusterView(ctx: RequestContext, cluster: ClusterRecord, include: string[] = []): Cluster {
  const c = counts(ctx, cluster);
  const view: Cluster = {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    status: cluster.status,
    registeredContainerInstancesCount: c.instances,
    runningTasksCount: c.running,
    pendingTasksCount: c.pending,
    activeServicesCount: c.services,
    statistics: include.includes("STATISTICS") ? c.stats : [],
    tags: include.includes("TAGS") ? cluster.tags : [],
    settings: include.includes("SETTINGS") || cluster.settings.length > 0 ? cluster.settings : [],
    capacityProviders: cluster.capacityProviders,
    defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy,
  };
  if (include.includes("CONFIGURATIONS") && cluster.configuration) view.configuration = cluster.configuration;
  if (cluster.serviceConnectNamespace) view.serviceConnectDefaults = { namespace: cluster.serviceConnectNamespace };
  return view;
}

/** Creates (or re-activates) a cluster; also what the container agent does for the `default` cluster. */
export function createCluster(ctx: RequestContext, name: string): ClusterRecord {
  const t = tables(ctx.state);
  const existing = t.clusters.get(ctx, name);
  if (existing && existing.status === "ACTIVE") return existing;
  return t.clusters.put(ctx, name, {
    clusterArn: clusterArnOf(ctx, name),
    clusterName: name,
    status: "ACTIVE",
    settings: [{ name: "containerInsights", value: "disabled" }],
    capacityProviders: [],
    defaultCapacityProviderStrategy: [],
    tags: [],
    createdAt: Date.now(),
  });
}

type Ops = EcsOperations;

export const clusterHandlers: HandlerTable<Ops> = {
  CreateCluster: (input, ctx) => {
    const name = input.clusterName ?? "default";
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
      throw invalidParameter("Cluster name can only contain letters (upper and lower case), numbers, hyphens and underscores, and be at most 255 characters.");
    }
    const settings = checkSettings(input.settings);
    checkProviders(input.capacityProviders, input.defaultCapacityProviderStrategy);
    const tags = checkTags(input.tags);
    const t = tables(ctx.state);
    const existing = t.clusters.get(ctx, name);
    // AWS answers CreateCluster on an existing ACTIVE cluster with that cluster (idempotent), unchanged.
    if (existing && existing.status === "ACTIVE") return { cluster: clusterView(ctx, existing, ["TAGS", "SETTINGS", "CONFIGURATIONS"]) };
    const record = createCluster(ctx, name);
    const updated = t.clusters.put(ctx, name, {
      ...record,
      settings: settings.length > 0 ? settings : record.settings,
      ...(input.configuration ? { configuration: input.configuration } : {}),
      capacityProviders: input.capacityProviders ?? [],
      defaultCapacityProviderStrategy: input.defaultCapacityProviderStrategy ?? [],
      tags,
      ...(input.serviceConnectDefaults?.namespace ? { serviceConnectNamespace: input.serviceConnectDefaults.namespace } : {}),
    });
    return { cluster: clusterView(ctx, updated, ["TAGS", "SETTINGS", "CONFIGURATIONS"]) };
  },

  DescribeClusters: (input, ctx) => {
    const t = tables(ctx.state);
    const refs = input.clusters && input.clusters.length > 0 ? input.clusters : ["default"];
    if (refs.length > 100) throw invalidParameter("clusters can have at most 100 items.");
    const include = input.include ?? [];
    const clusters: Cluster[] = [];
    const failures: Array<{ arn: string; reason: string }> = [];
    for (const ref of refs) {
      const name = clusterNameOf(ref);
      const record = t.clusters.get(ctx, name);
      if (record) clusters.push(clusterView(ctx, record, include));
      else failures.push({ arn: ref.startsWith("arn:") ? ref : clusterArnOf(ctx, name), reason: "MISSING" });
    }
    return { clusters, failures };
  },

  ListClusters: (input, ctx) => {
    const arns = tables(ctx.state)
      .clusters.list(ctx)
      .filter((c) => c.status === "ACTIVE")
      .sort((a, b) => a.createdAt - b.createdAt || a.clusterName.localeCompare(b.clusterName))
      .map((c) => c.clusterArn);
    const result = page(arns, input.maxResults, input.nextToken);
    return { clusterArns: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
  },

  UpdateCluster: (input, ctx) => {
    const cluster = requireCluster(ctx, input.cluster);
    const settings = input.settings ? checkSettings(input.settings) : undefined;
    const updated = tables(ctx.state).clusters.put(ctx, cluster.clusterName, {
      ...cluster,
      ...(settings ? { settings: mergeSettings(cluster.settings, settings) } : {}),
      ...(input.configuration ? { configuration: input.configuration } : {}),
      ...(input.serviceConnectDefaults?.namespace ? { serviceConnectNamespace: input.serviceConnectDefaults.namespace } : {}),
    });
    return { cluster: clusterView(ctx, updated, ["SETTINGS", "CONFIGURATIONS"]) };
  },

  UpdateClusterSettings: (input, ctx) => {
    const cluster = requireCluster(ctx, input.cluster);
    const settings = checkSettings(input.settings);
    const updated = tables(ctx.state).clusters.put(ctx, cluster.clusterName, { ...cluster, settings: mergeSettings(cluster.settings, settings) });
    return { cluster: clusterView(ctx, updated, ["SETTINGS"]) };
  },

  PutClusterCapacityProviders: (input, ctx) => {
    const cluster = requireCluster(ctx, input.cluster);
    checkProviders(input.capacityProviders, input.defaultCapacityProviderStrategy);
    const updated = tables(ctx.state).clusters.put(ctx, cluster.clusterName, {
      ...cluster,
      capacityProviders: input.capacityProviders ?? [],
      defaultCapacityProviderStrategy: input.defaultCapacityProviderStrategy ?? [],
    });
    return { cluster: clusterView(ctx, updated) };
  },

  // Only the two Fargate providers exist (Auto Scaling group providers are not implemented).
  DescribeCapacityProviders: (input, ctx) => {
    const all = [...FARGATE_PROVIDERS].map((name) => ({
      capacityProviderArn: `arn:aws:ecs:${ctx.region}:${ctx.account}:capacity-provider/${name}`,
      name,
      status: "ACTIVE" as const,
      tags: [],
    }));
    const refs = input.capacityProviders ?? [];
    const wanted = refs.length === 0 ? all : all.filter((p) => refs.includes(p.name) || refs.includes(p.capacityProviderArn));
    const failures = refs.filter((ref) => !all.some((p) => p.name === ref || p.capacityProviderArn === ref)).map((arn) => ({ arn, reason: "MISSING" }));
    const result = page(wanted, input.maxResults, input.nextToken, 10);
    return { capacityProviders: result.items, failures, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
  },

  DeleteCluster: (input, ctx) => {
    const cluster = requireCluster(ctx, input.cluster);
    const t = tables(ctx.state);
    if (t.services.list(ctx).some((s) => s.clusterName === cluster.clusterName && s.status !== "INACTIVE")) {
      throw new AwsError("ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.");
    }
    if (t.instances.list(ctx).some((i) => i.clusterName === cluster.clusterName && i.status !== "INACTIVE")) {
      throw new AwsError("ClusterContainsContainerInstancesException", "The Cluster cannot be deleted while Container Instances are active or draining.");
    }
    if (t.tasks.list(ctx).some((task) => task.clusterName === cluster.clusterName && task.lastStatus !== "STOPPED")) {
      throw new AwsError("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.");
    }
    // The record stays INACTIVE (DescribeClusters still shows it, as on AWS for a while); a new CreateCluster re-activates the name.
    const deleted = t.clusters.put(ctx, cluster.clusterName, { ...cluster, status: "INACTIVE" });
    return { cluster: clusterView(ctx, deleted) };
  },
};

function mergeSettings(existing: ClusterSetting[], updates: ClusterSetting[]): ClusterSetting[] {
  const byName = new Map(existing.map((s) => [s.name ?? "", s]));
  for (const s of updates) byName.set(s.name ?? "", s);
  return [...byName.values()];
}
