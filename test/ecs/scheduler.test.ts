/** One reconcile pass at a time with a runner that reports progress on command: rolling updates keep within min/max percent. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EcsOperations } from "../../src/generated/ecs.ts";
import type { TaskLaunch, TaskObserver, TaskRunner } from "../../src/engine/containers/types.ts";
import { ecsService } from "../../src/services/ecs/index.ts";
import { reconcileOnce } from "../../src/services/ecs/reconciler.ts";
import { attachRuntime, setRunnerFactory } from "../../src/services/ecs/runtime.ts";
import { caller, makeContext } from "../services/handler-context.ts";

const call = caller<EcsOperations>(ecsService);

/** Tasks start PENDING and run only when the test says so; stop reports STOPPED at once. */
class SteppedRunner implements TaskRunner {
  readonly name = "stepped";
  readonly launched: TaskLaunch[] = [];
  private readonly live = new Map<string, TaskLaunch>();
  private readonly observer: TaskObserver;

  constructor(observer: TaskObserver) {
    this.observer = observer;
  }

  private report(task: TaskLaunch, status: "PENDING" | "RUNNING" | "STOPPED", extra: Record<string, unknown> = {}): void {
    const container = status === "STOPPED" ? "STOPPED" : status;
    this.observer({
      taskArn: task.taskArn,
      account: task.account,
      region: task.region,
      lastStatus: status,
      containers: task.containers.map((c) => ({ name: c.name, lastStatus: container, networkBindings: [] })),
      ...extra,
    });
  }

  start(task: TaskLaunch): void {
    this.launched.push(task);
    this.live.set(task.taskArn, task);
    this.report(task, "PENDING");
  }

  /** Every pending task reaches RUNNING (started long enough ago to count as stable). */
  runAll(): void {
    for (const task of this.live.values()) this.report(task, "RUNNING", { startedAt: Date.now() - 60_000 });
  }

  stop(taskArn: string, stopCode: "UserInitiated" | "ServiceSchedulerInitiated" | "TaskFailedToStart" | "EssentialContainerExited" | "SpotInterruption" | "TerminationNotice", reason: string): void {
    const task = this.live.get(taskArn);
    if (!task) return;
    this.live.delete(taskArn);
    this.report(task, "STOPPED", { stopCode, stoppedReason: reason, stoppedAt: Date.now() });
  }

  active(): string[] {
    return [...this.live.keys()];
  }

  async close(): Promise<void> {}
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("the service scheduler, one pass at a time", () => {
  it("rolls 4 tasks to a new revision with minimumHealthyPercent 50 / maximumPercent 100: never above 4, never below 2 running", async () => {
    let runner: SteppedRunner | undefined;
    setRunnerFactory((observer) => (runner = new SteppedRunner(observer)));
    const ctx = makeContext({ service: "ecs" });
    await call("CreateCluster", { clusterName: "roll" }, ctx);
    await call("RegisterContainerInstance", { cluster: "roll", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0123456789abcdef0", instanceType: "m5.4xlarge" }) }, ctx);
    for (const command of ["one", "two"]) {
      await call("RegisterTaskDefinition", { family: "app", containerDefinitions: [{ name: "app", image: "busybox", memory: 64, command: [command] }] }, ctx);
    }
    await call(
      "CreateService",
      { cluster: "roll", serviceName: "web", taskDefinition: "app:1", desiredCount: 4, launchType: "EC2", deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 } },
      ctx,
    );
    const rt = attachRuntime(ctx);
    const state = async () => {
      const running = await call("ListTasks", { cluster: "roll", serviceName: "web" }, ctx);
      const tasks = (await call("DescribeTasks", { cluster: "roll", tasks: running.taskArns ?? [] }, ctx)).tasks ?? [];
      const service = (await call("DescribeServices", { cluster: "roll", services: ["web"] }, ctx)).services?.[0];
      return { tasks, service };
    };
    const settle = async (revision: number): Promise<void> => {
      for (let pass = 0; pass < 30; pass++) {
        reconcileOnce(rt);
        await tick();
        const { tasks, service } = await state();
        assert.ok(tasks.length <= 4, `pass ${pass}: ${tasks.length} tasks exceed maximumPercent`);
        const runningNow = tasks.filter((task) => task.lastStatus === "RUNNING").length;
        if (service?.deployments?.some((d) => d.rolloutState === "COMPLETED") || revision === 2) {
          assert.ok(runningNow >= 2 || pass === 0, `pass ${pass}: only ${runningNow} running, below minimumHealthyPercent`);
        }
        runner?.runAll();
        await tick();
        const after = await state();
        if (after.service?.deployments?.length === 1 && after.service.deployments[0]?.rolloutState === "COMPLETED" && after.tasks.every((task) => task.taskDefinitionArn?.endsWith(`:${revision}`))) return;
      }
      assert.fail(`revision ${revision} did not settle: ${JSON.stringify((await state()).service?.deployments)}`);
    };
    await settle(1);
    assert.equal(runner?.launched.length, 4);
    await call("UpdateService", { cluster: "roll", service: "web", taskDefinition: "app:2" }, ctx);
    await settle(2);
    const { tasks, service } = await state();
    assert.equal(tasks.length, 4);
    assert.equal(service?.runningCount, 4);
    assert.equal(runner?.launched.length, 8);
    assert.ok(service?.events?.some((e) => /^\(service web\) has stopped 2 running tasks:/.test(e.message ?? "")));
  });
});
