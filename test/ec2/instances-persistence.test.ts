/** EC2 instances across a restart (records and lifecycle timestamps in the data directory) and terminated instances disappearing. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeInstancesCommand, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand, waitUntilInstanceStopped } from "@aws-sdk/client-ec2";
import { tempDataDir } from "../support/server.ts";
import { errorOf, linuxImage, sleep, startEc2 } from "./instances-support.ts";

describe("instances across a restart", () => {
  it("keeps instances, their tags and their lifecycle in the data directory", async () => {
    const data = tempDataDir();
    try {
      const first = await startEc2({ dataDir: data.dir });
      const imageId = await linuxImage(first.ec2);
      const run = await first.ec2.send(new RunInstancesCommand({
        ImageId: imageId, InstanceType: "t3.micro", MinCount: 2, MaxCount: 2,
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "keep", Value: "me" }] }],
      }));
      const ids = (run.Instances ?? []).map((i) => i.InstanceId ?? "");
      first.ec2.destroy();
      await first.server.stop();

      // Pending when the server stopped: running when read after the restart (transitions are timestamps).
      const second = await startEc2({ dataDir: data.dir });
      await sleep(300);
      const out = await second.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
      const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
      assert.deepEqual(instances.map((i) => i.State?.Name), ["running", "running"]);
      assert.deepEqual(instances[0]?.Tags, [{ Key: "keep", Value: "me" }]);
      assert.equal(out.Reservations?.[0]?.ReservationId, run.ReservationId);
      assert.ok(instances[0]?.PrivateIpAddress);
      await second.ec2.send(new StopInstancesCommand({ InstanceIds: [ids[0] ?? ""] }));
      await waitUntilInstanceStopped({ client: second.ec2, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { InstanceIds: [ids[0] ?? ""] });
      second.ec2.destroy();
      await second.server.stop();

      const third = await startEc2({ dataDir: data.dir });
      const after = await third.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
      assert.deepEqual((after.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name), ["stopped", "running"]);
      third.ec2.destroy();
      await third.server.stop();
    } finally {
      data.remove();
    }
  });
});

describe("terminated instances", () => {
  it("stay visible for the retention time, then disappear", async () => {
    const { server, ec2 } = await startEc2({ env: { STRATUS_EC2_TERMINATED_RETENTION_MS: "600" } });
    try {
      const imageId = await linuxImage(ec2);
      const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }));
      const id = run.Instances?.[0]?.InstanceId ?? "";
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      await sleep(450);
      const visible = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      assert.equal(visible.Reservations?.[0]?.Instances?.[0]?.State?.Name, "terminated");
      await sleep(700);
      const gone = await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] })));
      assert.equal(gone.name, "InvalidInstanceID.NotFound");
      const all = await ec2.send(new DescribeInstancesCommand({}));
      assert.deepEqual(all.Reservations, []);
    } finally {
      ec2.destroy();
      await server.stop();
    }
  });
});
