/** EC2 managed network pieces through the SDK: NAT gateways, VPC endpoints, prefix lists, carrier gateways in Wavelength Zones. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AllocateAddressCommand,
  AuthorizeSecurityGroupEgressCommand,
  CreateCarrierGatewayCommand,
  CreateManagedPrefixListCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteCarrierGatewayCommand,
  DeleteManagedPrefixListCommand,
  DeleteNatGatewayCommand,
  DeleteSubnetCommand,
  DeleteVpcEndpointsCommand,
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeCarrierGatewaysCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribePrefixListsCommand,
  DescribeRouteTablesCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  ModifyAvailabilityZoneGroupCommand,
  ModifyManagedPrefixListCommand,
  ModifyVpcEndpointCommand,
  ReleaseAddressCommand,
  RevokeSecurityGroupEgressCommand,
  waitUntilNatGatewayAvailable,
  CreateFlowLogsCommand,
  DeleteFlowLogsCommand,
  DescribeFlowLogsCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { clientConfig, startStratus, type RunningStratus } from "../support/server.ts";
import { linuxImage } from "./instances-support.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("EC2 network: NAT gateways, endpoints, prefix lists, carrier gateways", () => {
  let server: RunningStratus;
  let ec2: EC2Client;
  let vpcId: string;
  let subnetId: string;

  before(async () => {
    server = await startStratus({ env: { STRATUS_EC2_TRANSITION_MS: "200" } });
    ec2 = new EC2Client(clientConfig(server.endpoint));
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.8.0.0/16" }))).Vpc!.VpcId!;
    subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.8.0.0/24" }))).Subnet!.SubnetId!;
  });
  after(async () => {
    ec2?.destroy();
    await server?.stop();
  });

  it("runs a NAT gateway through pending → available → deleting → deleted on its Elastic IP", async () => {
    const missing = await sdkFailure(ec2.send(new CreateNatGatewayCommand({ SubnetId: subnetId })));
    assert.equal(missing.name, "MissingParameter");
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
    const nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId: eip.AllocationId!, TagSpecifications: [{ ResourceType: "natgateway", Tags: [{ Key: "Name", Value: "egress" }] }] }))).NatGateway!;
    assert.match(nat.NatGatewayId ?? "", /^nat-[0-9a-f]{17}$/);
    assert.equal(nat.State, "pending");
    assert.equal(nat.VpcId, vpcId);
    assert.equal(nat.NatGatewayAddresses?.[0]?.PublicIp, eip.PublicIp);
    const eniId = nat.NatGatewayAddresses?.[0]?.NetworkInterfaceId;
    const [eni] = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId!] }))).NetworkInterfaces ?? [];
    assert.equal(eni?.RequesterManaged, true);
    assert.equal(eni?.Association?.PublicIp, eip.PublicIp);
    const [address] = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses ?? [];
    assert.equal(address?.NetworkInterfaceId, eniId);
    assert.equal((await sdkFailure(ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId! })))).name, "InvalidIPAddress.InUse");
    assert.equal((await sdkFailure(ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId })))).name, "DependencyViolation");

    await waitUntilNatGatewayAvailable({ client: ec2, maxWaitTime: 20, minDelay: 0.2, maxDelay: 0.2 }, { NatGatewayIds: [nat.NatGatewayId!] });
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat.NatGatewayId! }));
    const byNat = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "route.nat-gateway-id", Values: [nat.NatGatewayId!] }] }))).RouteTables ?? [];
    assert.deepEqual(byNat.map((t) => t.RouteTableId), [rtb.RouteTableId]);
    const filtered = (await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: "state", Values: ["available"] }, { Name: "tag:Name", Values: ["egress"] }] }))).NatGateways ?? [];
    assert.deepEqual(filtered.map((g) => g.NatGatewayId), [nat.NatGatewayId]);

    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: nat.NatGatewayId! }));
    const [deleting] = (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat.NatGatewayId!] }))).NatGateways ?? [];
    assert.equal(deleting?.State, "deleting");
    await sleep(300);
    const [deleted] = (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [nat.NatGatewayId!] }))).NatGateways ?? [];
    assert.equal(deleted?.State, "deleted");
    const route = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtb.RouteTableId!] }))).RouteTables?.[0]?.Routes?.find((r) => r.NatGatewayId);
    assert.equal(route?.State, "blackhole");
    await ec2.send(new ReleaseAddressCommand({ AllocationId: eip.AllocationId! }));
    const unknown = await sdkFailure(ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: ["nat-0123456789abcdef0"] })));
    assert.equal(unknown.name, "NatGatewayNotFound");
  });

  it("serves the region's AWS-managed prefix lists and versioned customer lists", async () => {
    const aws = (await ec2.send(new DescribePrefixListsCommand({}))).PrefixLists ?? [];
    assert.deepEqual(aws.map((p) => p.PrefixListName).sort(), ["com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"]);
    assert.ok((aws.find((p) => p.PrefixListName?.endsWith(".s3"))?.Cidrs ?? []).length > 0);

    const list = (await ec2.send(new CreateManagedPrefixListCommand({ PrefixListName: "office", AddressFamily: "IPv4", MaxEntries: 5, Entries: [{ Cidr: "192.0.2.0/24", Description: "hq" }] }))).PrefixList!;
    assert.match(list.PrefixListId ?? "", /^pl-[0-9a-f]{17}$/);
    assert.equal(list.Version, 1);
    assert.equal(list.State, "create-complete");
    const mismatch = await sdkFailure(ec2.send(new ModifyManagedPrefixListCommand({ PrefixListId: list.PrefixListId!, CurrentVersion: 7, AddEntries: [{ Cidr: "198.51.100.0/24" }] })));
    assert.equal(mismatch.name, "PrefixListVersionMismatch");
    const modified = (await ec2.send(new ModifyManagedPrefixListCommand({ PrefixListId: list.PrefixListId!, CurrentVersion: 1, AddEntries: [{ Cidr: "198.51.100.0/24", Description: "branch" }] }))).PrefixList!;
    assert.equal(modified.Version, 2);
    const now = (await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: list.PrefixListId! }))).Entries ?? [];
    assert.deepEqual(now.map((e) => e.Cidr), ["192.0.2.0/24", "198.51.100.0/24"]);
    const before = (await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: list.PrefixListId!, TargetVersion: 1 }))).Entries ?? [];
    assert.deepEqual(before.map((e) => e.Cidr), ["192.0.2.0/24"]);
    const mine = (await ec2.send(new DescribeManagedPrefixListsCommand({ Filters: [{ Name: "owner-id", Values: ["000000000000"] }] }))).PrefixLists ?? [];
    assert.deepEqual(mine.map((p) => p.PrefixListName), ["office"]);

    // A rule that uses the list keeps it alive.
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: "pl-user", Description: "x", VpcId: vpcId }))).GroupId!;
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: list.PrefixListId! }] }] }));
    assert.equal((await sdkFailure(ec2.send(new DeleteManagedPrefixListCommand({ PrefixListId: list.PrefixListId! })))).name, "DependencyViolation");
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: sg, IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: list.PrefixListId! }] }] }));
    const deleted = (await ec2.send(new DeleteManagedPrefixListCommand({ PrefixListId: list.PrefixListId! }))).PrefixList!;
    assert.equal(deleted.State, "delete-complete");
    const awsList = aws[0]!.PrefixListId!;
    assert.equal((await sdkFailure(ec2.send(new DeleteManagedPrefixListCommand({ PrefixListId: awsList })))).name, "InvalidPrefixListModification");
  });

  it("records gateway and interface VPC endpoints with their routes and interfaces", async () => {
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!;
    const bad = await sdkFailure(ec2.send(new CreateVpcEndpointCommand({ VpcId: vpcId, ServiceName: "com.example.s3", RouteTableIds: [rtb.RouteTableId!] })));
    assert.equal(bad.name, "InvalidServiceName");
    const gateway = (await ec2.send(new CreateVpcEndpointCommand({ VpcId: vpcId, ServiceName: "com.amazonaws.us-east-1.s3", VpcEndpointType: "Gateway", RouteTableIds: [rtb.RouteTableId!] }))).VpcEndpoint!;
    assert.match(gateway.VpcEndpointId ?? "", /^vpce-[0-9a-f]{17}$/);
    assert.equal(gateway.State, "available");
    const s3List = (await ec2.send(new DescribePrefixListsCommand({ Filters: [{ Name: "prefix-list-name", Values: ["com.amazonaws.us-east-1.s3"] }] }))).PrefixLists![0]!.PrefixListId;
    const routes = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtb.RouteTableId!] }))).RouteTables![0]!.Routes ?? [];
    assert.ok(routes.some((r) => r.DestinationPrefixListId === s3List && r.GatewayId === gateway.VpcEndpointId));
    assert.ok(JSON.parse(gateway.PolicyDocument ?? "{}").Statement);

    const iface = (await ec2.send(new CreateVpcEndpointCommand({ VpcId: vpcId, ServiceName: "com.amazonaws.us-east-1.sts", VpcEndpointType: "Interface", SubnetIds: [subnetId] }))).VpcEndpoint!;
    assert.equal(iface.NetworkInterfaceIds?.length, 1);
    assert.match(iface.DnsEntries?.[0]?.DnsName ?? "", /\.sts\.us-east-1\.vpce\.amazonaws\.com$/);
    const [eni] = (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: iface.NetworkInterfaceIds! }))).NetworkInterfaces ?? [];
    assert.equal(eni?.SubnetId, subnetId);
    const policy = JSON.stringify({ Statement: [{ Effect: "Deny", Principal: "*", Action: "*", Resource: "*" }] });
    await ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: gateway.VpcEndpointId!, PolicyDocument: policy, RemoveRouteTableIds: [rtb.RouteTableId!] }));
    const [changed] = (await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [gateway.VpcEndpointId!] }))).VpcEndpoints ?? [];
    assert.equal(changed?.PolicyDocument, policy);
    assert.deepEqual(changed?.RouteTableIds, []);
    const byType = (await ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-endpoint-type", Values: ["Interface"] }] }))).VpcEndpoints ?? [];
    assert.deepEqual(byType.map((e) => e.VpcEndpointId), [iface.VpcEndpointId]);

    const result = await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [gateway.VpcEndpointId!, iface.VpcEndpointId!, "vpce-0123456789abcdef0"] }));
    assert.deepEqual(result.Unsuccessful?.map((u) => [u.ResourceId, u.Error?.Code]), [["vpce-0123456789abcdef0", "InvalidVpcEndpoint.NotFound"]]);
    const leftover = await sdkFailure(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: iface.NetworkInterfaceIds! })));
    assert.equal(leftover.name, "InvalidNetworkInterfaceID.NotFound");
  });

  it("builds a Wavelength subnet with a carrier gateway route once the zone group is opted in", async () => {
    const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true, Filters: [{ Name: "zone-type", Values: ["wavelength-zone"] }] }))).AvailabilityZones ?? [];
    const zone = zones[0];
    assert.ok(zone?.ZoneName && zone.GroupName, "us-east-1 lists Wavelength Zones");
    const refused = await sdkFailure(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.8.50.0/24", AvailabilityZone: zone.ZoneName })));
    assert.equal(refused.name, "InvalidParameterValue");
    await ec2.send(new ModifyAvailabilityZoneGroupCommand({ GroupName: zone.GroupName, OptInStatus: "opted-in" }));
    const subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.8.50.0/24", AvailabilityZone: zone.ZoneName }))).Subnet!;
    assert.equal(subnet.AvailabilityZone, zone.ZoneName);
    const carrier = (await ec2.send(new CreateCarrierGatewayCommand({ VpcId: vpcId }))).CarrierGateway!;
    assert.match(carrier.CarrierGatewayId ?? "", /^cagw-[0-9a-f]{17}$/);
    assert.equal(carrier.State, "available");
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "0.0.0.0/0", CarrierGatewayId: carrier.CarrierGatewayId! }));
    const byVpc = (await ec2.send(new DescribeCarrierGatewaysCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).CarrierGateways ?? [];
    assert.deepEqual(byVpc.map((g) => g.CarrierGatewayId), [carrier.CarrierGatewayId]);
    // An instance there gets a carrier IP (not a public IP) when asked; elsewhere the request is refused.
    const imageId = await linuxImage(ec2);
    const [edge] = (await ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.medium", MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet.SubnetId!, AssociateCarrierIpAddress: true }] }))).Instances ?? [];
    assert.match(edge?.NetworkInterfaces?.[0]?.Association?.CarrierIp ?? "", /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(edge?.PublicIpAddress, undefined);
    const notWavelength = await sdkFailure(ec2.send(new RunInstancesCommand({ ImageId: imageId, InstanceType: "t3.medium", MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, AssociateCarrierIpAddress: true }] })));
    assert.equal(notWavelength.name, "InvalidParameterCombination");
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [edge!.InstanceId!] }));
    await ec2.send(new DeleteCarrierGatewayCommand({ CarrierGatewayId: carrier.CarrierGatewayId! }));
    const gone = await sdkFailure(ec2.send(new DescribeCarrierGatewaysCommand({ CarrierGatewayIds: [carrier.CarrierGatewayId!] })));
    assert.equal(gone.name, "InvalidCarrierGatewayID.NotFound");
  });

  it("records flow logs for VPCs, subnets and interfaces", async () => {
    const created = await ec2.send(new CreateFlowLogsCommand({
      ResourceType: "VPC",
      ResourceIds: [vpcId, "vpc-0123456789abcdef0"],
      TrafficType: "REJECT",
      LogGroupName: "vpc-flow",
      DeliverLogsPermissionArn: "arn:aws:iam::000000000000:role/flow-logs",
      TagSpecifications: [{ ResourceType: "vpc-flow-log", Tags: [{ Key: "Name", Value: "rejects" }] }],
    }));
    assert.equal(created.FlowLogIds?.length, 1);
    assert.match(created.FlowLogIds?.[0] ?? "", /^fl-[0-9a-f]{17}$/);
    assert.deepEqual(created.Unsuccessful?.map((u) => u.ResourceId), ["vpc-0123456789abcdef0"]);
    const noRole = await sdkFailure(ec2.send(new CreateFlowLogsCommand({ ResourceType: "VPC", ResourceIds: [vpcId], TrafficType: "ALL", LogGroupName: "vpc-flow" })));
    assert.equal(noRole.name, "InvalidParameter");
    const [log] = (await ec2.send(new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: [vpcId] }] }))).FlowLogs ?? [];
    assert.deepEqual([log?.TrafficType, log?.LogGroupName, log?.FlowLogStatus, log?.LogDestinationType], ["REJECT", "vpc-flow", "ACTIVE", "cloud-watch-logs"]);
    assert.match(log?.LogFormat ?? "", /^\$\{version\} \$\{account-id\}/);
    const deleted = await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [log!.FlowLogId!, "fl-0123456789abcdef0"] }));
    assert.deepEqual(deleted.Unsuccessful?.map((u) => u.ResourceId), ["fl-0123456789abcdef0"]);
    assert.equal(((await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? []).length, 0);
  });
});
