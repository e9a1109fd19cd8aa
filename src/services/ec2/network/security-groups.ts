/** Security groups: create (with the default egress rule), describe with the ip-permission filters, delete. */
import type { IpPermission, SecurityGroup } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { arnOf, newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { addRules, permissionsOf } from "./sg-model.ts";
import type { Net, StoredSecurityGroup } from "./state.ts";
import { ensureDefaultVpcIn } from "./vpc-setup.ts";
import { networkFor, requireVpc } from "./vpcs.ts";

const groupNotFound = (id: string) => ec2Error("InvalidGroup.NotFound", `The security group '${id}' does not exist`);

function defaultVpcId(ctx: RequestContext, n: Net): string {
  const id = ensureDefaultVpcIn(ctx);
  if (!id || !n.vpcs.has(id)) throw ec2Error("VPCIdNotSpecified", "No default VPC for this user");
  return id;
}

/** A group by id, or by name in the default VPC (names are only unique per VPC). */
export function requireGroup(ctx: RequestContext, n: Net, groupId: string | undefined, groupName: string | undefined): StoredSecurityGroup {
  if (groupId) {
    const group = n.groups.get(groupId);
    if (!group) throw groupNotFound(groupId);
    return group;
  }
  if (groupName) {
    const vpcId = defaultVpcId(ctx, n);
    const group = n.groups.list().find((g) => g.VpcId === vpcId && g.GroupName === groupName);
    if (!group) throw ec2Error("InvalidGroup.NotFound", `The security group '${groupName}' does not exist in default VPC '${vpcId}'`);
    return group;
  }
  throw ec2Error("MissingParameter", "The request must contain the parameter groupName or groupId");
}

/** The group as DescribeSecurityGroups shows it: rules grouped into IpPermissions. */
export function groupView(group: StoredSecurityGroup, rulesByGroup: Map<string, ReturnType<Net["rules"]["list"]>>): SecurityGroup {
  const rules = rulesByGroup.get(group.GroupId ?? "") ?? [];
  return { ...group, IpPermissions: permissionsOf(rules, false), IpPermissionsEgress: permissionsOf(rules, true) };
}

function rulesIndex(n: Net): Map<string, ReturnType<Net["rules"]["list"]>> {
  const index = new Map<string, ReturnType<Net["rules"]["list"]>>();
  for (const rule of n.rules.list()) {
    const list = index.get(rule.GroupId ?? "");
    if (list) list.push(rule);
    else index.set(rule.GroupId ?? "", [rule]);
  }
  return index;
}

function permissionFields(prefix: string, pick: (g: SecurityGroup) => IpPermission[], n: Net) {
  const name = (id: string | undefined) => (id ? n.groups.get(id)?.GroupName : undefined);
  return {
    [`${prefix}.cidr`]: (g: SecurityGroup) => pick(g).flatMap((p) => (p.IpRanges ?? []).map((r) => r.CidrIp)),
    [`${prefix}.from-port`]: (g: SecurityGroup) => pick(g).map((p) => p.FromPort ?? -1),
    [`${prefix}.to-port`]: (g: SecurityGroup) => pick(g).map((p) => p.ToPort ?? -1),
    [`${prefix}.protocol`]: (g: SecurityGroup) => pick(g).map((p) => p.IpProtocol),
    [`${prefix}.group-id`]: (g: SecurityGroup) => pick(g).flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupId)),
    [`${prefix}.group-name`]: (g: SecurityGroup) => pick(g).flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => name(u.GroupId))),
    [`${prefix}.ipv6-cidr`]: (g: SecurityGroup) => pick(g).flatMap((p) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
    [`${prefix}.prefix-list-id`]: (g: SecurityGroup) => pick(g).flatMap((p) => (p.PrefixListIds ?? []).map((r) => r.PrefixListId)),
    [`${prefix}.user-id`]: (g: SecurityGroup) => pick(g).flatMap((p) => (p.UserIdGroupPairs ?? []).map((u) => u.UserId)),
  };
}

