/** ECR through the AWS CLI (v1 on PATH and v2 at /usr/bin/aws): repositories, paginated listings, waiters, and records kept across kill -9. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ECRClient } from "@aws-sdk/client-ecr";
import { cliEnv, clientConfig, startStratus, tempDataDir, type RunningStratus } from "../support/server.ts";
import { pushImage } from "./support.ts";

const run = promisify(execFile);
const clis = ["aws", ...(existsSync("/usr/bin/aws") ? ["/usr/bin/aws"] : [])];

describe("ECR through the AWS CLI", () => {
  const data = tempDataDir("stratus-ecr-cli-");
  let server: RunningStratus;
  let ecr: ECRClient;
  const aws = async (cli: string, args: string[]): Promise<unknown> => {
    // CLI v2.9 ignores AWS_ENDPOINT_URL: the endpoint is given on the command line.
    const { stdout } = await run(cli, [...args, "--endpoint-url", server.endpoint, "--output", "json"], { env: cliEnv(server.endpoint), timeout: 60_000 });
    return stdout.trim() ? JSON.parse(stdout) : undefined;
  };

  before(async () => {
    server = await startStratus({ dataDir: data.dir });
    ecr = new ECRClient(clientConfig(server.endpoint));
  });
  after(async () => {
    ecr.destroy();
    await server.stop();
    data.remove();
  });

  for (const cli of clis) {
    it(`${cli}: creates, lists with auto-pagination, waits for scans and previews, prints the login password`, async () => {
      const name = `cli/${cli === "aws" ? "v1" : "v2"}`;
      const created = (await aws(cli, ["ecr", "create-repository", "--repository-name", name, "--image-scanning-configuration", "scanOnPush=true"])) as {
        repository: { repositoryUri: string };
      };
      assert.equal(created.repository.repositoryUri, `127.0.0.1:${server.port}/${name}`);
      for (let i = 0; i < 5; i++) await pushImage(ecr, name, `t${i}`);
      // --page-size forces several pages; the CLI follows nextToken to the end.
      const listed = (await aws(cli, ["ecr", "list-images", "--repository-name", name, "--page-size", "2"])) as { imageIds: unknown[] };
      assert.equal(listed.imageIds.length, 5);
      await aws(cli, ["ecr", "wait", "image-scan-complete", "--repository-name", name, "--image-id", "imageTag=t0"]);
      const findings = (await aws(cli, ["ecr", "describe-image-scan-findings", "--repository-name", name, "--image-id", "imageTag=t0"])) as {
        imageScanStatus: { status: string };
      };
      assert.equal(findings.imageScanStatus.status, "COMPLETE");
      const policy = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 3 }, action: { type: "expire" } }] });
      await aws(cli, ["ecr", "start-lifecycle-policy-preview", "--repository-name", name, "--lifecycle-policy-text", policy]);
      await aws(cli, ["ecr", "wait", "lifecycle-policy-preview-complete", "--repository-name", name]);
      const preview = (await aws(cli, ["ecr", "get-lifecycle-policy-preview", "--repository-name", name])) as { summary: { expiringImageTotalCount: number } };
      assert.equal(preview.summary.expiringImageTotalCount, 2);
      const { stdout } = await run(cli, ["ecr", "get-login-password", "--endpoint-url", server.endpoint], { env: cliEnv(server.endpoint) });
      const check = await fetch(`${server.endpoint}/v2/`, { headers: { authorization: `Basic ${Buffer.from(`AWS:${stdout.trim()}`).toString("base64")}` } });
      assert.equal(check.status, 200);
    });
  }

  it("keeps repositories and images across kill -9", async () => {
    await pushImage(ecr, "cli/v1", "durable");
    await server.kill();
    server = await startStratus({ dataDir: data.dir });
    ecr.destroy();
    ecr = new ECRClient(clientConfig(server.endpoint));
    const described = (await aws("aws", ["ecr", "describe-images", "--repository-name", "cli/v1", "--image-ids", "imageTag=durable"])) as {
      imageDetails: Array<{ imageTags: string[] }>;
    };
    assert.deepEqual(described.imageDetails[0]?.imageTags, ["durable"]);
  });
});
