/** Services on Docker: desiredCount kept (a killed task is replaced), a rolling update, the circuit breaker's rollback. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type Service } from "@aws-sdk/client-ecs";
import { busyboxImage, docker, dockerSkip } from "../support/docker.ts";
import { defaultSubnets, eventually, fargateDefinition, startEcs, waitTask, type EcsTestServer } from "./support.ts";

const skip = dockerSkip();
let t: EcsTestServer;
let image = "";
let subnet = "";

before(async () => {
  if (skip) return;
  image = busyboxImage();
  t = await startEcs();
  await t.ecs.send(new CreateClusterCommand({ clusterName: "svc" }));
  subnet = (await defaultSubnets(t.ec2))[0]?.id ?? "";
});
after(async () => {
  if (skip) return;
  await t.close();
});

async function service(): Promise<Service> {
  const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster: "svc", services: ["keeper"] }));
  const found = services?.[0];
  assert.ok(found);
  return found;
}

/** The service's RUNNING-desired tasks as DescribeTasks shows them. */
async function serviceTasks() {
  const { taskArns } = await t.ecs.send(new ListTasksCommand({ cluster: "svc", serviceName: "keeper" }));
  if (!taskArns || taskArns.length === 0) return [];
  return (await t.ecs.send(new DescribeTasksCommand({ cluster: "svc", tasks: taskArns }))).tasks ?? [];
}

/** Waits until the service runs exactly `count` tasks of `revision`, all RUNNING, with one COMPLETED deployment. */
async function settled(revision: number, count = 2): Promise<Service> {
  return withState(eventually(
    async () => {
      const s = await service();
      const tasks = await serviceTasks();
      const ok =
        s.deployments?.length === 1 &&
        s.deployments[0]?.rolloutState === "COMPLETED" &&
        s.runningCount === count &&
        tasks.length === count &&
        tasks.every((task) => task.lastStatus === "RUNNING" && task.taskDefinitionArn?.endsWith(`:${revision}`));
      return ok ? s : undefined;
    },
    120_000,
    `the service to settle on revision ${revision}`,
  ));
}

/** On a timeout the error carries the service's deployments and latest events (what a failure needs to be understood). */
async function withState<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    const s = await service();
    const tasks = await serviceTasks();
    throw new Error(`${(error as Error).message}\n${JSON.stringify({ deployments: s.deployments, events: s.events?.slice(0, 15).map((e) => e.message), tasks: tasks.map((x) => [x.taskDefinitionArn, x.lastStatus, x.startedBy]) }, null, 1)}`);
  }
}

describe("services on Docker", { skip }, () => {
  it("keeps desiredCount running and replaces a killed task", async () => {
    await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("sleeper", image, ["sleep", "3600"])));
    const { service: created } = await t.ecs.send(
      new CreateServiceCommand({ cluster: "svc", serviceName: "keeper", taskDefinition: "sleeper", desiredCount: 2, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } } }),
    );
    assert.equal(created?.desiredCount, 2);
    const steady = await settled(1);
    assert.ok(steady.events?.some((e) => /^\(service keeper\) has started \d tasks: \(task [0-9a-f]{32}\)/.test(e.message ?? "")));
    assert.ok(steady.events?.some((e) => e.message === "(service keeper) has reached a steady state."));
    const before = await serviceTasks();
    assert.ok(before.every((task) => task.group === "service:keeper" && task.startedBy === steady.deployments?.[0]?.id));

    const victim = before[0]?.taskArn ?? "";
    const ids = docker(["ps", "-q", "--filter", `label=com.amazonaws.ecs.task-arn=${victim}`, "--filter", "label=com.amazonaws.ecs.container-name=app"]).trim();
    assert.ok(ids, "the task's container is labelled with its task ARN");
    docker(["kill", ids.split("\n")[0] ?? ""]);
    const dead = await waitTask(t.ecs, "svc", victim, (task) => task.lastStatus === "STOPPED");
    assert.equal(dead.stopCode, "EssentialContainerExited");

    await eventually(async () => {
      const tasks = await serviceTasks();
      return tasks.length === 2 && tasks.every((task) => task.lastStatus === "RUNNING") && !tasks.some((task) => task.taskArn === victim) ? tasks : undefined;
    }, 60_000, "a replacement task");
  });

  it("rolls to a new revision: only new tasks remain and the rollout COMPLETES", async () => {
    await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("sleeper", image, ["sleep", "3601"])));
    const { service: updated } = await t.ecs.send(new UpdateServiceCommand({ cluster: "svc", service: "keeper", taskDefinition: "sleeper:2" }));
    assert.equal(updated?.deployments?.length, 2);
    assert.equal(updated?.deployments?.[0]?.status, "PRIMARY");
    assert.equal(updated?.deployments?.[0]?.rolloutState, "IN_PROGRESS");
    assert.equal(updated?.deployments?.[1]?.status, "ACTIVE");
    const done = await settled(2);
    assert.ok(done.taskDefinition?.endsWith(":2"));
    assert.ok(done.events?.some((e) => /^\(service keeper\) \(deployment ecs-svc\/\d+\) deployment completed\.$/.test(e.message ?? "")));
  });

  it("trips the circuit breaker on a failing revision and rolls back to the last completed one", async () => {
    // An image that exists nowhere: every task of the revision fails to start.
    await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("sleeper", "127.0.0.1:1/stratus-test/no-such-image:1", ["sleep", "3600"])));
    await t.ecs.send(
      new UpdateServiceCommand({
        cluster: "svc",
        service: "keeper",
        taskDefinition: "sleeper:3",
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true }, maximumPercent: 200, minimumHealthyPercent: 100 },
      }),
    );
    const failed = await withState(eventually(async () => {
      const s = await service();
      return s.events?.some((e) => /deployment failed: tasks failed to start\.$/.test(e.message ?? "")) ? s : undefined;
    }, 120_000, "the circuit breaker"));
    // The failed deployment leaves the list as soon as its last task is gone; the rollback is the new PRIMARY on revision 2.
    assert.ok(failed.events?.some((e) => /rolling back to .*:2\.$/.test(e.message ?? "")));
    const back = await settled(2);
    assert.ok(back.taskDefinition?.endsWith(":2"));
    assert.ok(back.events?.some((e) => /^\(service keeper\) \(deployment ecs-svc\/\d+\) deployment failed: tasks failed to start\.$/.test(e.message ?? "")));
  });
});