export const securityGroupHandlers: HandlerTable<Ec2Operations> = {
  CreateSecurityGroup: (input, ctx) => {
    const n = networkFor(ctx);
    const vpcId = input.VpcId ? (requireVpc(n, input.VpcId).VpcId ?? "") : defaultVpcId(ctx, n);
    const name = input.GroupName ?? "";
    if (name.length === 0 || name.length > 255) throw invalidParameterValue("Invalid value for parameter groupName: must be 1 to 255 characters");
    if (name === "default") throw invalidParameterValue("Cannot use reserved security group name: default");
    if (name.startsWith("sg-")) throw invalidParameterValue("Group names may not be in the format sg-*");
    if ((input.Description ?? "").length > 255) throw invalidParameterValue("Invalid value for parameter groupDescription: must be at most 255 characters");
    // VPC group names and descriptions allow a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*
    const allowed = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/;
    if (!allowed.test(input.Description ?? "")) {
      throw invalidParameterValue(`Value (${input.Description ?? ""}) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported.`);
    }
    if (!allowed.test(name)) throw invalidParameterValue(`Value (${name}) for parameter GroupName is invalid. Character sets beyond ASCII are not supported.`);
    if (n.groups.list().some((g) => g.VpcId === vpcId && g.GroupName === name)) {
      throw ec2Error("InvalidGroup.Duplicate", `The security group '${name}' already exists for VPC '${vpcId}'`);
    }
    checkTagSpecificationTypes(input.TagSpecifications, ["security-group"]);
    const tags = tagsFor(input.TagSpecifications, "security-group");
    checkDryRun(input);
    const groupId = newEc2Id("sg");
    const arn = arnOf(ctx.region, ctx.account, `security-group/${groupId}`);
    ctx.state.transaction(() => {
      n.groups.put(groupId, { GroupId: groupId, GroupName: name, Description: input.Description ?? "", OwnerId: ctx.account, VpcId: vpcId, Tags: tags, SecurityGroupArn: arn });
      // Every new VPC security group allows all outbound traffic.
      addRules(ctx, n, [{ GroupId: groupId, IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" }]);
    });
    return { GroupId: groupId, Tags: tags, SecurityGroupArn: arn };
  },

  DescribeSecurityGroups: (input, ctx) => {
    const n = networkFor(ctx);
    let selected: StoredSecurityGroup[] = n.groups.list();
    if (input.GroupIds && input.GroupIds.length > 0) {
      for (const id of input.GroupIds) if (!n.groups.has(id)) throw groupNotFound(id);
      const ids = new Set(input.GroupIds);
      selected = selected.filter((g) => ids.has(g.GroupId ?? ""));
    }
    if (input.GroupNames && input.GroupNames.length > 0) {
      const byName = input.GroupNames.map((name) => requireGroup(ctx, n, undefined, name).GroupId);
      const ids = new Set(byName);
      selected = selected.filter((g) => ids.has(g.GroupId));
    }
    checkDryRun(input);
    const index = rulesIndex(n);
    const views = selected.map((g) => groupView(g, index));
    const filtered = applyFilters(
      views,
      input.Filters,
      {
        description: (g) => g.Description,
        "group-id": (g) => g.GroupId,
        "group-name": (g) => g.GroupName,
        "owner-id": (g) => g.OwnerId,
        "vpc-id": (g) => g.VpcId,
        ...permissionFields("ip-permission", (g) => g.IpPermissions ?? [], n),
        ...permissionFields("egress.ip-permission", (g) => g.IpPermissionsEgress ?? [], n),
      },
      (g) => g.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { SecurityGroups: page.items, NextToken: page.nextToken };
  },

  DeleteSecurityGroup: (input, ctx) => {
    const n = networkFor(ctx);
    const group = requireGroup(ctx, n, input.GroupId, input.GroupName);
    const groupId = group.GroupId ?? "";
    if (group.GroupName === "default") {
      throw ec2Error("CannotDelete", `the specified group: "${groupId}" name: "default" cannot be deleted by a user`);
    }
    const inUse = n.enis.list().some((e) => (e.Groups ?? []).some((g) => g.GroupId === groupId));
    const referenced = n.rules.list().some((r) => r.GroupId !== groupId && r.ReferencedGroupInfo?.GroupId === groupId);
    if (inUse || referenced) throw ec2Error("DependencyViolation", `resource ${groupId} has a dependent object`);
    checkDryRun(input);
    ctx.state.transaction(() => {
      for (const rule of n.rules.list()) if (rule.GroupId === groupId) n.rules.delete(rule.SecurityGroupRuleId ?? "");
      n.groups.delete(groupId);
    });
    return { Return: true, GroupId: groupId };
  },

  // The groups usable in a VPC (its own; cross-VPC associations are not modelled).
  GetSecurityGroupsForVpc: (input, ctx) => {
    const n = networkFor(ctx);
    const vpc = requireVpc(n, input.VpcId);
    checkDryRun(input);
    const groups = n.groups.list().filter((g) => g.VpcId === vpc.VpcId);
    const filtered = applyFilters(
      groups,
      input.Filters,
      { "group-id": (g) => g.GroupId, "group-name": (g) => g.GroupName, description: (g) => g.Description, "owner-id": (g) => g.OwnerId, "primary-vpc-id": (g) => g.VpcId },
      (g) => g.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return {
      SecurityGroupForVpcs: page.items.map((g) => ({ Description: g.Description, GroupName: g.GroupName, OwnerId: g.OwnerId, GroupId: g.GroupId, Tags: g.Tags ?? [], PrimaryVpcId: g.VpcId })),
      NextToken: page.nextToken,
    };
  },
};
