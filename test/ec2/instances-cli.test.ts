/** EC2 instances through the AWS CLI: `aws ec2 run-instances / describe-instances / wait …` and its error output. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { cliEnv } from "../support/server.ts";
import { linuxImage, sleep, startEc2 } from "./instances-support.ts";

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function aws(endpoint: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile("aws", args, { env: cliEnv(endpoint), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function awsJson<T>(endpoint: string, args: string[]): Promise<T> {
  const result = await aws(endpoint, [...args, "--output", "json"]);
  assert.equal(result.code, 0, `aws ${args.join(" ")} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

interface CliInstance {
  InstanceId: string;
  State: { Name: string };
  Tags?: Array<{ Key: string; Value: string }>;
}

describe("instances through the AWS CLI", () => {
  let started: Awaited<ReturnType<typeof startEc2>>;
  let imageId = "";
  before(async () => {
    started = await startEc2();
    imageId = await linuxImage(started.ec2);
  });
  after(async () => {
    started.ec2.destroy();
    await started.server.stop();
  });

  it("runs, waits for running, describes with filters and paging, stops, waits for stopped and terminates", async () => {
    const endpoint = started.server.endpoint;
    const run = await awsJson<{ ReservationId: string; Instances: CliInstance[] }>(endpoint, [
      "ec2", "run-instances", "--image-id", imageId, "--instance-type", "t3.micro", "--count", "6",
      "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=cli-box}]",
    ]);
    assert.equal(run.Instances.length, 6);
    assert.equal(run.Instances[0]?.State.Name, "pending");
    const ids = run.Instances.map((i) => i.InstanceId);

    await sleep(400);
    const wait = await aws(endpoint, ["ec2", "wait", "instance-running", "--instance-ids", ...ids]);
    assert.equal(wait.code, 0, wait.stderr);

    // The CLI follows NextToken itself when it pages (--page-size → MaxResults).
    const [paged, names, console] = await Promise.all([
      awsJson<{ Reservations: Array<{ Instances: CliInstance[] }> }>(endpoint, [
        "ec2", "describe-instances", "--filters", "Name=tag:Name,Values=cli-*", "Name=instance-state-name,Values=running", "--page-size", "5",
      ]),
      awsJson<string[]>(endpoint, ["ec2", "describe-instances", "--instance-ids", ids[0] ?? "", "--query", "Reservations[].Instances[].Tags[?Key=='Name'].Value[]"]),
      awsJson<{ Output: string }>(endpoint, ["ec2", "get-console-output", "--instance-id", ids[1] ?? ""]),
    ]);
    const described = paged.Reservations.flatMap((r) => r.Instances);
    assert.equal(described.length, 6);
    assert.deepEqual(new Set(described.map((i) => i.InstanceId)), new Set(ids));
    assert.deepEqual(names, ["cli-box"]);
    assert.match(console.Output, /Linux version/, "the CLI decodes the base64 output");
    const stop = await awsJson<{ StoppingInstances: Array<{ CurrentState: { Name: string } }> }>(endpoint, ["ec2", "stop-instances", "--instance-ids", ids[0] ?? ""]);
    assert.equal(stop.StoppingInstances[0]?.CurrentState.Name, "stopping");
    await sleep(400);
    assert.equal((await aws(endpoint, ["ec2", "wait", "instance-stopped", "--instance-ids", ids[0] ?? ""])).code, 0);

    const terminate = await awsJson<{ TerminatingInstances: unknown[] }>(endpoint, ["ec2", "terminate-instances", "--instance-ids", ...ids]);
    assert.equal(terminate.TerminatingInstances.length, 6);
  });

  it("reports EC2's errors", async () => {
    const endpoint = started.server.endpoint;
    const [malformed, missing, dry, type] = await Promise.all([
      aws(endpoint, ["ec2", "describe-instances", "--instance-ids", "i-nothex"]),
      aws(endpoint, ["ec2", "stop-instances", "--instance-ids", "i-0123456789abcdef0"]),
      aws(endpoint, ["ec2", "run-instances", "--image-id", imageId, "--instance-type", "t3.micro", "--dry-run"]),
      aws(endpoint, ["ec2", "run-instances", "--image-id", imageId, "--instance-type", "x9.huge"]),
    ]);
    assert.notEqual(malformed.code, 0);
    assert.match(malformed.stderr, /InvalidInstanceID\.Malformed/);
    assert.match(missing.stderr, /InvalidInstanceID\.NotFound.*The instance ID 'i-0123456789abcdef0' does not exist/);
    assert.match(dry.stderr, /DryRunOperation/);
    assert.match(type.stderr, /InvalidParameterValue.*Invalid value 'x9\.huge' for InstanceType/);
  });
});

