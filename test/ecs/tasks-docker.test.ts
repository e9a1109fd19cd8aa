/** Fargate tasks as real containers: RUNNING, an HTTP answer on the published port, awslogs lines, StopTask, essential exits. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { busyboxImage, dockerSkip } from "../support/docker.ts";
import { clientConfig } from "../support/server.ts";
import { defaultSubnets, eventually, fargateDefinition, startEcs, waitTask, type EcsTestServer } from "./support.ts";

const skip = dockerSkip();
let t: EcsTestServer;
let logs: CloudWatchLogsClient;
let subnet = "";
let image = "";

before(async () => {
  if (skip) return;
  image = busyboxImage();
  t = await startEcs();
  logs = new CloudWatchLogsClient(clientConfig(t.server.endpoint));
  await t.ecs.send(new CreateClusterCommand({ clusterName: "run" }));
  subnet = (await defaultSubnets(t.ec2))[0]?.id ?? "";
});
after(async () => {
  if (skip) return;
  logs.destroy();
  await t.close();
});

const network = () => ({ awsvpcConfiguration: { subnets: [subnet] } });

describe("Fargate tasks on Docker", { skip }, () => {
  it("runs an HTTP server: RUNNING, answers on its published port, logs to CloudWatch Logs, stops on StopTask", async () => {
    await t.ecs.send(
      new RegisterTaskDefinitionCommand(
        fargateDefinition("httpd", image, [], {
          executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
          containerDefinitions: [
            {
              name: "web",
              image,
              command: ["sh", "-c", "echo hello-from-ecs > /index.html && echo server starting && exec httpd -f -v -p 8080 -h /"],
              portMappings: [{ containerPort: 8080 }],
              stopTimeout: 2,
              logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/httpd", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs", "awslogs-create-group": "true" } },
            },
          ],
        }),
      ),
    );
    const run = await t.ecs.send(new RunTaskCommand({ cluster: "run", taskDefinition: "httpd", launchType: "FARGATE", networkConfiguration: network() }));
    const arn = run.tasks?.[0]?.taskArn ?? "";
    const taskId = arn.split("/").pop() ?? "";
    const running = await waitTask(t.ecs, "run", arn, (task) => task.lastStatus === "RUNNING" || task.lastStatus === "STOPPED");
    assert.equal(running.lastStatus, "RUNNING", running.stoppedReason);
    assert.ok(running.startedAt);
    assert.ok(running.containers?.[0]?.runtimeId);
    const binding = running.containers?.[0]?.networkBindings?.find((b) => b.containerPort === 8080);
    assert.ok(binding?.hostPort, JSON.stringify(running.containers?.[0]));

    const body = await eventually(async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${binding.hostPort}/index.html`);
        return response.ok ? await response.text() : undefined;
      } catch {
        return undefined;
      }
    }, 20_000, "an HTTP answer");
    assert.equal(body.trim(), "hello-from-ecs");

    const lines = await eventually(async () => {
      try {
        const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: "/ecs/httpd", logStreamName: `ecs/web/${taskId}`, startFromHead: true }));
        return events?.some((e) => e.message?.includes("server starting")) ? events : undefined;
      } catch {
        return undefined;
      }
    }, 20_000, "awslogs lines");
    assert.ok(lines.length >= 1);

    const stopping = await t.ecs.send(new StopTaskCommand({ cluster: "run", task: arn, reason: "done testing" }));
    assert.equal(stopping.task?.desiredStatus, "STOPPED");
    const stopped = await waitTask(t.ecs, "run", arn, (task) => task.lastStatus === "STOPPED");
    assert.equal(stopped.lastStatus, "STOPPED");
    assert.equal(stopped.stopCode, "UserInitiated");
    assert.equal(stopped.stoppedReason, "done testing");
    assert.equal(typeof stopped.containers?.[0]?.exitCode, "number");
    assert.ok(stopped.stoppedAt);
  });

  it("stops the task when its essential container exits, with the exit code", async () => {
    await t.ecs.send(new RegisterTaskDefinitionCommand(fargateDefinition("exits", image, ["sh", "-c", "echo bye; exit 3"])));
    const run = await t.ecs.send(new RunTaskCommand({ cluster: "run", taskDefinition: "exits", launchType: "FARGATE", networkConfiguration: network() }));
    const stopped = await waitTask(t.ecs, "run", run.tasks?.[0]?.taskArn ?? "", (task) => task.lastStatus === "STOPPED");
    assert.equal(stopped.lastStatus, "STOPPED");
    assert.equal(stopped.stopCode, "EssentialContainerExited");
    assert.equal(stopped.containers?.[0]?.exitCode, 3);
    assert.match(stopped.stoppedReason ?? "", /Essential container in task exited/);
  });

  it("applies RunTask's container overrides (command and environment)", async () => {
    await t.ecs.send(
      new RegisterTaskDefinitionCommand(
        fargateDefinition("greeter", image, [], {
          executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
          containerDefinitions: [
            {
              name: "app",
              image,
              command: ["sh", "-c", "echo default"],
              environment: [{ name: "GREETING", value: "registered" }, { name: "KEEP", value: "kept" }],
              logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/greeter", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "g", "awslogs-create-group": "true" } },
            },
          ],
        }),
      ),
    );
    const run = await t.ecs.send(
      new RunTaskCommand({
        cluster: "run",
        taskDefinition: "greeter",
        launchType: "FARGATE",
        networkConfiguration: network(),
        overrides: { containerOverrides: [{ name: "app", command: ["sh", "-c", "echo $GREETING-$KEEP"], environment: [{ name: "GREETING", value: "overridden" }] }] },
      }),
    );
    const arn = run.tasks?.[0]?.taskArn ?? "";
    assert.deepEqual(run.tasks?.[0]?.overrides?.containerOverrides?.[0]?.environment, [{ name: "GREETING", value: "overridden" }]);
    const stopped = await waitTask(t.ecs, "run", arn, (task) => task.lastStatus === "STOPPED");
    assert.equal(stopped.containers?.[0]?.exitCode, 0, stopped.stoppedReason);
    const line = await eventually(async () => {
      const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: "/ecs/greeter", logStreamName: `g/app/${arn.split("/").pop() ?? ""}`, startFromHead: true })).catch(() => ({ events: [] }));
      return events?.[0]?.message;
    }, 20_000, "the container's output");
    assert.equal(line, "overridden-kept");
  });

  it("fails a task whose awslogs group is missing and may not be created (ResourceInitializationError)", async () => {
    await t.ecs.send(
      new RegisterTaskDefinitionCommand(
        fargateDefinition("nogroup", image, ["true"], {
          executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
          containerDefinitions: [{ name: "app", image, command: ["true"], logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/missing", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "x" } } }],
        }),
      ),
    );
    const run = await t.ecs.send(new RunTaskCommand({ cluster: "run", taskDefinition: "nogroup", launchType: "FARGATE", networkConfiguration: network() }));
    const stopped = await waitTask(t.ecs, "run", run.tasks?.[0]?.taskArn ?? "", (task) => task.lastStatus === "STOPPED");
    assert.equal(stopped.stopCode, "TaskFailedToStart");
    assert.match(stopped.stoppedReason ?? "", /^ResourceInitializationError: .*The specified log group does not exist/);
  });
});
