/** EC2 network odds and ends through the SDK: DHCP options, secondary CIDRs, endpoint services, malformed ids, DryRun, tags, launch interfaces. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AssociateDhcpOptionsCommand,
  AssociateVpcCidrBlockCommand,
  AttachInternetGatewayCommand,
  CreateDhcpOptionsCommand,
  CreateInternetGatewayCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteDhcpOptionsCommand,
  DeleteVpcCommand,
  DescribeDhcpOptionsCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcsCommand,
  DisassociateVpcCidrBlockCommand,
  EC2Client,
  DeleteSubnetCommand,
  ModifyVpcAttributeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteTableCommand,
  AssociateSubnetCidrBlockCommand,
  DisassociateSubnetCidrBlockCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteVpcPeeringConnectionCommand,
  waitUntilInternetGatewayExists,
  waitUntilNetworkInterfaceAvailable,
  waitUntilSecurityGroupExists,
  waitUntilSubnetAvailable,
  waitUntilVpcAvailable,
  waitUntilVpcExists,
  waitUntilVpcPeeringConnectionDeleted,
  waitUntilVpcPeeringConnectionExists,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import type { RunningStratus } from "../support/server.ts";
import { linuxImage, startEc2 } from "./instances-support.ts";

describe("EC2 network: DHCP options, CIDR blocks, endpoint services, ids and launch interfaces", () => {
  let server: RunningStratus;
  let ec2: EC2Client;

  before(async () => {
    ({ server, ec2 } = await startEc2());
  });
  after(async () => {
    ec2?.destroy();
    await server?.stop();
  });

  it("creates, associates and deletes DHCP option sets", async () => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.40.0.0/16" }))).Vpc!.VpcId!;
    const initial = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!.DhcpOptionsId!;
    const [defaults] = (await ec2.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [initial] }))).DhcpOptions ?? [];
    assert.deepEqual(defaults?.DhcpConfigurations?.map((c) => [c.Key, c.Values?.map((v) => v.Value)]), [["domain-name", ["ec2.internal"]], ["domain-name-servers", ["AmazonProvidedDNS"]]]);
    const created = (await ec2.send(new CreateDhcpOptionsCommand({ DhcpConfigurations: [{ Key: "domain-name", Values: ["corp.example"] }, { Key: "domain-name-servers", Values: ["10.40.0.2"] }] }))).DhcpOptions!;
    assert.match(created.DhcpOptionsId ?? "", /^dopt-[0-9a-f]{17}$/);
    await ec2.send(new AssociateDhcpOptionsCommand({ DhcpOptionsId: created.DhcpOptionsId!, VpcId: vpcId }));
    assert.equal((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!.DhcpOptionsId, created.DhcpOptionsId);
    assert.equal((await sdkFailure(ec2.send(new DeleteDhcpOptionsCommand({ DhcpOptionsId: created.DhcpOptionsId! })))).name, "DependencyViolation");
    await ec2.send(new AssociateDhcpOptionsCommand({ DhcpOptionsId: "default", VpcId: vpcId }));
    await ec2.send(new DeleteDhcpOptionsCommand({ DhcpOptionsId: created.DhcpOptionsId! }));
    const byKey = (await ec2.send(new DescribeDhcpOptionsCommand({ Filters: [{ Name: "value", Values: ["corp.*"] }] }))).DhcpOptions ?? [];
    assert.equal(byKey.length, 0);
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
  });

  it("adds and removes secondary CIDR blocks with their local routes", async () => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.50.0.0/16" }))).Vpc!.VpcId!;
    const overlapping = await sdkFailure(ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: "10.50.128.0/17" })));
    assert.equal(overlapping.name, "InvalidVpc.Range");
    const added = await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: "10.51.0.0/16" }));
    assert.equal(added.CidrBlockAssociation?.CidrBlockState?.State, "associated");
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.51.3.0/24" }))).Subnet!;
    const [table] = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).RouteTables ?? [];
    assert.deepEqual(table?.Routes?.filter((r) => r.GatewayId === "local").map((r) => r.DestinationCidrBlock), ["10.50.0.0/16", "10.51.0.0/16"]);
    const busy = await sdkFailure(ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: added.CidrBlockAssociation!.AssociationId! })));
    assert.equal(busy.name, "DependencyViolation");
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId! }));
    await ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: added.CidrBlockAssociation!.AssociationId! }));
    const primary = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!.CidrBlockAssociationSet!;
    assert.deepEqual(primary.map((a) => a.CidrBlock), ["10.50.0.0/16"]);
    assert.equal((await sdkFailure(ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: primary[0]!.AssociationId! })))).name, "OperationNotPermitted");
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
  });

  it("gives VPCs an Amazon-provided IPv6 /56 and subnets /64 blocks inside it", async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.80.0.0/16", AmazonProvidedIpv6CidrBlock: true }))).Vpc!;
    const v6 = vpc.Ipv6CidrBlockAssociationSet?.[0];
    assert.match(v6?.Ipv6CidrBlock ?? "", /^2001:db8:[0-9a-f]{1,4}:[0-9a-f]{0,2}00::\/56$/, "from the IPv6 documentation range");
    assert.equal(v6?.Ipv6CidrBlockState?.State, "associated");
    const [table] = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }] }))).RouteTables ?? [];
    assert.ok(table?.Routes?.some((r) => r.DestinationIpv6CidrBlock === v6?.Ipv6CidrBlock && r.GatewayId === "local"));
    const prefix = v6!.Ipv6CidrBlock!.replace(/00::\/56$/, "");
    const outside = await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.80.1.0/24", Ipv6CidrBlock: "2001:db9::/64" })));
    assert.equal(outside.name, "InvalidSubnet.Range");
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.80.1.0/24", Ipv6CidrBlock: `${prefix}01::/64` }))).Subnet!;
    assert.equal(subnet.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock, `${prefix}01::/64`);
    const conflict = await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.80.2.0/24", Ipv6CidrBlock: `${prefix}01::/64` })));
    assert.equal(conflict.name, "InvalidSubnet.Conflict");
    const found = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "ipv6-cidr-block-association.ipv6-cidr-block", Values: [`${prefix}01::/64`] }] }))).Subnets ?? [];
    assert.deepEqual(found.map((x) => x.SubnetId), [subnet.SubnetId]);
    const busy = await sdkFailure(ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: v6!.AssociationId! })));
    assert.equal(busy.name, "DependencyViolation");
    await ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId: subnet.Ipv6CidrBlockAssociationSet![0]!.AssociationId! }));
    const second = await ec2.send(new AssociateSubnetCidrBlockCommand({ SubnetId: subnet.SubnetId!, Ipv6CidrBlock: `${prefix}02::/64` }));
    assert.equal(second.Ipv6CidrBlockAssociation?.Ipv6CidrBlock, `${prefix}02::/64`);
  });

  it("answers a repeated ClientToken with the first result and refuses it with other parameters", async () => {
    const vpcA = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.55.0.0/16" }))).Vpc!.VpcId!;
    const vpcB = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.56.0.0/16" }))).Vpc!.VpcId!;
    const first = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcA, ClientToken: "token-1" }))).RouteTable!;
    const again = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcA, ClientToken: "token-1" }))).RouteTable!;
    assert.equal(again.RouteTableId, first.RouteTableId);
    const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcA] }] }))).RouteTables ?? [];
    assert.equal(tables.length, 2, "the main table and one created table");
    const mismatch = await sdkFailure(ec2.send(new CreateRouteTableCommand({ VpcId: vpcB, ClientToken: "token-1" })));
    assert.equal(mismatch.name, "IdempotentParameterMismatch");
  });

  it("satisfies the SDK's network waiters", async () => {
    const fast = { client: ec2, maxWaitTime: 10, minDelay: 0.2, maxDelay: 0.2 };
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.90.0.0/16" }))).Vpc!.VpcId!;
    await waitUntilVpcExists(fast, { VpcIds: [vpcId] });
    await waitUntilVpcAvailable(fast, { VpcIds: [vpcId] });
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.90.1.0/24" }))).Subnet!.SubnetId!;
    await waitUntilSubnetAvailable(fast, { SubnetIds: [subnetId] });
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "waited", Description: "w", VpcId: vpcId }))).GroupId!;
    await waitUntilSecurityGroupExists(fast, { GroupIds: [groupId] });
    const eniId = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }))).NetworkInterface!.NetworkInterfaceId!;
    await waitUntilNetworkInterfaceAvailable(fast, { NetworkInterfaceIds: [eniId] });
    const igwId = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await waitUntilInternetGatewayExists(fast, { InternetGatewayIds: [igwId] });
    const peer = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.91.0.0/16" }))).Vpc!.VpcId!;
    const pcx = (await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: vpcId, PeerVpcId: peer }))).VpcPeeringConnection!.VpcPeeringConnectionId!;
    await waitUntilVpcPeeringConnectionExists(fast, { VpcPeeringConnectionIds: [pcx] });
    await ec2.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }));
    await waitUntilVpcPeeringConnectionDeleted(fast, { VpcPeeringConnectionIds: [pcx] });
  });

  it("lists endpoint services by type", async () => {
    const gateways = await ec2.send(new DescribeVpcEndpointServicesCommand({ Filters: [{ Name: "service-type", Values: ["Gateway"] }] }));
    assert.deepEqual(gateways.ServiceNames, ["com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"]);
    const ssm = await ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: ["com.amazonaws.us-east-1.ssm"] }));
    assert.equal(ssm.ServiceDetails?.[0]?.PrivateDnsName, "ssm.us-east-1.amazonaws.com");
    assert.equal((await sdkFailure(ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: ["com.amazonaws.us-east-1.nope"] })))).name, "InvalidServiceName");
  });

  it("tells malformed ids from unknown ones, honours DryRun and tags network resources", async () => {
    const malformed = await sdkFailure(ec2.send(new DescribeVpcsCommand({ VpcIds: ["vpc-nothex"] })));
    assert.equal(malformed.name, "InvalidVpcID.Malformed");
    const unknown = await sdkFailure(ec2.send(new DescribeSubnetsCommand({ SubnetIds: ["subnet-0123456789abcdef0"] })));
    assert.equal(unknown.name, "InvalidSubnetID.NotFound");
    assert.equal(unknown.message, "The subnet ID 'subnet-0123456789abcdef0' does not exist");
    const dry = await sdkFailure(ec2.send(new CreateVpcCommand({ CidrBlock: "10.60.0.0/16", DryRun: true })));
    assert.equal(dry.name, "DryRunOperation");
    assert.equal(dry.$metadata.httpStatusCode, 412);
    assert.equal(((await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "cidr", Values: ["10.60.0.0/16"] }] }))).Vpcs ?? []).length, 0);

    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.60.0.0/16" }))).Vpc!.VpcId!;
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.60.1.0/24" }))).Subnet!.SubnetId!;
    await ec2.send(new CreateTagsCommand({ Resources: [vpcId, subnetId], Tags: [{ Key: "stack", Value: "blue" }] }));
    const tags = (await ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "key", Values: ["stack"] }] }))).Tags ?? [];
    assert.deepEqual(tags.map((t) => [t.ResourceId, t.ResourceType]).sort(), [[subnetId, "subnet"], [vpcId, "vpc"]].sort());
    const missing = await sdkFailure(ec2.send(new CreateTagsCommand({ Resources: ["sg-0123456789abcdef0"], Tags: [{ Key: "a", Value: "b" }] })));
    assert.equal(missing.name, "InvalidGroup.NotFound");
  });

  it("launches with NetworkInterfaces specifications and security group names", async () => {
    const imageId = await linuxImage(ec2);
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.70.0.0/16" }))).Vpc!.VpcId!;
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpcId }));
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.70.1.0/24" }))).Subnet!.SubnetId!;
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "launch", Description: "launch", VpcId: vpcId }))).GroupId!;

    const combined = await sdkFailure(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: subnetId, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId }] })));
    assert.equal(combined.name, "InvalidParameterCombination");
    const [launched] = (await ec2.send(new RunInstancesCommand({
      ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Groups: [groupId], AssociatePublicIpAddress: true, PrivateIpAddress: "10.70.1.50" }],
    }))).Instances ?? [];
    assert.equal(launched?.PrivateIpAddress, "10.70.1.50");
    assert.ok(launched?.PublicIpAddress, "AssociatePublicIpAddress maps a public IP in a custom subnet");
    assert.match(launched?.PublicDnsName ?? "", /^ec2-[\d-]+\.compute-1\.amazonaws\.com$/, "the VPC has DNS hostnames on");
    assert.deepEqual(launched?.SecurityGroups?.map((g) => g.GroupId), [groupId]);

    // An existing interface as the primary one stays behind after termination.
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: [groupId] }))).NetworkInterface!;
    const [onEni] = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eni.NetworkInterfaceId! }] }))).Instances ?? [];
    assert.equal(onEni?.PrivateIpAddress, eni.PrivateIpAddress);
    assert.equal(onEni?.NetworkInterfaces?.[0]?.Attachment?.DeleteOnTermination, false);

    // Group names resolve in the default VPC; an unknown name is InvalidGroup.NotFound.
    await ec2.send(new CreateSecurityGroupCommand({ GroupName: "by-name", Description: "default VPC group" }));
    const [named] = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SecurityGroups: ["by-name"] }))).Instances ?? [];
    assert.deepEqual(named?.SecurityGroups?.map((g) => g.GroupName), ["by-name"]);
    const unknownGroup = await sdkFailure(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SecurityGroups: ["no-such-group"] })));
    assert.equal(unknownGroup.name, "InvalidGroup.NotFound");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [launched!.InstanceId!, onEni!.InstanceId!, named!.InstanceId!] }));
  });
});
