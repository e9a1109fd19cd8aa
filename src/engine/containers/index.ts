/** The container runner ECS uses. Interim: reports every task as failed to start until the docker runner lands. */
import type { RunnerServices, TaskLaunch, TaskObserver, TaskRunner } from "./types.ts";

export function createTaskRunner(observer: TaskObserver, _services: RunnerServices): TaskRunner {
  return {
    name: "none",
    start(task: TaskLaunch): void {
      const now = Date.now();
      queueMicrotask(() =>
        observer({
          taskArn: task.taskArn,
          account: task.account,
          region: task.region,
          lastStatus: "STOPPED",
          containers: task.containers.map((container) => ({ name: container.name, lastStatus: "STOPPED", networkBindings: [], reason: "no container runner" })),
          stoppingAt: now,
          executionStoppedAt: now,
          stoppedAt: now,
          stopCode: "TaskFailedToStart",
          stoppedReason: "CannotStartContainerError: no container runner is available",
        }),
      );
    },
    stop(): void {},
    active: () => [],
    close: async () => {},
  };
}
