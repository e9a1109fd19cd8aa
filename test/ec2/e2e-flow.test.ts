/** End to end, as infrastructure code drives EC2 through the SDK: build a VPC stack, launch, stop/start, image, tear down in order. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateImageCommand,
  CreateInternetGatewayCommand,
  CreateKeyPairCommand,
  CreateLaunchTemplateCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteKeyPairCommand,
  DeleteLaunchTemplateCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSnapshotCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateAddressCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  ReleaseAddressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilImageAvailable,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  type Instance,
} from "@aws-sdk/client-ec2";
import type { RunningStratus } from "../support/server.ts";
import { errorOf, linuxImage, startEc2 } from "./instances-support.ts";

let server: RunningStratus;
let ec2: EC2Client;
const wait = () => ({ client: ec2, maxWaitTime: 30, minDelay: 1, maxDelay: 1 });

before(async () => {
  ({ server, ec2 } = await startEc2());
});
after(async () => {
  ec2?.destroy();
  await server?.stop();
});

async function describeInstances(ids: string[]): Promise<Instance[]> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

describe("infrastructure-as-code flow through the SDK", () => {
  it("builds a VPC stack, runs instances from a launch template, images one, and tears everything down in dependency order", async () => {
    const imageId = await linuxImage(ec2);

    // Network: VPC, two subnets in two zones, internet gateway, a route table with a default route.
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16", TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "Name", Value: "e2e" }] }] }))).Vpc?.VpcId ?? "";
    const subnetA = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.20.1.0/24", AvailabilityZone: "us-east-1a" }))).Subnet?.SubnetId ?? "";
    const subnetB = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.20.2.0/24", AvailabilityZone: "us-east-1b" }))).Subnet?.SubnetId ?? "";
    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetA, MapPublicIpOnLaunch: { Value: true } }));
    const igwId = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId ?? "";
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    const routeTableId = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable?.RouteTableId ?? "";
    await ec2.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igwId }));
    const associations = [
      (await ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetA }))).AssociationId ?? "",
      (await ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetB }))).AssociationId ?? "",
    ];

    // Security group with rules, key pair, launch template.
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "e2e-web", Description: "web", VpcId: vpcId }))).GroupId ?? "";
    const ssh = { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "203.0.113.0/24" }] };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [ssh, { IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
    const duplicate = await errorOf(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [ssh] })));
    assert.equal(duplicate.name, "InvalidPermission.Duplicate");
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [groupId] }] }));
    assert.equal((rules.SecurityGroupRules ?? []).filter((r) => !r.IsEgress).length, 2);
    const key = await ec2.send(new CreateKeyPairCommand({ KeyName: "e2e-key" }));
    assert.match(key.KeyMaterial ?? "", /^-----BEGIN (RSA )?PRIVATE KEY-----/);
    await ec2.send(new CreateLaunchTemplateCommand({
      LaunchTemplateName: "e2e-web",
      LaunchTemplateData: {
        ImageId: imageId, InstanceType: "t3.micro", KeyName: "e2e-key", SecurityGroupIds: [groupId],
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "role", Value: "web" }] }],
        BlockDeviceMappings: [{ DeviceName: "/dev/sdf", Ebs: { VolumeSize: 8, VolumeType: "gp3", DeleteOnTermination: true } }],
      },
    }));

    // Instances from the template (request values added), an extra volume each, tags on instances and volumes.
    const run = await ec2.send(new RunInstancesCommand({
      LaunchTemplate: { LaunchTemplateName: "e2e-web", Version: "$Latest" }, SubnetId: subnetA, MinCount: 2, MaxCount: 2,
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "e2e-web" }] }, { ResourceType: "volume", Tags: [{ Key: "stack", Value: "e2e" }] }],
    }));
    const ids = (run.Instances ?? []).map((i) => i.InstanceId ?? "");
    assert.equal(ids.length, 2);
    await waitUntilInstanceRunning(wait(), { InstanceIds: ids });
    const running = await describeInstances(ids);
    for (const instance of running) {
      assert.equal(instance.KeyName, "e2e-key");
      assert.equal(instance.InstanceType, "t3.micro");
      assert.equal(instance.VpcId, vpcId);
      assert.equal(instance.SubnetId, subnetA);
      assert.match(instance.PrivateIpAddress ?? "", /^10\.20\.1\./);
      assert.ok(instance.PublicIpAddress, "the subnet maps public IPs on launch");
      assert.deepEqual(instance.SecurityGroups, [{ GroupId: groupId, GroupName: "e2e-web" }]);
      const tags = Object.fromEntries((instance.Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.equal(tags.role, "web", "template tags");
      assert.equal(tags.Name, "e2e-web", "request tags");
      assert.deepEqual((instance.BlockDeviceMappings ?? []).map((b) => b.DeviceName).sort(), [instance.RootDeviceName, "/dev/sdf"].sort());
    }
    const volumes = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: ids }] }));
    assert.equal(volumes.Volumes?.length, 4);
    assert.ok(volumes.Volumes?.every((v) => v.Tags?.some((t) => t.Key === "stack" && t.Value === "e2e")));
    assert.ok(volumes.Volumes?.some((v) => v.Size === 8 && v.VolumeType === "gp3"));

    // Elastic IP on the first instance; it survives stop/start while the other's public IP changes.
    const first = ids[0] ?? "";
    const second = ids[1] ?? "";
    const allocation = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
    const associationId = (await ec2.send(new AssociateAddressCommand({ AllocationId: allocation.AllocationId, InstanceId: first }))).AssociationId ?? "";
    assert.equal((await describeInstances([first]))[0]?.PublicIpAddress, allocation.PublicIp);
    const secondIp = running.find((i) => i.InstanceId === second)?.PublicIpAddress;
    await ec2.send(new StopInstancesCommand({ InstanceIds: ids }));
    await waitUntilInstanceStopped(wait(), { InstanceIds: ids });
    const stopped = await describeInstances(ids);
    assert.equal(stopped.find((i) => i.InstanceId === first)?.PublicIpAddress, allocation.PublicIp, "an Elastic IP stays through a stop");
    assert.equal(stopped.find((i) => i.InstanceId === second)?.PublicIpAddress, undefined);
    await ec2.send(new StartInstancesCommand({ InstanceIds: ids }));
    await waitUntilInstanceRunning(wait(), { InstanceIds: ids });
    const restarted = await describeInstances(ids);
    assert.equal(restarted.find((i) => i.InstanceId === first)?.PublicIpAddress, allocation.PublicIp);
    const newIp = restarted.find((i) => i.InstanceId === second)?.PublicIpAddress;
    assert.ok(newIp && newIp !== secondIp, "a new auto-assigned public IP after start");

    // An image of the first instance, with snapshots of both its volumes.
    const newImageId = (await ec2.send(new CreateImageCommand({ InstanceId: first, Name: "e2e-web-image", NoReboot: true }))).ImageId ?? "";
    assert.match(newImageId, /^ami-[0-9a-f]{17}$/);
    await waitUntilImageAvailable(wait(), { ImageIds: [newImageId] });
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [newImageId] }))).Images?.[0];
    const snapshotIds = (image?.BlockDeviceMappings ?? []).map((b) => b.Ebs?.SnapshotId ?? "").filter(Boolean);
    assert.equal(snapshotIds.length, 2);

    // Teardown in the wrong order: EC2 refuses while things still depend on each other. One call at a time: a
    // rejection that arrived before its turn to be awaited would count as unhandled and fail the test.
    for (const [label, call] of [
      ["security group in use", () => ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }))],
      ["subnet with instances", () => ec2.send(new DeleteSubnetCommand({ SubnetId: subnetA }))],
      ["VPC with subnets", () => ec2.send(new DeleteVpcCommand({ VpcId: vpcId }))],
      ["snapshot of a registered image", () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotIds[0] }))],
    ] as const) {
      const error = await errorOf(call());
      assert.ok(["DependencyViolation", "InvalidSnapshot.InUse"].includes(error.name), `${label}: ${error.name} ${error.message}`);
    }

    // Teardown in dependency order.
    await ec2.send(new DisassociateAddressCommand({ AssociationId: associationId }));
    await ec2.send(new ReleaseAddressCommand({ AllocationId: allocation.AllocationId }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    await waitUntilInstanceTerminated(wait(), { InstanceIds: ids });
    const left = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: "tag:stack", Values: ["e2e"] }] }));
    assert.deepEqual(left.Volumes ?? [], [], "volumes marked DeleteOnTermination went with the instances");
    await ec2.send(new DeregisterImageCommand({ ImageId: newImageId }));
    for (const snapshotId of snapshotIds) await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId }));
    await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: "e2e-web" }));
    await ec2.send(new DeleteKeyPairCommand({ KeyName: "e2e-key" }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    for (const associationId of associations) await ec2.send(new DisassociateRouteTableCommand({ AssociationId: associationId }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: routeTableId }));
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igwId }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnetA }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnetB }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    const gone = await errorOf(ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })));
    assert.equal(gone.name, "InvalidVpcID.NotFound");
  });
});
