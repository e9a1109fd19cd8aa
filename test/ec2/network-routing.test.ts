/** EC2 routing through the SDK: internet and egress-only gateways, route tables, routes, associations, network ACLs. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateEgressOnlyInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteEgressOnlyInternetGatewayCommand,
  DeleteInternetGatewayCommand,
  DeleteNetworkAclCommand,
  DeleteNetworkAclEntryCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DescribeEgressOnlyInternetGatewaysCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  AcceptVpcPeeringConnectionCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeVpcPeeringConnectionsCommand,
  AttachVpnGatewayCommand,
  CreateVpnGatewayCommand,
  DeleteVpnGatewayCommand,
  DescribeVpnGatewaysCommand,
  DetachVpnGatewayCommand,
  EnableVgwRoutePropagationCommand,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, clientConfig, startStratus, type RunningStratus } from "../support/server.ts";

const run = promisify(execFile);

describe("EC2 network: gateways, route tables and network ACLs", () => {
  let server: RunningStratus;
  let ec2: EC2Client;
  let vpcId: string;
  let subnetId: string;

  before(async () => {
    server = await startStratus();
    ec2 = new EC2Client(clientConfig(server.endpoint));
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
    subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.0.1.0/24" }))).Subnet!.SubnetId!;
  });
  after(async () => {
    ec2?.destroy();
    await server?.stop();
  });

  const table = async (id: string) => (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables![0]!;

  it("attaches internet gateways once, and routes through them", async () => {
    const igw = (await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: [{ ResourceType: "internet-gateway", Tags: [{ Key: "Name", Value: "main" }] }] }))).InternetGateway!;
    assert.match(igw.InternetGatewayId ?? "", /^igw-[0-9a-f]{17}$/);
    assert.deepEqual(igw.Attachments, []);
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!;
    assert.deepEqual(rtb.Routes?.map((r) => [r.DestinationCidrBlock, r.GatewayId]), [["10.0.0.0/16", "local"]]);

    // A route to a gateway that is not attached to the VPC is refused.
    const detached = await sdkFailure(ec2.send(new CreateRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw.InternetGatewayId! })));
    assert.equal(detached.name, "InvalidParameterValue");
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpcId }));
    const twice = await sdkFailure(ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpcId })));
    assert.equal(twice.name, "Resource.AlreadyAssociated");
    const attached = (await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [vpcId] }] }))).InternetGateways ?? [];
    assert.deepEqual(attached.map((g) => g.InternetGatewayId), [igw.InternetGatewayId]);
    assert.equal(attached[0]?.Attachments?.[0]?.State, "available");

    assert.equal((await ec2.send(new CreateRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw.InternetGatewayId! }))).Return, true);
    const exists = await sdkFailure(ec2.send(new CreateRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw.InternetGatewayId! })));
    assert.equal(exists.name, "RouteAlreadyExists");
    const eigw = (await ec2.send(new CreateEgressOnlyInternetGatewayCommand({ VpcId: vpcId }))).EgressOnlyInternetGateway!;
    assert.match(eigw.EgressOnlyInternetGatewayId ?? "", /^eigw-[0-9a-f]{17}$/);
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationIpv6CidrBlock: "::/0", EgressOnlyInternetGatewayId: eigw.EgressOnlyInternetGatewayId! }));
    const withRoutes = await table(rtb.RouteTableId!);
    assert.deepEqual(withRoutes.Routes?.map((r) => [r.DestinationCidrBlock ?? r.DestinationIpv6CidrBlock, r.GatewayId ?? r.EgressOnlyInternetGatewayId, r.Origin, r.State]), [
      ["10.0.0.0/16", "local", "CreateRouteTable", "active"],
      ["0.0.0.0/0", igw.InternetGatewayId, "CreateRoute", "active"],
      ["::/0", eigw.EgressOnlyInternetGatewayId, "CreateRoute", "active"],
    ]);
    const filtered = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "route.gateway-id", Values: ["igw-*"] }, { Name: "vpc-id", Values: [vpcId] }] }))).RouteTables ?? [];
    assert.deepEqual(filtered.map((t) => t.RouteTableId), [rtb.RouteTableId]);
    const byDestination = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "route.destination-cidr-block", Values: ["0.0.0.0/0"] }, { Name: "vpc-id", Values: [vpcId] }] }))).RouteTables ?? [];
    assert.deepEqual(byDestination.map((t) => t.RouteTableId), [rtb.RouteTableId]);

    // Replace, delete; the local route stays.
    const missing = await sdkFailure(ec2.send(new ReplaceRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "192.0.2.0/24", GatewayId: igw.InternetGatewayId! })));
    assert.equal(missing.name, "InvalidRoute.NotFound");
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw.InternetGatewayId! }));
    const local = await sdkFailure(ec2.send(new DeleteRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "10.0.0.0/16" })));
    assert.equal(local.name, "InvalidParameterValue");
    await ec2.send(new DeleteRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationIpv6CidrBlock: "::/0" }));
    await ec2.send(new DeleteEgressOnlyInternetGatewayCommand({ EgressOnlyInternetGatewayId: eigw.EgressOnlyInternetGatewayId! }));
    assert.equal(((await ec2.send(new DescribeEgressOnlyInternetGatewaysCommand({}))).EgressOnlyInternetGateways ?? []).length, 0);

    // Detaching the gateway turns its route into a blackhole; deleting it needs the detach first.
    assert.equal((await sdkFailure(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId! })))).name, "DependencyViolation");
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpcId }));
    const notAttached = await sdkFailure(ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId!, VpcId: vpcId })));
    assert.equal(notAttached.name, "Gateway.NotAttached");
    assert.equal((await table(rtb.RouteTableId!)).Routes?.find((r) => r.DestinationCidrBlock === "0.0.0.0/0")?.State, "blackhole");
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw.InternetGatewayId! }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb.RouteTableId! }));
  });

  it("associates subnets with route tables and protects associated and main tables", async () => {
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!;
    const other = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!;
    const association = await ec2.send(new AssociateRouteTableCommand({ RouteTableId: rtb.RouteTableId!, SubnetId: subnetId }));
    assert.match(association.AssociationId ?? "", /^rtbassoc-[0-9a-f]{17}$/);
    assert.equal(association.AssociationState?.State, "associated");
    const conflict = await sdkFailure(ec2.send(new AssociateRouteTableCommand({ RouteTableId: other.RouteTableId!, SubnetId: subnetId })));
    assert.equal(conflict.name, "Resource.AlreadyAssociated");
    const bySubnet = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnetId] }] }))).RouteTables ?? [];
    assert.deepEqual(bySubnet.map((t) => t.RouteTableId), [rtb.RouteTableId]);
    const busy = await sdkFailure(ec2.send(new DeleteRouteTableCommand({ RouteTableId: rtb.RouteTableId! })));
    assert.equal(busy.name, "DependencyViolation");
    assert.equal(busy.message, `The routeTable '${rtb.RouteTableId!}' has dependencies and cannot be deleted.`);

    const moved = await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: association.AssociationId!, RouteTableId: other.RouteTableId! }));
    assert.notEqual(moved.NewAssociationId, association.AssociationId);
    assert.deepEqual((await table(other.RouteTableId!)).Associations?.map((a) => a.SubnetId), [subnetId]);
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: moved.NewAssociationId! }));
    const unknown = await sdkFailure(ec2.send(new DisassociateRouteTableCommand({ AssociationId: moved.NewAssociationId! })));
    assert.equal(unknown.name, "InvalidAssociationID.NotFound");

    const [main] = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "association.main", Values: ["true"] }] }))).RouteTables ?? [];
    assert.ok(main?.RouteTableId);
    assert.equal((await sdkFailure(ec2.send(new DeleteRouteTableCommand({ RouteTableId: main.RouteTableId })))).name, "DependencyViolation");
    const mainAssociation = main.Associations?.find((a) => a.Main)?.RouteTableAssociationId;
    assert.equal((await sdkFailure(ec2.send(new DisassociateRouteTableCommand({ AssociationId: mainAssociation! })))).name, "InvalidParameterValue");
    // Making another table the main one frees the old main table.
    await ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: mainAssociation!, RouteTableId: rtb.RouteTableId! }));
    assert.equal((await table(rtb.RouteTableId!)).Associations?.[0]?.Main, true);
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: main.RouteTableId }));
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: other.RouteTableId! }));
  });

  it("manages network ACL entries and subnet associations", async () => {
    const acl = (await ec2.send(new CreateNetworkAclCommand({ VpcId: vpcId }))).NetworkAcl!;
    assert.equal(acl.IsDefault, false);
    assert.deepEqual(acl.Entries?.map((e) => [e.RuleNumber, e.RuleAction]), [[32767, "deny"], [32767, "deny"]]);
    await ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId!, RuleNumber: 100, Protocol: "tcp", RuleAction: "allow", Egress: false, CidrBlock: "0.0.0.0/0", PortRange: { From: 443, To: 443 } }));
    const duplicate = await sdkFailure(ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId!, RuleNumber: 100, Protocol: "-1", RuleAction: "deny", Egress: false, CidrBlock: "10.0.0.0/8" })));
    assert.equal(duplicate.name, "NetworkAclEntryAlreadyExists");
    // The same number in the other direction is a different entry.
    await ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId!, RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress: true, CidrBlock: "0.0.0.0/0" }));
    await ec2.send(new ReplaceNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId!, RuleNumber: 100, Protocol: "tcp", RuleAction: "allow", Egress: false, CidrBlock: "10.0.0.0/8", PortRange: { From: 22, To: 22 } }));
    const [described] = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [acl.NetworkAclId!] }))).NetworkAcls ?? [];
    const ingress = described?.Entries?.find((e) => !e.Egress && e.RuleNumber === 100);
    assert.deepEqual([ingress?.Protocol, ingress?.CidrBlock, ingress?.PortRange?.From], ["6", "10.0.0.0/8", 22]);
    const byPort = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "entry.port-range.from", Values: ["22"] }] }))).NetworkAcls ?? [];
    assert.deepEqual(byPort.map((a) => a.NetworkAclId), [acl.NetworkAclId]);
    const gone = await sdkFailure(ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId!, RuleNumber: 200, Egress: false })));
    assert.equal(gone.name, "InvalidNetworkAclEntry.NotFound");
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: acl.NetworkAclId!, RuleNumber: 100, Egress: true }));

    // Move the subnet from the default ACL to the custom one and back.
    const [defaultAcl] = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "default", Values: ["true"] }] }))).NetworkAcls ?? [];
    const current = defaultAcl?.Associations?.find((a) => a.SubnetId === subnetId);
    assert.ok(current?.NetworkAclAssociationId);
    const moved = await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: current.NetworkAclAssociationId, NetworkAclId: acl.NetworkAclId! }));
    const bySubnet = (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnetId] }] }))).NetworkAcls ?? [];
    assert.deepEqual(bySubnet.map((a) => a.NetworkAclId), [acl.NetworkAclId]);
    assert.equal((await sdkFailure(ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: acl.NetworkAclId! })))).name, "DependencyViolation");
    assert.equal((await sdkFailure(ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: defaultAcl!.NetworkAclId! })))).name, "InvalidParameterValue");
    await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: moved.NewAssociationId!, NetworkAclId: defaultAcl!.NetworkAclId! }));
    await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: acl.NetworkAclId! }));
  });

  it("peers VPCs within an account and across accounts", async () => {
    const other = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" }))).Vpc!.VpcId!;
    const overlapping = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.128.0/20" }))).Vpc!.VpcId!;
    const failed = (await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: vpcId, PeerVpcId: overlapping }))).VpcPeeringConnection!;
    assert.equal(failed.Status?.Code, "failed");
    const pcx = (await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: vpcId, PeerVpcId: other, TagSpecifications: [{ ResourceType: "vpc-peering-connection", Tags: [{ Key: "Name", Value: "a-b" }] }] }))).VpcPeeringConnection!;
    assert.match(pcx.VpcPeeringConnectionId ?? "", /^pcx-[0-9a-f]{17}$/);
    assert.equal(pcx.Status?.Code, "pending-acceptance");
    assert.equal(pcx.AccepterVpcInfo?.CidrBlock, "10.1.0.0/16");
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "10.1.0.0/16", VpcPeeringConnectionId: pcx.VpcPeeringConnectionId! }));
    assert.equal((await table(rtb.RouteTableId!)).Routes?.find((r) => r.VpcPeeringConnectionId)?.State, "blackhole", "not active yet");
    const accepted = (await ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId! }))).VpcPeeringConnection!;
    assert.equal(accepted.Status?.Code, "active");
    assert.equal((await table(rtb.RouteTableId!)).Routes?.find((r) => r.VpcPeeringConnectionId)?.State, "active");
    const again = await sdkFailure(ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId! })));
    assert.equal(again.name, "InvalidStateTransition");
    const active = (await ec2.send(new DescribeVpcPeeringConnectionsCommand({ Filters: [{ Name: "status-code", Values: ["active"] }, { Name: "tag:Name", Values: ["a-b"] }] }))).VpcPeeringConnections ?? [];
    assert.deepEqual(active.map((c) => c.VpcPeeringConnectionId), [pcx.VpcPeeringConnectionId]);
    await ec2.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx.VpcPeeringConnectionId! }));
    const [deleted] = (await ec2.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [pcx.VpcPeeringConnectionId!] }))).VpcPeeringConnections ?? [];
    assert.equal(deleted?.Status?.Code, "deleted");

    // Across accounts: the accepter account sees the request and only it may accept.
    const peerAccount = new EC2Client(clientConfig(server.endpoint, "222222222222"));
    try {
      const peerVpc = (await peerAccount.send(new CreateVpcCommand({ CidrBlock: "10.2.0.0/16" }))).Vpc!.VpcId!;
      const cross = (await ec2.send(new CreateVpcPeeringConnectionCommand({ VpcId: vpcId, PeerVpcId: peerVpc, PeerOwnerId: "222222222222" }))).VpcPeeringConnection!;
      assert.equal(cross.Status?.Code, "pending-acceptance");
      const own = await sdkFailure(ec2.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: cross.VpcPeeringConnectionId! })));
      assert.equal(own.name, "OperationNotPermitted");
      const seen = (await peerAccount.send(new DescribeVpcPeeringConnectionsCommand({}))).VpcPeeringConnections ?? [];
      assert.deepEqual(seen.map((c) => [c.VpcPeeringConnectionId, c.RequesterVpcInfo?.OwnerId]), [[cross.VpcPeeringConnectionId, "000000000000"]]);
      await peerAccount.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: cross.VpcPeeringConnectionId! }));
      const [fromRequester] = (await ec2.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [cross.VpcPeeringConnectionId!] }))).VpcPeeringConnections ?? [];
      assert.equal(fromRequester?.Status?.Code, "active");
    } finally {
      peerAccount.destroy();
    }
  });

  it("attaches VPN gateways, routes through them and propagates into route tables", async () => {
    const vgw = (await ec2.send(new CreateVpnGatewayCommand({ Type: "ipsec.1", AmazonSideAsn: 64600 }))).VpnGateway!;
    assert.match(vgw.VpnGatewayId ?? "", /^vgw-[0-9a-f]{17}$/);
    assert.equal(vgw.AmazonSideAsn, 64600);
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!;
    const early = await sdkFailure(ec2.send(new EnableVgwRoutePropagationCommand({ GatewayId: vgw.VpnGatewayId!, RouteTableId: rtb.RouteTableId! })));
    assert.equal(early.name, "Gateway.NotAttached");
    await ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: vgw.VpnGatewayId!, VpcId: vpcId }));
    await ec2.send(new EnableVgwRoutePropagationCommand({ GatewayId: vgw.VpnGatewayId!, RouteTableId: rtb.RouteTableId! }));
    await ec2.send(new CreateRouteCommand({ RouteTableId: rtb.RouteTableId!, DestinationCidrBlock: "192.168.0.0/16", GatewayId: vgw.VpnGatewayId! }));
    const withVgw = await table(rtb.RouteTableId!);
    assert.deepEqual(withVgw.PropagatingVgws, [{ GatewayId: vgw.VpnGatewayId }]);
    assert.equal(withVgw.Routes?.find((r) => r.GatewayId === vgw.VpnGatewayId)?.State, "active");
    const byVpc = (await ec2.send(new DescribeVpnGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [vpcId] }, { Name: "attachment.state", Values: ["attached"] }] }))).VpnGateways ?? [];
    assert.deepEqual(byVpc.map((g) => g.VpnGatewayId), [vgw.VpnGatewayId]);
    assert.equal((await sdkFailure(ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: vgw.VpnGatewayId! })))).name, "IncorrectState");
    await ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: vgw.VpnGatewayId!, VpcId: vpcId }));
    const detached = await table(rtb.RouteTableId!);
    assert.deepEqual(detached.PropagatingVgws, []);
    assert.equal(detached.Routes?.find((r) => r.GatewayId === vgw.VpnGatewayId)?.State, "blackhole");
    await ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: vgw.VpnGatewayId! }));
  });

  it("answers route and route table calls from the AWS CLI", async () => {
    const env = cliEnv(server.endpoint);
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const rtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const created = await run("aws", ["ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw, "--output", "json"], { env });
    assert.match(created.stdout, /"Return": true/);
    const again = await run("aws", ["ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw], { env }).catch((error: { stderr: string }) => error);
    assert.match(again.stderr, /RouteAlreadyExists/);
  });
});
