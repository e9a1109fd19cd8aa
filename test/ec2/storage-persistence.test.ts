/** Volumes, snapshots, images, shares and zone opt-ins survive a restart with a data directory; pending states still advance. */
import assert from "node:assert/strict";
import { after, it } from "node:test";
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyAvailabilityZoneGroupCommand,
  ModifySnapshotAttributeCommand,
  RegisterImageCommand,
} from "@aws-sdk/client-ec2";
import { clientConfig, startStratus, tempDataDir } from "../support/server.ts";

const data = tempDataDir("stratus-storage-");
after(() => data.remove());

it("keeps storage and catalog records across a restart", async () => {
  let server = await startStratus({ dataDir: data.dir });
  let ec2 = new EC2Client(clientConfig(server.endpoint));
  const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 9, VolumeType: "gp3" }));
  await new Promise((resolve) => setTimeout(resolve, 600));
  const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId }));
  await ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: snapshot.SnapshotId, Attribute: "createVolumePermission", OperationType: "add", UserIds: ["111122223333"] }));
  const image = await ec2.send(new RegisterImageCommand({ Name: "kept-image", RootDeviceName: "/dev/xvda", VirtualizationType: "hvm", BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: snapshot.SnapshotId } }] }));
  await ec2.send(new ModifyAvailabilityZoneGroupCommand({ GroupName: "us-east-1-bos-1", OptInStatus: "opted-in" }));
  await ec2.send(new EnableEbsEncryptionByDefaultCommand({}));
  ec2.destroy();
  await server.stop();

  server = await startStratus({ dataDir: data.dir });
  ec2 = new EC2Client(clientConfig(server.endpoint));
  const other = new EC2Client(clientConfig(server.endpoint, "111122223333"));
  try {
    const volumes = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volume.VolumeId ?? ""] }));
    assert.equal(volumes.Volumes?.[0]?.State, "available");
    assert.equal(volumes.Volumes?.[0]?.Size, 9);
    // The snapshot was pending at shutdown: it completes on time after the restart.
    let state: string | undefined;
    for (let i = 0; i < 30 && state !== "completed"; i++) {
      state = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshot.SnapshotId ?? ""] }))).Snapshots?.[0]?.State;
      if (state !== "completed") await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(state, "completed");
    const shared = await other.send(new DescribeSnapshotsCommand({ RestorableByUserIds: ["self"] }));
    assert.deepEqual(shared.Snapshots?.map((s) => s.SnapshotId), [snapshot.SnapshotId]);
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(images.Images?.map((i) => i.ImageId), [image.ImageId]);
    const zone = await ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ["us-east-1-bos-1a"] }));
    assert.equal(zone.AvailabilityZones?.[0]?.OptInStatus, "opted-in");
    assert.equal((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
  } finally {
    ec2.destroy();
    other.destroy();
    await server.stop();
  }
});
