/** Services: create, update (new deployments), delete (DRAINING → INACTIVE), describe and list; the reconciler keeps them. */
import type { DeploymentConfiguration, NetworkConfiguration } from "@aws-sdk/client-ecs";
import type { EcsOperations } from "../../generated/ecs.ts";
import { isAwsError } from "../../shared/aws-error.ts";
import { checkServiceNetwork } from "../ec2/network/api.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { callerIdentity } from "../sts/credentials.ts";
import { checkTags, clusterNameOf, page, requireCluster } from "./common.ts";
import { invalidParameter, serviceNotActive, serviceNotFound } from "./errors.ts";
import { checkNetwork } from "./launch.ts";
import { checkPlacement } from "./placement.ts";
import { scheduleReconcile } from "./reconciler.ts";
import { attachRuntime } from "./runtime.ts";
import { serviceView } from "./service-view.ts";
import { arnPrefix, deploymentId, serviceKey, tables, type ClusterRecord, type DeploymentRecord, type ServiceRecord, type TaskDefinitionRecord } from "./state.ts";
import { requireRunnableTaskDefinition } from "./task-definitions.ts";
import { resolveLaunchType } from "./tasks.ts";

type Ops = EcsOperations;

function deploymentConfig(given: DeploymentConfiguration | undefined, daemon: boolean, previous?: DeploymentConfiguration): DeploymentConfiguration {
  const base = previous ?? { maximumPercent: daemon ? 100 : 200, minimumHealthyPercent: daemon ? 0 : 100, deploymentCircuitBreaker: { enable: false, rollback: false } };
  const config: DeploymentConfiguration = {
    ...base,
    ...(given ?? {}),
    deploymentCircuitBreaker: given?.deploymentCircuitBreaker ?? base.deploymentCircuitBreaker ?? { enable: false, rollback: false },
  };
  const min = config.minimumHealthyPercent ?? 100;
  const max = config.maximumPercent ?? 200;
  if (min < 0 || min > 100) throw invalidParameter("minimumHealthyPercent must be between 0 and 100.");
  if (max < 0) throw invalidParameter("maximumPercent must be greater than or equal to 0.");
  return config;
}

/** Validates the awsvpc configuration against the definition and EC2 (subnets and groups must exist). */
function checkServiceNetworking(ctx: RequestContext, def: TaskDefinitionRecord, config: NetworkConfiguration | undefined): void {
  checkNetwork(def, config);
  const vpc = config?.awsvpcConfiguration;
  if (!vpc) return;
  try {
    checkServiceNetwork(ctx, vpc.subnets ?? [], vpc.securityGroups ?? []);
  } catch (error) {
    if (isAwsError(error)) throw invalidParameter(`${error.message} (ErrorCode: ${error.code})`);
    throw error;
  }
}

export function newDeployment(service: Pick<ServiceRecord, "launchType" | "capacityProviderStrategy" | "platformVersion" | "networkConfiguration">, taskDefinition: string, desiredCount: number): DeploymentRecord {
  const now = Date.now();
  return {
    id: deploymentId(),
    status: "PRIMARY",
    taskDefinition,
    desiredCount,
    pendingCount: 0,
    runningCount: 0,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy ? { capacityProviderStrategy: service.capacityProviderStrategy } : {}),
    ...(service.platformVersion ? { platformVersion: service.platformVersion } : {}),
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    rolloutState: "IN_PROGRESS",
    rolloutStateReason: "ECS deployment in progress.",
  };
}

function findService(ctx: RequestContext, cluster: ClusterRecord, ref: string): ServiceRecord | undefined {
  const name = ref.startsWith("arn:") ? (ref.split("/").pop() ?? ref) : ref;
  return tables(ctx.state).services.get(ctx, serviceKey(cluster.clusterName, name));
}

function requireActiveService(ctx: RequestContext, cluster: ClusterRecord, ref: string): ServiceRecord {
  const service = findService(ctx, cluster, ref);
  if (!service) throw serviceNotFound();
  if (service.status !== "ACTIVE") throw serviceNotActive();
  return service;
}

