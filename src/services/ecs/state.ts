/** ECS's store: clusters, task definitions, tasks, services and container instances (plain JSON, epoch-ms timestamps). */
import type {
  CapacityProviderStrategyItem,
  ClusterConfiguration,
  ClusterSetting,
  ContainerDefinition,
  DeploymentConfiguration,
  KeyValuePair,
  LoadBalancer,
  NetworkConfiguration,
  PlacementConstraint,
  PlacementStrategy,
  Resource,
  Tag,
  TaskDefinition,
  TaskOverride,
} from "@aws-sdk/client-ecs";
import type { StopCode, TaskStatus } from "../../engine/containers/types.ts";
import { crypto } from "../../shared/builtins.ts";
import type { Scope, StateStore, Table } from "../../state/state-store.ts";

export interface ClusterRecord {
  clusterArn: string;
  clusterName: string;
  status: "ACTIVE" | "INACTIVE";
  settings: ClusterSetting[];
  configuration?: ClusterConfiguration;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: CapacityProviderStrategyItem[];
  tags: Tag[];
  serviceConnectNamespace?: string;
  createdAt: number;
}

/** The task definition as DescribeTaskDefinition answers it, timestamps as epoch ms. */
export interface TaskDefinitionRecord extends Omit<TaskDefinition, "registeredAt" | "deregisteredAt" | "deleteRequestedAt"> {
  family: string;
  revision: number;
  taskDefinitionArn: string;
  containerDefinitions: ContainerDefinition[];
  status: "ACTIVE" | "INACTIVE" | "DELETE_IN_PROGRESS";
  registeredAt: number;
  deregisteredAt?: number;
  deleteRequestedAt?: number;
  tags: Tag[];
}

/** Per family: the last revision handed out (revisions are never reused, even after deletion). */
export interface FamilyRecord {
  family: string;
  lastRevision: number;
}

export interface ContainerRecord {
  containerArn: string;
  name: string;
  image: string;
  imageDigest?: string;
  runtimeId?: string;
  lastStatus: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
  networkBindings: Array<{ bindIP: string; containerPort: number; hostPort: number; protocol: "tcp" | "udp" }>;
  networkInterfaces: Array<{ attachmentId: string; privateIpv4Address: string }>;
  cpu?: string;
  memory?: string;
  memoryReservation?: string;
}

export interface TaskRecord {
  taskArn: string;
  taskId: string;
  clusterArn: string;
  clusterName: string;
  taskDefinitionArn: string;
  family: string;
  revision: number;
  launchType: "FARGATE" | "EC2" | "EXTERNAL";
  capacityProviderName?: string;
  platformVersion?: string;
  platformFamily?: string;
  cpu?: string;
  memory?: string;
  availabilityZone: string;
  containerInstanceArn?: string;
  lastStatus: TaskStatus;
  desiredStatus: "RUNNING" | "STOPPED";
  healthStatus: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
  connectivity?: "CONNECTED" | "DISCONNECTED";
  containers: ContainerRecord[];
  attachments: Array<{ id: string; type: string; status: string; details: KeyValuePair[] }>;
  /** The ENI ECS made in EC2 for an awsvpc task (deleted when the task stops). */
  eniId?: string;
  overrides: TaskOverride;
  startedBy?: string;
  group: string;
  tags: Tag[];
  enableExecuteCommand: boolean;
  /** The service that launched it (cluster/service key), so the reconciler finds its tasks. */
  serviceKey?: string;
  version: number;
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  connectivityAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  stopCode?: StopCode;
  stoppedReason?: string;
  /** What the task takes from its container instance (EC2 launch type). */
  reserved?: { cpu: number; memory: number; ports: number[] };
  /** The scheduler (not the task itself) asked for the stop: does not count as a deployment failure. */
  stoppedByScheduler?: boolean;
}

