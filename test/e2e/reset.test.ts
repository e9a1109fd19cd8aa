/** `POST /_stratus/reset` takes what runs with the records: ECS tasks' containers and Lambda's warm environments stop. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from "@aws-sdk/client-ecs";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { busyboxImage, docker, dockerSkip } from "../support/docker.ts";
import { defaultSubnets, eventually, fargateDefinition, startEcs, waitTask } from "../ecs/support.ts";
import { createActive, lambdaFixture } from "../lambda/support.ts";

/** The direct children of a process (Lambda's execution environments are children of Stratus). */
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);

test("a reset stops the containers of running ECS tasks", { skip: dockerSkip(), timeout: 120_000 }, async () => {
  const t = await startEcs();
  try {
    await t.ecs.send(new CreateClusterCommand({ clusterName: "reset" }));
    await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("reset-sleep", busyboxImage(), [], { containerDefinitions: [{ name: "app", image: busyboxImage(), command: ["sleep", "3600"], essential: true, stopTimeout: 2 }] })));
    const subnet = (await defaultSubnets(t.ec2))[0]?.id ?? "";
    const run = await t.ecs.send(new RunTaskCommand({ cluster: "reset", taskDefinition: "reset-sleep", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } } }));
    const arn = run.tasks?.[0]?.taskArn ?? "";
    await waitTask(t.ecs, "reset", arn, (task) => task.lastStatus === "RUNNING");
    const mine = (): string => docker(["ps", "-q", "--filter", `label=stratus.pid=${t.server.process.pid ?? 0}`]).trim();
    assert.notEqual(mine(), "", "the task's container runs");

    const reset = await fetch(`${t.server.endpoint}/_stratus/reset`, { method: "POST" });
    assert.equal(reset.status, 200);
    await eventually(async () => (mine() === "" ? true : undefined), 60_000, "the task's container to stop after the reset");
  } finally {
    await t.close();
  }
});

test("a reset stops Lambda's warm execution environments", { timeout: 60_000 }, async () => {
  const fx = await lambdaFixture();
  try {
    await createActive(fx, { FunctionName: "warm" });
    await fx.lambda.send(new InvokeCommand({ FunctionName: "warm", Payload: "{}" }));
    const pid = fx.server.process.pid ?? 0;
    assert.ok(childrenOf(pid).length > 0, "a warm environment runs");

    assert.equal((await fetch(`${fx.server.endpoint}/_stratus/reset?service=lambda`, { method: "POST" })).status, 200);
    await eventually(async () => (childrenOf(pid).length === 0 ? true : undefined), 30_000, "the environment to stop after the reset");
  } finally {
    await fx.close();
  }
});
