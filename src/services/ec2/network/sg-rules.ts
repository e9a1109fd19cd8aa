/** Security group rules: Authorize/Revoke Ingress/Egress (IpPermissions and the legacy flat form), DescribeSecurityGroupRules, edits. */
import type { IpPermission, SecurityGroupRule } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { requireGroup } from "./security-groups.ts";
import { addRules, ruleKey, rulesFromPermissions, rulesOfGroup, type RuleSpec } from "./sg-model.ts";
import type { Net, StoredSecurityGroup } from "./state.ts";
import { networkFor } from "./vpcs.ts";

interface LegacyRuleInput {
  IpPermissions?: IpPermission[] | undefined;
  CidrIp?: string | undefined;
  IpProtocol?: string | undefined;
  FromPort?: number | undefined;
  ToPort?: number | undefined;
  SourceSecurityGroupName?: string | undefined;
  SourceSecurityGroupOwnerId?: string | undefined;
}

/** The flat (pre-IpPermissions) parameters become one permission; a bare source group means all traffic from it. */
function permissionsOfRequest(input: LegacyRuleInput): IpPermission[] {
  const permissions = [...(input.IpPermissions ?? [])];
  if (input.CidrIp || input.IpProtocol || input.SourceSecurityGroupName) {
    const permission: IpPermission = { IpProtocol: input.IpProtocol ?? "-1", FromPort: input.FromPort, ToPort: input.ToPort };
    if (input.CidrIp) permission.IpRanges = [{ CidrIp: input.CidrIp }];
    if (input.SourceSecurityGroupName) permission.UserIdGroupPairs = [{ GroupName: input.SourceSecurityGroupName, UserId: input.SourceSecurityGroupOwnerId }];
    if (!input.CidrIp && !input.SourceSecurityGroupName) permission.IpRanges = [{ CidrIp: "0.0.0.0/0" }];
    permissions.push(permission);
  }
  if (permissions.length === 0) throw ec2Error("MissingParameter", "The request must contain the parameter ipPermissions");
  return permissions;
}

function authorize(ctx: RequestContext, input: LegacyRuleInput & { GroupId?: string | undefined; GroupName?: string | undefined; DryRun?: boolean | undefined; TagSpecifications?: Parameters<typeof tagsFor>[0] }, isEgress: boolean) {
  const n = networkFor(ctx);
  const group = requireGroup(ctx, n, input.GroupId, input.GroupName);
  const specs = rulesFromPermissions(n, group, isEgress, permissionsOfRequest(input));
  checkTagSpecificationTypes(input.TagSpecifications, ["security-group-rule"]);
  const tags = tagsFor(input.TagSpecifications, "security-group-rule");
  checkDryRun(input);
  const rules = ctx.state.transaction(() => addRules(ctx, n, specs, tags));
  return { Return: true, SecurityGroupRules: rules };
}

