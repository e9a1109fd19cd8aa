/** One reconcile pass at a time with a runner that reports progress on command: rolling updates keep within min/max percent. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EcsOperations } from "../../src/generated/ecs.ts";
import type { TaskLaunch, TaskObserver, TaskRunner } from "../../src/engine/containers/types.ts";
import { ecsService } from "../../src/services/ecs/index.ts";
import { reconcileOnce, splitByStrategy } from "../../src/services/ecs/reconciler.ts";
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
    // An image named "…bad…" cannot be pulled: the task stops before it runs, as a failed pull does.
    if (task.containers.some((c) => c.image.includes("bad"))) {
      this.report(task, "STOPPED", { stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull access denied", stoppedAt: Date.now() });
      return;
    }
    this.live.set(task.taskArn, task);
    this.report(task, "PENDING");
  }

  /** A running task's health check fails. */
  unhealthy(taskArn: string): void {
    const task = this.live.get(taskArn);
    if (task) this.report(task, "RUNNING", { healthStatus: "UNHEALTHY" });
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

  it("trips the circuit breaker: without rollback the deployment stays FAILED and launches stop; with rollback the last COMPLETED revision returns", async () => {
    let runner: SteppedRunner | undefined;
    setRunnerFactory((observer) => (runner = new SteppedRunner(observer)));
    const ctx = makeContext({ service: "ecs" });
    const rt = attachRuntime(ctx);
    await call("CreateCluster", { clusterName: "cb" }, ctx);
    await call("RegisterContainerInstance", { cluster: "cb", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0123456789abcdef1", instanceType: "m5.4xlarge" }) }, ctx);
    await call("RegisterTaskDefinition", { family: "good", containerDefinitions: [{ name: "app", image: "busybox", memory: 64 }] }, ctx);
    await call("RegisterTaskDefinition", { family: "bad", containerDefinitions: [{ name: "app", image: "bad/image", memory: 64 }] }, ctx);
    const passes = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        reconcileOnce(rt);
        await tick();
        runner?.runAll();
        await tick();
      }
    };
    const describe = async (name: string) => (await call("DescribeServices", { cluster: "cb", services: [name] }, ctx)).services?.[0];

    const breaker = { deploymentCircuitBreaker: { enable: true, rollback: false }, minimumHealthyPercent: 100, maximumPercent: 200 };
    await call("CreateService", { cluster: "cb", serviceName: "stuck", taskDefinition: "bad", desiredCount: 2, launchType: "EC2", deploymentConfiguration: breaker }, ctx);
    await passes(6);
    const stuck = await describe("stuck");
    assert.equal(stuck?.deployments?.[0]?.rolloutState, "FAILED");
    assert.equal(stuck?.deployments?.[0]?.rolloutStateReason, "ECS deployment circuit breaker: tasks failed to start.");
    const launchedAtFailure = runner?.launched.length ?? 0;
    assert.ok(launchedAtFailure >= 3);
    await passes(3);
    assert.equal(runner?.launched.length, launchedAtFailure, "no launches after the deployment FAILED without rollback");

    await call("CreateService", { cluster: "cb", serviceName: "back", taskDefinition: "good", desiredCount: 2, launchType: "EC2", deploymentConfiguration: { ...breaker, deploymentCircuitBreaker: { enable: true, rollback: true } } }, ctx);
    await passes(3);
    assert.equal((await describe("back"))?.deployments?.[0]?.rolloutState, "COMPLETED");
    await call("UpdateService", { cluster: "cb", service: "back", taskDefinition: "bad" }, ctx);
    await passes(10);
    const back = await describe("back");
    assert.equal(back?.deployments?.length, 1);
    assert.ok(back?.taskDefinition?.endsWith("task-definition/good:1"));
    assert.equal(back?.deployments?.[0]?.rolloutState, "COMPLETED");
    assert.equal(back?.runningCount, 2);
    const counts = (await call("DescribeClusters", { clusters: ["cb"] }, ctx)).clusters?.[0];
    assert.equal(counts?.runningTasksCount, 2);
    assert.equal(counts?.activeServicesCount, 2);
  });

  it("replaces a task whose container health check fails", async () => {
    let runner: SteppedRunner | undefined;
    setRunnerFactory((observer) => (runner = new SteppedRunner(observer)));
    const ctx = makeContext({ service: "ecs" });
    const rt = attachRuntime(ctx);
    await call("CreateCluster", { clusterName: "hc" }, ctx);
    await call("RegisterContainerInstance", { cluster: "hc", instanceIdentityDocument: JSON.stringify({ instanceId: "i-0123456789abcdef2", instanceType: "m5.large" }) }, ctx);
    await call("RegisterTaskDefinition", { family: "hc", containerDefinitions: [{ name: "app", image: "busybox", memory: 64, healthCheck: { command: ["CMD-SHELL", "true"] } }] }, ctx);
    await call("CreateService", { cluster: "hc", serviceName: "web", taskDefinition: "hc", desiredCount: 1, launchType: "EC2" }, ctx);
    reconcileOnce(rt);
    await tick();
    runner?.runAll();
    await tick();
    const first = runner?.launched[0]?.taskArn ?? "";
    assert.equal(runner?.launched[0]?.containers[0]?.healthCheck?.intervalSeconds, 30);
    runner?.unhealthy(first);
    await tick();
    reconcileOnce(rt);
    await tick();
    const old = (await call("DescribeTasks", { cluster: "hc", tasks: [first] }, ctx)).tasks?.[0];
    assert.equal(old?.lastStatus, "STOPPED");
    assert.equal(old?.stoppedReason, "Task failed container health checks");
    reconcileOnce(rt);
    await tick();
    assert.equal(runner?.launched.length, 2);
  });

  it("splits new tasks over capacity providers: bases first, then by weight against what already runs", () => {
    const strategy = [
      { capacityProvider: "FARGATE", base: 1, weight: 1 },
      { capacityProvider: "FARGATE_SPOT", weight: 3 },
    ];
    assert.deepEqual(Object.fromEntries(splitByStrategy(strategy, [], 5)), { FARGATE: 2, FARGATE_SPOT: 3 });
    assert.deepEqual(Object.fromEntries(splitByStrategy(strategy, ["FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE_SPOT"], 1)), { FARGATE: 1 });
    assert.deepEqual([...splitByStrategy([], [], 2)], [[undefined, 2]]);
  });
});
