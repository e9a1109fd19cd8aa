/** Managed policies: CreatePolicy, GetPolicy, ListPolicies (AWS managed and customer managed), DeletePolicy, tags, ListEntitiesForPolicy. */
import type { PolicyRole, PolicyUser } from "@aws-sdk/client-iam";
import type { IamOperations } from "../../../generated/iam.ts";
import { AwsError } from "../../../shared/aws-error.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { uniqueId } from "../../shared-ids.ts";
import { deleteConflict, entityAlreadyExists } from "../errors.ts";
import { requireManagedPolicy, policyView, visiblePolicies, type ManagedPolicy } from "../managed.ts";
import { paginate, sortByKey } from "../paging.ts";
import { pageFields } from "../principal-policies.ts";
import { iamArn, iamScope, policyTable, policyUsage, roleTable, userTable, type PolicyRecord, nowIso } from "../state.ts";
import { checkTags, mergeTags, removeTags, tagPage } from "../tags.ts";
import { checkDescription, checkName, checkPath, checkPathPrefix, checkPolicyDocument, checkPolicySize } from "../validate.ts";

/** IAM's quota on one managed policy version, counted without whitespace. */
export const MANAGED_POLICY_LIMIT = 6144;

/** AWS managed policies belong to AWS: the account may read and attach them, not change them. */
export function awsOwnedDenied(ctx: RequestContext, action: string, arn: string): AwsError {
  return new AwsError("AccessDenied", `User: arn:aws:iam::${ctx.account}:root is not authorized to perform: iam:${action} on resource: policy ${arn}`, {
    status: 403,
  });
}

/** A customer managed policy of the caller's account, for operations that change one. */
export function requireLocalPolicy(ctx: RequestContext, arn: string | undefined, action: string): PolicyRecord {
  const policy = requireManagedPolicy(ctx, arn);
  if (policy.kind === "aws") throw awsOwnedDenied(ctx, action, policy.record.Arn);
  return policy.record;
}

export const putPolicy = (ctx: RequestContext, policy: PolicyRecord): PolicyRecord => policyTable(ctx).put(iamScope(ctx), policy.Arn, policy);

const policyKey = (policy: ManagedPolicy): string => `${policy.record.PolicyName.toLowerCase()}\u0000${policy.record.Arn}`;