export interface DeploymentRecord {
  id: string;
  status: "PRIMARY" | "ACTIVE" | "INACTIVE";
  taskDefinition: string;
  desiredCount: number;
  pendingCount: number;
  runningCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType?: string;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  platformVersion?: string;
  networkConfiguration?: NetworkConfiguration;
  rolloutState: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  rolloutStateReason: string;
}

export interface ServiceEventRecord {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceRecord {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  clusterName: string;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  desiredCount: number;
  taskDefinition: string;
  launchType?: "FARGATE" | "EC2" | "EXTERNAL";
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
  platformVersion?: string;
  deploymentConfiguration: DeploymentConfiguration;
  deploymentController: { type: "ECS" };
  deployments: DeploymentRecord[];
  events: ServiceEventRecord[];
  networkConfiguration?: NetworkConfiguration;
  loadBalancers: LoadBalancer[];
  healthCheckGracePeriodSeconds?: number;
  schedulingStrategy: "REPLICA" | "DAEMON";
  placementConstraints: PlacementConstraint[];
  placementStrategy: PlacementStrategy[];
  tags: Tag[];
  propagateTags: string;
  enableECSManagedTags: boolean;
  enableExecuteCommand: boolean;
  roleArn?: string;
  createdAt: number;
  createdBy: string;
  /** The last deployment that reached COMPLETED: where the circuit breaker rolls back to. */
  lastCompletedTaskDefinition?: string;
  lastCompletedDeploymentId?: string;
  /** The steady-state event is written once per steady period. */
  steady?: boolean;
  deletedAt?: number;
}

export interface ContainerInstanceRecord {
  containerInstanceArn: string;
  id: string;
  clusterName: string;
  ec2InstanceId: string;
  instanceType?: string;
  availabilityZone?: string;
  status: "ACTIVE" | "DRAINING" | "INACTIVE";
  agentConnected: boolean;
  registeredResources: Resource[];
  attributes: Array<{ name: string; value?: string }>;
  tags: Tag[];
  registeredAt: number;
  version: number;
}

export const tables = (state: StateStore): {
  clusters: Table<ClusterRecord>;
  taskDefinitions: Table<TaskDefinitionRecord>;
  families: Table<FamilyRecord>;
  tasks: Table<TaskRecord>;
  services: Table<ServiceRecord>;
  instances: Table<ContainerInstanceRecord>;
} => ({
  clusters: state.table<ClusterRecord>("ecs", "cluster"),
  taskDefinitions: state.table<TaskDefinitionRecord>("ecs", "task-definition"),
  families: state.table<FamilyRecord>("ecs", "family"),
  tasks: state.table<TaskRecord>("ecs", "task"),
  services: state.table<ServiceRecord>("ecs", "service"),
  instances: state.table<ContainerInstanceRecord>("ecs", "container-instance"),
});

export const arnPrefix = (scope: Scope): string => `arn:aws:ecs:${scope.region}:${scope.account}`;
export const clusterArnOf = (scope: Scope, name: string): string => `${arnPrefix(scope)}:cluster/${name}`;
export const serviceKey = (cluster: string, service: string): string => `${cluster}/${service}`;

/** ECS task and container instance ids: 32 lowercase hex characters. */
export const hexId = (): string => crypto.randomBytes(16).toString("hex");

/** Deployment ids look like `ecs-svc/` + 19 digits. */
export const deploymentId = (): string => `ecs-svc/${BigInt(`0x${crypto.randomBytes(8).toString("hex")}`) % 9_000_000_000_000_000_000n + 1_000_000_000_000_000_000n}`;

/** Stopped tasks stay visible for about an hour, as on AWS. */
export const STOPPED_TASK_VISIBILITY_MS = 60 * 60 * 1000;

export const isVisibleTask = (task: TaskRecord, now = Date.now()): boolean =>
  task.lastStatus !== "STOPPED" || (task.stoppedAt ?? task.createdAt) > now - STOPPED_TASK_VISIBILITY_MS;
