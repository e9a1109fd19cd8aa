/** Inside a task: the credentials endpoint hands out the task role's credentials (an assumed-role session STS recognises). */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from "@aws-sdk/client-ecs";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { busyboxImage, dockerSkip } from "../support/docker.ts";
import { clientConfig } from "../support/server.ts";
import { defaultSubnets, eventually, fargateDefinition, startEcs, waitTask, type EcsTestServer } from "./support.ts";

const skip = dockerSkip();
let t: EcsTestServer;

before(async () => {
  if (!skip) t = await startEcs();
});
after(async () => {
  if (!skip) await t.close();
});

describe("task role credentials", { skip }, () => {
  it("serves the task role's temporary credentials at the container credentials endpoint", async () => {
    const image = busyboxImage();
    const config = clientConfig(t.server.endpoint);
    const iam = new IAMClient(config);
    const logs = new CloudWatchLogsClient(config);
    try {
      const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] });
      const { Role } = await iam.send(new CreateRoleCommand({ RoleName: "app-role", AssumeRolePolicyDocument: trust }));
      await t.ecs.send(new CreateClusterCommand({ clusterName: "creds" }));
      // The runner gives the endpoint as AWS_CONTAINER_CREDENTIALS_FULL_URI (http://169.254.170.2:PORT/…); busybox has no HTTP client but nc.
      const script = [
        'url="${AWS_CONTAINER_CREDENTIALS_FULL_URI#http://}"',
        'hostport="${url%%/*}"',
        'echo -e "GET /${url#*/} HTTP/1.0\\r\\nHost: $hostport\\r\\n\\r\\n" | nc "${hostport%:*}" "${hostport##*:}"',
        "echo",
        "echo done",
      ].join("; ");
      await t.ecs.send(
        new RegisterTaskDefinitionCommand(
          fargateDefinition("creds", image, [], {
            taskRoleArn: Role?.Arn ?? "",
            executionRoleArn: Role?.Arn ?? "",
            containerDefinitions: [
              {
                name: "app",
                image,
                command: ["sh", "-c", script],
                logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/creds", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "c", "awslogs-create-group": "true" } },
              },
            ],
          }),
        ),
      );
      const subnet = (await defaultSubnets(t.ec2))[0]?.id ?? "";
      const run = await t.ecs.send(new RunTaskCommand({ cluster: "creds", taskDefinition: "creds", launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: [subnet] } } }));
      const arn = run.tasks?.[0]?.taskArn ?? "";
      const taskId = arn.split("/").pop() ?? "";
      const stopped = await waitTask(t.ecs, "creds", arn, (task) => task.lastStatus === "STOPPED");
      assert.equal(stopped.containers?.[0]?.exitCode, 0, stopped.stoppedReason);
      const text = await eventually(async () => {
        const { events } = await logs.send(new GetLogEventsCommand({ logGroupName: "/ecs/creds", logStreamName: `c/app/${taskId}`, startFromHead: true })).catch(() => ({ events: [] }));
        const all = (events ?? []).map((e) => e.message ?? "").join("\n");
        return all.includes("done") ? all : undefined;
      }, 20_000, "the container's output");
      const json = /\{.*"AccessKeyId".*\}/s.exec(text)?.[0];
      assert.ok(json, text);
      const creds = JSON.parse(json) as { AccessKeyId: string; SecretAccessKey: string; Token: string; RoleArn: string };
      assert.equal(creds.RoleArn, Role?.Arn);
      assert.match(creds.AccessKeyId, /^ASIA/);
      const sts = new STSClient({ ...config, credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, sessionToken: creds.Token } });
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      assert.equal(identity.Arn, `arn:aws:sts::000000000000:assumed-role/app-role/${taskId}`);
    } finally {
      iam.destroy();
      logs.destroy();
    }
  });
});