function revoke(ctx: RequestContext, input: LegacyRuleInput & { GroupId?: string | undefined; GroupName?: string | undefined; DryRun?: boolean | undefined; SecurityGroupRuleIds?: string[] | undefined }, isEgress: boolean) {
  const n = networkFor(ctx);
  const group = requireGroup(ctx, n, input.GroupId, input.GroupName);
  const existing = rulesOfGroup(n, group.GroupId ?? "").filter((r) => r.IsEgress === isEgress);
  const doomed: SecurityGroupRule[] = [];
  if (input.SecurityGroupRuleIds && input.SecurityGroupRuleIds.length > 0) {
    for (const id of input.SecurityGroupRuleIds) {
      const rule = existing.find((r) => r.SecurityGroupRuleId === id);
      if (!rule) throw ec2Error("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${id}' does not exist`);
      doomed.push(rule);
    }
  } else {
    const byKey = new Map(existing.map((r) => [ruleKey(r), r]));
    for (const spec of rulesFromPermissions(n, group, isEgress, permissionsOfRequest(input))) {
      const rule = byKey.get(ruleKey(spec));
      if (!rule) throw ec2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
      doomed.push(rule);
    }
  }
  checkDryRun(input);
  ctx.state.transaction(() => {
    for (const rule of doomed) n.rules.delete(rule.SecurityGroupRuleId ?? "");
  });
  return { Return: true, RevokedSecurityGroupRules: doomed.map((r) => ({ SecurityGroupRuleId: r.SecurityGroupRuleId, GroupId: r.GroupId, IsEgress: r.IsEgress, IpProtocol: r.IpProtocol, FromPort: r.FromPort, ToPort: r.ToPort, CidrIpv4: r.CidrIpv4, CidrIpv6: r.CidrIpv6, PrefixListId: r.PrefixListId, ReferencedGroupId: r.ReferencedGroupInfo?.GroupId, Description: r.Description })) };
}

/** Sets descriptions by rule id or by matching IpPermissions (the description inside the permission is the new one). */
function updateDescriptions(
  ctx: RequestContext,
  input: { GroupId?: string | undefined; GroupName?: string | undefined; IpPermissions?: IpPermission[] | undefined; SecurityGroupRuleDescriptions?: Array<{ SecurityGroupRuleId?: string | undefined; Description?: string | undefined }> | undefined; DryRun?: boolean | undefined },
  isEgress: boolean,
) {
  const n = networkFor(ctx);
  const group = requireGroup(ctx, n, input.GroupId, input.GroupName);
  const existing = rulesOfGroup(n, group.GroupId ?? "").filter((r) => r.IsEgress === isEgress);
  const updates: SecurityGroupRule[] = [];
  for (const entry of input.SecurityGroupRuleDescriptions ?? []) {
    const rule = existing.find((r) => r.SecurityGroupRuleId === entry.SecurityGroupRuleId);
    if (!rule) throw ec2Error("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${entry.SecurityGroupRuleId ?? ""}' does not exist`);
    updates.push({ ...rule, Description: entry.Description ?? "" });
  }
  if (input.IpPermissions && input.IpPermissions.length > 0) {
    const byKey = new Map(existing.map((r) => [ruleKey(r), r]));
    for (const spec of rulesFromPermissions(n, group, isEgress, input.IpPermissions)) {
      const rule = byKey.get(ruleKey(spec));
      if (!rule) throw ec2Error("InvalidPermission.NotFound", "The specified rule does not exist in this security group.");
      updates.push({ ...rule, Description: spec.Description ?? "" });
    }
  }
  checkDryRun(input);
  ctx.state.transaction(() => {
    for (const rule of updates) n.rules.put(rule.SecurityGroupRuleId ?? "", rule);
  });
  return { Return: true };
}

function modifyRules(ctx: RequestContext, n: Net, group: StoredSecurityGroup, changes: NonNullable<Ec2Operations["ModifySecurityGroupRules"]["input"]["SecurityGroupRules"]>): SecurityGroupRule[] {
  const existing = rulesOfGroup(n, group.GroupId ?? "");
  return changes.map((change) => {
    const rule = existing.find((r) => r.SecurityGroupRuleId === change.SecurityGroupRuleId);
    if (!rule) throw ec2Error("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${change.SecurityGroupRuleId ?? ""}' does not exist`);
    const wanted = change.SecurityGroupRule ?? {};
    const permission: IpPermission = { IpProtocol: wanted.IpProtocol ?? rule.IpProtocol, FromPort: wanted.FromPort ?? rule.FromPort, ToPort: wanted.ToPort ?? rule.ToPort };
    const description = wanted.Description;
    if (wanted.CidrIpv4) permission.IpRanges = [{ CidrIp: wanted.CidrIpv4, Description: description }];
    else if (wanted.CidrIpv6) permission.Ipv6Ranges = [{ CidrIpv6: wanted.CidrIpv6, Description: description }];
    else if (wanted.PrefixListId) permission.PrefixListIds = [{ PrefixListId: wanted.PrefixListId, Description: description }];
    else if (wanted.ReferencedGroupId) permission.UserIdGroupPairs = [{ GroupId: wanted.ReferencedGroupId, Description: description }];
    else throw ec2Error("MissingParameter", "The request must contain a CIDR, prefix list or referenced group for the rule.");
    const [spec] = rulesFromPermissions(n, group, rule.IsEgress ?? false, [permission]) as [RuleSpec];
    const { CidrIpv4: _4, CidrIpv6: _6, PrefixListId: _p, ReferencedGroupInfo: _r, ...kept } = rule;
    return { ...kept, ...spec, SecurityGroupRuleId: rule.SecurityGroupRuleId, Description: description ?? "" };
  });
}

export const securityGroupRuleHandlers: HandlerTable<Ec2Operations> = {
  AuthorizeSecurityGroupIngress: (input, ctx) => authorize(ctx, input, false),
  AuthorizeSecurityGroupEgress: (input, ctx) => authorize(ctx, input, true),
  RevokeSecurityGroupIngress: (input, ctx) => revoke(ctx, input, false),
  RevokeSecurityGroupEgress: (input, ctx) => revoke(ctx, input, true),
  UpdateSecurityGroupRuleDescriptionsIngress: (input, ctx) => updateDescriptions(ctx, input, false),
  UpdateSecurityGroupRuleDescriptionsEgress: (input, ctx) => updateDescriptions(ctx, input, true),

  ModifySecurityGroupRules: (input, ctx) => {
    const n = networkFor(ctx);
    const group = requireGroup(ctx, n, input.GroupId, undefined);
    const updated = modifyRules(ctx, n, group, input.SecurityGroupRules ?? []);
    checkDryRun(input);
    ctx.state.transaction(() => {
      for (const rule of updated) n.rules.put(rule.SecurityGroupRuleId ?? "", rule);
    });
    return { Return: true };
  },

  DescribeSecurityGroupRules: (input, ctx) => {
    const n = networkFor(ctx);
    let rules = n.rules.list();
    if (input.SecurityGroupRuleIds && input.SecurityGroupRuleIds.length > 0) {
      for (const id of input.SecurityGroupRuleIds) {
        if (!n.rules.has(id)) throw ec2Error("InvalidSecurityGroupRuleId.NotFound", `The security group rule ID '${id}' does not exist`);
      }
      const ids = new Set(input.SecurityGroupRuleIds);
      rules = rules.filter((r) => ids.has(r.SecurityGroupRuleId ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      rules,
      input.Filters,
      {
        "group-id": (r) => r.GroupId,
        "security-group-rule-id": (r) => r.SecurityGroupRuleId,
      },
      (r) => r.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { SecurityGroupRules: page.items, NextToken: page.nextToken };
  },
};
