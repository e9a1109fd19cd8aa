/** Subnets: create (CIDR inside the VPC, no overlap, zone checked incl. opt-in), describe, delete, attributes, default subnets. */
import type { AvailabilityZone, Subnet, Vpc } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { availabilityZoneNames, zoneInfo } from "../catalog/api.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { cidrContains, cidrsOverlap, formatCidr, parseCidr } from "./cidr.ts";
import { cidr6Contains, cidr6Overlap, formatCidr6, parseCidr6 } from "./ipv6.ts";
import { KIND, requireRecord, selectByIds } from "./lookup.ts";
import type { Net } from "./state.ts";
import { createSubnetRecord, defaultSubnetCidr } from "./vpc-setup.ts";
import { networkFor, requireVpc } from "./vpcs.ts";

const isUsable = (zone: AvailabilityZone): boolean => zone.OptInStatus === "opt-in-not-required" || zone.OptInStatus === "opted-in";

/** The zone a subnet goes to: by name or id; Local and Wavelength Zones only once their group is opted in. */
function resolveZone(ctx: RequestContext, n: Net, vpcId: string, name: string | undefined, id: string | undefined): AvailabilityZone {
  const standard = availabilityZoneNames(ctx);
  if (name && id) throw ec2Error("InvalidParameterCombination", "Only one of availabilityZone or availabilityZoneId may be specified");
  let zone: AvailabilityZone | undefined;
  if (name) zone = zoneInfo(ctx, name);
  else if (id) zone = standard.map((z) => zoneInfo(ctx, z)).find((z) => z?.ZoneId === id) ?? zoneInfo(ctx, id);
  else {
    // AWS picks a zone for you; spread a VPC's subnets over the zones in order.
    const count = n.subnets.list().filter((s) => s.VpcId === vpcId).length;
    zone = zoneInfo(ctx, standard[count % Math.max(1, standard.length)] ?? "");
  }
  if (!zone || !zone.ZoneName || (zone.RegionName && zone.RegionName !== ctx.region) || !isUsable(zone)) {
    // A zone the account cannot use (unknown, another region's, or a Local/Wavelength Zone not opted in)
    // is answered as AWS does: the zones subnets can be created in are listed.
    const parameter = name ? "availabilityZone" : "availabilityZoneId";
    throw invalidParameterValue(`Value (${name ?? id ?? ""}) for parameter ${parameter} is invalid. Subnets can currently only be created in the following availability zones: ${standard.join(", ")}.`);
  }
  return zone;
}

/** A subnet's IPv6 block is a /64 inside one of its VPC's blocks, overlapping no other subnet's. */
export function checkSubnetIpv6(n: Net, vpc: Vpc, text: string, exceptSubnetId?: string): string {
  const block = parseCidr6(text.toLowerCase());
  if (!block) throw invalidParameterValue(`Value (${text}) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`);
  const vpcBlocks = (vpc.Ipv6CidrBlockAssociationSet ?? []).map((a) => parseCidr6(a.Ipv6CidrBlock ?? "")).filter((c) => c !== undefined);
  if (block.prefix !== 64 || !vpcBlocks.some((outer) => cidr6Contains(outer, block))) {
    throw ec2Error("InvalidSubnet.Range", `The IPv6 CIDR '${text}' is invalid.`);
  }
  for (const subnet of n.subnets.list()) {
    if (subnet.VpcId !== vpc.VpcId || subnet.SubnetId === exceptSubnetId) continue;
    for (const association of subnet.Ipv6CidrBlockAssociationSet ?? []) {
      const other = parseCidr6(association.Ipv6CidrBlock ?? "");
      if (other && association.Ipv6CidrBlockState?.State === "associated" && cidr6Overlap(other, block)) {
        throw ec2Error("InvalidSubnet.Conflict", `The IPv6 CIDR '${text}' conflicts with another subnet`);
      }
    }
  }
  return formatCidr6(block);
}

export function requireSubnetRecord(n: Net, id: string | undefined): Subnet {
  return requireRecord(n.subnets, KIND.subnet, id);
}

function subnetHasDependencies(n: Net, subnetId: string): boolean {
  return (
    n.enis.list().some((e) => e.SubnetId === subnetId) ||
    n.nats.list().some((g) => g.SubnetId === subnetId && g.State !== "deleted" && g.State !== "deleting") ||
    n.endpoints.list().some((e) => (e.SubnetIds ?? []).includes(subnetId))
  );
}

