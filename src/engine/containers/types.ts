/** The contract between ECS (which decides what runs) and a container runner (which runs it): one task in, progress out. */

export type TaskStatus =
  | "PROVISIONING"
  | "PENDING"
  | "ACTIVATING"
  | "RUNNING"
  | "DEACTIVATING"
  | "STOPPING"
  | "DEPROVISIONING"
  | "STOPPED";

/** ECS's stopCode values. */
export type StopCode =
  | "TaskFailedToStart"
  | "EssentialContainerExited"
  | "UserInitiated"
  | "ServiceSchedulerInitiated"
  | "SpotInterruption"
  | "TerminationNotice";

export type NetworkMode = "awsvpc" | "bridge" | "host" | "none";

export interface PortMappingLaunch {
  containerPort: number;
  /** Absent or 0: the runner picks a free port on 127.0.0.1 (ECS's dynamic host port). */
  hostPort?: number;
  protocol: "tcp" | "udp";
}

export interface HealthCheckLaunch {
  /** As in the task definition: ["CMD-SHELL", "…"] or ["CMD", "exe", "arg", …]. */
  command: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

export interface ContainerLaunch {
  name: string;
  /** As written in the task definition (may name Stratus's registry, e.g. 127.0.0.1:4566/repo:tag). */
  image: string;
  essential: boolean;
  cpu?: number;
  /** Hard limit in MiB. */
  memory?: number;
  memoryReservation?: number;
  command?: string[];
  entryPoint?: string[];
  environment: Array<{ name: string; value: string }>;
  portMappings: PortMappingLaunch[];
  dependsOn: Array<{ containerName: string; condition: "START" | "COMPLETE" | "SUCCESS" | "HEALTHY" }>;
  healthCheck?: HealthCheckLaunch;
  user?: string;
  workingDirectory?: string;
  ulimits: Array<{ name: string; softLimit: number; hardLimit: number }>;
  mountPoints: Array<{ sourceVolume: string; containerPath: string; readOnly: boolean }>;
  logConfiguration?: { logDriver: string; options: Record<string, string> };
  stopTimeoutSeconds?: number;
  readonlyRootFilesystem?: boolean;
  dockerLabels: Record<string, string>;
}

export interface VolumeLaunch {
  name: string;
  /** A bind mount from the host; otherwise a task-scoped scratch volume (removed with the task). */
  hostPath?: string;
}

export interface TaskLaunch {
  account: string;
  region: string;
  taskArn: string;
  /** The last part of the task ARN. */
  taskId: string;
  clusterArn: string;
  clusterName: string;
  taskDefinitionArn: string;
  family: string;
  revision: number;
  launchType: "FARGATE" | "EC2" | "EXTERNAL";
  networkMode: NetworkMode;
  /** Task-level sizes as registered (Fargate requires them), e.g. "256" and "512". */
  cpu?: string;
  memory?: string;
  availabilityZone: string;
  /** awsvpc: the ENI's private IP ECS recorded for the task (what DescribeTasks shows). */
  privateIp?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  /** "ecs-svc/…" for service tasks, or what RunTask's startedBy said. */
  startedBy?: string;
  group?: string;
  containers: ContainerLaunch[];
  volumes: VolumeLaunch[];
}

export interface NetworkBinding {
  bindIP: string;
  containerPort: number;
  hostPort: number;
  protocol: "tcp" | "udp";
}

export interface ContainerProgress {
  name: string;
  lastStatus: "PENDING" | "RUNNING" | "STOPPED";
  /** The Docker container id. */
  runtimeId?: string;
  /** sha256:… of the image that ran. */
  imageDigest?: string;
  exitCode?: number;
  reason?: string;
  healthStatus?: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
  networkBindings: NetworkBinding[];
  /** The container's address on the tasks' network (shown as the ENI's IP is on AWS). */
  privateIp?: string;
}

/** A full picture of one task as the runner sees it; every report replaces the previous one. */
export interface TaskProgress {
  taskArn: string;
  account: string;
  region: string;
  lastStatus: TaskStatus;
  containers: ContainerProgress[];
  healthStatus?: "HEALTHY" | "UNHEALTHY" | "UNKNOWN";
  /** Epoch milliseconds, set once each. */
  pullStartedAt?: number;
  pullStoppedAt?: number;
  connectivityAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  stopCode?: StopCode;
  stoppedReason?: string;
}

/** What the runner needs from the rest of Stratus; ECS wires these to CloudWatch Logs, STS and ECR. */
export interface RunnerServices {
  /** The URL a process on this machine reaches Stratus on (http://127.0.0.1:PORT). */
  endpoint(): string;
  /** awslogs driver: append container output lines to a CloudWatch Logs stream (creating it, and the group when awslogs-create-group says so). */
  appendLogs(task: TaskLaunch, group: string, stream: string, events: Array<{ timestamp: number; message: string }>, createGroup: boolean): void;
  /** Temporary credentials of the task role (AssumeRole on behalf of ecs-tasks.amazonaws.com); undefined without a task role. */
  taskCredentials(task: TaskLaunch): { AccessKeyId: string; SecretAccessKey: string; Token: string; Expiration: string; RoleArn: string } | undefined;
  /** Credentials for pulling an image from Stratus's own registry; undefined for images it does not serve. */
  registryAuth(task: TaskLaunch, image: string): { serveraddress: string; username: string; password: string } | undefined;
}

export type TaskObserver = (progress: TaskProgress) => void;

export interface TaskRunner {
  readonly name: string;
  /**
   * Starts the task and returns at once; progress arrives through the observer (PROVISIONING … RUNNING … STOPPED).
   * Never throws for the task's own failures: those end in STOPPED with a stopCode and stoppedReason.
   */
  start(task: TaskLaunch): void;
  /** Stops a task (SIGTERM, then SIGKILL after stopTimeout); the observer sees STOPPING … STOPPED. Unknown arns are ignored. */
  stop(taskArn: string, stopCode: StopCode, reason: string): void;
  /** The task arns this runner still has containers for. */
  active(): string[];
  /** Stops every task and removes every container (Stratus is stopping). */
  close(): Promise<void>;
}
