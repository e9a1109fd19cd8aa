/** VPCs: create (with their main route table, default ACL and security group), describe, delete, attributes, the default VPC. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { formatCidr, parseCidr } from "./cidr.ts";
import { amazonIpv6Block } from "./ipv6.ts";
import { KIND, requireRecord, selectByIds } from "./lookup.ts";
import { net, type Net, type StoredVpc } from "./state.ts";
import { buildDefaultVpc, createVpcWithDefaults, defaultAcl, defaultSecurityGroup, ensureDefaultVpcIn, mainRouteTable } from "./vpc-setup.ts";

/** AWS: a VPC's IPv4 block is /16 to /28; anything else is InvalidVpc.Range, an unparsable one InvalidParameterValue. */
export function validVpcCidr(text: string | undefined, parameter = "cidrBlock"): string {
  if (!text) throw ec2Error("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.");
  const cidr = parseCidr(text);
  if (!cidr) throw invalidParameterValue(`Value (${text}) for parameter ${parameter} is invalid. This is not a valid CIDR block.`);
  if (cidr.prefix < 16 || cidr.prefix > 28) throw ec2Error("InvalidVpc.Range", `The CIDR '${text}' is invalid.`);
  return formatCidr(cidr);
}

/** Strips the attribute bookkeeping that DescribeVpcs does not show. */
const vpcView = ({ EnableDnsHostnames: _h, EnableDnsSupport: _s, EnableNetworkAddressUsageMetrics: _m, ...vpc }: StoredVpc) => vpc;

/** Why a VPC cannot be deleted yet (AWS reports only "has dependencies"). */
function hasDependencies(n: Net, vpcId: string): boolean {
  const main = mainRouteTable(n, vpcId)?.RouteTableId;
  const acl = defaultAcl(n, vpcId)?.NetworkAclId;
  const sg = defaultSecurityGroup(n, vpcId)?.GroupId;
  return (
    n.subnets.list().some((s) => s.VpcId === vpcId) ||
    n.igws.list().some((g) => (g.Attachments ?? []).some((a) => a.VpcId === vpcId)) ||
    n.eigws.list().some((g) => (g.Attachments ?? []).some((a) => a.VpcId === vpcId)) ||
    n.carrier.list().some((g) => g.VpcId === vpcId && g.State !== "deleted" && g.State !== "deleting") ||
    n.groups.list().some((g) => g.VpcId === vpcId && g.GroupId !== sg) ||
    n.routeTables.list().some((rt) => rt.VpcId === vpcId && rt.RouteTableId !== main) ||
    n.acls.list().some((a) => a.VpcId === vpcId && a.NetworkAclId !== acl) ||
    n.enis.list().some((e) => e.VpcId === vpcId) ||
    n.nats.list().some((g) => g.VpcId === vpcId && g.State !== "deleted" && g.State !== "deleting") ||
    n.endpoints.list().some((e) => e.VpcId === vpcId) ||
    n.vgws.list().some((g) => (g.VpcAttachments ?? []).some((a) => a.VpcId === vpcId && a.State !== "detached"))
  );
}

function deleteVpcRecords(n: Net, vpcId: string): void {
  const main = mainRouteTable(n, vpcId);
  if (main?.RouteTableId) n.routeTables.delete(main.RouteTableId);
  const acl = defaultAcl(n, vpcId);
  if (acl?.NetworkAclId) n.acls.delete(acl.NetworkAclId);
  const sg = defaultSecurityGroup(n, vpcId);
  if (sg?.GroupId) {
    for (const rule of n.rules.list()) if (rule.GroupId === sg.GroupId) n.rules.delete(rule.SecurityGroupRuleId ?? "");
    n.groups.delete(sg.GroupId);
  }
  n.vpcs.delete(vpcId);
  const meta = n.meta.get("meta") ?? {};
  if (meta.defaultVpcId === vpcId) n.meta.put("meta", { ...meta, defaultVpcId: "" });
}

export function requireVpc(n: Net, vpcId: string | undefined): StoredVpc {
  return requireRecord(n.vpcs, KIND.vpc, vpcId);
}

/** Describe calls see the default VPC from the first call on. */
export function networkFor(ctx: RequestContext): Net {
  ensureDefaultVpcIn(ctx);
  return net(ctx);
}

const ACCOUNT_ATTRIBUTES = ["supported-platforms", "default-vpc", "max-instances", "vpc-max-security-groups-per-interface", "max-elastic-ips", "vpc-max-elastic-ips"] as const;

