/** IAM's stored records (one global scope per account) and the lookups every handler family shares. */
import { GLOBAL_REGION, type Scope, type Table } from "../../state/state-store.ts";
import type { RequestContext } from "../service-types.ts";
import { uniqueId } from "../shared-ids.ts";
import { instanceProfileNotFound, roleNotFound, userNotFound } from "./errors.ts";

export interface TagRecord {
  Key: string;
  Value: string;
}

export interface InlinePolicy {
  PolicyName: string;
  /** As the caller sent it (IAM keeps the text, whitespace included). */
  PolicyDocument: string;
}

/** What roles and users have in common: managed policies, inline policies and a permissions boundary. */
export interface PrincipalRecord {
  Path: string;
  Arn: string;
  CreateDate: string;
  PermissionsBoundary?: string;
  Tags: TagRecord[];
  /** ARNs of attached managed policies, in attachment order. */
  AttachedPolicies: string[];
  InlinePolicies: InlinePolicy[];
}

export interface RoleRecord extends PrincipalRecord {
  RoleName: string;
  RoleId: string;
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  /** Set for service-linked roles: only their service may change them. */
  ServiceLinked?: boolean;
}

export interface UserRecord extends PrincipalRecord {
  UserName: string;
  UserId: string;
}

export interface PolicyVersionRecord {
  VersionId: string;
  Document: string;
  CreateDate: string;
}

export interface PolicyRecord {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  Description?: string;
  CreateDate: string;
  UpdateDate: string;
  DefaultVersionId: string;
  Versions: PolicyVersionRecord[];
  /** IAM never reuses a version number, even after the version is deleted. */
  NextVersion: number;
  Tags: TagRecord[];
}

export interface InstanceProfileRecord {
  InstanceProfileName: string;
  InstanceProfileId: string;
  Arn: string;
  Path: string;
  CreateDate: string;
  /** Role names (IAM allows at most one). */
  Roles: string[];
  Tags: TagRecord[];
}

export interface AccessKeyRecord {
  AccessKeyId: string;
  UserName: string;
  Status: "Active" | "Inactive";
  CreateDate: string;
}

export const iamScope = (ctx: RequestContext): Scope => ({ account: ctx.account, region: GLOBAL_REGION });

/** IAM names are unique without regard to case ("MyRole" and "myrole" cannot both exist), so records are keyed by the lower-cased name. */
export const nameKey = (name: string): string => name.toLowerCase();

export const roleTable = (ctx: RequestContext): Table<RoleRecord> => ctx.state.table<RoleRecord>("iam", "roles");
export const userTable = (ctx: RequestContext): Table<UserRecord> => ctx.state.table<UserRecord>("iam", "users");
/** Customer managed policies, keyed by ARN (AWS managed ones are read-only data, see aws-managed.ts). */
export const policyTable = (ctx: RequestContext): Table<PolicyRecord> => ctx.state.table<PolicyRecord>("iam", "policies");
export const instanceProfileTable = (ctx: RequestContext): Table<InstanceProfileRecord> =>
  ctx.state.table<InstanceProfileRecord>("iam", "instance-profiles");
export const accessKeyTable = (ctx: RequestContext): Table<AccessKeyRecord> => ctx.state.table<AccessKeyRecord>("iam", "access-keys");

export function requireRole(ctx: RequestContext, name: string): RoleRecord {
  const role = roleTable(ctx).get(iamScope(ctx), nameKey(name));
  if (!role) throw roleNotFound(name);
  return role;
}

export function requireUser(ctx: RequestContext, name: string): UserRecord {
  const user = userTable(ctx).get(iamScope(ctx), nameKey(name));
  if (!user) throw userNotFound(name);
  return user;
}

export function requireInstanceProfile(ctx: RequestContext, name: string): InstanceProfileRecord {
  const profile = instanceProfileTable(ctx).get(iamScope(ctx), nameKey(name));
  if (!profile) throw instanceProfileNotFound(name);
  return profile;
}

export const putRole = (ctx: RequestContext, role: RoleRecord): RoleRecord => roleTable(ctx).put(iamScope(ctx), nameKey(role.RoleName), role);
export const putUser = (ctx: RequestContext, user: UserRecord): UserRecord => userTable(ctx).put(iamScope(ctx), nameKey(user.UserName), user);

/** IAM's timestamps have whole seconds (`2024-05-01T12:00:00Z`). */
export const nowIso = (): string => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();

export const iamArn = (account: string, kind: string, path: string, name: string): string => `arn:aws:iam::${account}:${kind}${path}${name}`;

/** A new role record: a fresh AROA id, the ARN for its path and name, created now; the other fields as given. */
export function newRole(ctx: RequestContext, name: string, path: string, fields: Omit<RoleRecord, "RoleName" | "RoleId" | "Arn" | "Path" | "CreateDate">): RoleRecord {
  return { RoleName: name, RoleId: uniqueId("AROA"), Arn: iamArn(ctx.account, "role", path, name), Path: path, CreateDate: nowIso(), ...fields };
}

/** How many roles and users use each policy ARN, as a permissions policy and as a boundary (AttachmentCount, PermissionsBoundaryUsageCount). */
export interface PolicyUsage {
  attachments: Map<string, number>;
  boundaries: Map<string, number>;
}

export function policyUsage(ctx: RequestContext): PolicyUsage {
  const usage: PolicyUsage = { attachments: new Map(), boundaries: new Map() };
  const scope = iamScope(ctx);
  const principals: PrincipalRecord[] = [...roleTable(ctx).list(scope), ...userTable(ctx).list(scope)];
  for (const principal of principals) {
    for (const arn of principal.AttachedPolicies) usage.attachments.set(arn, (usage.attachments.get(arn) ?? 0) + 1);
    const boundary = principal.PermissionsBoundary;
    if (boundary) usage.boundaries.set(boundary, (usage.boundaries.get(boundary) ?? 0) + 1);
  }
  return usage;
}
