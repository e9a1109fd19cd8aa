/** The awslogs log driver: a container's output lines go to CloudWatch Logs in small batches, flushed before STOPPED. */
import type { DockerClient, LogFollower } from "../docker/client.ts";
import type { ContainerLaunch, RunnerServices, TaskLaunch } from "./types.ts";

const BATCH_EVENTS = 100;
const BATCH_DELAY_MS = 200;

/** ECS's stream name: `<awslogs-stream-prefix>/<container name>/<task id>`; without a prefix (EC2), the Docker container id. */
export function awslogsStreamName(task: TaskLaunch, container: ContainerLaunch, containerId: string): string {
  const prefix = container.logConfiguration?.options["awslogs-stream-prefix"];
  return prefix ? `${prefix}/${container.name}/${task.taskId}` : containerId;
}

/** Follows the container's logs when it uses awslogs; undefined otherwise. `done` settles after the last batch was sent. */
export function shipAwslogs(client: DockerClient, services: RunnerServices, task: TaskLaunch, container: ContainerLaunch, containerId: string): LogFollower | undefined {
  const config = container.logConfiguration;
  if (config?.logDriver !== "awslogs") return undefined;
  const group = config.options["awslogs-group"];
  if (!group) return undefined;
  const stream = awslogsStreamName(task, container, containerId);
  const createGroup = config.options["awslogs-create-group"] === "true";
  let batch: Array<{ timestamp: number; message: string }> = [];
  let timer: NodeJS.Timeout | undefined;
  let warned = false;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    try {
      services.appendLogs(task, group, stream, events, createGroup);
    } catch (error) {
      // The agent keeps the task running when CloudWatch refuses lines; say why once.
      if (!warned) process.stderr.write(`stratus: awslogs for ${task.taskId}/${container.name}: ${(error as Error).message}\n`);
      warned = true;
    }
  };
  const follower = client.logs(containerId, (line) => {
    batch.push({ timestamp: line.timestamp, message: line.message });
    if (batch.length >= BATCH_EVENTS) flush();
    else timer ??= setTimeout(flush, BATCH_DELAY_MS);
  });
  const done = follower.done.catch(() => undefined).then(flush);
  return { done, close: () => follower.close() };
}
