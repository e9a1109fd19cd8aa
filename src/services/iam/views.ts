/** The response forms of roles, users and instance profiles: which fields each IAM operation returns. */
import type { AttachedPermissionsBoundary, InstanceProfile, Role, User } from "@aws-sdk/client-iam";
import type { RequestContext } from "../service-types.ts";
import { iamScope, nameKey, roleTable, type InstanceProfileRecord, type RoleRecord, type UserRecord } from "./state.ts";
import { tagsView } from "./tags.ts";
import { encodeDocument } from "./validate.ts";

const boundaryView = (arn: string): AttachedPermissionsBoundary => ({ PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn });

/**
 * `list`: what ListRoles and instance profiles carry (no tags, boundary or last use);
 * `create`: CreateRole's answer (adds tags and boundary); `get`: GetRole's (adds RoleLastUsed).
 */
export function roleView(role: RoleRecord, detail: "list" | "create" | "get"): Role {
  const view: Role = {
    Path: role.Path,
    RoleName: role.RoleName,
    RoleId: role.RoleId,
    Arn: role.Arn,
    CreateDate: new Date(role.CreateDate),
    AssumeRolePolicyDocument: encodeDocument(role.AssumeRolePolicyDocument),
    MaxSessionDuration: role.MaxSessionDuration,
  };
  if (role.Description !== undefined) view.Description = role.Description;
  if (detail === "list") return view;
  if (role.PermissionsBoundary) view.PermissionsBoundary = boundaryView(role.PermissionsBoundary);
  const tags = tagsView(role.Tags);
  if (tags) view.Tags = tags;
  if (detail === "get") view.RoleLastUsed = {};
  return view;
}

export function userView(user: UserRecord, detail: boolean): User {
  const view: User = {
    Path: user.Path,
    UserName: user.UserName,
    UserId: user.UserId,
    Arn: user.Arn,
    CreateDate: new Date(user.CreateDate),
  };
  if (!detail) return view;
  if (user.PermissionsBoundary) view.PermissionsBoundary = boundaryView(user.PermissionsBoundary);
  const tags = tagsView(user.Tags);
  if (tags) view.Tags = tags;
  return view;
}

/** Instance profiles embed their role (in the list form), looked up now so renames and deletions show. */
export function instanceProfileView(ctx: RequestContext, profile: InstanceProfileRecord, withTags: boolean): InstanceProfile {
  const roles: Role[] = [];
  for (const name of profile.Roles) {
    const role = roleTable(ctx).get(iamScope(ctx), nameKey(name));
    if (role) roles.push(roleView(role, "list"));
  }
  const view: InstanceProfile = {
    Path: profile.Path,
    InstanceProfileName: profile.InstanceProfileName,
    InstanceProfileId: profile.InstanceProfileId,
    Arn: profile.Arn,
    CreateDate: new Date(profile.CreateDate),
    Roles: roles,
  };
  const tags = withTags ? tagsView(profile.Tags) : undefined;
  if (tags) view.Tags = tags;
  return view;
}
