/** A service record as CreateService/DescribeServices answer it. */
import type { Deployment, Service } from "@aws-sdk/client-ecs";
import type { DeploymentRecord, ServiceRecord } from "./state.ts";

function deploymentView(d: DeploymentRecord): Deployment {
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    desiredCount: d.desiredCount,
    pendingCount: d.pendingCount,
    runningCount: d.runningCount,
    failedTasks: d.failedTasks,
    createdAt: new Date(d.createdAt),
    updatedAt: new Date(d.updatedAt),
    ...(d.launchType ? { launchType: d.launchType as Deployment["launchType"] } : {}),
    ...(d.capacityProviderStrategy ? { capacityProviderStrategy: d.capacityProviderStrategy } : {}),
    ...(d.platformVersion ? { platformVersion: d.platformVersion, platformFamily: "Linux" } : {}),
    ...(d.networkConfiguration ? { networkConfiguration: d.networkConfiguration } : {}),
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  };
}

export function serviceView(s: ServiceRecord, withTags: boolean): Service {
  const live = s.deployments.filter((d) => d.status !== "INACTIVE");
  const view: Service = {
    serviceArn: s.serviceArn,
    serviceName: s.serviceName,
    clusterArn: s.clusterArn,
    loadBalancers: s.loadBalancers,
    serviceRegistries: [],
    status: s.status,
    desiredCount: s.desiredCount,
    runningCount: live.reduce((sum, d) => sum + d.runningCount, 0),
    pendingCount: live.reduce((sum, d) => sum + d.pendingCount, 0),
    taskDefinition: s.taskDefinition,
    deploymentConfiguration: s.deploymentConfiguration,
    deployments: live.map(deploymentView),
    events: [...s.events].reverse().map((e) => ({ id: e.id, createdAt: new Date(e.createdAt), message: e.message })),
    createdAt: new Date(s.createdAt),
    placementConstraints: s.placementConstraints,
    placementStrategy: s.placementStrategy,
    schedulingStrategy: s.schedulingStrategy,
    deploymentController: s.deploymentController,
    createdBy: s.createdBy,
    enableECSManagedTags: s.enableECSManagedTags,
    propagateTags: s.propagateTags as Service["propagateTags"],
    enableExecuteCommand: s.enableExecuteCommand,
    tags: withTags ? s.tags : [],
  };
  if (s.launchType) view.launchType = s.launchType;
  if (s.capacityProviderStrategy) view.capacityProviderStrategy = s.capacityProviderStrategy;
  if (s.platformVersion) {
    view.platformVersion = s.platformVersion;
    view.platformFamily = "Linux";
  }
  if (s.networkConfiguration) view.networkConfiguration = s.networkConfiguration;
  if (s.healthCheckGracePeriodSeconds !== undefined) view.healthCheckGracePeriodSeconds = s.healthCheckGracePeriodSeconds;
  if (s.roleArn) view.roleArn = s.roleArn;
  return view;
}