export const vpcHandlers: HandlerTable<Ec2Operations> = {
  CreateVpc: (input, ctx) => {
    const cidr = validVpcCidr(input.CidrBlock);
    const tenancy = input.InstanceTenancy ?? "default";
    if (tenancy !== "default" && tenancy !== "dedicated") throw invalidParameterValue(`The tenancy value ${tenancy} is not supported.`);
    checkTagSpecificationTypes(input.TagSpecifications, ["vpc"]);
    const tags = tagsFor(input.TagSpecifications, "vpc");
    checkDryRun(input);
    const n = networkFor(ctx);
    if (input.Ipv6CidrBlock || input.Ipv6Pool || input.Ipv6IpamPoolId) {
      throw ec2Error("InvalidParameterCombination", "Only Amazon-provided IPv6 blocks (AmazonProvidedIpv6CidrBlock) are supported by Stratus.");
    }
    const ipv6 = input.AmazonProvidedIpv6CidrBlock ? { ipv6: amazonIpv6Block() } : {};
    const vpc = ctx.state.transaction(() => createVpcWithDefaults(ctx, n, { cidr, tenancy, tags, ...ipv6 }));
    // AWS answers CreateVpc with the VPC still "pending"; it is "available" by the next read (waiters and
    // Terraform poll DescribeVpcs for that).
    return { Vpc: { ...vpcView(vpc), State: "pending" } };
  },

  CreateDefaultVpc: (input, ctx) => {
    checkDryRun(input);
    const n = net(ctx);
    const existing = ensureDefaultVpcIn(ctx);
    if (existing && n.vpcs.has(existing)) throw ec2Error("DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region.");
    const vpcId = ctx.state.transaction(() => buildDefaultVpc(ctx, n));
    return { Vpc: vpcView(requireVpc(n, vpcId)) };
  },

  DescribeVpcs: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.vpcs, KIND.vpc, input.VpcIds);
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "vpc-id": (v) => v.VpcId,
        cidr: (v) => v.CidrBlock,
        "cidr-block": (v) => v.CidrBlock,
        "cidr-block-association.cidr-block": (v) => (v.CidrBlockAssociationSet ?? []).map((a) => a.CidrBlock),
        "cidr-block-association.association-id": (v) => (v.CidrBlockAssociationSet ?? []).map((a) => a.AssociationId),
        "cidr-block-association.state": (v) => (v.CidrBlockAssociationSet ?? []).map((a) => a.CidrBlockState?.State),
        "ipv6-cidr-block-association.ipv6-cidr-block": (v) => (v.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlock),
        "ipv6-cidr-block-association.association-id": (v) => (v.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.AssociationId),
        "ipv6-cidr-block-association.state": (v) => (v.Ipv6CidrBlockAssociationSet ?? []).map((a) => a.Ipv6CidrBlockState?.State),
        "dhcp-options-id": (v) => v.DhcpOptionsId,
        "instance-tenancy": (v) => v.InstanceTenancy,
        "is-default": (v) => v.IsDefault,
        "owner-id": (v) => v.OwnerId,
        state: (v) => v.State,
      },
      (v) => v.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { Vpcs: page.items.map(vpcView), NextToken: page.nextToken };
  },

  DeleteVpc: (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    checkDryRun(input);
    if (hasDependencies(n, vpc.VpcId ?? "")) {
      throw ec2Error("DependencyViolation", `The vpc '${vpc.VpcId ?? ""}' has dependencies and cannot be deleted.`);
    }
    ctx.state.transaction(() => deleteVpcRecords(n, vpc.VpcId ?? ""));
    return {};
  },

  DescribeVpcAttribute: (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    checkDryRun(input);
    switch (input.Attribute) {
      case "enableDnsSupport":
        return { VpcId: vpc.VpcId, EnableDnsSupport: { Value: vpc.EnableDnsSupport ?? true } };
      case "enableDnsHostnames":
        return { VpcId: vpc.VpcId, EnableDnsHostnames: { Value: vpc.EnableDnsHostnames ?? false } };
      case "enableNetworkAddressUsageMetrics":
        return { VpcId: vpc.VpcId, EnableNetworkAddressUsageMetrics: { Value: vpc.EnableNetworkAddressUsageMetrics ?? false } };
      default:
        throw invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid. Unknown attribute.`);
    }
  },

  ModifyVpcAttribute: (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    const changes = [input.EnableDnsSupport, input.EnableDnsHostnames, input.EnableNetworkAddressUsageMetrics].filter((c) => c !== undefined);
    if (changes.length !== 1) throw ec2Error("InvalidParameterCombination", "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames, enableNetworkAddressUsageMetrics");
    const next: StoredVpc = { ...vpc };
    if (input.EnableDnsSupport) next.EnableDnsSupport = input.EnableDnsSupport.Value ?? true;
    if (input.EnableDnsHostnames) next.EnableDnsHostnames = input.EnableDnsHostnames.Value ?? false;
    if (input.EnableNetworkAddressUsageMetrics) next.EnableNetworkAddressUsageMetrics = input.EnableNetworkAddressUsageMetrics.Value ?? false;
    // AWS: DNS hostnames need DNS resolution.
    if (next.EnableDnsHostnames && next.EnableDnsSupport === false) {
      throw invalidParameterValue("Cannot enable DNS hostnames without DNS support");
    }
    n.vpcs.put(vpc.VpcId ?? "", next);
    return {};
  },

  DescribeAccountAttributes: (input, ctx) => {
    checkDryRun(input);
    const names = input.AttributeNames && input.AttributeNames.length > 0 ? input.AttributeNames : [...ACCOUNT_ATTRIBUTES];
    const defaultVpc = ensureDefaultVpcIn(ctx);
    const values: Record<string, string[]> = {
      "supported-platforms": ["VPC"],
      "default-vpc": [defaultVpc && net(ctx).vpcs.has(defaultVpc) ? defaultVpc : "none"],
      "max-instances": ["20"],
      "vpc-max-security-groups-per-interface": ["5"],
      "max-elastic-ips": ["5"],
      "vpc-max-elastic-ips": ["5"],
    };
    return {
      AccountAttributes: names.map((name) => {
        const found = values[name];
        if (!found) throw invalidParameterValue(`Value (${name}) for parameter attributeName is invalid. Unknown attribute.`);
        return { AttributeName: name, AttributeValues: found.map((value) => ({ AttributeValue: value })) };
      }),
    };
  },

  DescribeDhcpOptions: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.dhcp, KIND.dhcp, input.DhcpOptionsIds);
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "dhcp-options-id": (d) => d.DhcpOptionsId,
        key: (d) => (d.DhcpConfigurations ?? []).map((c) => c.Key),
        value: (d) => (d.DhcpConfigurations ?? []).flatMap((c) => (c.Values ?? []).map((v) => v.Value)),
        "owner-id": (d) => d.OwnerId,
      },
      (d) => d.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { DhcpOptions: page.items, NextToken: page.nextToken };
  },
};
