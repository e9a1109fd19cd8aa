/** The whole path: docker login with the ECR token, docker push to the repositoryUri, RunTask pulls it from Stratus. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateRepositoryCommand, ECRClient } from "@aws-sdk/client-ecr";
import { CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand } from "@aws-sdk/client-ecs";
import { busyboxImage, dockerSkip } from "../support/docker.ts";
import { cliEnv, clientConfig } from "../support/server.ts";
import { defaultSubnets, fargateDefinition, startEcs, waitTask, type EcsTestServer } from "./support.ts";

const skip = dockerSkip();
const dockerConfig = mkdtempSync(join(tmpdir(), "stratus-ecs-docker-config-"));
let t: EcsTestServer;
let ecr: ECRClient;
let repositoryUri = "";
let digest = "";

/** docker/aws with this test's DOCKER_CONFIG (docker login never touches ~/.docker). */
function must(command: string, args: string[], input?: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { input, encoding: "utf8", timeout: 180_000, env: { ...env, DOCKER_CONFIG: dockerConfig } });
  assert.equal(result.status, 0, `${command} ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

before(async () => {
  if (skip) return;
  t = await startEcs();
  ecr = new ECRClient(clientConfig(t.server.endpoint));
  const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: "ecs/app" }));
  repositoryUri = repository?.repositoryUri ?? "";
  const password = must("aws", ["ecr", "get-login-password"], undefined, cliEnv(t.server.endpoint)).trim();
  must("docker", ["login", "--username", "AWS", "--password-stdin", repositoryUri.split("/")[0] ?? ""], password);
  must("docker", ["tag", busyboxImage(), `${repositoryUri}:v1`]);
  const pushed = must("docker", ["push", `${repositoryUri}:v1`]);
  digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1] ?? "";
  // Only the registry has the image now: the task must pull it from Stratus with registry credentials.
  must("docker", ["rmi", "-f", `${repositoryUri}:v1`]);
  await t.ecs.send(new CreateClusterCommand({ clusterName: "ecr" }));
});
after(async () => {
  rmSync(dockerConfig, { recursive: true, force: true });
  if (skip) return;
  spawnSync("docker", ["rmi", "-f", `${repositoryUri}:v1`, `${repositoryUri}@${digest}`], { stdio: "ignore" });
  ecr.destroy();
  await t.close();
});

describe("tasks from Stratus's ECR", { skip }, () => {
  for (const form of ["repositoryUri", "AWS-style URI"] as const) {
    it(`runs an image pushed to ECR, named by its ${form}`, async () => {
      const name = repositoryUri.slice(repositoryUri.indexOf("/") + 1);
      const image = form === "repositoryUri" ? `${repositoryUri}:v1` : `000000000000.dkr.ecr.us-east-1.amazonaws.com/${name}:v1`;
      const family = form === "repositoryUri" ? "from-ecr" : "from-ecr-aws";
      await t.ecs.send(
        new RegisterTaskDefinitionCommand(
          fargateDefinition(family, image, [], {
            executionRoleArn: "arn:aws:iam::000000000000:role/ecsTaskExecutionRole",
            containerDefinitions: [{ name: "app", image, command: ["sleep", "600"], stopTimeout: 1 }],
          }),
        ),
      );
      const subnet = (await defaultSubnets(t.ec2))[0]?.id ?? "";
      const run = await t.ecs.send(new RunTaskCommand({ cluster: "ecr", taskDefinition: family, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } } }));
      const arn = run.tasks?.[0]?.taskArn ?? "";
      assert.equal(run.tasks?.[0]?.containers?.[0]?.image, image);
      const running = await waitTask(t.ecs, "ecr", arn, (task) => task.lastStatus === "RUNNING" || task.lastStatus === "STOPPED");
      assert.equal(running.lastStatus, "RUNNING", running.stoppedReason);
      assert.equal(running.containers?.[0]?.imageDigest, digest);
      assert.ok(running.pullStartedAt && running.pullStoppedAt);
      await t.ecs.send(new StopTaskCommand({ cluster: "ecr", task: arn }));
      await waitTask(t.ecs, "ecr", arn, (task) => task.lastStatus === "STOPPED");
    });
  }
});
