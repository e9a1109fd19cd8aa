/** Security group rules: one stored rule per peer (as DescribeSecurityGroupRules shows), grouped back into IpPermissions. */
import type { IpPermission, SecurityGroupRule } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { arnOf, newEc2Id } from "../shared/ids.ts";
import { parseCidr } from "./cidr.ts";
import { findPrefixList } from "./prefix-lists.ts";
import type { Net, StoredSecurityGroup } from "./state.ts";

const PROTOCOL_NAMES: Record<string, string> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", all: "-1" };

/** EC2 accepts protocol names or numbers and reports tcp/udp/icmp/icmpv6 by name, everything else by number. */
export function normaliseProtocol(protocol: string | undefined): string {
  const lower = (protocol ?? "").toLowerCase();
  const named = PROTOCOL_NAMES[lower] ?? lower;
  if (["tcp", "udp", "icmp", "icmpv6", "-1"].includes(named)) return named;
  if (/^\d+$/.test(named) && Number(named) <= 255) return named;
  throw invalidParameterValue(`Invalid value '${protocol ?? ""}' for IP protocol. Unknown protocol.`);
}

const hasPorts = (protocol: string): boolean => protocol === "tcp" || protocol === "udp" || protocol === "icmp" || protocol === "icmpv6";

/** A rule before it gets an id: what Authorize and Revoke compare. */
export type RuleSpec = Omit<SecurityGroupRule, "SecurityGroupRuleId" | "SecurityGroupRuleArn" | "GroupOwnerId" | "Tags">;

/** Expands IpPermissions into one rule per peer, validating ports, CIDRs and referenced groups. */
export function rulesFromPermissions(n: Net, group: StoredSecurityGroup, isEgress: boolean, permissions: readonly IpPermission[]): RuleSpec[] {
  const specs: RuleSpec[] = [];
  for (const permission of permissions) {
    const protocol = normaliseProtocol(permission.IpProtocol);
    let fromPort = -1;
    let toPort = -1;
    if (hasPorts(protocol)) {
      if (protocol === "tcp" || protocol === "udp") {
        if (permission.FromPort === undefined || permission.ToPort === undefined) {
          throw invalidParameterValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.");
        }
        if (permission.FromPort < 0 || permission.ToPort > 65535 || permission.FromPort > permission.ToPort) {
          throw invalidParameterValue(`Invalid TCP/UDP port range (${permission.FromPort}, ${permission.ToPort}).`);
        }
      }
      fromPort = permission.FromPort ?? -1;
      toPort = permission.ToPort ?? -1;
    }
    const base = { GroupId: group.GroupId, IsEgress: isEgress, IpProtocol: protocol, FromPort: fromPort, ToPort: toPort };
    for (const range of permission.IpRanges ?? []) {
      const cidr = parseCidr(range.CidrIp ?? "");
      if (!cidr || cidr.prefix === undefined) throw invalidParameterValue(`CIDR block ${range.CidrIp ?? ""} is malformed`);
      specs.push({ ...base, CidrIpv4: range.CidrIp, Description: range.Description });
    }
    for (const range of permission.Ipv6Ranges ?? []) {
      if (!/^[0-9a-fA-F:]+\/\d{1,3}$/.test(range.CidrIpv6 ?? "")) throw invalidParameterValue(`CIDR block ${range.CidrIpv6 ?? ""} is malformed`);
      specs.push({ ...base, CidrIpv6: range.CidrIpv6, Description: range.Description });
    }
    for (const entry of permission.PrefixListIds ?? []) {
      if (!entry.PrefixListId || !findPrefixList(n, entry.PrefixListId)) {
        throw ec2Error("InvalidPrefixListID.NotFound", `The prefix list ID '${entry.PrefixListId ?? ""}' does not exist`);
      }
      specs.push({ ...base, PrefixListId: entry.PrefixListId, Description: entry.Description });
    }
    for (const pair of permission.UserIdGroupPairs ?? []) {
      const referenced = pair.GroupId
        ? n.groups.get(pair.GroupId)
        : n.groups.list().find((g) => g.GroupName === pair.GroupName && g.VpcId === group.VpcId);
      if (!referenced) {
        const id = pair.GroupId ?? pair.GroupName ?? "";
        throw ec2Error("InvalidGroup.NotFound", pair.GroupId ? `The security group '${id}' does not exist` : `The security group '${id}' does not exist in VPC '${group.VpcId ?? ""}'`);
      }
      specs.push({
        ...base,
        ReferencedGroupInfo: { GroupId: referenced.GroupId, UserId: pair.UserId ?? referenced.OwnerId },
        Description: pair.Description,
      });
    }
    if (specs.length === 0 && !permission.IpRanges && !permission.Ipv6Ranges && !permission.PrefixListIds && !permission.UserIdGroupPairs) {
      throw ec2Error("MissingParameter", "No source or destination specified: give an IP range, a prefix list or a security group.");
    }
  }
  return specs;
}

