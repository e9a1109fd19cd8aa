/** EBS snapshots through the SDK: create (pending → completed), restore, copy, describe, share, delete, per-instance snapshots. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DisableSnapshotBlockPublicAccessCommand,
  EC2Client,
  EnableSnapshotBlockPublicAccessCommand,
  GetSnapshotBlockPublicAccessStateCommand,
  ModifySnapshotAttributeCommand,
  ResetSnapshotAttributeCommand,
  RunInstancesCommand,
  type Snapshot,
} from "@aws-sdk/client-ec2";
import { clientConfig, type RunningStratus } from "../support/server.ts";
import { errorOf, linuxImage, sleep, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let ec2: EC2Client;
const OTHER = "111122223333";

before(async () => {
  ({ server, ec2 } = await startEc2());
});
after(async () => {
  ec2.destroy();
  await server.stop();
});

async function completed(client: EC2Client, id: string): Promise<Snapshot> {
  for (let i = 0; i < 30; i++) {
    const snapshot = (await client.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots?.[0];
    if (snapshot?.State === "completed") return snapshot;
    await sleep(100);
  }
  assert.fail(`snapshot ${id} never completed`);
}

describe("snapshots", () => {
  let volumeId: string;
  let snapshotId: string;

  before(async () => {
    volumeId = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 12, VolumeType: "gp3" }))).VolumeId ?? "";
    await sleep(600);
  });

  it("CreateSnapshot starts pending and completes; volumes restore from it", async () => {
    const out = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: "nightly", TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "kind", Value: "nightly" }] }] }));
    snapshotId = out.SnapshotId ?? "";
    assert.match(snapshotId, /^snap-[0-9a-f]{17}$/);
    assert.equal(out.State, "pending");
    assert.equal(out.VolumeSize, 12);
    assert.equal(out.OwnerId, "000000000000");
    const done = await completed(ec2, snapshotId);
    assert.equal(done.Progress, "100%");
    assert.equal(done.VolumeId, volumeId);
    const restored = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1b", SnapshotId: snapshotId }));
    assert.equal(restored.Size, 12);
    assert.equal(restored.SnapshotId, snapshotId);
    const tooSmall = await errorOf(ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1b", SnapshotId: snapshotId, Size: 5 })));
    assert.equal(tooSmall.name, "InvalidParameterValue");
    assert.equal((await errorOf(ec2.send(new CreateSnapshotCommand({ VolumeId: "vol-0123456789abcdef0" })))).name, "InvalidVolume.NotFound");
  });

  it("DescribeSnapshots by owner, filters and ids", async () => {
    const mine = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "tag:kind", Values: ["nightly"] }, { Name: "status", Values: ["completed"] }] }));
    assert.deepEqual(mine.Snapshots?.map((s) => s.SnapshotId), [snapshotId]);
    const byVolume = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: "volume-id", Values: [volumeId] }, { Name: "description", Values: ["night*"] }] }));
    assert.equal(byVolume.Snapshots?.length, 1);
    assert.equal((await errorOf(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ["snap-0123456789abcdef0"] })))).name, "InvalidSnapshot.NotFound");
    assert.equal((await errorOf(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ["snap-zz"] })))).name, "InvalidSnapshotID.Malformed");
  });

  it("CopySnapshot within and across regions", async () => {
    const local = await ec2.send(new CopySnapshotCommand({ SourceSnapshotId: snapshotId, SourceRegion: "us-east-1", Description: "copy" }));
    const copy = await completed(ec2, local.SnapshotId ?? "");
    assert.equal(copy.Description, "copy");
    assert.equal(copy.VolumeSize, 12);
    const west = new EC2Client(clientConfig(server.endpoint, "test", "eu-west-1"));
    try {
      const remote = await west.send(new CopySnapshotCommand({ SourceSnapshotId: snapshotId, SourceRegion: "us-east-1", Encrypted: true }));
      const remoteCopy = await completed(west, remote.SnapshotId ?? "");
      assert.equal(remoteCopy.Encrypted, true);
      assert.match(remoteCopy.Description ?? "", /Copied .* from us-east-1/);
      assert.equal((await errorOf(ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [remote.SnapshotId ?? ""] })))).name, "InvalidSnapshot.NotFound");
    } finally {
      west.destroy();
    }
  });

  it("createVolumePermission shares a snapshot with another account and publicly", async () => {
    const other = new EC2Client(clientConfig(server.endpoint, OTHER));
    try {
      assert.equal((await errorOf(other.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })))).name, "InvalidSnapshot.NotFound");
      await ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: "createVolumePermission", OperationType: "add", UserIds: [OTHER] }));
      const attr = await ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: "createVolumePermission" }));
      assert.deepEqual(attr.CreateVolumePermissions, [{ UserId: OTHER }]);
      const restorable = await other.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ["self"] }));
      assert.deepEqual(restorable.Snapshots?.map((s) => s.SnapshotId), [snapshotId]);
      const theirVolume = await other.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", SnapshotId: snapshotId }));
      assert.equal(theirVolume.Size, 12);
      assert.equal((await errorOf(other.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })))).name, "AuthFailure");
      await ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: snapshotId, CreateVolumePermission: { Add: [{ Group: "all" }], Remove: [{ UserId: OTHER }] } }));
      const third = new EC2Client(clientConfig(server.endpoint, "444455556666"));
      const publicOnes = await third.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ["all"] }));
      assert.deepEqual(publicOnes.Snapshots?.map((s) => s.SnapshotId), [snapshotId]);
      // Block public access: block-all-sharing hides public snapshots; block-new-sharing refuses new public shares.
      await ec2.send(new EnableSnapshotBlockPublicAccessCommand({ State: "block-all-sharing" }));
      assert.equal((await ec2.send(new GetSnapshotBlockPublicAccessStateCommand({}))).State, "block-all-sharing");
      assert.deepEqual((await third.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ["all"] }))).Snapshots, []);
      await ec2.send(new EnableSnapshotBlockPublicAccessCommand({ State: "block-new-sharing" }));
      assert.equal((await third.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ["all"] }))).Snapshots?.length, 1);
      const blocked = await errorOf(ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: snapshotId, CreateVolumePermission: { Add: [{ Group: "all" }] } })));
      assert.equal(blocked.name, "OperationNotPermitted");
      await ec2.send(new DisableSnapshotBlockPublicAccessCommand({}));
      third.destroy();
      await ec2.send(new ResetSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: "createVolumePermission" }));
      assert.equal((await errorOf(other.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] })))).name, "InvalidSnapshot.NotFound");
    } finally {
      other.destroy();
    }
  });

  it("CreateSnapshots snapshots an instance's volumes; DeleteSnapshot removes one", async () => {
    const imageId = await linuxImage(ec2);
    const run = await ec2.send(new RunInstancesCommand({
      ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1,
      BlockDeviceMappings: [{ DeviceName: "/dev/sdf", Ebs: { VolumeSize: 4 } }],
      TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "team", Value: "a" }] }],
    }));
    const instanceId = run.Instances?.[0]?.InstanceId ?? "";
    const all = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: instanceId }, Description: "both", CopyTagsFromSource: "volume" }));
    assert.deepEqual(all.Snapshots?.map((s) => s.VolumeSize).sort(), [4, 8]);
    assert.ok(all.Snapshots?.every((s) => s.Tags?.some((t) => t.Key === "team")));
    const dataOnly = await ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: instanceId, ExcludeBootVolume: true } }));
    assert.deepEqual(dataOnly.Snapshots?.map((s) => s.VolumeSize), [4]);
    const id = dataOnly.Snapshots?.[0]?.SnapshotId ?? "";
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: id }));
    assert.equal((await errorOf(ec2.send(new DeleteSnapshotCommand({ SnapshotId: id })))).name, "InvalidSnapshot.NotFound");
  });
});
