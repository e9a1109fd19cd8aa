/** The end-to-end container flow: build → docker login with the ECR token → push → task definition → RunTask on Fargate → HTTP → logs → StopTask. */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { CreateClusterCommand, DescribeTasksCommand, ECSClient, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task } from "@aws-sdk/client-ecs";
import { busyboxImage, docker, dockerSkip } from "../support/docker.ts";
import { cliEnv, clientConfig, startStratus, type RunningStratus } from "../support/server.ts";

const skip = dockerSkip();
let server: RunningStratus;
let ecr: ECRClient;
let ecs: ECSClient;
let ec2: EC2Client;
let logs: CloudWatchLogsClient;
let dockerConfig: string;
let buildDir: string;
const localTag = `stratus-test/e2e-web:${process.pid}`;
const pushed: string[] = [];

before(async () => {
  if (skip) return;
  server = await startStratus();
  const config = clientConfig(server.endpoint);
  ecr = new ECRClient(config);
  ecs = new ECSClient(config);
  ec2 = new EC2Client(config);
  logs = new CloudWatchLogsClient(config);
  dockerConfig = mkdtempSync(join(tmpdir(), "stratus-e2e-docker-"));
  buildDir = mkdtempSync(join(tmpdir(), "stratus-e2e-build-"));
});

after(async () => {
  if (skip) return;
  for (const tag of [localTag, ...pushed]) spawnQuiet(["rmi", "-f", tag]);
  ecr.destroy();
  ecs.destroy();
  ec2.destroy();
  logs.destroy();
  await server.stop();
  rmSync(dockerConfig, { recursive: true, force: true });
  rmSync(buildDir, { recursive: true, force: true });
});

function spawnQuiet(args: string[]): void {
  try {
    docker(args);
  } catch {
    // already gone
  }
}

