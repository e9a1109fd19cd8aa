/** The network family's stored records (SDK output shapes), their tables and taggable registrations. */
import type {
  Address,
  CarrierGateway,
  DhcpOptions,
  VpnGateway,
  EgressOnlyInternetGateway,
  InternetGateway,
  ManagedPrefixList,
  NatGateway,
  NetworkAcl,
  NetworkInterface,
  PrefixListEntry,
  RouteTable,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
  Vpc,
  VpcEndpoint,
} from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import type { Table } from "../../../state/state-store.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { registerTaggable } from "../shared/tags.ts";

/** Timestamps are stored as ISO strings (plain JSON); the codec accepts them where the SDK type says Date. */
export const timestamp = (date: Date = new Date()): Date => date.toISOString() as unknown as Date;

/** A VPC as stored: its DNS attributes are not part of the `Vpc` shape, so they ride along (the codec writes only modelled members). */
export interface StoredVpc extends Vpc {
  EnableDnsSupport?: boolean;
  EnableDnsHostnames?: boolean;
  EnableNetworkAddressUsageMetrics?: boolean;
}

/** A security group as stored: its rules live in their own table (they have ids and tags of their own). */
export type StoredSecurityGroup = Omit<SecurityGroup, "IpPermissions" | "IpPermissionsEgress">;

/** A customer managed prefix list keeps its entries and version history with it. */
export interface StoredPrefixList extends ManagedPrefixList {
  Entries: PrefixListEntry[];
}

/** Per-scope bookkeeping: the default VPC's id once it exists. */
export interface NetworkMeta {
  defaultVpcId?: string;
  defaultDhcpOptionsId?: string;
}

/** Which ENIs an instance has, so DescribeInstances does not scan every interface. */
export interface InstanceEnis {
  eniIds: string[];
}

/** One used address (private: `<subnetId>/<ip>`; public: the ip), so collisions are O(1) checks. */
export interface IpLease {
  owner: string;
}

const KINDS = {
  vpcs: "vpcs",
  subnets: "subnets",
  igws: "internet-gateways",
  eigws: "egress-only-internet-gateways",
  nats: "nat-gateways",
  carrier: "carrier-gateways",
  routeTables: "route-tables",
  acls: "network-acls",
  groups: "security-groups",
  rules: "security-group-rules",
  enis: "network-interfaces",
  addresses: "addresses",
  endpoints: "vpc-endpoints",
  prefixLists: "prefix-lists",
  dhcp: "dhcp-options",
  vgws: "vpn-gateways",
  meta: "network-meta",
  instanceEnis: "instance-enis",
  privateIps: "private-ips",
  publicIps: "public-ips",
} as const;

const cache = new WeakMap<RequestContext["state"], Map<string, Net>>();

/** Typed access to every network table of the caller's account+region (built once per store and scope: DescribeInstances asks per instance). */
export function net(ctx: RequestContext): Net {
  let byScope = cache.get(ctx.state);
  if (!byScope) {
    byScope = new Map();
    cache.set(ctx.state, byScope);
  }
  const key = `${ctx.account}/${ctx.region}`;
  let found = byScope.get(key);
  if (!found) {
    found = buildNet(ctx);
    byScope.set(key, found);
  }
  return found;
}

function buildNet(ctx: RequestContext) {
  const scope = scopeOf(ctx);
  const t = <T>(kind: string): ScopedTable<T> => scoped(ec2Table<T>(ctx, kind), scope);
  return {
    scope,
    vpcs: t<StoredVpc>(KINDS.vpcs),
    subnets: t<Subnet>(KINDS.subnets),
    igws: t<InternetGateway>(KINDS.igws),
    eigws: t<EgressOnlyInternetGateway>(KINDS.eigws),
    nats: t<NatGateway>(KINDS.nats),
    carrier: t<CarrierGateway>(KINDS.carrier),
    routeTables: t<RouteTable>(KINDS.routeTables),
    acls: t<NetworkAcl>(KINDS.acls),
    groups: t<StoredSecurityGroup>(KINDS.groups),
    rules: t<SecurityGroupRule>(KINDS.rules),
    enis: t<NetworkInterface>(KINDS.enis),
    addresses: t<Address>(KINDS.addresses),
    endpoints: t<VpcEndpoint>(KINDS.endpoints),
    prefixLists: t<StoredPrefixList>(KINDS.prefixLists),
    dhcp: t<DhcpOptions>(KINDS.dhcp),
    vgws: t<VpnGateway>(KINDS.vgws),
    meta: t<NetworkMeta>(KINDS.meta),
    instanceEnis: t<InstanceEnis>(KINDS.instanceEnis),
    privateIps: t<IpLease>(KINDS.privateIps),
    publicIps: t<IpLease>(KINDS.publicIps),
  };
}

