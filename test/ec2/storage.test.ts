/** EBS through the SDK: volume rules and defaults, attach/detach states and errors, modifications, launch volumes. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumeAttributeCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  DescribeVolumeStatusCommand,
  DetachVolumeCommand,
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
  ResetEbsDefaultKmsKeyIdCommand,
  ModifyVolumeAttributeCommand,
  ModifyVolumeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type Volume,
} from "@aws-sdk/client-ec2";
import type { RunningStratus } from "../support/server.ts";
import { errorOf, linuxImage, sleep, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let ec2: EC2Client;
let imageId: string;

before(async () => {
  ({ server, ec2 } = await startEc2());
  imageId = await linuxImage(ec2);
});
after(async () => {
  ec2.destroy();
  await server.stop();
});

async function volume(id: string): Promise<Volume> {
  const found = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0];
  assert.ok(found);
  return found;
}

async function until(id: string, check: (v: Volume) => boolean): Promise<Volume> {
  for (let i = 0; i < 30; i++) {
    const v = await volume(id);
    if (check(v)) return v;
    await sleep(100);
  }
  assert.fail(`volume ${id} never reached the expected state`);
}

async function create(extra: Partial<ConstructorParameters<typeof CreateVolumeCommand>[0]> = {}): Promise<string> {
  const out = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 10, ...extra }));
  return out.VolumeId ?? "";
}

describe("CreateVolume", () => {
  it("creates volumes with AWS's defaults per type (creating → available)", async () => {
    const out = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 10, TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "Name", Value: "data" }] }] }));
    assert.match(out.VolumeId ?? "", /^vol-[0-9a-f]{17}$/);
    assert.equal(out.State, "creating");
    assert.equal(out.VolumeType, "gp2");
    assert.equal(out.Iops, 100);
    assert.equal(out.Encrypted, false);
    assert.equal(out.AvailabilityZoneId?.startsWith("use1-az"), true);
    assert.deepEqual(out.Tags, [{ Key: "Name", Value: "data" }]);
    const ready = await until(out.VolumeId ?? "", (v) => v.State === "available");
    assert.equal(ready.Size, 10);
    const gp3 = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 100, VolumeType: "gp3" }));
    assert.equal(gp3.Iops, 3000);
    assert.equal(gp3.Throughput, 125);
    const io2 = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1b", Size: 10, VolumeType: "io2", Iops: 5000, Encrypted: true }));
    assert.equal(io2.Iops, 5000);
    assert.match(io2.KmsKeyId ?? "", /^arn:aws:kms:us-east-1:000000000000:key\//);
    // ClientToken: a retried request returns the same volume; reuse with other parameters fails.
    const once = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 2, ClientToken: "retry-1" }));
    const twice = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 2, ClientToken: "retry-1" }));
    assert.equal(twice.VolumeId, once.VolumeId);
    assert.equal((await errorOf(ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 3, ClientToken: "retry-1" })))).name, "IdempotentParameterMismatch");
  });

  it("enforces sizes, IOPS and throughput limits and zones", async () => {
    const cases: Array<[Partial<ConstructorParameters<typeof CreateVolumeCommand>[0]>, string]> = [
      [{ Size: 20000 }, "InvalidParameterValue"],
      [{ Size: 10, VolumeType: "st1" }, "InvalidParameterValue"],
      [{ Size: 10, VolumeType: "io1" }, "MissingParameter"],
      [{ Size: 10, VolumeType: "io1", Iops: 1000 }, "InvalidParameterValue"],
      [{ Size: 10, VolumeType: "gp3", Iops: 20000 }, "InvalidParameterValue"],
      [{ Size: 100, VolumeType: "gp3", Throughput: 1001 }, "InvalidParameterValue"],
      [{ Size: 10, VolumeType: "gp2", Iops: 300 }, "InvalidParameterCombination"],
      [{ Size: 10, VolumeType: "gp9" as "gp2" }, "InvalidParameterValue"],
      [{ Size: 10, KmsKeyId: "alias/x" }, "InvalidParameterDependency"],
      [{ Size: 10, AvailabilityZone: "us-east-1z" }, "InvalidParameterValue"],
      [{ SnapshotId: "snap-0123456789abcdef0" }, "InvalidSnapshot.NotFound"],
      [{ Size: 10, DryRun: true }, "DryRunOperation"],
    ];
    for (const [input, code] of cases) {
      const error = await errorOf(ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", ...input })));
      assert.equal(error.name, code, JSON.stringify(input));
    }
  });

  it("DescribeVolumes filters, paging and not-found errors", async () => {
    assert.equal((await errorOf(ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 33, VolumeType: "sc1" })))).name, "InvalidParameterValue");
    const big = await create({ Size: 125, VolumeType: "sc1" });
    const bySize = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "size", Values: ["125"] }, { Name: "volume-type", Values: ["sc1"] }] }));
    assert.deepEqual(bySize.Volumes?.map((v) => v.VolumeId), [big]);
    const tagged = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "tag:Name", Values: ["da*"] }] }));
    assert.equal(tagged.Volumes?.length, 1);
    const total = (await ec2.send(new DescribeVolumesCommand({}))).Volumes?.length ?? 0;
    const page = await ec2.send(new DescribeVolumesCommand({ MaxResults: 5 }));
    assert.equal(page.Volumes?.length, Math.min(5, total));
    assert.equal(Boolean(page.NextToken), total > 5);
    assert.equal((await errorOf(ec2.send(new DescribeVolumesCommand({ VolumeIds: ["vol-0123456789abcdef0"] })))).name, "InvalidVolume.NotFound");
    assert.equal((await errorOf(ec2.send(new DescribeVolumesCommand({ VolumeIds: ["vol-xyz"] })))).name, "InvalidVolumeID.Malformed");
  });
});

describe("attachments", () => {
  let instanceId: string;

  before(async () => {
    const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: "us-east-1a" } }));
    instanceId = run.Instances?.[0]?.InstanceId ?? "";
    await sleep(400);
  });

  it("attaches (attaching → attached), blocks deletion, detaches (detaching → available)", async () => {
    const id = await create();
    await until(id, (v) => v.State === "available");
    const attached = await ec2.send(new AttachVolumeCommand({ VolumeId: id, InstanceId: instanceId, Device: "/dev/sdf" }));
    assert.equal(attached.State, "attaching");
    assert.equal(attached.Device, "/dev/sdf");
    const inUse = await until(id, (v) => v.Attachments?.[0]?.State === "attached");
    assert.equal(inUse.State, "in-use");
    assert.equal(inUse.Attachments?.[0]?.DeleteOnTermination, false);
    const byInstance = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }, { Name: "attachment.device", Values: ["/dev/sdf"] }] }));
    assert.deepEqual(byInstance.Volumes?.map((v) => v.VolumeId), [id]);
    const described = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    assert.ok(described?.BlockDeviceMappings?.some((m) => m.DeviceName === "/dev/sdf" && m.Ebs?.VolumeId === id));
    assert.equal((await errorOf(ec2.send(new DeleteVolumeCommand({ VolumeId: id })))).name, "VolumeInUse");
    const other = await create();
    await until(other, (v) => v.State === "available");
    assert.equal((await errorOf(ec2.send(new AttachVolumeCommand({ VolumeId: other, InstanceId: instanceId, Device: "/dev/sdf" })))).name, "InvalidParameterValue");
    assert.equal((await errorOf(ec2.send(new AttachVolumeCommand({ VolumeId: other, InstanceId: instanceId, Device: "sdf" })))).name, "InvalidParameterValue");
    assert.equal((await errorOf(ec2.send(new AttachVolumeCommand({ VolumeId: id, InstanceId: instanceId, Device: "/dev/sdg" })))).name, "VolumeInUse");
    const detached = await ec2.send(new DetachVolumeCommand({ VolumeId: id }));
    assert.equal(detached.State, "detaching");
    const free = await until(id, (v) => v.State === "available");
    assert.deepEqual(free.Attachments, []);
    assert.equal((await errorOf(ec2.send(new DetachVolumeCommand({ VolumeId: id })))).name, "IncorrectState");
    await ec2.send(new DeleteVolumeCommand({ VolumeId: id }));
    assert.equal((await errorOf(ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] })))).name, "InvalidVolume.NotFound");
  });

  it("refuses a volume from another zone and the running instance's root volume", async () => {
    const elsewhere = await create({ AvailabilityZone: "us-east-1b" });
    await until(elsewhere, (v) => v.State === "available");
    assert.equal((await errorOf(ec2.send(new AttachVolumeCommand({ VolumeId: elsewhere, InstanceId: instanceId, Device: "/dev/sdh" })))).name, "InvalidVolume.ZoneMismatch");
    const root = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }, { Name: "attachment.device", Values: ["/dev/xvda"] }] }))).Volumes?.[0];
    assert.ok(root);
    assert.equal(root.Attachments?.[0]?.DeleteOnTermination, true);
    assert.equal(root.SnapshotId?.startsWith("snap-"), true);
    assert.equal((await errorOf(ec2.send(new DetachVolumeCommand({ VolumeId: root.VolumeId ?? "" })))).name, "OperationNotPermitted");
  });

  it("launch volumes follow the block device mappings and DeleteOnTermination on terminate", async () => {
    const run = await ec2.send(new RunInstancesCommand({
      ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1,
      BlockDeviceMappings: [
        { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 30, VolumeType: "gp3" } },
        { DeviceName: "/dev/sdb", Ebs: { VolumeSize: 50, DeleteOnTermination: false } },
        { DeviceName: "/dev/sdc", Ebs: { VolumeSize: 5 } },
      ],
      TagSpecifications: [{ ResourceType: "volume", Tags: [{ Key: "owner", Value: "launch" }] }],
    }));
    const id = run.Instances?.[0]?.InstanceId ?? "";
    const volumes = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [id] }] }))).Volumes ?? [];
    const byDevice = new Map(volumes.map((v) => [v.Attachments?.[0]?.Device, v]));
    assert.equal(byDevice.get("/dev/xvda")?.Size, 30);
    assert.equal(byDevice.get("/dev/xvda")?.VolumeType, "gp3");
    assert.equal(byDevice.get("/dev/sdb")?.Attachments?.[0]?.DeleteOnTermination, false);
    assert.equal(byDevice.get("/dev/sdc")?.Attachments?.[0]?.DeleteOnTermination, true);
    assert.ok(volumes.every((v) => v.Tags?.some((t) => t.Key === "owner")));
    // The AL2023 root is gp3 with 3000 IOPS: asking for gp2 drops them instead of failing.
    const gp2Root = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeType: "gp2" } }] }));
    const gp2Id = gp2Root.Instances?.[0]?.InstanceId ?? "";
    const gp2Volume = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [gp2Id] }] }))).Volumes?.[0];
    assert.equal(gp2Volume?.VolumeType, "gp2");
    assert.equal(gp2Volume?.Iops, 100);
        const small = await errorOf(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 2 } }] })));
    assert.equal(small.name, "InvalidBlockDeviceMapping");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    let left: Volume[] = [];
    for (let i = 0; i < 30; i++) {
      left = (await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "volume-id", Values: volumes.map((v) => v.VolumeId ?? "") }] }))).Volumes ?? [];
      if (left.length === 1) break;
      await sleep(200);
    }
    assert.deepEqual(left.map((v) => v.VolumeId), [byDevice.get("/dev/sdb")?.VolumeId]);
    assert.equal(left[0]?.State, "available");
  });
});

describe("modifications, status and attributes", () => {
  it("ModifyVolume grows a volume and changes its type; the modification progresses", async () => {
    const id = await create({ Size: 10 });
    const run = await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: "us-east-1a" } }));
    await sleep(400);
    await until(id, (v) => v.State === "available");
    const out = await ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 20, VolumeType: "gp3", Iops: 4000 }));
    assert.equal(out.VolumeModification?.ModificationState, "modifying");
    const attach = await errorOf(ec2.send(new AttachVolumeCommand({ VolumeId: id, InstanceId: run.Instances?.[0]?.InstanceId ?? "", Device: "/dev/sdk" })));
    assert.equal(attach.name, "OperationNotPermitted");
    assert.equal(out.VolumeModification?.OriginalSize, 10);
    assert.equal(out.VolumeModification?.TargetSize, 20);
    assert.equal(out.VolumeModification?.TargetVolumeType, "gp3");
    const busy = await errorOf(ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 30 })));
    assert.equal(busy.name, "IncorrectModificationState");
    assert.match(busy.message, /modification state (MODIFYING|OPTIMIZING)/);
    const after = await volume(id);
    assert.equal(after.Size, 20);
    assert.equal(after.Iops, 4000);
    await sleep(1600);
    const done = await ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [id] }));
    assert.equal(done.VolumesModifications?.[0]?.ModificationState, "completed");
    assert.equal(done.VolumesModifications?.[0]?.Progress, 100);
    assert.equal((await errorOf(ec2.send(new ModifyVolumeCommand({ VolumeId: id, Size: 5 })))).name, "InvalidParameterValue");
  });

  it("DescribeVolumeStatus and volume attributes", async () => {
    const id = await create();
    const status = await ec2.send(new DescribeVolumeStatusCommand({ VolumeIds: [id] }));
    assert.equal(status.VolumeStatuses?.[0]?.VolumeStatus?.Status, "ok");
    await ec2.send(new ModifyVolumeAttributeCommand({ VolumeId: id, AutoEnableIO: { Value: true } }));
    const attr = await ec2.send(new DescribeVolumeAttributeCommand({ VolumeId: id, Attribute: "autoEnableIO" }));
    assert.equal(attr.AutoEnableIO?.Value, true);
  });
});

describe("encryption by default", () => {
  it("encrypts new volumes with the account's default key once enabled", async () => {
    assert.equal((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
    assert.equal((await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId, "alias/aws/ebs");
    await ec2.send(new EnableEbsEncryptionByDefaultCommand({}));
    const managed = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1, Encrypted: false }));
    assert.equal(managed.Encrypted, true);
    assert.match(managed.KmsKeyId ?? "", /^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    const key = "0b5a4e1c-2f3d-4e5f-8a9b-0c1d2e3f4a5b";
    const modified = await ec2.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: key }));
    assert.equal(modified.KmsKeyId, `arn:aws:kms:us-east-1:000000000000:key/${key}`);
    const custom = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }));
    assert.equal(custom.KmsKeyId, modified.KmsKeyId);
    await ec2.send(new ResetEbsDefaultKmsKeyIdCommand({}));
    await ec2.send(new DisableEbsEncryptionByDefaultCommand({}));
    const plain = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }));
    assert.equal(plain.Encrypted, false);
    assert.equal(plain.KmsKeyId, undefined);
  });
});