/** Polls until `check` gives a value; the deadline only bounds a hang, it is not an assertion on speed. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 60_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
}

async function describeTask(cluster: string, taskArn: string): Promise<Task> {
  const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
  const task = out.tasks?.[0];
  assert.ok(task, `task ${taskArn} is described`);
  return task;
}

test("an image built and pushed with docker runs as a Fargate task that serves HTTP and logs to CloudWatch", { skip, timeout: 240_000 }, async () => {
  // 1. Build an image locally (no registry is reachable: FROM a locally imported busybox).
  const base = busyboxImage();
  writeFileSync(
    join(buildDir, "Dockerfile"),
    `FROM ${base}\nRUN mkdir -p /www && echo hello-from-stratus > /www/index.html\nCMD ["httpd", "-f", "-vv", "-p", "8080", "-h", "/www"]\n`,
  );
  docker(["build", "-q", "-t", localTag, buildDir]);

  // 2. An ECR repository and `aws ecr get-login-password | docker login`.
  const repository = (await ecr.send(new CreateRepositoryCommand({ repositoryName: `e2e/web-${process.pid}` }))).repository;
  const uri = repository?.repositoryUri;
  assert.ok(uri, "CreateRepository returns a repositoryUri");
  const registry = uri.slice(0, uri.indexOf("/"));
  const password = execFileSync("aws", ["ecr", "get-login-password"], { env: cliEnv(server.endpoint), encoding: "utf8" }).trim();
  const login = execFileSync("docker", ["--config", dockerConfig, "login", "--username", "AWS", "--password-stdin", registry], { input: password, encoding: "utf8" });
  assert.match(login, /Login Succeeded/);

  // 3. docker push to the repositoryUri; the image appears in DescribeImages.
  const image = `${uri}:v1`;
  docker(["tag", localTag, image]);
  pushed.push(image);
  docker(["--config", dockerConfig, "push", image]);
  const described = await ecr.send(new DescribeImagesCommand({ repositoryName: repository.repositoryName }));
  assert.deepEqual(described.imageDetails?.map((detail) => detail.imageTags), [["v1"]]);
  // The task must pull from Stratus's registry, not find the tag already in the engine.
  spawnQuiet(["rmi", "-f", image]);

  // 4. A Fargate task definition with awslogs and a published port.
  const family = `e2e-web-${process.pid}`;
  const registered = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      // Fargate needs an execution role to pull from ECR and to ship awslogs (AWS rejects the definition without one).
      executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
      containerDefinitions: [
        {
          name: "web",
          image,
          essential: true,
          stopTimeout: 2,
          portMappings: [{ containerPort: 8080, protocol: "tcp" }],
          logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": `/ecs/${family}`, "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app", "awslogs-create-group": "true" } },
        },
      ],
    }),
  );
  assert.equal(registered.taskDefinition?.revision, 1);

  // 5. RunTask on Fargate in a default subnet; wait for RUNNING.
  const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }));
  const subnetId = subnets.Subnets?.[0]?.SubnetId;
  assert.ok(subnetId, "the default VPC has a default subnet");
  // Like AWS, RunTask without a cluster means the `default` cluster, which must exist.
  const cluster = (await ecs.send(new CreateClusterCommand({ clusterName: `e2e-${process.pid}` }))).cluster?.clusterArn;
  assert.ok(cluster);
  const run = await ecs.send(
    new RunTaskCommand({ cluster, taskDefinition: family, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: [subnetId], assignPublicIp: "DISABLED" } } }),
  );
  assert.deepEqual(run.failures, []);
  const taskArn = run.tasks?.[0]?.taskArn;
  assert.ok(taskArn);
  assert.equal(run.tasks?.[0]?.clusterArn, cluster);
  const running = await eventually("RUNNING", async () => {
    const task = await describeTask(cluster, taskArn);
    assert.notEqual(task.lastStatus, "STOPPED", `task stopped: ${task.stoppedReason}`);
    return task.lastStatus === "RUNNING" ? task : undefined;
  });
  assert.equal(running.launchType, "FARGATE");
  const binding = running.containers?.[0]?.networkBindings?.[0];
  assert.ok(binding?.hostPort, "the container port is published on the host");
  assert.equal(binding.bindIP, "127.0.0.1");

  // 6. The container answers HTTP on its published port.
  const page = await eventually("HTTP answer", async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${binding.hostPort}/index.html`);
      return response.ok ? await response.text() : undefined;
    } catch {
      return undefined;
    }
  });
  assert.equal(page.trim(), "hello-from-stratus");

  // 7. Its output reaches CloudWatch Logs under the stream ECS names: prefix/container/task-id.
  const taskId = taskArn.split("/").pop() ?? "";
  const lines = await eventually("awslogs lines", async () => {
    try {
      const events = await logs.send(new GetLogEventsCommand({ logGroupName: `/ecs/${family}`, logStreamName: `app/web/${taskId}`, startFromHead: true }));
      const found = events.events?.map((event) => event.message ?? "") ?? [];
      return found.some((line) => line.includes("url:/index.html")) ? found : undefined;
    } catch {
      return undefined;
    }
  });
  // busybox httpd -vv logs each request as "<peer>: url:/index.html" and "<peer>: response:200" on stderr.
  assert.ok(lines.some((line) => line.endsWith("response:200")), `httpd's request log is in CloudWatch Logs: ${lines.join(" | ")}`);

  // 8. StopTask → STOPPED with the container's exit code and stopCode UserInitiated.
  await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: "e2e done" }));
  const stopped = await eventually("STOPPED", async () => {
    const task = await describeTask(cluster, taskArn);
    return task.lastStatus === "STOPPED" ? task : undefined;
  });
  assert.equal(stopped.stopCode, "UserInitiated");
  assert.equal(stopped.stoppedReason, "e2e done");
  assert.equal(typeof stopped.containers?.[0]?.exitCode, "number");
  assert.equal(docker(["ps", "-q", "--filter", `label=com.amazonaws.ecs.task-arn=${taskArn}`]).trim(), "", "no container is left running");
});