export type Net = ReturnType<typeof buildNet>;

export interface ScopedTable<T> {
  get(id: string): T | undefined;
  has(id: string): boolean;
  put(id: string, value: T): T;
  delete(id: string): boolean;
  list(): T[];
}

function scoped<T>(table: Table<T>, scope: { account: string; region: string }): ScopedTable<T> {
  return {
    get: (id) => table.get(scope, id),
    has: (id) => table.has(scope, id),
    put: (id, value) => table.put(scope, id, value),
    delete: (id) => table.delete(scope, id),
    list: () => table.list(scope),
  };
}

// Every taggable kind this family owns, so CreateTags/DeleteTags/DescribeTags find them by id.
registerTaggable({ prefix: "vpc", kind: KINDS.vpcs, resourceType: "vpc", idField: "VpcId", notFoundCode: "InvalidVpcID.NotFound" });
registerTaggable({ prefix: "subnet", kind: KINDS.subnets, resourceType: "subnet", idField: "SubnetId", notFoundCode: "InvalidSubnetID.NotFound" });
registerTaggable({ prefix: "igw", kind: KINDS.igws, resourceType: "internet-gateway", idField: "InternetGatewayId", notFoundCode: "InvalidInternetGatewayID.NotFound", noun: "internetGateway" });
registerTaggable({ prefix: "eigw", kind: KINDS.eigws, resourceType: "egress-only-internet-gateway", idField: "EgressOnlyInternetGatewayId", notFoundCode: "InvalidGatewayID.NotFound", noun: "egress-only internet gateway" });
registerTaggable({ prefix: "nat", kind: KINDS.nats, resourceType: "natgateway", idField: "NatGatewayId", notFoundCode: "NatGatewayNotFound", noun: "NAT gateway" });
registerTaggable({ prefix: "cagw", kind: KINDS.carrier, resourceType: "carrier-gateway", idField: "CarrierGatewayId", notFoundCode: "InvalidCarrierGatewayID.NotFound", noun: "carrier gateway" });
registerTaggable({ prefix: "rtb", kind: KINDS.routeTables, resourceType: "route-table", idField: "RouteTableId", notFoundCode: "InvalidRouteTableID.NotFound", noun: "routeTable" });
registerTaggable({ prefix: "acl", kind: KINDS.acls, resourceType: "network-acl", idField: "NetworkAclId", notFoundCode: "InvalidNetworkAclID.NotFound", noun: "networkAcl" });
registerTaggable({ prefix: "sg", kind: KINDS.groups, resourceType: "security-group", idField: "GroupId", notFoundCode: "InvalidGroup.NotFound", noun: "security group" });
registerTaggable({ prefix: "sgr", kind: KINDS.rules, resourceType: "security-group-rule", idField: "SecurityGroupRuleId", notFoundCode: "InvalidSecurityGroupRuleId.NotFound", noun: "security group rule" });
registerTaggable({ prefix: "eni", kind: KINDS.enis, resourceType: "network-interface", idField: "NetworkInterfaceId", notFoundCode: "InvalidNetworkInterfaceID.NotFound", noun: "network interface" });
registerTaggable({ prefix: "eipalloc", kind: KINDS.addresses, resourceType: "elastic-ip", idField: "AllocationId", notFoundCode: "InvalidAllocationID.NotFound", noun: "allocation" });
registerTaggable({ prefix: "vpce", kind: KINDS.endpoints, resourceType: "vpc-endpoint", idField: "VpcEndpointId", notFoundCode: "InvalidVpcEndpointId.NotFound", noun: "Vpc Endpoint" });
registerTaggable({ prefix: "pl", kind: KINDS.prefixLists, resourceType: "prefix-list", idField: "PrefixListId", notFoundCode: "InvalidPrefixListID.NotFound", noun: "prefix list" });
registerTaggable({ prefix: "dopt", kind: KINDS.dhcp, resourceType: "dhcp-options", idField: "DhcpOptionsId", notFoundCode: "InvalidDhcpOptionID.NotFound", noun: "dhcpOption" });
registerTaggable({ prefix: "vgw", kind: KINDS.vgws, resourceType: "vpn-gateway", idField: "VpnGatewayId", notFoundCode: "InvalidVpnGatewayID.NotFound", noun: "vpnGateway" });