/** What makes two rules the same rule (descriptions do not count, as on AWS). */
export const ruleKey = (rule: RuleSpec): string =>
  [rule.GroupId, rule.IsEgress, rule.IpProtocol, rule.FromPort, rule.ToPort, rule.CidrIpv4 ?? "", rule.CidrIpv6 ?? "", rule.PrefixListId ?? "", rule.ReferencedGroupInfo?.GroupId ?? ""].join("|");

/** AWS's text for a duplicate: `the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" already exists`. */
export function describeRule(rule: RuleSpec): string {
  const peer = rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? rule.ReferencedGroupInfo?.GroupId ?? "";
  const protocol = rule.IpProtocol === "-1" ? "ALL" : (rule.IpProtocol ?? "").toUpperCase();
  const ports = rule.IpProtocol === "-1" ? "" : `, from port: ${rule.FromPort ?? -1}, to port: ${rule.ToPort ?? -1}`;
  return `peer: ${peer}, ${protocol}${ports}, ALLOW`;
}

/** AWS's default quota: 60 inbound and 60 outbound rules per security group. */
const MAX_RULES_PER_DIRECTION = 60;

/** Stores new rules; any that already exists (in the group or twice in the request) → InvalidPermission.Duplicate. */
export function addRules(ctx: RequestContext, n: Net, specs: readonly RuleSpec[], tags: SecurityGroupRule["Tags"] = []): SecurityGroupRule[] {
  const current = n.rules.list().filter((r) => r.GroupId === specs[0]?.GroupId);
  const existing = new Set(current.map(ruleKey));
  for (const egress of [false, true]) {
    const count = current.filter((r) => r.IsEgress === egress).length + specs.filter((s) => s.IsEgress === egress).length;
    if (count > MAX_RULES_PER_DIRECTION) throw ec2Error("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.");
  }
  const added: SecurityGroupRule[] = [];
  for (const spec of specs) {
    const key = ruleKey(spec);
    if (existing.has(key)) throw ec2Error("InvalidPermission.Duplicate", `the specified rule "${describeRule(spec)}" already exists`);
    existing.add(key);
    const id = newEc2Id("sgr");
    added.push({
      SecurityGroupRuleId: id,
      GroupOwnerId: ctx.account,
      ...stripUndefined(spec),
      Tags: tags,
      SecurityGroupRuleArn: arnOf(ctx.region, ctx.account, `security-group-rule/${id}`),
    });
  }
  for (const rule of added) n.rules.put(rule.SecurityGroupRuleId ?? "", rule);
  return added;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export const rulesOfGroup = (n: Net, groupId: string): SecurityGroupRule[] => n.rules.list().filter((r) => r.GroupId === groupId);

/** Groups a group's rules back into IpPermissions (one per protocol+port range), as DescribeSecurityGroups shows them. */
export function permissionsOf(rules: readonly SecurityGroupRule[], isEgress: boolean): IpPermission[] {
  const byKey = new Map<string, IpPermission>();
  for (const rule of rules) {
    if (rule.IsEgress !== isEgress) continue;
    const key = `${rule.IpProtocol}|${rule.FromPort}|${rule.ToPort}`;
    let permission = byKey.get(key);
    if (!permission) {
      permission = { IpProtocol: rule.IpProtocol, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
      // All-protocol rules carry no ports in IpPermissions.
      if (rule.IpProtocol !== "-1") {
        permission.FromPort = rule.FromPort;
        permission.ToPort = rule.ToPort;
      }
      byKey.set(key, permission);
    }
    const description = rule.Description !== undefined ? { Description: rule.Description } : {};
    if (rule.CidrIpv4) permission.IpRanges?.push({ CidrIp: rule.CidrIpv4, ...description });
    if (rule.CidrIpv6) permission.Ipv6Ranges?.push({ CidrIpv6: rule.CidrIpv6, ...description });
    if (rule.PrefixListId) permission.PrefixListIds?.push({ PrefixListId: rule.PrefixListId, ...description });
    if (rule.ReferencedGroupInfo?.GroupId) {
      permission.UserIdGroupPairs?.push({ GroupId: rule.ReferencedGroupInfo.GroupId, UserId: rule.ReferencedGroupInfo.UserId, ...description });
    }
  }
  return [...byKey.values()];
}
