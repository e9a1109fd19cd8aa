/** Building VPCs the way AWS does (main route table, default ACL and security group with every VPC) and the default VPC. */
import type { AttachmentStatus, VpcIpv6CidrBlockAssociation, InternetGateway, NetworkAcl, NetworkAclEntry, RouteTable, Subnet, Tag } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { availabilityZoneNames, zoneInfo } from "../catalog/api.ts";
import { arnOf, newEc2Id } from "../shared/ids.ts";
import { formatCidr, parseCidr, usableAddressCount } from "./cidr.ts";
import { addRules } from "./sg-model.ts";
import { net, type Net, type StoredSecurityGroup, type StoredVpc } from "./state.ts";

export interface NewVpc {
  cidr: string;
  /** An Amazon-provided IPv6 /56, when asked for. */
  ipv6?: string;
  tenancy?: string;
  isDefault?: boolean;
  tags?: Tag[];
}

/** The account's default DHCP options set (domain-name per region, AmazonProvidedDNS), created once. */
export function defaultDhcpOptionsId(ctx: RequestContext, n: Net): string {
  const meta = n.meta.get("meta") ?? {};
  if (meta.defaultDhcpOptionsId && n.dhcp.has(meta.defaultDhcpOptionsId)) return meta.defaultDhcpOptionsId;
  const id = newEc2Id("dopt");
  const domain = ctx.region === "us-east-1" ? "ec2.internal" : `${ctx.region}.compute.internal`;
  n.dhcp.put(id, {
    DhcpOptionsId: id,
    OwnerId: ctx.account,
    DhcpConfigurations: [
      { Key: "domain-name", Values: [{ Value: domain }] },
      { Key: "domain-name-servers", Values: [{ Value: "AmazonProvidedDNS" }] },
    ],
    Tags: [],
  });
  n.meta.put("meta", { ...(n.meta.get("meta") ?? {}), defaultDhcpOptionsId: id });
  return id;
}

/** A VPC's Amazon-provided IPv6 block as DescribeVpcs shows it. */
export const ipv6Association = (region: string, block: string): VpcIpv6CidrBlockAssociation => ({
  AssociationId: newEc2Id("vpc-cidr-assoc"),
  Ipv6CidrBlock: block,
  Ipv6CidrBlockState: { State: "associated" },
  NetworkBorderGroup: region,
  Ipv6Pool: "Amazon",
});

const aclEntry = (ruleNumber: number, egress: boolean, action: "allow" | "deny"): NetworkAclEntry => ({
  CidrBlock: "0.0.0.0/0",
  Egress: egress,
  Protocol: "-1",
  RuleAction: action,
  RuleNumber: ruleNumber,
});

