/** DHCP option sets and their VPC associations; secondary IPv4 and Amazon-provided IPv6 blocks of VPCs and subnets. */
import type { DhcpConfiguration, VpcCidrBlockAssociation } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { newEc2Id } from "../shared/ids.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { cidrContains, cidrsOverlap, parseCidr } from "./cidr.ts";
import { KIND, requireRecord } from "./lookup.ts";
import { amazonIpv6Block, cidr6Contains, parseCidr6 } from "./ipv6.ts";
import { checkSubnetIpv6, requireSubnetRecord } from "./subnets.ts";
import { defaultDhcpOptionsId, ipv6Association } from "./vpc-setup.ts";
import { networkFor, requireVpc, validVpcCidr } from "./vpcs.ts";

const DHCP_KEYS = ["domain-name", "domain-name-servers", "ntp-servers", "netbios-name-servers", "netbios-node-type", "ipv6-address-preferred-lease-time"];

/** A VPC has at most five IPv4 CIDR blocks (the default quota). */
const MAX_VPC_CIDRS = 5;

export const vpcExtraHandlers: HandlerTable<Ec2Operations> = {
  CreateDhcpOptions: (input, ctx) => {
    const n = networkFor(ctx);
    const configurations: DhcpConfiguration[] = (input.DhcpConfigurations ?? []).map((entry) => {
      if (!entry.Key || !DHCP_KEYS.includes(entry.Key)) throw invalidParameterValue(`Value (${entry.Key ?? ""}) for parameter name is invalid. Unknown DHCP option`);
      return { Key: entry.Key, Values: (entry.Values ?? []).map((value) => ({ Value: value })) };
    });
    if (configurations.length === 0) throw ec2Error("MissingParameter", "The request must contain the parameter dhcpConfiguration");
    checkTagSpecificationTypes(input.TagSpecifications, ["dhcp-options"]);
    const tags = tagsFor(input.TagSpecifications, "dhcp-options");
    checkDryRun(input);
    const id = newEc2Id("dopt");
    const options = n.dhcp.put(id, { DhcpOptionsId: id, OwnerId: ctx.account, DhcpConfigurations: configurations, Tags: tags });
    return { DhcpOptions: options };
  },

  AssociateDhcpOptions: (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    // "default" means the account's default set (AWS: associate "default" to go back to it).
    const optionsId = input.DhcpOptionsId === "default" ? defaultDhcpOptionsId(ctx, n) : requireRecord(n.dhcp, KIND.dhcp, input.DhcpOptionsId).DhcpOptionsId;
    checkDryRun(input);
    n.vpcs.put(vpc.VpcId ?? "", { ...vpc, DhcpOptionsId: optionsId });
    return {};
  },

  DeleteDhcpOptions: (input, ctx) => {
    const n = networkFor(ctx);
    const options = requireRecord(n.dhcp, KIND.dhcp, input.DhcpOptionsId);
    if (n.vpcs.list().some((v) => v.DhcpOptionsId === options.DhcpOptionsId)) {
      throw ec2Error("DependencyViolation", `The dhcpOptions '${options.DhcpOptionsId ?? ""}' has dependencies and cannot be deleted.`);
    }
    checkDryRun(input);
    n.dhcp.delete(options.DhcpOptionsId ?? "");
    return {};
  },

  AssociateVpcCidrBlock: (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    if (input.Ipv6CidrBlock || input.Ipv6IpamPoolId || input.Ipv6Pool) {
      throw ec2Error("InvalidParameterCombination", "Only Amazon-provided IPv6 blocks (AmazonProvidedIpv6CidrBlock) are supported by Stratus.");
    }
    if (input.AmazonProvidedIpv6CidrBlock) {
      if ((vpc.Ipv6CidrBlockAssociationSet ?? []).some((a) => a.Ipv6CidrBlockState?.State === "associated")) {
        throw ec2Error("CidrLimitExceeded", `This network '${vpc.VpcId ?? ""}' has met its maximum number of allowed Amazon-provided IPv6 CIDRs: 1`);
      }
      const association = ipv6Association(ctx.region, amazonIpv6Block());
      ctx.state.transaction(() => {
        n.vpcs.put(vpc.VpcId ?? "", { ...vpc, Ipv6CidrBlockAssociationSet: [...(vpc.Ipv6CidrBlockAssociationSet ?? []), association] });
        for (const table of n.routeTables.list()) {
          if (table.VpcId !== vpc.VpcId) continue;
          n.routeTables.put(table.RouteTableId ?? "", { ...table, Routes: [...(table.Routes ?? []), { DestinationIpv6CidrBlock: association.Ipv6CidrBlock, GatewayId: "local", Origin: "CreateRouteTable", State: "active" }] });
        }
      });
      return { VpcId: vpc.VpcId, Ipv6CidrBlockAssociation: association };
    }
    const cidrText = validVpcCidr(input.CidrBlock);
    const cidr = parseCidr(cidrText);
    const current = (vpc.CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlockState?.State === "associated");
    if (current.length >= MAX_VPC_CIDRS) throw ec2Error("CidrLimitExceeded", `This network '${vpc.VpcId ?? ""}' has met its maximum number of allowed CIDRs: ${MAX_VPC_CIDRS}`);
    for (const existing of current) {
      const block = parseCidr(existing.CidrBlock ?? "");
      if (cidr && block && cidrsOverlap(cidr, block)) {
        throw ec2Error("InvalidVpc.Range", `The CIDR '${cidrText}' conflicts with another CIDR block of this VPC.`);
      }
    }
    const association: VpcCidrBlockAssociation = { AssociationId: newEc2Id("vpc-cidr-assoc"), CidrBlock: cidrText, CidrBlockState: { State: "associated" } };
    ctx.state.transaction(() => {
      n.vpcs.put(vpc.VpcId ?? "", { ...vpc, CidrBlockAssociationSet: [...(vpc.CidrBlockAssociationSet ?? []), association] });
      // Every route table of the VPC routes the new block locally.
      for (const table of n.routeTables.list()) {
        if (table.VpcId !== vpc.VpcId) continue;
        n.routeTables.put(table.RouteTableId ?? "", { ...table, Routes: [...(table.Routes ?? []), { DestinationCidrBlock: cidrText, GatewayId: "local", Origin: "CreateRouteTable", State: "active" }] });
      }
    });
    return { VpcId: vpc.VpcId, CidrBlockAssociation: association };
  },

  DisassociateVpcCidrBlock: (input, ctx) => {
    const n = networkFor(ctx);
    const v6 = n.vpcs.list().find((v) => (v.Ipv6CidrBlockAssociationSet ?? []).some((a) => a.AssociationId === input.AssociationId));
    if (v6) {
      const association = (v6.Ipv6CidrBlockAssociationSet ?? []).find((a) => a.AssociationId === input.AssociationId);
      const block = parseCidr6(association?.Ipv6CidrBlock ?? "");
      const used = n.subnets.list().some((s) => s.VpcId === v6.VpcId && (s.Ipv6CidrBlockAssociationSet ?? []).some((a) => {
        const inner = parseCidr6(a.Ipv6CidrBlock ?? "");
        return block !== undefined && inner !== undefined && cidr6Contains(block, inner);
      }));
      if (used) throw ec2Error("DependencyViolation", `The vpc CIDR block with association ID ${input.AssociationId ?? ""} has dependencies and cannot be disassociated.`);
      ctx.state.transaction(() => {
        n.vpcs.put(v6.VpcId ?? "", { ...v6, Ipv6CidrBlockAssociationSet: (v6.Ipv6CidrBlockAssociationSet ?? []).filter((a) => a.AssociationId !== input.AssociationId) });
        for (const table of n.routeTables.list()) {
          if (table.VpcId !== v6.VpcId) continue;
          n.routeTables.put(table.RouteTableId ?? "", { ...table, Routes: (table.Routes ?? []).filter((r) => !(r.GatewayId === "local" && r.DestinationIpv6CidrBlock === association?.Ipv6CidrBlock)) });
        }
      });
      return { VpcId: v6.VpcId, Ipv6CidrBlockAssociation: { ...association, Ipv6CidrBlockState: { State: "disassociated" } } };
    }
    const vpc = n.vpcs.list().find((v) => (v.CidrBlockAssociationSet ?? []).some((a) => a.AssociationId === input.AssociationId));
    if (!vpc) throw ec2Error("InvalidVpcCidrBlockAssociationID.NotFound", `The vpc CIDR block association ID '${input.AssociationId ?? ""}' does not exist`);
    const association = (vpc.CidrBlockAssociationSet ?? []).find((a) => a.AssociationId === input.AssociationId);
    if (association?.CidrBlock === vpc.CidrBlock) {
      throw ec2Error("OperationNotPermitted", `The vpc CIDR block with association ID ${input.AssociationId ?? ""} may not be disassociated. It is the primary IPv4 CIDR block of the VPC`);
    }
    const block = parseCidr(association?.CidrBlock ?? "");
    const inUse = n.subnets.list().some((s) => {
      const subnet = parseCidr(s.CidrBlock ?? "");
      return s.VpcId === vpc.VpcId && block !== undefined && subnet !== undefined && cidrContains(block, subnet);
    });
    if (inUse) throw ec2Error("DependencyViolation", `The vpc CIDR block with association ID ${input.AssociationId ?? ""} has dependencies and cannot be disassociated.`);
    ctx.state.transaction(() => {
      n.vpcs.put(vpc.VpcId ?? "", { ...vpc, CidrBlockAssociationSet: (vpc.CidrBlockAssociationSet ?? []).filter((a) => a.AssociationId !== input.AssociationId) });
      for (const table of n.routeTables.list()) {
        if (table.VpcId !== vpc.VpcId) continue;
        n.routeTables.put(table.RouteTableId ?? "", { ...table, Routes: (table.Routes ?? []).filter((r) => !(r.GatewayId === "local" && r.DestinationCidrBlock === association?.CidrBlock)) });
      }
    });
    return { VpcId: vpc.VpcId, CidrBlockAssociation: { ...association, CidrBlockState: { State: "disassociated" } } };
  },

  AssociateSubnetCidrBlock: (input, ctx) => {
    const n = networkFor(ctx);
    const subnet = requireSubnetRecord(n, input.SubnetId);
    if (!input.Ipv6CidrBlock) throw ec2Error("MissingParameter", "The request must contain the parameter ipv6CidrBlock");
    if ((subnet.Ipv6CidrBlockAssociationSet ?? []).some((a) => a.Ipv6CidrBlockState?.State === "associated")) {
      throw ec2Error("CidrLimitExceeded", `Subnet ${subnet.SubnetId ?? ""} already has an IPv6 CIDR block associated`);
    }
    const block = checkSubnetIpv6(n, requireVpc(n, subnet.VpcId), input.Ipv6CidrBlock, subnet.SubnetId);
    const association = { AssociationId: newEc2Id("subnet-cidr-assoc"), Ipv6CidrBlock: block, Ipv6CidrBlockState: { State: "associated" as const } };
    n.subnets.put(subnet.SubnetId ?? "", { ...subnet, Ipv6CidrBlockAssociationSet: [...(subnet.Ipv6CidrBlockAssociationSet ?? []), association] });
    return { SubnetId: subnet.SubnetId, Ipv6CidrBlockAssociation: association };
  },

  DisassociateSubnetCidrBlock: (input, ctx) => {
    const n = networkFor(ctx);
    const subnet = n.subnets.list().find((s) => (s.Ipv6CidrBlockAssociationSet ?? []).some((a) => a.AssociationId === input.AssociationId));
    if (!subnet) throw ec2Error("InvalidSubnetCidrBlockAssociationID.NotFound", `The subnet CIDR block association ID '${input.AssociationId ?? ""}' does not exist`);
    const association = (subnet.Ipv6CidrBlockAssociationSet ?? []).find((a) => a.AssociationId === input.AssociationId);
    // AWS refuses while the subnet assigns IPv6 addresses on creation.
    if (subnet.AssignIpv6AddressOnCreation) {
      throw ec2Error("InvalidParameterValue", `Subnet ${subnet.SubnetId ?? ""} has assignIpv6AddressOnCreation set; turn it off before disassociating its IPv6 CIDR block`);
    }
    n.subnets.put(subnet.SubnetId ?? "", { ...subnet, Ipv6CidrBlockAssociationSet: (subnet.Ipv6CidrBlockAssociationSet ?? []).filter((a) => a.AssociationId !== input.AssociationId) });
    return { SubnetId: subnet.SubnetId, Ipv6CidrBlockAssociation: { ...association, Ipv6CidrBlockState: { State: "disassociated" } } };
  },
};