export const serviceHandlers: HandlerTable<Ops> = {
  CreateService: (input, ctx) => {
    const rt = attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const name = input.serviceName ?? "";
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) throw invalidParameter("Service name can only contain letters (upper and lower case), numbers, hyphens and underscores, and be at most 255 characters.");
    const existing = findService(ctx, cluster, name);
    if (existing && existing.status !== "INACTIVE") throw invalidParameter("Creation of service was not idempotent.");
    if (input.deploymentController && input.deploymentController.type !== "ECS") {
      throw invalidParameter(`Stratus supports only the ECS deployment controller, not ${input.deploymentController.type ?? ""}.`);
    }
    if (!input.taskDefinition) throw invalidParameter("TaskDefinition must be specified for the ECS deployment controller.");
    const def = requireRunnableTaskDefinition(ctx, input.taskDefinition);
    const daemon = input.schedulingStrategy === "DAEMON";
    const { launchType, capacityProviderName } = resolveLaunchType(cluster, def, input.launchType, input.capacityProviderStrategy);
    void capacityProviderName;
    if (daemon && launchType === "FARGATE") throw invalidParameter("The daemon scheduling strategy does not support the FARGATE launch type.");
    if (daemon && input.desiredCount !== undefined) throw invalidParameter("The daemon scheduling strategy does not support a desired count for services.");
    const desiredCount = daemon ? 0 : (input.desiredCount ?? 0);
    if (desiredCount < 0) throw invalidParameter("desiredCount must be greater than or equal to 0.");
    checkServiceNetworking(ctx, def, input.networkConfiguration);
    checkPlacement(input.placementConstraints, input.placementStrategy);
    const usesStrategy = (input.capacityProviderStrategy ?? []).length > 0 || (!input.launchType && cluster.defaultCapacityProviderStrategy.length > 0);
    const base = {
      ...(usesStrategy ? { capacityProviderStrategy: input.capacityProviderStrategy ?? cluster.defaultCapacityProviderStrategy } : { launchType }),
      ...(launchType === "FARGATE" ? { platformVersion: input.platformVersion ?? "LATEST" } : {}),
      ...(input.networkConfiguration ? { networkConfiguration: input.networkConfiguration } : {}),
    };
    const service: ServiceRecord = {
      serviceArn: `${arnPrefix(ctx)}:service/${cluster.clusterName}/${name}`,
      serviceName: name,
      clusterArn: cluster.clusterArn,
      clusterName: cluster.clusterName,
      status: "ACTIVE",
      desiredCount,
      taskDefinition: def.taskDefinitionArn,
      ...base,
      deploymentConfiguration: deploymentConfig(input.deploymentConfiguration, daemon),
      deploymentController: { type: "ECS" },
      deployments: [newDeployment(base, def.taskDefinitionArn, desiredCount)],
      events: [],
      loadBalancers: input.loadBalancers ?? [],
      ...(input.healthCheckGracePeriodSeconds !== undefined ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds } : {}),
      schedulingStrategy: daemon ? "DAEMON" : "REPLICA",
      placementConstraints: input.placementConstraints ?? [],
      placementStrategy: input.placementStrategy ?? [],
      tags: checkTags(input.tags),
      propagateTags: input.propagateTags ?? "NONE",
      enableECSManagedTags: input.enableECSManagedTags ?? false,
      enableExecuteCommand: input.enableExecuteCommand ?? false,
      ...(input.role ? { roleArn: input.role } : {}),
      createdAt: Date.now(),
      createdBy: callerIdentity(ctx.state, ctx.account, ctx.accessKeyId).arn,
    };
    tables(ctx.state).services.put(ctx, serviceKey(cluster.clusterName, name), service);
    scheduleReconcile(rt);
    return { service: serviceView(service, true) };
  },

  UpdateService: (input, ctx) => {
    const rt = attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const service = requireActiveService(ctx, cluster, input.service ?? "");
    const daemon = service.schedulingStrategy === "DAEMON";
    if (input.desiredCount !== undefined && daemon) throw invalidParameter("The daemon scheduling strategy does not support a desired count for services.");
    if (input.desiredCount !== undefined && input.desiredCount < 0) throw invalidParameter("desiredCount must be greater than or equal to 0.");
    const def = input.taskDefinition ? requireRunnableTaskDefinition(ctx, input.taskDefinition) : tables(ctx.state).taskDefinitions.list(ctx).find((d) => d.taskDefinitionArn === service.taskDefinition);
    const next: ServiceRecord = { ...service };
    if (input.desiredCount !== undefined) next.desiredCount = input.desiredCount;
    if (input.deploymentConfiguration) next.deploymentConfiguration = deploymentConfig(input.deploymentConfiguration, daemon, service.deploymentConfiguration);
    if (input.healthCheckGracePeriodSeconds !== undefined) next.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
    if (input.placementConstraints || input.placementStrategy) checkPlacement(input.placementConstraints, input.placementStrategy);
    if (input.placementConstraints) next.placementConstraints = input.placementConstraints;
    if (input.placementStrategy) next.placementStrategy = input.placementStrategy;
    if (input.enableExecuteCommand !== undefined) next.enableExecuteCommand = input.enableExecuteCommand;
    if (input.enableECSManagedTags !== undefined) next.enableECSManagedTags = input.enableECSManagedTags;
    if (input.propagateTags) next.propagateTags = input.propagateTags;
    if (input.loadBalancers) next.loadBalancers = input.loadBalancers;
    let redeploy = input.forceNewDeployment === true;
    if (def && def.taskDefinitionArn !== service.taskDefinition) {
      next.taskDefinition = def.taskDefinitionArn;
      redeploy = true;
    }
    if (input.networkConfiguration) {
      if (def) checkServiceNetworking(ctx, def, input.networkConfiguration);
      next.networkConfiguration = input.networkConfiguration;
      redeploy = true;
    }
    if (input.capacityProviderStrategy && def) {
      resolveLaunchType(cluster, def, undefined, input.capacityProviderStrategy);
      next.capacityProviderStrategy = input.capacityProviderStrategy;
      redeploy = true;
    }
    if (input.platformVersion && input.platformVersion !== service.platformVersion) {
      next.platformVersion = input.platformVersion;
      redeploy = true;
    }
    if (redeploy) {
      const deployments: DeploymentRecord[] = service.deployments.map((d) => (d.status === "PRIMARY" ? { ...d, status: "ACTIVE" as const, updatedAt: Date.now() } : d));
      next.deployments = [newDeployment(next, next.taskDefinition, next.desiredCount), ...deployments];
      next.steady = false;
    } else {
      next.deployments = service.deployments.map((d) => (d.status === "PRIMARY" ? { ...d, desiredCount: next.desiredCount, updatedAt: Date.now() } : d));
      if (next.desiredCount !== service.desiredCount) next.steady = false;
    }
    tables(ctx.state).services.put(ctx, serviceKey(cluster.clusterName, service.serviceName), next);
    scheduleReconcile(rt);
    return { service: serviceView(next, true) };
  },

  DeleteService: (input, ctx) => {
    const rt = attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const service = findService(ctx, cluster, input.service ?? "");
    if (!service) throw serviceNotFound();
    if (service.status !== "ACTIVE") throw serviceNotActive();
    if (service.desiredCount > 0 && service.schedulingStrategy === "REPLICA" && !input.force) {
      throw invalidParameter("The service cannot be stopped while it is scaled above 0.");
    }
    const next: ServiceRecord = {
      ...service,
      status: "DRAINING",
      desiredCount: 0,
      deletedAt: Date.now(),
      deployments: service.deployments.map((d) => ({ ...d, desiredCount: 0 })),
    };
    tables(ctx.state).services.put(ctx, serviceKey(cluster.clusterName, service.serviceName), next);
    scheduleReconcile(rt);
    return { service: serviceView(next, true) };
  },

  DescribeServices: (input, ctx) => {
    attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const refs = input.services ?? [];
    if (refs.length === 0) throw invalidParameter("Services cannot be empty.");
    if (refs.length > 10) throw invalidParameter("services can have at most 10 items.");
    const withTags = (input.include ?? []).includes("TAGS");
    const services = [];
    const failures = [];
    for (const ref of refs) {
      const service = findService(ctx, cluster, ref);
      if (service) services.push(serviceView(service, withTags));
      else failures.push({ arn: ref.startsWith("arn:") ? ref : `${arnPrefix(ctx)}:service/${cluster.clusterName}/${ref}`, reason: "MISSING" });
    }
    return { services, failures };
  },

  ListServices: (input, ctx) => {
    attachRuntime(ctx);
    const cluster = requireCluster(ctx, input.cluster);
    const arns = tables(ctx.state)
      .services.list(ctx)
      .filter(
        (s) =>
          s.clusterName === clusterNameOf(cluster.clusterName) &&
          s.status !== "INACTIVE" &&
          (input.launchType === undefined || (s.launchType ?? "FARGATE") === input.launchType) &&
          (input.schedulingStrategy === undefined || s.schedulingStrategy === input.schedulingStrategy),
      )
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((s) => s.serviceArn);
    // ListServices answers 10 per page unless asked for more (up to 100).
    const result = page(arns, input.maxResults, input.nextToken, 10);
    return { serviceArns: result.items, ...(result.nextToken ? { nextToken: result.nextToken } : {}) };
  },
};