/** A VPC with its main route table (local route), default network ACL and default security group. */
export function createVpcWithDefaults(ctx: RequestContext, n: Net, request: NewVpc): StoredVpc {
  const vpcId = newEc2Id("vpc");
  const vpc: StoredVpc = {
    OwnerId: ctx.account,
    InstanceTenancy: (request.tenancy ?? "default") as StoredVpc["InstanceTenancy"],
    Ipv6CidrBlockAssociationSet: request.ipv6 ? [ipv6Association(ctx.region, request.ipv6)] : [],
    CidrBlockAssociationSet: [{ AssociationId: newEc2Id("vpc-cidr-assoc"), CidrBlock: request.cidr, CidrBlockState: { State: "associated" } }],
    IsDefault: request.isDefault ?? false,
    BlockPublicAccessStates: { InternetGatewayBlockMode: "off" },
    VpcId: vpcId,
    State: "available",
    CidrBlock: request.cidr,
    DhcpOptionsId: defaultDhcpOptionsId(ctx, n),
    Tags: request.tags ?? [],
    // AWS: DNS resolution always on; DNS hostnames on only for the default VPC.
    EnableDnsSupport: true,
    EnableDnsHostnames: request.isDefault ?? false,
    EnableNetworkAddressUsageMetrics: false,
  };
  n.vpcs.put(vpcId, vpc);

  const routeTableId = newEc2Id("rtb");
  const routeTable: RouteTable = {
    Associations: [{ Main: true, RouteTableAssociationId: newEc2Id("rtbassoc"), RouteTableId: routeTableId, AssociationState: { State: "associated" } }],
    PropagatingVgws: [],
    RouteTableId: routeTableId,
    Routes: [
      { DestinationCidrBlock: request.cidr, GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
      ...(request.ipv6 ? [{ DestinationIpv6CidrBlock: request.ipv6, GatewayId: "local", Origin: "CreateRouteTable" as const, State: "active" as const }] : []),
    ],
    Tags: [],
    VpcId: vpcId,
    OwnerId: ctx.account,
  };
  n.routeTables.put(routeTableId, routeTable);

  const aclId = newEc2Id("acl");
  const acl: NetworkAcl = {
    Associations: [],
    Entries: [aclEntry(100, true, "allow"), aclEntry(32767, true, "deny"), aclEntry(100, false, "allow"), aclEntry(32767, false, "deny")],
    IsDefault: true,
    NetworkAclId: aclId,
    Tags: [],
    VpcId: vpcId,
    OwnerId: ctx.account,
  };
  n.acls.put(aclId, acl);

  const groupId = newEc2Id("sg");
  const group: StoredSecurityGroup = {
    GroupId: groupId,
    GroupName: "default",
    Description: "default VPC security group",
    OwnerId: ctx.account,
    VpcId: vpcId,
    Tags: [],
    SecurityGroupArn: arnOf(ctx.region, ctx.account, `security-group/${groupId}`),
  };
  n.groups.put(groupId, group);
  // The default group lets its members talk to each other and everything out.
  addRules(ctx, n, [{ GroupId: groupId, IsEgress: false, IpProtocol: "-1", FromPort: -1, ToPort: -1, ReferencedGroupInfo: { GroupId: groupId, UserId: ctx.account } }]);
  addRules(ctx, n, [{ GroupId: groupId, IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" }]);
  return vpc;
}

export const mainRouteTable = (n: Net, vpcId: string): RouteTable | undefined =>
  n.routeTables.list().find((rt) => rt.VpcId === vpcId && (rt.Associations ?? []).some((a) => a.Main));

export const defaultAcl = (n: Net, vpcId: string): NetworkAcl | undefined => n.acls.list().find((acl) => acl.VpcId === vpcId && acl.IsDefault);

export const defaultSecurityGroup = (n: Net, vpcId: string): StoredSecurityGroup | undefined =>
  n.groups.list().find((g) => g.VpcId === vpcId && g.GroupName === "default");

export interface NewSubnet {
  vpcId: string;
  cidr: string;
  zoneName: string;
  zoneId: string;
  defaultForAz?: boolean;
  mapPublicIpOnLaunch?: boolean;
  ipv6?: string;
  tags?: Tag[];
}

/** A subnet, associated with its VPC's default network ACL (and implicitly with the main route table). */
export function createSubnetRecord(ctx: RequestContext, n: Net, request: NewSubnet): Subnet {
  const subnetId = newEc2Id("subnet");
  const cidr = parseCidr(request.cidr);
  const subnet: Subnet = {
    AvailabilityZoneId: request.zoneId,
    MapCustomerOwnedIpOnLaunch: false,
    OwnerId: ctx.account,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: request.ipv6 ? [{ AssociationId: newEc2Id("subnet-cidr-assoc"), Ipv6CidrBlock: request.ipv6, Ipv6CidrBlockState: { State: "associated" } }] : [],
    SubnetArn: arnOf(ctx.region, ctx.account, `subnet/${subnetId}`),
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: "ip-name", EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    BlockPublicAccessStates: { InternetGatewayBlockMode: "off" },
    SubnetId: subnetId,
    State: "available",
    VpcId: request.vpcId,
    CidrBlock: cidr ? formatCidr(cidr) : request.cidr,
    AvailableIpAddressCount: cidr ? usableAddressCount(cidr) : 0,
    AvailabilityZone: request.zoneName,
    DefaultForAz: request.defaultForAz ?? false,
    MapPublicIpOnLaunch: request.mapPublicIpOnLaunch ?? false,
    Tags: request.tags ?? [],
  };
  n.subnets.put(subnetId, subnet);
  const acl = defaultAcl(n, request.vpcId);
  if (acl) {
    n.acls.put(acl.NetworkAclId ?? "", {
      ...acl,
      Associations: [...(acl.Associations ?? []), { NetworkAclAssociationId: newEc2Id("aclassoc"), NetworkAclId: acl.NetworkAclId, SubnetId: subnetId }],
    });
  }
  return subnet;
}

/** An attached internet gateway reports "available" (not "attached") on AWS, outside the SDK's enum. */
export const IGW_ATTACHED = "available" as AttachmentStatus;

export function createInternetGateway(ctx: RequestContext, n: Net, tags: Tag[] = []): InternetGateway {
  const id = newEc2Id("igw");
  const igw: InternetGateway = { Attachments: [], InternetGatewayId: id, OwnerId: ctx.account, Tags: tags };
  return n.igws.put(id, igw);
}

/** Default subnets are the /20s of 172.31.0.0/16 in zone order: 172.31.0.0/20, 172.31.16.0/20 … */
export function defaultSubnetCidr(index: number): string {
  return `172.31.${index * 16}.0/20`;
}

/**
 * The default VPC of the caller's account+region, created on first use exactly like AWS's:
 * 172.31.0.0/16, one default /20 subnet per AZ mapping public IPs, an attached internet gateway and
 * a 0.0.0.0/0 route to it in the main route table, the default ACL and the "default" security group.
 */
export function ensureDefaultVpcIn(ctx: RequestContext): string {
  const n = net(ctx);
  const meta = n.meta.get("meta") ?? {};
  if (meta.defaultVpcId !== undefined) return meta.defaultVpcId;
  return ctx.state.transaction(() => buildDefaultVpc(ctx, n));
}

export function buildDefaultVpc(ctx: RequestContext, n: Net): string {
  const vpc = createVpcWithDefaults(ctx, n, { cidr: "172.31.0.0/16", isDefault: true });
  const vpcId = vpc.VpcId ?? "";
  availabilityZoneNames(ctx).forEach((zoneName, index) => {
    createSubnetRecord(ctx, n, {
      vpcId,
      cidr: defaultSubnetCidr(index),
      zoneName,
      zoneId: zoneInfo(ctx, zoneName)?.ZoneId ?? zoneName,
      defaultForAz: true,
      mapPublicIpOnLaunch: true,
    });
  });
  const igw = createInternetGateway(ctx, n);
  n.igws.put(igw.InternetGatewayId ?? "", { ...igw, Attachments: [{ State: IGW_ATTACHED, VpcId: vpcId }] });
  const main = mainRouteTable(n, vpcId);
  if (main) {
    n.routeTables.put(main.RouteTableId ?? "", {
      ...main,
      Routes: [...(main.Routes ?? []), { DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw.InternetGatewayId, Origin: "CreateRoute", State: "active" }],
    });
  }
  n.meta.put("meta", { ...(n.meta.get("meta") ?? {}), defaultVpcId: vpcId });
  return vpcId;
}
