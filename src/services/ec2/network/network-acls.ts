/** Network ACLs: default and custom ACLs, their numbered entries, and subnet associations. */
import type { NetworkAcl, NetworkAclEntry } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue, notFound } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { formatCidr, parseCidr } from "./cidr.ts";
import { KIND, requireRecord, selectByIds } from "./lookup.ts";
import type { Net } from "./state.ts";
import { networkFor, requireVpc } from "./vpcs.ts";
import { idempotent } from "./idempotency.ts";

/** ACL entries report protocols by number ("6" for tcp, "-1" for all). */
const ACL_PROTOCOLS: Record<string, string> = { tcp: "6", udp: "17", icmp: "1", icmpv6: "58", all: "-1" };

function aclProtocol(protocol: string | undefined): string {
  const value = (protocol ?? "").toLowerCase();
  const numeric = ACL_PROTOCOLS[value] ?? value;
  if (numeric === "-1" || (/^\d+$/.test(numeric) && Number(numeric) <= 255)) return numeric;
  throw invalidParameterValue(`Invalid value '${protocol ?? ""}' for protocol. Unknown protocol.`);
}

type EntryInput = Ec2Operations["CreateNetworkAclEntry"]["input"];

function entryOf(input: EntryInput): NetworkAclEntry {
  const ruleNumber = input.RuleNumber ?? 0;
  if (ruleNumber < 1 || ruleNumber > 32766) throw invalidParameterValue(`Invalid value '${ruleNumber}' for ruleNumber. Rule number must be between 1 and 32766.`);
  if (input.RuleAction !== "allow" && input.RuleAction !== "deny") throw invalidParameterValue(`Invalid value '${String(input.RuleAction)}' for ruleAction.`);
  const protocol = aclProtocol(input.Protocol);
  const entry: NetworkAclEntry = { Egress: input.Egress ?? false, Protocol: protocol, RuleAction: input.RuleAction, RuleNumber: ruleNumber };
  if (input.CidrBlock) {
    const cidr = parseCidr(input.CidrBlock);
    if (!cidr) throw invalidParameterValue(`Value (${input.CidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
    entry.CidrBlock = formatCidr(cidr);
  } else if (input.Ipv6CidrBlock) {
    entry.Ipv6CidrBlock = input.Ipv6CidrBlock;
  } else {
    throw ec2Error("MissingParameter", "The request must contain the parameter cidrBlock or ipv6CidrBlock");
  }
  if (protocol === "6" || protocol === "17") {
    if (!input.PortRange || input.PortRange.From === undefined || input.PortRange.To === undefined) {
      throw ec2Error("InvalidParameterValue", "The request must contain the parameter portRange for TCP and UDP rules");
    }
    entry.PortRange = { From: input.PortRange.From, To: input.PortRange.To };
  }
  if (protocol === "1" || protocol === "58") entry.IcmpTypeCode = { Code: input.IcmpTypeCode?.Code ?? -1, Type: input.IcmpTypeCode?.Type ?? -1 };
  return entry;
}

const sameSlot = (a: NetworkAclEntry, egress: boolean, ruleNumber: number | undefined): boolean => a.Egress === egress && a.RuleNumber === ruleNumber;

function requireAcl(n: Net, id: string | undefined): NetworkAcl {
  return requireRecord(n.acls, KIND.acl, id);
}

export const networkAclHandlers: HandlerTable<Ec2Operations> = {
  CreateNetworkAcl: idempotent("CreateNetworkAcl", (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    checkTagSpecificationTypes(input.TagSpecifications, ["network-acl"]);
    const tags = tagsFor(input.TagSpecifications, "network-acl");
    checkDryRun(input);
    const id = newEc2Id("acl");
    // A custom ACL denies everything until entries are added.
    const acl: NetworkAcl = {
      Associations: [],
      Entries: [
        { CidrBlock: "0.0.0.0/0", Egress: true, Protocol: "-1", RuleAction: "deny", RuleNumber: 32767 },
        { CidrBlock: "0.0.0.0/0", Egress: false, Protocol: "-1", RuleAction: "deny", RuleNumber: 32767 },
      ],
      IsDefault: false,
      NetworkAclId: id,
      Tags: tags,
      VpcId: vpc.VpcId,
      OwnerId: ctx.account,
    };
    n.acls.put(id, acl);
    return { NetworkAcl: acl, ClientToken: input.ClientToken };
  }),


  DescribeNetworkAcls: (input, ctx) => {
    const n = networkFor(ctx);
    const selected = selectByIds(n.acls, KIND.acl, input.NetworkAclIds);
    checkDryRun(input);
    const entries = (a: NetworkAcl) => a.Entries ?? [];
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "association.association-id": (a) => (a.Associations ?? []).map((x) => x.NetworkAclAssociationId),
        "association.network-acl-id": (a) => (a.Associations ?? []).map((x) => x.NetworkAclId),
        "association.subnet-id": (a) => (a.Associations ?? []).map((x) => x.SubnetId),
        default: (a) => a.IsDefault,
        "entry.cidr": (a) => entries(a).map((e) => e.CidrBlock),
        "entry.icmp.code": (a) => entries(a).map((e) => e.IcmpTypeCode?.Code),
        "entry.icmp.type": (a) => entries(a).map((e) => e.IcmpTypeCode?.Type),
        "entry.ipv6-cidr": (a) => entries(a).map((e) => e.Ipv6CidrBlock),
        "entry.port-range.from": (a) => entries(a).map((e) => e.PortRange?.From),
        "entry.port-range.to": (a) => entries(a).map((e) => e.PortRange?.To),
        "entry.protocol": (a) => entries(a).map((e) => e.Protocol),
        "entry.rule-action": (a) => entries(a).map((e) => e.RuleAction),
        "entry.egress": (a) => entries(a).map((e) => e.Egress),
        "entry.rule-number": (a) => entries(a).map((e) => e.RuleNumber),
        "network-acl-id": (a) => a.NetworkAclId,
        "owner-id": (a) => a.OwnerId,
        "vpc-id": (a) => a.VpcId,
      },
      (a) => a.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { NetworkAcls: page.items, NextToken: page.nextToken };
  },

  DeleteNetworkAcl: (input, ctx) => {
    const n = networkFor(ctx);
    const acl = requireAcl(n, input.NetworkAclId);
    if (acl.IsDefault) throw invalidParameterValue(`cannot delete default network ACL ${acl.NetworkAclId ?? ""}`);
    if ((acl.Associations ?? []).length > 0) {
      throw ec2Error("DependencyViolation", `The networkAcl '${acl.NetworkAclId ?? ""}' has dependencies and cannot be deleted.`);
    }
    checkDryRun(input);
    n.acls.delete(acl.NetworkAclId ?? "");
    return {};
  },

  CreateNetworkAclEntry: (input, ctx) => {
    const n = networkFor(ctx);
    const acl = requireAcl(n, input.NetworkAclId);
    const entry = entryOf(input);
    if ((acl.Entries ?? []).some((e) => sameSlot(e, entry.Egress ?? false, entry.RuleNumber))) {
      throw ec2Error("NetworkAclEntryAlreadyExists", `The network acl entry identified by ${entry.RuleNumber ?? 0} already exists.`);
    }
    checkDryRun(input);
    // AWS lists egress entries first, each direction by rule number.
    const entries = [...(acl.Entries ?? []), entry].sort((a, b) => Number(b.Egress) - Number(a.Egress) || (a.RuleNumber ?? 0) - (b.RuleNumber ?? 0));
    n.acls.put(acl.NetworkAclId ?? "", { ...acl, Entries: entries });
    return {};
  },

  ReplaceNetworkAclEntry: (input, ctx) => {
    const n = networkFor(ctx);
    const acl = requireAcl(n, input.NetworkAclId);
    const entry = entryOf(input);
    const index = (acl.Entries ?? []).findIndex((e) => sameSlot(e, entry.Egress ?? false, entry.RuleNumber));
    if (index < 0) throw ec2Error("InvalidNetworkAclEntry.NotFound", `The network acl entry identified by ${entry.RuleNumber ?? 0} does not exist.`);
    checkDryRun(input);
    const entries = [...(acl.Entries ?? [])];
    entries[index] = entry;
    n.acls.put(acl.NetworkAclId ?? "", { ...acl, Entries: entries });
    return {};
  },

  DeleteNetworkAclEntry: (input, ctx) => {
    const n = networkFor(ctx);
    const acl = requireAcl(n, input.NetworkAclId);
    const egress = input.Egress ?? false;
    if (!(acl.Entries ?? []).some((e) => sameSlot(e, egress, input.RuleNumber)) || input.RuleNumber === 32767) {
      throw ec2Error("InvalidNetworkAclEntry.NotFound", `The network acl entry identified by ${input.RuleNumber ?? 0} does not exist.`);
    }
    checkDryRun(input);
    n.acls.put(acl.NetworkAclId ?? "", { ...acl, Entries: (acl.Entries ?? []).filter((e) => !sameSlot(e, egress, input.RuleNumber)) });
    return {};
  },

  ReplaceNetworkAclAssociation: (input, ctx) => {
    const n = networkFor(ctx);
    const current = n.acls.list().find((a) => (a.Associations ?? []).some((x) => x.NetworkAclAssociationId === input.AssociationId));
    if (!current) throw notFound("InvalidAssociationID.NotFound", "association", input.AssociationId ?? "");
    const next = requireAcl(n, input.NetworkAclId);
    const association = (current.Associations ?? []).find((x) => x.NetworkAclAssociationId === input.AssociationId);
    if (next.VpcId !== current.VpcId) throw invalidParameterValue(`Network ACL ${next.NetworkAclId ?? ""} belongs to a different VPC`);
    checkDryRun(input);
    const associationId = newEc2Id("aclassoc");
    ctx.state.transaction(() => {
      n.acls.put(current.NetworkAclId ?? "", { ...current, Associations: (current.Associations ?? []).filter((x) => x.NetworkAclAssociationId !== input.AssociationId) });
      const fresh = n.acls.get(next.NetworkAclId ?? "") ?? next;
      n.acls.put(next.NetworkAclId ?? "", {
        ...fresh,
        Associations: [...(fresh.Associations ?? []), { NetworkAclAssociationId: associationId, NetworkAclId: next.NetworkAclId, SubnetId: association?.SubnetId }],
      });
    });
    return { NewAssociationId: associationId };
  },
};
