/** DescribeInstances reuses views of unchanged instances: every change, and time advancing a state, still shows. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateTagsCommand, DescribeInstancesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import type { RunningStratus } from "../support/server.ts";
import { linuxImage, sleep, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let ec2: EC2Client;
let imageId: string;

async function describeOne(id: string): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const instance = out.Reservations?.[0]?.Instances?.[0];
  assert.ok(instance, `instance ${id} described`);
  return instance;
}

before(async () => {
  ({ server, ec2 } = await startEc2());
  imageId = await linuxImage(ec2);
});
after(async () => {
  ec2?.destroy();
  await server?.stop();
});

describe("DescribeInstances over unchanged instances", () => {
  it("shows new tags, a state advanced by time and a stop, between repeated listings", async () => {
    const out = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 2, MaxCount: 2 }));
    const [id, other] = (out.Instances ?? []).map((i) => i.InstanceId ?? "");
    assert.ok(id && other);
    assert.equal((await describeOne(id)).State?.Name, "pending");
    assert.equal((await describeOne(id)).State?.Name, "pending");
    await sleep(600);
    assert.equal((await describeOne(id)).State?.Name, "running");
    const before = await describeOne(other);
    assert.deepEqual(before.Tags ?? [], []);
    await ec2.send(new CreateTagsCommand({ Resources: [other], Tags: [{ Key: "role", Value: "db & <cache>" }] }));
    assert.deepEqual((await describeOne(other)).Tags, [{ Key: "role", Value: "db & <cache>" }]);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    assert.equal((await describeOne(id)).State?.Name, "stopping");
    await sleep(600);
    const stopped = await describeOne(id);
    assert.equal(stopped.State?.Name, "stopped");
    assert.equal((await describeOne(id)).State?.Name, "stopped");
    // The whole listing agrees with the listings by id.
    const all = await ec2.send(new DescribeInstancesCommand({}));
    const listed = (all.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    assert.deepEqual(listed.find((i) => i.InstanceId === id), stopped);
    assert.deepEqual(listed.find((i) => i.InstanceId === other)?.Tags, [{ Key: "role", Value: "db & <cache>" }]);
  });
});