export const policyHandlers: HandlerTable<IamOperations> = {
  CreatePolicy(input, ctx) {
    const name = checkName(input.PolicyName, "policyName", 128);
    const path = checkPath(input.Path);
    const document = checkPolicyDocument(input.PolicyDocument, "identity", "policyDocument");
    checkPolicySize(document, "PolicySize", MANAGED_POLICY_LIMIT);
    const description = checkDescription(input.Description);
    const tags = checkTags(input.Tags);
    // Names are unique in the account whatever the path.
    if (policyTable(ctx).list(iamScope(ctx)).some((policy) => policy.PolicyName.toLowerCase() === name.toLowerCase())) {
      throw entityAlreadyExists(`A policy called ${name} already exists. Duplicate names are not allowed.`);
    }
    const now = nowIso();
    const policy: PolicyRecord = {
      PolicyName: name,
      PolicyId: uniqueId("ANPA"),
      Arn: iamArn(ctx.account, "policy", path, name),
      Path: path,
      CreateDate: now,
      UpdateDate: now,
      DefaultVersionId: "v1",
      Versions: [{ VersionId: "v1", Document: document, CreateDate: now }],
      NextVersion: 2,
      Tags: tags,
      ...(description !== undefined ? { Description: description } : {}),
    };
    putPolicy(ctx, policy);
    return { Policy: policyView({ kind: "local", record: policy }, policyUsage(ctx), true) };
  },

  GetPolicy(input, ctx) {
    return { Policy: policyView(requireManagedPolicy(ctx, input.PolicyArn), policyUsage(ctx), true) };
  },

  ListPolicies(input, ctx) {
    const scope = input.Scope ?? "All";
    const prefix = checkPathPrefix(input.PathPrefix);
    const usage = policyUsage(ctx);
    const inUse = (arn: string): boolean => {
      if (input.PolicyUsageFilter === "PermissionsPolicy") return (usage.attachments.get(arn) ?? 0) > 0;
      if (input.PolicyUsageFilter === "PermissionsBoundary") return (usage.boundaries.get(arn) ?? 0) > 0;
      return (usage.attachments.get(arn) ?? 0) > 0 || (usage.boundaries.get(arn) ?? 0) > 0;
    };
    const policies = visiblePolicies(ctx, scope).filter(
      (policy) => policy.record.Path.startsWith(prefix) && (!input.OnlyAttached || inUse(policy.record.Arn)),
    );
    const page = paginate(sortByKey(policies, policyKey), policyKey, input.Marker, input.MaxItems);
    return { Policies: page.items.map((policy) => policyView(policy, usage, false)), ...pageFields(page) };
  },

  /** Refused while attached anywhere, or while versions other than the default remain (IAM deletes only the default with the policy). */
  DeletePolicy(input, ctx) {
    const policy = requireLocalPolicy(ctx, input.PolicyArn, "DeletePolicy");
    const usage = policyUsage(ctx);
    if ((usage.attachments.get(policy.Arn) ?? 0) > 0 || (usage.boundaries.get(policy.Arn) ?? 0) > 0) {
      throw deleteConflict("Cannot delete a policy attached to entities.");
    }
    if (policy.Versions.length > 1) {
      throw deleteConflict(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
      );
    }
    policyTable(ctx).delete(iamScope(ctx), policy.Arn);
    return {};
  },

  TagPolicy(input, ctx) {
    const policy = requireLocalPolicy(ctx, input.PolicyArn, "TagPolicy");
    putPolicy(ctx, { ...policy, Tags: mergeTags(policy.Tags, checkTags(input.Tags), "Policy") });
    return {};
  },

  UntagPolicy(input, ctx) {
    const policy = requireLocalPolicy(ctx, input.PolicyArn, "UntagPolicy");
    putPolicy(ctx, { ...policy, Tags: removeTags(policy.Tags, input.TagKeys) });
    return {};
  },

  ListPolicyTags(input, ctx) {
    const policy = requireManagedPolicy(ctx, input.PolicyArn);
    return tagPage(policy.kind === "local" ? policy.record.Tags : [], input.Marker, input.MaxItems);
  },

  /** Roles and users that use the policy (as a permissions policy, or as a boundary with PolicyUsageFilter). Stratus has no groups. */
  ListEntitiesForPolicy(input, ctx) {
    const policy = requireManagedPolicy(ctx, input.PolicyArn);
    const arn = policy.record.Arn;
    const prefix = checkPathPrefix(input.PathPrefix);
    const uses = (attached: string[], boundary: string | undefined): boolean => {
      if (input.PolicyUsageFilter === "PermissionsBoundary") return boundary === arn;
      if (input.PolicyUsageFilter === "PermissionsPolicy") return attached.includes(arn);
      return attached.includes(arn) || boundary === arn;
    };
    type Entity = { kind: "role"; role: PolicyRole } | { kind: "user"; user: PolicyUser };
    const entities: { key: string; entity: Entity }[] = [];
    if (input.EntityFilter === undefined || input.EntityFilter === "Role") {
      for (const role of roleTable(ctx).list(iamScope(ctx))) {
        if (role.Path.startsWith(prefix) && uses(role.AttachedPolicies, role.PermissionsBoundary)) {
          entities.push({ key: `r\u0000${role.RoleName.toLowerCase()}`, entity: { kind: "role", role: { RoleName: role.RoleName, RoleId: role.RoleId } } });
        }
      }
    }
    if (input.EntityFilter === undefined || input.EntityFilter === "User") {
      for (const user of userTable(ctx).list(iamScope(ctx))) {
        if (user.Path.startsWith(prefix) && uses(user.AttachedPolicies, user.PermissionsBoundary)) {
          entities.push({ key: `u\u0000${user.UserName.toLowerCase()}`, entity: { kind: "user", user: { UserName: user.UserName, UserId: user.UserId } } });
        }
      }
    }
    const key = (entry: { key: string }): string => entry.key;
    const page = paginate(sortByKey(entities, key), key, input.Marker, input.MaxItems);
    const roles: PolicyRole[] = [];
    const users: PolicyUser[] = [];
    for (const { entity } of page.items) {
      if (entity.kind === "role") roles.push(entity.role);
      else users.push(entity.user);
    }
    return { PolicyGroups: [], PolicyUsers: users, PolicyRoles: roles, ...pageFields(page) };
  },
};