/** Removes the subnet and its ACL and route table associations. */
function deleteSubnetRecord(n: Net, subnetId: string): void {
  for (const acl of n.acls.list()) {
    if ((acl.Associations ?? []).some((a) => a.SubnetId === subnetId)) {
      n.acls.put(acl.NetworkAclId ?? "", { ...acl, Associations: (acl.Associations ?? []).filter((a) => a.SubnetId !== subnetId) });
    }
  }
  for (const rt of n.routeTables.list()) {
    if ((rt.Associations ?? []).some((a) => a.SubnetId === subnetId)) {
      n.routeTables.put(rt.RouteTableId ?? "", { ...rt, Associations: (rt.Associations ?? []).filter((a) => a.SubnetId !== subnetId) });
    }
  }
  n.subnets.delete(subnetId);
}

export const subnetHandlers: HandlerTable<Ec2Operations> = {
  CreateSubnet: (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    if (!input.CidrBlock) throw ec2Error("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.");
    const cidr = parseCidr(input.CidrBlock);
    if (!cidr) throw invalidParameterValue(`Value (${input.CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
    const vpcBlocks = (vpc.CidrBlockAssociationSet ?? [])
      .filter((a) => a.CidrBlockState?.State === "associated")
      .map((a) => parseCidr(a.CidrBlock ?? ""))
      .filter((c) => c !== undefined);
    if (cidr.prefix < 16 || cidr.prefix > 28 || !vpcBlocks.some((block) => cidrContains(block, cidr))) {
      throw ec2Error("InvalidSubnet.Range", `The CIDR '${input.CidrBlock}' is invalid.`);
    }
    const siblings = n.subnets.list().filter((s) => s.VpcId === vpc.VpcId);
    if (siblings.some((s) => { const other = parseCidr(s.CidrBlock ?? ""); return other !== undefined && cidrsOverlap(other, cidr); })) {
      throw ec2Error("InvalidSubnet.Conflict", `The CIDR '${input.CidrBlock}' conflicts with another subnet`);
    }
    const ipv6 = input.Ipv6CidrBlock ? checkSubnetIpv6(n, vpc, input.Ipv6CidrBlock) : undefined;
    const zone = resolveZone(ctx, n, vpc.VpcId ?? "", input.AvailabilityZone, input.AvailabilityZoneId);
    checkTagSpecificationTypes(input.TagSpecifications, ["subnet"]);
    const tags = tagsFor(input.TagSpecifications, "subnet");
    checkDryRun(input);
    const subnet = ctx.state.transaction(() =>
      createSubnetRecord(ctx, n, { vpcId: vpc.VpcId ?? "", cidr: formatCidr(cidr), zoneName: zone.ZoneName ?? "", zoneId: zone.ZoneId ?? "", tags, ...(ipv6 ? { ipv6 } : {}) }),
    );
    return { Subnet: subnet };
  },

  CreateDefaultSubnet: (input, ctx) => {
    const n = networkFor(ctx);
    const vpcId = (n.meta.get("meta") ?? {}).defaultVpcId;
    if (!vpcId || !n.vpcs.has(vpcId)) throw ec2Error("DefaultVpcDoesNotExist", "No default VPC exists for this account in this region.");
    const zone = resolveZone(ctx, n, vpcId, input.AvailabilityZone, undefined);
    if (n.subnets.list().some((s) => s.VpcId === vpcId && s.DefaultForAz && s.AvailabilityZone === zone.ZoneName)) {
      throw ec2Error("DefaultSubnetAlreadyExistsInAvailabilityZone", `A default subnet already exists in availability zone ${zone.ZoneName ?? ""}.`);
    }
    // The next /20 of 172.31.0.0/16 not used by another subnet of the default VPC.
    const used = n.subnets.list().filter((s) => s.VpcId === vpcId).map((s) => parseCidr(s.CidrBlock ?? "")).filter((c) => c !== undefined);
    let cidr: string | undefined;
    for (let index = 0; index < 16 && !cidr; index++) {
      const candidate = parseCidr(defaultSubnetCidr(index));
      if (candidate && !used.some((u) => cidrsOverlap(u, candidate))) cidr = defaultSubnetCidr(index);
    }
    if (!cidr) throw ec2Error("InsufficientFreeAddressesInSubnet", "There is no free /20 block left in the default VPC.");
    checkDryRun(input);
    const subnet = ctx.state.transaction(() =>
      createSubnetRecord(ctx, n, { vpcId, cidr, zoneName: zone.ZoneName ?? "", zoneId: zone.ZoneId ?? "", defaultForAz: true, mapPublicIpOnLaunch: true }),
    );
    return { Subnet: subnet };
  },

  DescribeSubnets: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.subnets, KIND.subnet, input.SubnetIds);
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "availability-zone": (s) => s.AvailabilityZone,
        availabilityZone: (s) => s.AvailabilityZone,
        "availability-zone-id": (s) => s.AvailabilityZoneId,
        availabilityZoneId: (s) => s.AvailabilityZoneId,
        "available-ip-address-count": (s) => s.AvailableIpAddressCount,
        "cidr-block": (s) => s.CidrBlock,
        cidr: (s) => s.CidrBlock,
        cidrBlock: (s) => s.CidrBlock,
        "default-for-az": (s) => s.DefaultForAz,
        defaultForAz: (s) => s.DefaultForAz,
        "ipv6-cidr-block-association.ipv6-cidr-block": (s) => (s.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock),
        "ipv6-cidr-block-association.association-id": (s) => (s.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.AssociationId),
        "ipv6-cidr-block-association.state": (s) => (s.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlockState?.State),
        ipv6Native: (s) => s.Ipv6Native,
        "ipv6-native": (s) => s.Ipv6Native,
        "map-public-ip-on-launch": (s) => s.MapPublicIpOnLaunch,
        "map-customer-owned-ip-on-launch": (s) => s.MapCustomerOwnedIpOnLaunch,
        "owner-id": (s) => s.OwnerId,
        state: (s) => s.State,
        "subnet-arn": (s) => s.SubnetArn,
        "subnet-id": (s) => s.SubnetId,
        "vpc-id": (s) => s.VpcId,
        "enable-dns64": (s) => s.EnableDns64,
        "private-dns-name-options-on-launch.hostname-type": (s) => s.PrivateDnsNameOptionsOnLaunch?.HostnameType,
      },
      (s) => s.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { Subnets: page.items, NextToken: page.nextToken };
  },

  DeleteSubnet: (input, ctx) => {
    const n = networkFor(ctx);
    const subnet = requireSubnetRecord(n, input.SubnetId);
    checkDryRun(input);
    if (subnetHasDependencies(n, subnet.SubnetId ?? "")) {
      throw ec2Error("DependencyViolation", `The subnet '${subnet.SubnetId ?? ""}' has dependencies and cannot be deleted.`);
    }
    ctx.state.transaction(() => deleteSubnetRecord(n, subnet.SubnetId ?? ""));
    return {};
  },

  ModifySubnetAttribute: (input, ctx) => {
    const n = networkFor(ctx);
    const subnet = requireSubnetRecord(n, input.SubnetId);
    const next: Subnet = { ...subnet };
    if (input.MapPublicIpOnLaunch) next.MapPublicIpOnLaunch = input.MapPublicIpOnLaunch.Value ?? false;
    if (input.AssignIpv6AddressOnCreation) {
      if (input.AssignIpv6AddressOnCreation.Value && (subnet.Ipv6CidrBlockAssociationSet ?? []).length === 0) {
        throw invalidParameterValue(`Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set assignIpv6AddressOnCreation to true unless the subnet (${subnet.SubnetId ?? ""}) has an IPv6 CIDR block associated with it.`);
      }
      next.AssignIpv6AddressOnCreation = input.AssignIpv6AddressOnCreation.Value ?? false;
    }
    if (input.MapCustomerOwnedIpOnLaunch) next.MapCustomerOwnedIpOnLaunch = input.MapCustomerOwnedIpOnLaunch.Value ?? false;
    if (input.EnableDns64) next.EnableDns64 = input.EnableDns64.Value ?? false;
    if (input.EnableLniAtDeviceIndex !== undefined) next.EnableLniAtDeviceIndex = input.EnableLniAtDeviceIndex;
    const dns = { ...(subnet.PrivateDnsNameOptionsOnLaunch ?? {}) };
    if (input.PrivateDnsHostnameTypeOnLaunch) dns.HostnameType = input.PrivateDnsHostnameTypeOnLaunch;
    if (input.EnableResourceNameDnsARecordOnLaunch) dns.EnableResourceNameDnsARecord = input.EnableResourceNameDnsARecordOnLaunch.Value ?? false;
    if (input.EnableResourceNameDnsAAAARecordOnLaunch) dns.EnableResourceNameDnsAAAARecord = input.EnableResourceNameDnsAAAARecordOnLaunch.Value ?? false;
    next.PrivateDnsNameOptionsOnLaunch = dns;
    n.subnets.put(subnet.SubnetId ?? "", next);
    return {};
  },
};
