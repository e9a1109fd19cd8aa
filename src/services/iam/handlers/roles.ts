/** IAM roles: create, read, list, update, delete (with IAM's delete conflicts), tags and permissions boundaries. */
import type { IamOperations } from "../../../generated/iam.ts";
import type { HandlerTable } from "../../service-types.ts";
import { constraintViolation, deleteConflict, entityAlreadyExists } from "../errors.ts";
import { paginate, sortByKey } from "../paging.ts";
import { checkBoundary, clearBoundary, pageFields, ROLE, setBoundary } from "../principal-policies.ts";
import { iamScope, instanceProfileTable, nameKey, newRole, putRole, requireRole, roleTable, type RoleRecord } from "../state.ts";
import { checkTags, mergeTags, removeTags, tagPage } from "../tags.ts";
import { checkDescription, checkName, checkPath, checkPathPrefix, checkPolicyDocument, checkPolicySize, requireString } from "../validate.ts";
import { roleView } from "../views.ts";
import { protectedRole } from "./service-linked-roles.ts";

/** A role session may last 1 to 12 hours; IAM's default is one hour. */
function checkMaxSessionDuration(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value < 3600) throw constraintViolation(value, "maxSessionDuration", "Member must have value greater than or equal to 3600");
  if (value > 43200) throw constraintViolation(value, "maxSessionDuration", "Member must have value less than or equal to 43200");
  return value;
}

/** IAM's quota on a trust policy (ACLSizePerRole), counted without whitespace. */
const TRUST_POLICY_LIMIT = 2048;

function checkTrustPolicy(document: string | undefined, member: string): string {
  const text = checkPolicyDocument(document, "trust", member);
  checkPolicySize(text, "ACLSizePerRole", TRUST_POLICY_LIMIT);
  return text;
}

const roleKey = (role: RoleRecord): string => nameKey(role.RoleName);

export const roleHandlers: HandlerTable<IamOperations> = {
  CreateRole(input, ctx) {
    const name = checkName(input.RoleName, "roleName", 64);
    const path = checkPath(input.Path);
    const document = checkTrustPolicy(input.AssumeRolePolicyDocument, "assumeRolePolicyDocument");
    const description = checkDescription(input.Description);
    const maxSession = checkMaxSessionDuration(input.MaxSessionDuration) ?? 3600;
    const tags = checkTags(input.Tags);
    const boundary = input.PermissionsBoundary === undefined ? undefined : checkBoundary(ctx, input.PermissionsBoundary);
    if (roleTable(ctx).has(iamScope(ctx), nameKey(name))) throw entityAlreadyExists(`Role with name ${name} already exists.`);
    const role = newRole(ctx, name, path, {
      AssumeRolePolicyDocument: document,
      MaxSessionDuration: maxSession,
      Tags: tags,
      AttachedPolicies: [],
      InlinePolicies: [],
      ...(description !== undefined ? { Description: description } : {}),
      ...(boundary !== undefined ? { PermissionsBoundary: boundary } : {}),
    });
    putRole(ctx, role);
    return { Role: roleView(role, "create") };
  },

  GetRole(input, ctx) {
    return { Role: roleView(requireRole(ctx, checkName(input.RoleName, "roleName", 64)), "get") };
  },

  ListRoles(input, ctx) {
    const prefix = checkPathPrefix(input.PathPrefix);
    const roles = roleTable(ctx)
      .list(iamScope(ctx))
      .filter((role) => role.Path.startsWith(prefix));
    const page = paginate(sortByKey(roles, roleKey), roleKey, input.Marker, input.MaxItems);
    return { Roles: page.items.map((role) => roleView(role, "list")), ...pageFields(page) };
  },

  UpdateRole(input, ctx) {
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    const description = checkDescription(input.Description);
    const maxSession = checkMaxSessionDuration(input.MaxSessionDuration);
    putRole(ctx, {
      ...role,
      ...(description !== undefined ? { Description: description } : {}),
      ...(maxSession !== undefined ? { MaxSessionDuration: maxSession } : {}),
    });
    return {};
  },

  UpdateRoleDescription(input, ctx) {
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    const description = checkDescription(requireString(input.Description, "description"));
    const updated = putRole(ctx, { ...role, ...(description !== undefined ? { Description: description } : {}) });
    return { Role: roleView(updated, "get") };
  },

  UpdateAssumeRolePolicy(input, ctx) {
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    if (role.ServiceLinked) throw protectedRole(role);
    putRole(ctx, { ...role, AssumeRolePolicyDocument: checkTrustPolicy(input.PolicyDocument, "policyDocument") });
    return {};
  },

  /** IAM refuses while anything still hangs on the role: managed policies, inline policies, instance profiles. */
  DeleteRole(input, ctx) {
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    if (role.ServiceLinked) throw protectedRole(role);
    if (role.AttachedPolicies.length > 0) throw deleteConflict("Cannot delete entity, must detach all policies first.");
    if (role.InlinePolicies.length > 0) throw deleteConflict("Cannot delete entity, must delete policies first.");
    const inProfile = instanceProfileTable(ctx)
      .list(iamScope(ctx))
      .some((profile) => profile.Roles.some((name) => nameKey(name) === nameKey(role.RoleName)));
    if (inProfile) throw deleteConflict("Cannot delete entity, must remove roles from instance profile first.");
    roleTable(ctx).delete(iamScope(ctx), roleKey(role));
    return {};
  },

  TagRole(input, ctx) {
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    putRole(ctx, { ...role, Tags: mergeTags(role.Tags, checkTags(input.Tags), "Role") });
    return {};
  },

  UntagRole(input, ctx) {
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    putRole(ctx, { ...role, Tags: removeTags(role.Tags, input.TagKeys) });
    return {};
  },

  ListRoleTags(input, ctx) {
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    return tagPage(role.Tags, input.Marker, input.MaxItems);
  },

  PutRolePermissionsBoundary(input, ctx) {
    setBoundary(ctx, ROLE, checkName(input.RoleName, "roleName", 64), input.PermissionsBoundary);
    return {};
  },

  DeleteRolePermissionsBoundary(input, ctx) {
    clearBoundary(ctx, ROLE, checkName(input.RoleName, "roleName", 64));
    return {};
  },
};
