/** The core infrastructure flow through the AWS CLI: VPC, subnet, security group, key pair, instances, `aws ec2 wait`, teardown. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { cliEnv, type RunningStratus } from "../support/server.ts";
import { linuxImage, sleep, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let imageId = "";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function aws(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile("aws", ["ec2", ...args, "--output", "json"], { env: cliEnv(server.endpoint), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function ok<T>(...args: string[]): Promise<T> {
  const result = await aws(...args);
  assert.equal(result.code, 0, `aws ec2 ${args.join(" ")}: ${result.stderr}`);
  return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as T;
}

before(async () => {
  const started = await startEc2();
  server = started.server;
  imageId = await linuxImage(started.ec2);
  started.ec2.destroy();
});
after(async () => {
  await server?.stop();
});

describe("infrastructure flow through the AWS CLI", () => {
  it("creates a network, launches into it, waits on states and tears down in order", async () => {
    const [vpc, key] = await Promise.all([
      ok<{ Vpc: { VpcId: string } }>("create-vpc", "--cidr-block", "10.30.0.0/16"),
      ok<{ KeyMaterial: string }>("create-key-pair", "--key-name", "cli-key"),
    ]);
    assert.match(key.KeyMaterial, /PRIVATE KEY/);
    const vpcId = vpc.Vpc.VpcId;
    const [subnet, group] = await Promise.all([
      ok<{ Subnet: { SubnetId: string } }>("create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.30.1.0/24", "--availability-zone", "us-east-1a"),
      ok<{ GroupId: string }>("create-security-group", "--group-name", "cli-web", "--description", "web", "--vpc-id", vpcId),
    ]);
    const subnetId = subnet.Subnet.SubnetId;
    const [, run, early] = await Promise.all([
      ok("authorize-security-group-ingress", "--group-id", group.GroupId, "--protocol", "tcp", "--port", "22", "--cidr", "203.0.113.0/24"),
      ok<{ Instances: Array<{ InstanceId: string; PrivateIpAddress: string }> }>(
        "run-instances", "--image-id", imageId, "--instance-type", "t3.micro", "--count", "2", "--subnet-id", subnetId,
        "--security-group-ids", group.GroupId, "--key-name", "cli-key",
        "--block-device-mappings", "DeviceName=/dev/sdf,Ebs={VolumeSize=10,VolumeType=gp3}",
        "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=cli-web}]",
      ),
      aws("delete-vpc", "--vpc-id", vpcId),
    ]);
    assert.match(early.stderr, /DependencyViolation/, "a VPC with a subnet cannot be deleted");
    const ids = run.Instances.map((i) => i.InstanceId);
    assert.ok(run.Instances.every((i) => i.PrivateIpAddress.startsWith("10.30.1.")));

    await sleep(400);
    await ok("wait", "instance-running", "--instance-ids", ...ids);
    const [described, inUse] = await Promise.all([
      ok<Array<{ State: string; Key: string; Devices: string[] }>>(
        "describe-instances", "--filters", "Name=tag:Name,Values=cli-web", `Name=vpc-id,Values=${vpcId}`,
        "--query", "Reservations[].Instances[].{State: State.Name, Key: KeyName, Devices: BlockDeviceMappings[].DeviceName}",
      ),
      aws("delete-subnet", "--subnet-id", subnetId),
    ]);
    assert.equal(described.length, 2);
    for (const instance of described) {
      assert.equal(instance.State, "running");
      assert.equal(instance.Key, "cli-key");
      assert.ok(instance.Devices.includes("/dev/sdf"));
    }
    assert.match(inUse.stderr, /DependencyViolation/, "a subnet with instances cannot be deleted");

    await ok("stop-instances", "--instance-ids", ...ids);
    await sleep(400);
    await ok("wait", "instance-stopped", "--instance-ids", ...ids);
    await ok("terminate-instances", "--instance-ids", ...ids);
    await sleep(400);
    await ok("wait", "instance-terminated", "--instance-ids", ...ids);

    await Promise.all([ok("delete-security-group", "--group-id", group.GroupId), ok("delete-key-pair", "--key-name", "cli-key")]);
    await ok("delete-subnet", "--subnet-id", subnetId);
    await ok("delete-vpc", "--vpc-id", vpcId);
    const gone = await aws("describe-vpcs", "--vpc-ids", vpcId);
    assert.match(gone.stderr, /InvalidVpcID\.NotFound/);
  });
});
