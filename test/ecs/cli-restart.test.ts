/** The AWS CLI flow (register from JSON, run-task, waiters) and what a restart does to tasks and services. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { CreateClusterCommand, CreateServiceCommand, DescribeTasksCommand, ListTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from "@aws-sdk/client-ecs";
import { busyboxImage, docker, dockerSkip } from "../support/docker.ts";
import { cliEnv, tempDataDir } from "../support/server.ts";
import { defaultSubnets, eventually, fargateDefinition, startEcs, waitTask } from "./support.ts";

const run = promisify(execFile);
const skip = dockerSkip();

describe("ECS through the AWS CLI", { skip }, () => {
  it("register-task-definition --cli-input-json, run-task, wait tasks-running, create-service, wait services-stable", async () => {
    const t = await startEcs();
    const data = tempDataDir("stratus-ecs-cli-");
    try {
      const image = busyboxImage();
      const env = cliEnv(t.server.endpoint);
      const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
        const { stdout } = await run("aws", ["ecs", ...args, "--endpoint-url", t.server.endpoint, "--output", "json"], { env, timeout: 120_000 });
        return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
      };
      const file = join(data.dir, "td.json");
      writeFileSync(file, JSON.stringify(fargateDefinition("cli-app", image, ["sleep", "3600"], { containerDefinitions: [{ name: "app", image, command: ["sleep", "3600"], stopTimeout: 2 }] })));
      const registered = (await aws("register-task-definition", "--cli-input-json", `file://${file}`)) as { taskDefinition: { revision: number; family: string } };
      assert.equal(registered.taskDefinition.family, "cli-app");
      assert.equal(registered.taskDefinition.revision, 1);
      await aws("create-cluster", "--cluster-name", "cli");
      const subnet = (await defaultSubnets(t.ec2))[0]?.id ?? "";
      const network = `awsvpcConfiguration={subnets=[${subnet}]}`;
      const ran = (await aws("run-task", "--cluster", "cli", "--task-definition", "cli-app", "--launch-type", "FARGATE", "--network-configuration", network)) as { tasks: Array<{ taskArn: string }> };
      const taskArn = ran.tasks[0]?.taskArn ?? "";
      await aws("wait", "tasks-running", "--cluster", "cli", "--tasks", taskArn);
      const described = (await aws("describe-tasks", "--cluster", "cli", "--tasks", taskArn)) as { tasks: Array<{ lastStatus: string }> };
      assert.equal(described.tasks[0]?.lastStatus, "RUNNING");

      await aws("create-service", "--cluster", "cli", "--service-name", "web", "--task-definition", "cli-app", "--desired-count", "1", "--launch-type", "FARGATE", "--network-configuration", network);
      await aws("wait", "services-stable", "--cluster", "cli", "--services", "web");
      const services = (await aws("describe-services", "--cluster", "cli", "--services", "web")) as { services: Array<{ runningCount: number; deployments: unknown[] }> };
      assert.equal(services.services[0]?.runningCount, 1);
      assert.equal(services.services[0]?.deployments.length, 1);

      await aws("stop-task", "--cluster", "cli", "--task", taskArn, "--reason", "cli test");
      await aws("wait", "tasks-stopped", "--cluster", "cli", "--tasks", taskArn);
      const stopped = (await aws("describe-tasks", "--cluster", "cli", "--tasks", taskArn)) as { tasks: Array<{ stopCode: string; stoppedReason: string }> };
      assert.equal(stopped.tasks[0]?.stopCode, "UserInitiated");
      assert.equal(stopped.tasks[0]?.stoppedReason, "cli test");
      await aws("update-service", "--cluster", "cli", "--service", "web", "--desired-count", "0");
    } finally {
      await t.close();
      data.remove();
    }
  });
});

describe("ECS across a restart", { skip }, () => {
  it("marks tasks of the previous run STOPPED with a clear reason; services start replacements", async () => {
    const data = tempDataDir("stratus-ecs-restart-");
    const image = busyboxImage();
    let t = await startEcs({ dataDir: data.dir });
    try {
      await t.ecs.send(new CreateClusterCommand({ clusterName: "r" }));
      await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("long", image, ["sleep", "3600"])));
      const subnet = (await defaultSubnets(t.ec2))[0]?.id ?? "";
      const network = { awsvpcConfiguration: { subnets: [subnet] } };
      const ran = await t.ecs.send(new RunTaskCommand({ cluster: "r", taskDefinition: "long", launchType: "FARGATE", networkConfiguration: network }));
      const arn = ran.tasks?.[0]?.taskArn ?? "";
      await t.ecs.send(new CreateServiceCommand({ cluster: "r", serviceName: "s", taskDefinition: "long", desiredCount: 1, launchType: "FARGATE", networkConfiguration: network }));
      assert.equal((await waitTask(t.ecs, "r", arn, (task) => task.lastStatus === "RUNNING")).lastStatus, "RUNNING");
      const first = await eventually(async () => {
        const { taskArns } = await t.ecs.send(new ListTasksCommand({ cluster: "r", serviceName: "s" }));
        return taskArns?.length === 1 ? taskArns[0] : undefined;
      }, 60_000, "the service task");

      await t.server.kill();
      t = await startEcs({ dataDir: data.dir });
      // The service comes back by itself: its replacement runs before any ECS request reaches the new process.
      const pid = String(t.server.process.pid);
      await eventually(async () => {
        const running = docker(["ps", "-q", "--filter", `label=stratus.pid=${pid}`, "--filter", "label=com.amazonaws.ecs.task-definition-family=long"]).trim();
        return running ? running : undefined;
      }, 60_000, "the service's replacement container, started without any request");
      const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster: "r", tasks: [arn] }));
      assert.equal(tasks?.[0]?.lastStatus, "STOPPED");
      assert.match(tasks?.[0]?.stoppedReason ?? "", /restart/);

      const replacement = await eventually(async () => {
        const { taskArns } = await t.ecs.send(new ListTasksCommand({ cluster: "r", serviceName: "s" }));
        const other = taskArns?.find((a) => a !== first);
        if (!other) return undefined;
        const task = (await t.ecs.send(new DescribeTasksCommand({ cluster: "r", tasks: [other] }))).tasks?.[0];
        return task?.lastStatus === "RUNNING" ? task : undefined;
      }, 60_000, "a replacement after the restart");
      assert.equal(replacement.group, "service:s");
    } finally {
      await t.close();
      data.remove();
    }
  });
});
