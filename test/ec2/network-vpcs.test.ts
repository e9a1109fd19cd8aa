/** EC2 VPCs and subnets through the SDK and CLI: the default VPC's exact shape, CIDR rules, dependencies, attributes, filters, zones. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  CreateDefaultSubnetCommand,
  CreateDefaultVpcCommand,
  CreateInternetGatewayCommand,
  AttachInternetGatewayCommand,
  DetachInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAccountAttributesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifyAvailabilityZoneGroupCommand,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, clientConfig, startStratus, type RunningStratus } from "../support/server.ts";

const run = promisify(execFile);

describe("EC2 network: VPCs and subnets", () => {
  let server: RunningStratus;
  let ec2: EC2Client;

  before(async () => {
    server = await startStratus();
    ec2 = new EC2Client(clientConfig(server.endpoint));
  });
  after(async () => {
    ec2?.destroy();
    await server?.stop();
  });

  it("creates the default VPC on first use exactly like AWS's", async () => {
    const vpcs = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))).Vpcs ?? [];
    assert.equal(vpcs.length, 1);
    const vpc = vpcs[0]!;
    assert.equal(vpc.CidrBlock, "172.31.0.0/16");
    assert.equal(vpc.IsDefault, true);
    assert.equal(vpc.State, "available");
    assert.equal(vpc.InstanceTenancy, "default");
    assert.match(vpc.VpcId ?? "", /^vpc-[0-9a-f]{17}$/);
    assert.match(vpc.DhcpOptionsId ?? "", /^dopt-[0-9a-f]{17}$/);
    assert.equal(vpc.CidrBlockAssociationSet?.[0]?.CidrBlockState?.State, "associated");

    const zones = ((await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? []).map((z) => z.ZoneName);
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }] }))).Subnets ?? [];
    assert.equal(subnets.length, zones.length);
    const byCidr = [...subnets].sort((a, b) => Number(a.CidrBlock!.split(".")[2]) - Number(b.CidrBlock!.split(".")[2]));
    byCidr.forEach((subnet, index) => {
      assert.equal(subnet.CidrBlock, `172.31.${index * 16}.0/20`);
      assert.equal(subnet.AvailabilityZone, zones[index]);
      assert.equal(subnet.DefaultForAz, true);
      assert.equal(subnet.MapPublicIpOnLaunch, true);
      assert.equal(subnet.AvailableIpAddressCount, 4091);
      assert.match(subnet.AvailabilityZoneId ?? "", /^use1-az\d$/);
    });

    const igws = (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [vpc.VpcId!] }] }))).InternetGateways ?? [];
    assert.equal(igws.length, 1);
    const [main] = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }, { Name: "association.main", Values: ["true"] }] }))).RouteTables ?? [];
    assert.deepEqual(
      main?.Routes?.map((r) => [r.DestinationCidrBlock, r.GatewayId, r.State]),
      [["172.31.0.0/16", "local", "active"], ["0.0.0.0/0", igws[0]!.InternetGatewayId, "active"]],
    );
    const [acl] = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }, { Name: "default", Values: ["true"] }] }))).NetworkAcls ?? [];
    assert.deepEqual(
      acl?.Entries?.map((e) => [e.RuleNumber, e.Egress, e.RuleAction, e.Protocol, e.CidrBlock]).sort(),
      [[100, false, "allow", "-1", "0.0.0.0/0"], [100, true, "allow", "-1", "0.0.0.0/0"], [32767, false, "deny", "-1", "0.0.0.0/0"], [32767, true, "deny", "-1", "0.0.0.0/0"]],
    );
    assert.equal(acl?.Associations?.length, subnets.length);
    const [sg] = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupNames: ["default"] }))).SecurityGroups ?? [];
    assert.equal(sg?.VpcId, vpc.VpcId);
    assert.equal(sg?.Description, "default VPC security group");
    assert.deepEqual(sg?.IpPermissions?.[0]?.UserIdGroupPairs?.map((p) => p.GroupId), [sg?.GroupId]);
    assert.equal(sg?.IpPermissionsEgress?.[0]?.IpRanges?.[0]?.CidrIp, "0.0.0.0/0");

    const attrs = (await ec2.send(new DescribeAccountAttributesCommand({ AttributeNames: ["default-vpc", "supported-platforms"] }))).AccountAttributes ?? [];
    assert.deepEqual(attrs.map((a) => [a.AttributeName, a.AttributeValues?.[0]?.AttributeValue]), [["default-vpc", vpc.VpcId], ["supported-platforms", "VPC"]]);
    const dns = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId!, Attribute: "enableDnsHostnames" }));
    assert.equal(dns.EnableDnsHostnames?.Value, true);
    const again = await sdkFailure(ec2.send(new CreateDefaultVpcCommand({})));
    assert.equal(again.name, "DefaultVpcAlreadyExists");
  });

  it("validates VPC CIDRs and creates the main route table, default ACL and default group with each VPC", async () => {
    for (const [cidr, code] of [["10.0.0.0/8", "InvalidVpc.Range"], ["10.0.0.0/29", "InvalidVpc.Range"], ["10.0.0.0/33", "InvalidParameterValue"], ["banana", "InvalidParameterValue"], ["10.0.0.1/16", "InvalidParameterValue"]] as const) {
      const failure = await sdkFailure(ec2.send(new CreateVpcCommand({ CidrBlock: cidr })));
      assert.equal(failure.name, code, cidr);
    }
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16", TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "Name", Value: "app-vpc" }] }] }))).Vpc!;
    assert.equal(vpc.IsDefault, false);
    assert.equal(vpc.State, "pending", "CreateVpc answers before the VPC is available, as on AWS");
    assert.equal((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] }))).Vpcs?.[0]?.State, "available");
    assert.deepEqual(vpc.Tags, [{ Key: "Name", Value: "app-vpc" }]);
    const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }] }))).RouteTables ?? [];
    assert.equal(tables.length, 1);
    assert.equal(tables[0]?.Associations?.[0]?.Main, true);
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }] }))).SecurityGroups ?? [];
    assert.deepEqual(groups.map((g) => g.GroupName), ["default"]);
    const dns = await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId!, Attribute: "enableDnsHostnames" }));
    assert.equal(dns.EnableDnsHostnames?.Value, false);
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpc.VpcId!, EnableDnsHostnames: { Value: true } }));
    assert.equal((await ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpc.VpcId!, Attribute: "enableDnsHostnames" }))).EnableDnsHostnames?.Value, true);
    await ec2.send(new DeleteVpcCommand({ VpcId: vpc.VpcId! }));
    const gone = await sdkFailure(ec2.send(new DescribeVpcsCommand({ VpcIds: [vpc.VpcId!] })));
    assert.equal(gone.name, "InvalidVpcID.NotFound");
    assert.match(gone.message, new RegExp(`The vpc ID '${vpc.VpcId!}' does not exist`));
    const groupsAfter = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId!] }] }))).SecurityGroups ?? [];
    assert.equal(groupsAfter.length, 0);
  });

  it("checks subnet ranges, overlaps and zones, and keeps the free address count", async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.2.0.0/16" }))).Vpc!;
    const vpcId = vpc.VpcId!;
    const outside = await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.3.0.0/24" })));
    assert.equal(outside.name, "InvalidSubnet.Range");
    const tooSmall = await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.2.0.0/29" })));
    assert.equal(tooSmall.name, "InvalidSubnet.Range");
    const a = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.2.1.0/24", AvailabilityZone: "us-east-1a" }))).Subnet!;
    assert.equal(a.AvailableIpAddressCount, 251);
    assert.equal(a.DefaultForAz, false);
    assert.equal(a.MapPublicIpOnLaunch, false);
    assert.equal(a.SubnetArn, `arn:aws:ec2:us-east-1:000000000000:subnet/${a.SubnetId!}`);
    const conflict = await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.2.1.128/25" })));
    assert.equal(conflict.name, "InvalidSubnet.Conflict");
    const badZone = await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.2.2.0/24", AvailabilityZone: "eu-west-1a" })));
    assert.equal(badZone.name, "InvalidParameterValue");
    const byId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.2.2.0/24", AvailabilityZoneId: a.AvailabilityZoneId! }))).Subnet!;
    assert.equal(byId.AvailabilityZone, "us-east-1a");

    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: a.SubnetId! }))).NetworkInterface!;
    assert.equal(eni.PrivateIpAddress, "10.2.1.4", "the first four addresses are reserved");
    const [counted] = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [a.SubnetId!] }))).Subnets ?? [];
    assert.equal(counted?.AvailableIpAddressCount, 250);

    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: a.SubnetId!, MapPublicIpOnLaunch: { Value: true } }));
    const mapped = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "map-public-ip-on-launch", Values: ["true"] }] }))).Subnets ?? [];
    assert.deepEqual(mapped.map((s) => s.SubnetId), [a.SubnetId]);

    // Wrong deletion order: the ENI blocks the subnet, the subnets block the VPC.
    assert.equal((await sdkFailure(ec2.send(new DeleteSubnetCommand({ SubnetId: a.SubnetId! })))).name, "DependencyViolation");
    const vpcBusy = await sdkFailure(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })));
    assert.equal(vpcBusy.name, "DependencyViolation");
    assert.equal(vpcBusy.message, `The vpc '${vpcId}' has dependencies and cannot be deleted.`);
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId! }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: a.SubnetId! }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: byId.SubnetId! }));

    // An attached internet gateway and a custom security group block the VPC too.
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpcId }));
    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: "web", Description: "web", VpcId: vpcId }));
    assert.equal((await sdkFailure(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })))).name, "DependencyViolation");
    assert.equal((await sdkFailure(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId! })))).name, "DependencyViolation");
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpcId }));
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId! }));
    assert.equal((await sdkFailure(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })))).name, "DependencyViolation");
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: sg.GroupId! }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
  });

  it("filters VPCs and subnets by tags and wildcards, and pages", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${10 + i}.0.0/16`, TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "env", Value: i === 2 ? "prod" : `dev-${i}` }] }] }))).Vpc!;
      ids.push(vpc.VpcId!);
    }
    const dev = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag:env", Values: ["dev-*"] }] }))).Vpcs ?? [];
    assert.deepEqual(dev.map((v) => v.VpcId).sort(), ids.slice(0, 2).sort());
    const byCidr = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "cidr-block-association.cidr-block", Values: ["10.1?.0.0/16"] }] }))).Vpcs ?? [];
    assert.deepEqual(byCidr.map((v) => v.VpcId).sort(), [...ids].sort());
    const tagKey = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "tag-key", Values: ["env"] }, { Name: "is-default", Values: ["false"] }] }))).Vpcs ?? [];
    assert.equal(tagKey.length, 3);
    const bad = await sdkFailure(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "colour", Values: ["blue"] }] })));
    assert.equal(bad.name, "InvalidParameterValue");
    const first = await ec2.send(new DescribeVpcsCommand({ MaxResults: 5 }));
    assert.equal(first.Vpcs?.length, 4);
    assert.equal(first.NextToken, undefined);
    const zoneSubnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "availability-zone", Values: ["us-east-1[ab]", "us-east-1?"] }, { Name: "default-for-az", Values: ["true"] }] }))).Subnets ?? [];
    assert.equal(zoneSubnets.length, 6);
    for (const id of ids) await ec2.send(new DeleteVpcCommand({ VpcId: id }));
  });

  it("creates subnets in a Local Zone only after opting its group in", async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16" }))).Vpc!;
    const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true, Filters: [{ Name: "zone-type", Values: ["local-zone"] }] }))).AvailabilityZones ?? [];
    const local = zones.find((z) => z.OptInStatus === "not-opted-in");
    assert.ok(local?.ZoneName, "us-east-1 has Local Zones to opt into");
    const refused = await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.20.1.0/24", AvailabilityZone: local.ZoneName })));
    assert.equal(refused.name, "InvalidParameterValue");
    await ec2.send(new ModifyAvailabilityZoneGroupCommand({ GroupName: local.GroupName!, OptInStatus: "opted-in" }));
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.VpcId!, CidrBlock: "10.20.1.0/24", AvailabilityZone: local.ZoneName }))).Subnet!;
    assert.equal(subnet.AvailabilityZone, local.ZoneName);
    assert.equal(subnet.AvailabilityZoneId, local.ZoneId);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId! }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpc.VpcId! }));
  });

  it("recreates a deleted default subnet, and the default VPC after its deletion", async () => {
    const region = "eu-west-1";
    const eu = new EC2Client(clientConfig(server.endpoint, "test", region));
    try {
      const [vpc] = (await eu.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))).Vpcs ?? [];
      assert.ok(vpc?.VpcId);
      const subnets = (await eu.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId] }] }))).Subnets ?? [];
      const first = subnets.find((s) => s.CidrBlock === "172.31.0.0/20")!;
      await eu.send(new DeleteSubnetCommand({ SubnetId: first.SubnetId! }));
      const recreated = (await eu.send(new CreateDefaultSubnetCommand({ AvailabilityZone: first.AvailabilityZone! }))).Subnet!;
      assert.equal(recreated.CidrBlock, "172.31.0.0/20");
      assert.equal(recreated.DefaultForAz, true);
      const duplicate = await sdkFailure(eu.send(new CreateDefaultSubnetCommand({ AvailabilityZone: first.AvailabilityZone! })));
      assert.equal(duplicate.name, "DefaultSubnetAlreadyExistsInAvailabilityZone");
      // eu-west-1 names hosts <ip>.eu-west-1.compute.internal.
      const eni = (await eu.send(new CreateNetworkInterfaceCommand({ SubnetId: recreated.SubnetId! }))).NetworkInterface!;
      assert.equal(eni.PrivateDnsName, `ip-${eni.PrivateIpAddress!.replaceAll(".", "-")}.eu-west-1.compute.internal`);
      await eu.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId! }));

      // Tear the default VPC down in dependency order; CreateDefaultVpc then builds a new one.
      for (const subnet of (await eu.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpc.VpcId] }] }))).Subnets ?? []) {
        await eu.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId! }));
      }
      const [igw] = (await eu.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [vpc.VpcId] }] }))).InternetGateways ?? [];
      await eu.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw!.InternetGatewayId!, VpcId: vpc.VpcId }));
      await eu.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw!.InternetGatewayId! }));
      await eu.send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
      const none = (await eu.send(new DescribeAccountAttributesCommand({ AttributeNames: ["default-vpc"] }))).AccountAttributes ?? [];
      assert.equal(none[0]?.AttributeValues?.[0]?.AttributeValue, "none");
      assert.equal(((await eu.send(new DescribeVpcsCommand({}))).Vpcs ?? []).length, 0, "a deleted default VPC is not recreated behind the user's back");
      const fresh = (await eu.send(new CreateDefaultVpcCommand({}))).Vpc!;
      assert.equal(fresh.IsDefault, true);
      assert.equal(fresh.CidrBlock, "172.31.0.0/16");
      assert.notEqual(fresh.VpcId, vpc.VpcId);
      const freshSubnets = (await eu.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [fresh.VpcId!] }] }))).Subnets ?? [];
      assert.equal(freshSubnets.length, subnets.length);
    } finally {
      eu.destroy();
    }
  });

  it("answers the AWS CLI", async () => {
    const env = cliEnv(server.endpoint);
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.30.0.0/16" }))).Vpc!.VpcId!;
    await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.30.0.0/24" }));
    const failure = await run("aws", ["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.30.0.0/25"], { env }).catch((error: { stderr: string }) => error);
    assert.match(failure.stderr, /InvalidSubnet\.Conflict/);
    const listed = await run("aws", ["ec2", "describe-subnets", "--filters", `Name=vpc-id,Values=${vpcId}`, "--query", "Subnets[].CidrBlock", "--output", "text"], { env });
    assert.equal(listed.stdout.trim(), "10.30.0.0/24");
});
});
