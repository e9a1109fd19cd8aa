/** The container runner ECS uses: every task as real Docker containers (or, without an engine, a clear failure to start). */
import { randomUUID } from "node:crypto";
import { onShutdown } from "../../shared/shutdown.ts";
import { createDockerClient } from "../docker/client.ts";
import { DockerTask, type RunnerContext } from "./docker-task.ts";
import { startMetadataServer, type MetadataServer } from "./metadata-server.ts";
import { reap, spawnWatchdog, type Watchdog } from "./reaper.ts";
import { TASK_GATEWAY, ensureTaskNetwork } from "./task-network.ts";
import type { RunnerServices, StopCode, TaskLaunch, TaskObserver, TaskRunner } from "./types.ts";

const CLOSE_GRACE_SECONDS = 5;

export function createTaskRunner(observer: TaskObserver, services: RunnerServices): TaskRunner {
  const client = createDockerClient();
  const runId = randomUUID();
  const tasks = new Map<string, DockerTask>();
  let shared: Promise<{ networkId: string; metadata: MetadataServer | undefined }> | undefined;
  let watchdog: Watchdog | undefined;
  let closed = false;

  // Containers left by Stratus processes that died (kill -9 before their watchdog could act, or a lost watchdog).
  void reap(client).catch(() => 0);

  const context: RunnerContext = {
    client,
    services,
    observer,
    runId,
    shared() {
      shared ??= (async () => {
        const networkId = await ensureTaskNetwork(client);
        const metadata = await startMetadataServer(TASK_GATEWAY, services.endpoint).catch((error: Error) => {
          process.stderr.write(`stratus: no task metadata endpoint on ${TASK_GATEWAY}: ${error.message}\n`);
          return undefined;
        });
        return { networkId, metadata };
      })();
      shared.catch(() => (shared = undefined));
      return shared;
    },
    engineReachable() {
      if (!closed) watchdog ??= spawnWatchdog(client.socketPath, runId);
    },
    stopped(execution) {
      // ECS keeps the record; the runner forgets the task.
      if (tasks.get(execution.task.taskArn) === execution) tasks.delete(execution.task.taskArn);
    },
  };

  const runner: TaskRunner = {
    name: "docker",
    start(task: TaskLaunch): void {
      if (tasks.has(task.taskArn)) return;
      const execution = new DockerTask(context, task);
      tasks.set(task.taskArn, execution);
      if (closed) {
        execution.start();
        execution.stop("TaskFailedToStart", "CannotStartContainerError: Stratus is stopping");
        return;
      }
      execution.start();
    },
    stop(taskArn: string, stopCode: StopCode, reason: string): void {
      tasks.get(taskArn)?.stop(stopCode, reason);
    },
    active: () => [...tasks.values()].filter((task) => !task.stopped).map((task) => task.task.taskArn),
    async close(): Promise<void> {
      closed = true;
      const all = [...tasks.values()];
      for (const task of all) task.stop("UserInitiated", "Stratus is stopping");
      // Stratus's shutdown hooks get 10 s in all: SIGKILL what SIGTERM has not ended after 5 s.
      const kill = setTimeout(() => all.forEach((task) => task.killRemaining()), CLOSE_GRACE_SECONDS * 1000);
      await Promise.all(all.map((task) => task.finished));
      clearTimeout(kill);
      const metadata = await shared?.then((value) => value.metadata).catch(() => undefined);
      await metadata?.close();
      watchdog?.release();
      watchdog = undefined;
    },
  };

  onShutdown(() => runner.close());
  return runner;
}
