/** Elastic Volumes limit: four modifications per volume in a rolling 24 hours (fast transitions). */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { CreateVolumeCommand, DescribeVolumesModificationsCommand, EC2Client, ModifyVolumeCommand } from "@aws-sdk/client-ec2";
import type { RunningStratus } from "../support/server.ts";
import { errorOf, sleep, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let ec2: EC2Client;

before(async () => {
  ({ server, ec2 } = await startEc2({ env: { STRATUS_EC2_TRANSITION_MS: "20" } }));
});
after(async () => {
  ec2.destroy();
  await server.stop();
});

async function completed(id: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const state = (await ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [id] }))).VolumesModifications?.[0]?.ModificationState;
    if (state === "completed") return;
    await sleep(20);
  }
  assert.fail("modification never completed");
}

it("allows four modifications per volume in 24 hours", async () => {
  const id = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 10, VolumeType: "gp3" }))).VolumeId ?? "";
  await sleep(50);
  // (One-at-a-time is checked in storage.test.ts with slower transitions; here they are too quick to catch.)
  for (const size of [11, 12, 13, 14]) {
    await ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: size }));
    await completed(id);
  }
  const limited = await errorOf(ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 15 })));
  assert.equal(limited.name, "VolumeModificationRateExceeded");
  const last = await ec2.send(new DescribeVolumesModificationsCommand({ Filters: [{ Name: "target-size", Values: ["14"] }] }));
  assert.equal(last.VolumesModifications?.[0]?.OriginalSize, 13);
});
