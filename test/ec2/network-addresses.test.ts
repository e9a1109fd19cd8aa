/** EC2 addressing through the SDK: instance private/public IPs and DNS names, Elastic IPs, network interfaces and their attachments. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  AllocateAddressCommand,
  AssignPrivateIpAddressesCommand,
  AssociateAddressCommand,
  AttachInternetGatewayCommand,
  AttachNetworkInterfaceCommand,
  CreateInternetGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSubnetsCommand,
  DetachNetworkInterfaceCommand,
  DisassociateAddressCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  ReleaseAddressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  UnassignPrivateIpAddressesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
  waitUntilInstanceTerminated,
  type Instance,
  DescribeAddressesAttributeCommand,
  ModifyAddressAttributeCommand,
  ResetAddressAttributeCommand,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, type RunningStratus } from "../support/server.ts";
import { linuxImage, startEc2 } from "./instances-support.ts";

const run = promisify(execFile);
const WAIT = { maxWaitTime: 20, minDelay: 0.2, maxDelay: 0.2 };

describe("EC2 network: addresses, Elastic IPs and interfaces", () => {
  let server: RunningStratus;
  let ec2: EC2Client;
  let imageId: string;
  let vpcId: string;
  let subnetId: string;

  before(async () => {
    ({ server, ec2 } = await startEc2({ env: { STRATUS_EC2_TRANSITION_MS: "100", STRATUS_EC2_STATUS_INIT_MS: "100" } }));
    imageId = await linuxImage(ec2);
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.5.0.0/16" }))).Vpc!.VpcId!;
    subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.5.1.0/24", AvailabilityZone: "us-east-1b" }))).Subnet!.SubnetId!;
  });
  after(async () => {
    ec2?.destroy();
    await server?.stop();
  });

  const instance = async (id: string): Promise<Instance> => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;

  it("gives default-VPC instances a private IP from their subnet and a public IP and DNS name that change on stop/start", async () => {
    const launched = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: "us-east-1c" } }))).Instances![0]!;
    const id = launched.InstanceId!;
    await waitUntilInstanceRunning({ client: ec2, ...WAIT }, { InstanceIds: [id] });
    const running = await instance(id);
    const [subnet] = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [running.SubnetId!] }))).Subnets ?? [];
    assert.equal(subnet?.AvailabilityZone, "us-east-1c");
    assert.equal(subnet?.DefaultForAz, true);
    assert.match(running.PrivateIpAddress ?? "", /^172\.31\.\d+\.\d+$/);
    assert.equal(running.PrivateDnsName, `ip-${running.PrivateIpAddress!.replaceAll(".", "-")}.ec2.internal`);
    assert.ok(running.PublicIpAddress, "default subnets map public IPs");
    assert.equal(running.PublicDnsName, `ec2-${running.PublicIpAddress!.replaceAll(".", "-")}.compute-1.amazonaws.com`);
    const eni = running.NetworkInterfaces?.[0];
    assert.equal(eni?.Attachment?.DeviceIndex, 0);
    assert.equal(eni?.Attachment?.DeleteOnTermination, true);
    assert.equal(eni?.Association?.PublicIp, running.PublicIpAddress);

    await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceStopped({ client: ec2, ...WAIT }, { InstanceIds: [id] });
    const stopped = await instance(id);
    assert.equal(stopped.PublicIpAddress, undefined, "a stopped instance loses its auto-assigned public IP");
    assert.equal(stopped.PrivateIpAddress, running.PrivateIpAddress, "the private IP stays");
    await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceRunning({ client: ec2, ...WAIT }, { InstanceIds: [id] });
    const restarted = await instance(id);
    assert.ok(restarted.PublicIpAddress);
    assert.notEqual(restarted.PublicIpAddress, running.PublicIpAddress);

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await waitUntilInstanceTerminated({ client: ec2, ...WAIT }, { InstanceIds: [id] });
    const leftovers = (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [id] }] }))).NetworkInterfaces ?? [];
    assert.equal(leftovers.length, 0, "the primary ENI goes with the instance");
  });

  it("allocates private IPs without collisions and checks requested ones", async () => {
    const first = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 3, MaxCount: 3, SubnetId: subnetId }))).Instances ?? [];
    const ips = first.map((i) => i.PrivateIpAddress);
    assert.equal(new Set(ips).size, 3);
    for (const ip of ips) assert.match(ip ?? "", /^10\.5\.1\.\d+$/);
    assert.equal(first[0]?.PublicIpAddress, undefined, "a custom subnet maps no public IPs by default");
    const taken = await sdkFailure(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: subnetId, PrivateIpAddress: ips[0]! })));
    assert.equal(taken.name, "InvalidIPAddress.InUse");
    const outside = await sdkFailure(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: subnetId, PrivateIpAddress: "10.5.2.10" })));
    assert.equal(outside.name, "InvalidParameterValue");
    const reserved = await sdkFailure(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: subnetId, PrivateIpAddress: "10.5.1.1" })));
    assert.equal(reserved.name, "InvalidParameterValue");
    const chosen = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: subnetId, PrivateIpAddress: "10.5.1.200" }))).Instances![0]!;
    assert.equal(chosen.PrivateIpAddress, "10.5.1.200");
    const [subnet] = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets ?? [];
    assert.equal(subnet?.AvailableIpAddressCount, 251 - 4);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [...first.map((i) => i.InstanceId!), chosen.InstanceId!] }));
    await waitUntilInstanceTerminated({ client: ec2, ...WAIT }, { InstanceIds: [chosen.InstanceId!] });
    const [freed] = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets ?? [];
    assert.equal(freed?.AvailableIpAddressCount, 251);
  });

  it("associates, moves, disassociates and releases Elastic IPs", async () => {
    const allocation = await ec2.send(new AllocateAddressCommand({ Domain: "vpc", TagSpecifications: [{ ResourceType: "elastic-ip", Tags: [{ Key: "Name", Value: "web" }] }] }));
    assert.match(allocation.AllocationId ?? "", /^eipalloc-[0-9a-f]{17}$/);
    assert.match(allocation.PublicIp ?? "", /^(198\.51\.100|203\.0\.113)\.\d+$/, "Elastic IPs come from the documentation ranges");
    assert.equal(allocation.Domain, "vpc");
    const [a, b] = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 2, MaxCount: 2, SubnetId: subnetId }))).Instances ?? [];
    await waitUntilInstanceRunning({ client: ec2, ...WAIT }, { InstanceIds: [a!.InstanceId!, b!.InstanceId!] });

    // The VPC needs an internet gateway before an Elastic IP can point into it.
    const noGateway = await sdkFailure(ec2.send(new AssociateAddressCommand({ AllocationId: allocation.AllocationId!, InstanceId: a!.InstanceId! })));
    assert.equal(noGateway.name, "Gateway.NotAttached");
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpcId }));

    const association = await ec2.send(new AssociateAddressCommand({ AllocationId: allocation.AllocationId!, InstanceId: a!.InstanceId! }));
    assert.match(association.AssociationId ?? "", /^eipassoc-[0-9a-f]{17}$/);
    assert.equal((await instance(a!.InstanceId!)).PublicIpAddress, allocation.PublicIp);
    const [described] = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocation.AllocationId!] }))).Addresses ?? [];
    assert.equal(described?.InstanceId, a!.InstanceId);
    assert.equal(described?.AssociationId, association.AssociationId);
    assert.equal(described?.PrivateIpAddress, a!.PrivateIpAddress);
    assert.deepEqual(described?.Tags, [{ Key: "Name", Value: "web" }]);

    const inUse = await sdkFailure(ec2.send(new ReleaseAddressCommand({ AllocationId: allocation.AllocationId! })));
    assert.equal(inUse.name, "InvalidIPAddress.InUse");
    const already = await sdkFailure(ec2.send(new AssociateAddressCommand({ AllocationId: allocation.AllocationId!, InstanceId: b!.InstanceId! })));
    assert.equal(already.name, "Resource.AlreadyAssociated");
    await ec2.send(new AssociateAddressCommand({ AllocationId: allocation.AllocationId!, InstanceId: b!.InstanceId!, AllowReassociation: true }));
    assert.equal((await instance(a!.InstanceId!)).PublicIpAddress, undefined);
    assert.equal((await instance(b!.InstanceId!)).PublicIpAddress, allocation.PublicIp);

    // An Elastic IP survives stop/start.
    await ec2.send(new StopInstancesCommand({ InstanceIds: [b!.InstanceId!] }));
    await waitUntilInstanceStopped({ client: ec2, ...WAIT }, { InstanceIds: [b!.InstanceId!] });
    assert.equal((await instance(b!.InstanceId!)).PublicIpAddress, allocation.PublicIp);

    const byInstance = (await ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: "instance-id", Values: [b!.InstanceId!] }] }))).Addresses ?? [];
    assert.deepEqual(byInstance.map((x) => x.AllocationId), [allocation.AllocationId]);
    await ec2.send(new DisassociateAddressCommand({ PublicIp: allocation.PublicIp! }));
    const missing = await sdkFailure(ec2.send(new DisassociateAddressCommand({ AssociationId: association.AssociationId! })));
    assert.equal(missing.name, "InvalidAssociationID.NotFound");
    const [ptr] = (await ec2.send(new DescribeAddressesAttributeCommand({ AllocationIds: [allocation.AllocationId!], Attribute: "domain-name" }))).Addresses ?? [];
    assert.equal(ptr?.PtrRecord, `ec2-${allocation.PublicIp!.replaceAll(".", "-")}.compute-1.amazonaws.com.`);
    const modified = await ec2.send(new ModifyAddressAttributeCommand({ AllocationId: allocation.AllocationId!, DomainName: "mail.example.com" }));
    assert.equal(modified.Address?.PtrRecordUpdate?.Value, "mail.example.com");
    const [custom] = (await ec2.send(new DescribeAddressesAttributeCommand({ AllocationIds: [allocation.AllocationId!], Attribute: "domain-name" }))).Addresses ?? [];
    assert.equal(custom?.PtrRecord, "mail.example.com.");
    await ec2.send(new ResetAddressAttributeCommand({ AllocationId: allocation.AllocationId!, Attribute: "domain-name" }));
    assert.equal((await ec2.send(new DescribeAddressesAttributeCommand({ AllocationIds: [allocation.AllocationId!], Attribute: "domain-name" }))).Addresses?.[0]?.PtrRecord, ptr?.PtrRecord);
    await ec2.send(new ReleaseAddressCommand({ AllocationId: allocation.AllocationId! }));
    const released = await sdkFailure(ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocation.AllocationId!] })));
    assert.equal(released.name, "InvalidAllocationID.NotFound");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [a!.InstanceId!, b!.InstanceId!] }));
  });

  it("creates, attaches, detaches and deletes network interfaces", async () => {
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Description: "extra", SecondaryPrivateIpAddressCount: 1, TagSpecifications: [{ ResourceType: "network-interface", Tags: [{ Key: "role", Value: "extra" }] }] }))).NetworkInterface!;
    assert.match(eni.NetworkInterfaceId ?? "", /^eni-[0-9a-f]{17}$/);
    assert.equal(eni.Status, "available");
    assert.equal(eni.PrivateIpAddresses?.length, 2);
    assert.deepEqual(eni.TagSet, [{ Key: "role", Value: "extra" }]);
    assert.match(eni.MacAddress ?? "", /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const [host] = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: subnetId }))).Instances ?? [];
    const hostId = host!.InstanceId!;
    await waitUntilInstanceRunning({ client: ec2, ...WAIT }, { InstanceIds: [hostId] });

    const taken = await sdkFailure(ec2.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId!, InstanceId: hostId, DeviceIndex: 0 })));
    assert.equal(taken.name, "InvalidParameterValue");
    const attached = await ec2.send(new AttachNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId!, InstanceId: hostId, DeviceIndex: 1 }));
    assert.match(attached.AttachmentId ?? "", /^eni-attach-[0-9a-f]{17}$/);
    const seen = await instance(hostId);
    assert.deepEqual(seen.NetworkInterfaces?.map((n) => n.Attachment?.DeviceIndex), [0, 1]);
    const [inUse] = (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [hostId] }, { Name: "attachment.device-index", Values: ["1"] }] }))).NetworkInterfaces ?? [];
    assert.equal(inUse?.Status, "in-use");
    assert.equal(inUse?.Attachment?.Status, "attached");
    assert.equal((await sdkFailure(ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId! })))).name, "InvalidNetworkInterface.InUse");
    const primaryAttachment = seen.NetworkInterfaces?.[0]?.Attachment?.AttachmentId;
    assert.equal((await sdkFailure(ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: primaryAttachment! })))).name, "OperationNotPermitted");

    await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni.NetworkInterfaceId!, SourceDestCheck: { Value: false } }));
    const assigned = await ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eni.NetworkInterfaceId!, PrivateIpAddresses: ["10.5.1.250"] }));
    assert.deepEqual(assigned.AssignedPrivateIpAddresses?.map((a) => a.PrivateIpAddress), ["10.5.1.250"]);
    const clash = await sdkFailure(ec2.send(new AssignPrivateIpAddressesCommand({ NetworkInterfaceId: eni.NetworkInterfaceId!, PrivateIpAddresses: ["10.5.1.250"] })));
    assert.equal(clash.name, "InvalidIPAddress.InUse");
    await ec2.send(new UnassignPrivateIpAddressesCommand({ NetworkInterfaceId: eni.NetworkInterfaceId!, PrivateIpAddresses: ["10.5.1.250"] }));
    const [modified] = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni.NetworkInterfaceId!] }))).NetworkInterfaces ?? [];
    assert.equal(modified?.SourceDestCheck, false);
    assert.equal(modified?.PrivateIpAddresses?.length, 2);

    await ec2.send(new DetachNetworkInterfaceCommand({ AttachmentId: attached.AttachmentId! }));
    assert.deepEqual((await instance(hostId)).NetworkInterfaces?.map((n) => n.Attachment?.DeviceIndex), [0]);
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId! }));
    const gone = await sdkFailure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni.NetworkInterfaceId!] })));
    assert.equal(gone.name, "InvalidNetworkInterfaceID.NotFound");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [hostId] }));
  });

  it("allocates and releases Elastic IPs from the AWS CLI", async () => {
    const env = cliEnv(server.endpoint);
    const allocated = await run("aws", ["ec2", "allocate-address", "--domain", "vpc", "--output", "json"], { env });
    const { AllocationId, PublicIp } = JSON.parse(allocated.stdout) as { AllocationId: string; PublicIp: string };
    assert.match(AllocationId, /^eipalloc-[0-9a-f]{17}$/);
    await ec2.send(new ReleaseAddressCommand({ AllocationId }));
    const gone = await run("aws", ["ec2", "describe-addresses", "--public-ips", PublicIp], { env }).catch((error: { stderr: string }) => error);
    assert.match(gone.stderr, /InvalidAddress\.NotFound/);
  });
});
