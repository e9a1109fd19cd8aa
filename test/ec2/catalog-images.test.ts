/** EC2 images through the SDK: aws_ami-style lookups, CreateImage/RegisterImage/CopyImage/DeregisterImage, launch permissions. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CopyImageCommand,
  CreateImageCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DisableImageBlockPublicAccessCommand,
  DisableImageDeprecationCommand,
  EC2Client,
  EnableImageBlockPublicAccessCommand,
  EnableImageDeprecationCommand,
  GetImageBlockPublicAccessStateCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  ResetImageAttributeCommand,
  RunInstancesCommand,
  type Image,
} from "@aws-sdk/client-ec2";
import { clientConfig, type RunningStratus } from "../support/server.ts";
import { errorOf, sleep, startEc2 } from "./instances-support.ts";

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

const newest = (images: Image[]): Image | undefined => [...images].sort((a, b) => (a.CreationDate ?? "").localeCompare(b.CreationDate ?? "")).at(-1);

async function waitImage(client: EC2Client, id: string): Promise<Image> {
  for (let i = 0; i < 40; i++) {
    const image = (await client.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images?.[0];
    if (image?.State === "available") return image;
    await sleep(200);
  }
  assert.fail(`image ${id} never became available`);
}

describe("public catalogue lookups", () => {
  it("finds the newest Amazon Linux 2023 x86_64 image as aws_ami does", async () => {
    const out = await ec2.send(new DescribeImagesCommand({
      Owners: ["amazon"],
      Filters: [{ Name: "name", Values: ["al2023-ami-2023.*-x86_64"] }, { Name: "architecture", Values: ["x86_64"] }, { Name: "state", Values: ["available"] }],
    }));
    const images = out.Images ?? [];
    assert.ok(images.length >= 3);
    for (const image of images) {
      assert.match(image.Name ?? "", /^al2023-ami-2023\..*-x86_64$/);
      assert.equal(image.ImageOwnerAlias, "amazon");
      assert.equal(image.OwnerId, "137112412989");
      assert.equal(image.Public, true);
      assert.equal(image.RootDeviceType, "ebs");
      assert.match(image.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId ?? "", /^snap-[0-9a-f]{17}$/);
    }
    const pick = newest(images);
    assert.match(pick?.CreationDate ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.equal(pick?.PlatformDetails, "Linux/UNIX");
  });

  it("finds Ubuntu, Debian, Windows and Bottlerocket by their owners and name patterns", async () => {
    const lookup = async (owners: string[], name: string, arch = "x86_64") =>
      (await ec2.send(new DescribeImagesCommand({ Owners: owners, Filters: [{ Name: "name", Values: [name] }, { Name: "architecture", Values: [arch] }] }))).Images ?? [];
    const ubuntu = await lookup(["099720109477"], "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*");
    assert.equal(ubuntu.length, 1);
    assert.equal(ubuntu[0]?.ImageOwnerAlias, undefined);
    assert.equal((await lookup(["136693071363"], "debian-12-arm64-*", "arm64")).length, 1);
    const windows = await lookup(["amazon"], "Windows_Server-2022-English-Full-Base-*");
    assert.equal(windows[0]?.Platform, "windows");
    assert.equal(windows[0]?.PlatformDetails, "Windows");
    assert.equal((await lookup(["amazon"], "bottlerocket-aws-k8s-*")).length, 1);
    const platform = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], Filters: [{ Name: "platform", Values: ["windows"] }] }));
    assert.ok((platform.Images?.length ?? 0) > 0 && platform.Images?.every((i) => String(i.Platform) === "windows"));
  });

  it("hides deprecated images unless IncludeDeprecated, and pages", async () => {
    const filters = [{ Name: "name", Values: ["amzn-ami-hvm-2018.03.*"] }];
    const hidden = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], Filters: filters }));
    assert.equal(hidden.Images?.length, 0);
    const shown = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], Filters: filters, IncludeDeprecated: true }));
    assert.ok((shown.Images?.length ?? 0) > 0 && shown.Images?.every((i) => (i.DeprecationTime ?? "") < new Date().toISOString()));
    const first = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], MaxResults: 5 }));
    assert.equal(first.Images?.length, 5);
    assert.ok(first.NextToken);
    const second = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], MaxResults: 5, NextToken: first.NextToken }));
    assert.notEqual(second.Images?.[0]?.ImageId, first.Images?.[0]?.ImageId);
  });

  it("answers AWS's errors for unknown and malformed ids and owners", async () => {
    const missing = await errorOf(ec2.send(new DescribeImagesCommand({ ImageIds: ["ami-0123456789abcdef0"] })));
    assert.equal(missing.name, "InvalidAMIID.NotFound");
    assert.match(missing.message, /ami-0123456789abcdef0/);
    assert.equal((await errorOf(ec2.send(new DescribeImagesCommand({ ImageIds: ["ami-nope"] })))).name, "InvalidAMIID.Malformed");
    assert.equal((await errorOf(ec2.send(new DescribeImagesCommand({ Owners: ["someone"] })))).name, "InvalidUserID.Malformed");
  });
});

describe("own images", () => {
  let instanceId: string;
  let imageId: string;
  let baseImage: string;

  before(async () => {
    const found = await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], Filters: [{ Name: "name", Values: ["al2023-ami-2023.*-kernel-6.1-x86_64"] }] }));
    baseImage = found.Images?.[0]?.ImageId ?? "";
    const run = await ec2.send(new RunInstancesCommand({
      ImageId: baseImage, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1,
      BlockDeviceMappings: [{ DeviceName: "/dev/sdf", Ebs: { VolumeSize: 20, VolumeType: "gp3" } }],
    }));
    instanceId = run.Instances?.[0]?.InstanceId ?? "";
    assert.match(instanceId, /^i-/);
    await sleep(400);
  });

  it("CreateImage snapshots the instance's volumes; the image turns available; names are unique", async () => {
    const created = await ec2.send(new CreateImageCommand({
      InstanceId: instanceId, Name: "web-image-1", Description: "from web", NoReboot: true,
      TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "app", Value: "web" }] }, { ResourceType: "snapshot", Tags: [{ Key: "app", Value: "web-snap" }] }],
    }));
    imageId = created.ImageId ?? "";
    assert.match(imageId, /^ami-[0-9a-f]{17}$/);
    const pending = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0];
    assert.equal(pending?.State, "pending");
    const image = await waitImage(ec2, imageId);
    assert.equal(image.OwnerId, "000000000000");
    assert.equal(image.Public, false);
    assert.equal(image.SourceInstanceId, instanceId);
    assert.deepEqual(image.Tags, [{ Key: "app", Value: "web" }]);
    const devices = (image.BlockDeviceMappings ?? []).map((m) => [m.DeviceName, m.Ebs?.VolumeSize]);
    assert.deepEqual(devices.sort(), [["/dev/sdf", 20], ["/dev/xvda", 8]]);
    const snapshots = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "tag:app", Values: ["web-snap"] }] }));
    assert.equal(snapshots.Snapshots?.length, 2);
    assert.ok(snapshots.Snapshots?.every((s) => s.Description?.includes(imageId)));
    const dup = await errorOf(ec2.send(new CreateImageCommand({ InstanceId: instanceId, Name: "web-image-1" })));
    assert.equal(dup.name, "InvalidAMIName.Duplicate");
    const mine = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    assert.deepEqual(mine.Images?.map((i) => i.ImageId), [imageId]);
    const inUse = await errorOf(ec2.send(new DeleteSnapshotCommand({ SnapshotId: image.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId ?? "" })));
    assert.equal(inUse.name, "InvalidSnapshot.InUse");
  });

  it("shares an image with another account and makes it public", async () => {
    const other = new EC2Client(clientConfig(server.endpoint, OTHER));
    try {
      assert.equal((await errorOf(other.send(new DescribeImagesCommand({ ImageIds: [imageId] })))).name, "InvalidAMIID.NotFound");
      await ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ UserId: OTHER }] } }));
      const attr = await ec2.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: "launchPermission" }));
      assert.deepEqual(attr.LaunchPermissions, [{ UserId: OTHER }]);
      const shared = await other.send(new DescribeImagesCommand({ ExecutableUsers: ["self"] }));
      assert.deepEqual(shared.Images?.map((i) => i.ImageId), [imageId]);
      // Launch permission covers the image's snapshots: the other account can launch it.
      const launched = await other.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }));
      assert.equal(launched.Instances?.[0]?.ImageId, imageId);
      assert.equal((await errorOf(other.send(new ModifyImageAttributeCommand({ ImageId: imageId, Description: { Value: "x" } })))).name, "AuthFailure");
      await ec2.send(new EnableImageBlockPublicAccessCommand({ ImageBlockPublicAccessState: "block-new-sharing" }));
      assert.equal((await ec2.send(new GetImageBlockPublicAccessStateCommand({}))).ImageBlockPublicAccessState, "block-new-sharing");
      const blocked = await errorOf(ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ Group: "all" }] } })));
      assert.equal(blocked.name, "OperationNotPermitted");
      await ec2.send(new DisableImageBlockPublicAccessCommand({}));
      await ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, Attribute: "launchPermission", OperationType: "add", UserGroups: ["all"] }));
      assert.equal((await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0]?.Public, true);
      const publicView = await new EC2Client(clientConfig(server.endpoint, "444455556666")).send(new DescribeImagesCommand({ Owners: ["000000000000"] }));
      assert.deepEqual(publicView.Images?.map((i) => i.ImageId), [imageId]);
      await ec2.send(new ResetImageAttributeCommand({ ImageId: imageId, Attribute: "launchPermission" }));
      assert.equal((await errorOf(other.send(new DescribeImagesCommand({ ImageIds: [imageId] })))).name, "InvalidAMIID.NotFound");
      await ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, Description: { Value: "new description" } }));
      const description = await ec2.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: "description" }));
      assert.equal(description.Description?.Value, "new description");
      const soon = new Date(Date.now() + 86_400_000);
      await ec2.send(new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: soon }));
      const deprecating = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0];
      // EC2 keeps the deprecation time to the minute: compare within a minute (an hour prefix flips at :59).
      const deprecatesAt = Date.parse(deprecating?.DeprecationTime ?? "");
      assert.ok(Math.abs(deprecatesAt - soon.getTime()) < 60_000, `${deprecating?.DeprecationTime} vs ${soon.toISOString()}`);
      assert.equal((await errorOf(ec2.send(new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: new Date(Date.now() - 86_400_000) })))).name, "InvalidParameterValue");
      await ec2.send(new DisableImageDeprecationCommand({ ImageId: imageId }));
      assert.equal((await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0]?.DeprecationTime, undefined);
    } finally {
      other.destroy();
    }
  });

  it("CopyImage copies into another region with new snapshots", async () => {
    const west = new EC2Client(clientConfig(server.endpoint, "test", "eu-west-1"));
    try {
      const copied = await west.send(new CopyImageCommand({ SourceImageId: imageId, SourceRegion: "us-east-1", Name: "web-image-1-copy" }));
      const copy = await waitImage(west, copied.ImageId ?? "");
      assert.equal(copy.SourceImageId, imageId);
      assert.equal(copy.SourceImageRegion, "us-east-1");
      const sourceSnapshots = new Set(((await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0]?.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId));
      for (const mapping of copy.BlockDeviceMappings ?? []) assert.ok(!sourceSnapshots.has(mapping.Ebs?.SnapshotId));
      assert.equal((await errorOf(ec2.send(new DescribeImagesCommand({ ImageIds: [copy.ImageId ?? ""] })))).name, "InvalidAMIID.NotFound");
      const publicCopy = await west.send(new CopyImageCommand({ SourceImageId: baseImage, SourceRegion: "us-east-1", Name: "my-al2023" }));
      assert.match(publicCopy.ImageId ?? "", /^ami-/);
    } finally {
      west.destroy();
    }
  });

  it("RegisterImage from a snapshot; DeregisterImage with DeleteAssociatedSnapshots", async () => {
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0];
    const root = image?.BlockDeviceMappings?.find((m) => m.DeviceName === "/dev/xvda")?.Ebs?.SnapshotId ?? "";
    const registered = await ec2.send(new RegisterImageCommand({
      Name: "registered-1", RootDeviceName: "/dev/xvda", VirtualizationType: "hvm", Architecture: "x86_64", EnaSupport: true,
      BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: root } }],
    }));
    const reg = (await ec2.send(new DescribeImagesCommand({ ImageIds: [registered.ImageId ?? ""] }))).Images?.[0];
    assert.equal(reg?.State, "available");
    assert.equal(reg?.BlockDeviceMappings?.[0]?.Ebs?.VolumeSize, 8);
    const missingSnap = await errorOf(ec2.send(new RegisterImageCommand({ Name: "bad", RootDeviceName: "/dev/xvda", BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: "snap-0123456789abcdef0" } }] })));
    assert.equal(missingSnap.name, "InvalidSnapshot.NotFound");
    // The root snapshot is shared by two images: deleting one image's snapshots skips it.
    const gone = await ec2.send(new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }));
    const codes = new Map(gone.DeleteSnapshotResults?.map((r) => [r.SnapshotId, r.ReturnCode]));
    assert.equal(codes.get(root), "skipped");
    assert.equal([...codes.values()].filter((c) => c === "success").length, 1);
    assert.equal((await errorOf(ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })))).name, "InvalidAMIID.NotFound");
    await ec2.send(new DeregisterImageCommand({ ImageId: registered.ImageId ?? "" }));
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: root }));
    const publicOne = await errorOf(ec2.send(new DeregisterImageCommand({ ImageId: baseImage })));
    assert.equal(publicOne.name, "AuthFailure");
  });
});
