/** Managed-policy attachments and inline policies of roles and users: the same rules for both, with each one's wording and quotas. */
import type { AttachedPolicy } from "@aws-sdk/client-iam";
import type { RequestContext } from "../service-types.ts";
import { limitExceeded, noSuchEntity } from "./errors.ts";
import { policyArnName, policyArnPath, requireAttachablePolicy } from "./managed.ts";
import { paginate, sortByKey, type Page } from "./paging.ts";
import { putRole, putUser, requireRole, requireUser, type PrincipalRecord, type RoleRecord, type UserRecord } from "./state.ts";
import { checkName, checkPathPrefix, checkPolicyDocument, encodeDocument, parsePolicyArn, policySize } from "./validate.ts";

export interface PrincipalKind<R extends PrincipalRecord> {
  /** "role" / "user", as IAM's messages name them. */
  label: string;
  load: (ctx: RequestContext, name: string) => R;
  save: (ctx: RequestContext, record: R) => void;
  nameOf: (record: R) => string;
  /** Managed policies per principal (IAM's default quotas). */
  attachQuota: { name: string; limit: number };
  /** Aggregate size of all inline policies, without whitespace. */
  inlineLimit: number;
}

export const ROLE: PrincipalKind<RoleRecord> = {
  label: "role",
  load: requireRole,
  save: (ctx, record) => void putRole(ctx, record),
  nameOf: (record) => record.RoleName,
  attachQuota: { name: "PoliciesPerRole", limit: 10 },
  inlineLimit: 10240,
};

export const USER: PrincipalKind<UserRecord> = {
  label: "user",
  load: requireUser,
  save: (ctx, record) => void putUser(ctx, record),
  nameOf: (record) => record.UserName,
  attachQuota: { name: "PoliciesPerUser", limit: 10 },
  inlineLimit: 2048,
};

/** Attaching an already attached policy succeeds and changes nothing, as in IAM. */
export function attachPolicy<R extends PrincipalRecord>(ctx: RequestContext, kind: PrincipalKind<R>, name: string, arn: string | undefined): void {
  const record = kind.load(ctx, name);
  const policy = requireAttachablePolicy(ctx, arn);
  const policyArn = policy.record.Arn;
  if (record.AttachedPolicies.includes(policyArn)) return;
  if (record.AttachedPolicies.length >= kind.attachQuota.limit) {
    throw limitExceeded(`Cannot exceed quota for ${kind.attachQuota.name}: ${kind.attachQuota.limit}`);
  }
  kind.save(ctx, { ...record, AttachedPolicies: [...record.AttachedPolicies, policyArn] });
}

export function detachPolicy<R extends PrincipalRecord>(ctx: RequestContext, kind: PrincipalKind<R>, name: string, arn: string | undefined): void {
  const record = kind.load(ctx, name);
  parsePolicyArn(arn);
  const policyArn = arn ?? "";
  if (!record.AttachedPolicies.includes(policyArn)) throw noSuchEntity(`Policy ${policyArn} was not found.`);
  kind.save(ctx, { ...record, AttachedPolicies: record.AttachedPolicies.filter((attached) => attached !== policyArn) });
}

export function listAttached<R extends PrincipalRecord>(
  ctx: RequestContext,
  kind: PrincipalKind<R>,
  name: string,
  pathPrefix: string | undefined,
  marker: string | undefined,
  maxItems: number | undefined,
): Page<AttachedPolicy> {
  const record = kind.load(ctx, name);
  const prefix = checkPathPrefix(pathPrefix);
  const attached = record.AttachedPolicies.filter((arn) => policyArnPath(arn).startsWith(prefix)).map((arn) => ({ PolicyName: policyArnName(arn), PolicyArn: arn }));
  const key = (policy: AttachedPolicy): string => `${(policy.PolicyName ?? "").toLowerCase()}\u0000${policy.PolicyArn ?? ""}`;
  return paginate(sortByKey(attached, key), key, marker, maxItems);
}

/** PutRolePolicy / PutUserPolicy: creates or replaces the named inline policy. */
export function putInline<R extends PrincipalRecord>(
  ctx: RequestContext,
  kind: PrincipalKind<R>,
  name: string,
  policyName: string | undefined,
  document: string | undefined,
): void {
  const record = kind.load(ctx, name);
  const validName = checkName(policyName, "policyName", 128);
  const text = checkPolicyDocument(document, "identity", "policyDocument");
  const others = record.InlinePolicies.filter((policy) => policy.PolicyName !== validName);
  const total = others.reduce((sum, policy) => sum + policySize(policy.PolicyDocument), policySize(text));
  if (total > kind.inlineLimit) {
    throw limitExceeded(`Maximum policy size of ${kind.inlineLimit} bytes exceeded for ${kind.label} ${kind.nameOf(record)}`);
  }
  const at = record.InlinePolicies.findIndex((policy) => policy.PolicyName === validName);
  const policies = [...record.InlinePolicies];
  if (at >= 0) policies[at] = { PolicyName: validName, PolicyDocument: text };
  else policies.push({ PolicyName: validName, PolicyDocument: text });
  kind.save(ctx, { ...record, InlinePolicies: policies });
}

export function getInline<R extends PrincipalRecord>(
  ctx: RequestContext,
  kind: PrincipalKind<R>,
  name: string,
  policyName: string | undefined,
): { principal: string; PolicyName: string; PolicyDocument: string } {
  const record = kind.load(ctx, name);
  const validName = checkName(policyName, "policyName", 128);
  const policy = record.InlinePolicies.find((entry) => entry.PolicyName === validName);
  if (!policy) throw noSuchEntity(`The ${kind.label} policy with name ${validName} cannot be found.`);
  return { principal: kind.nameOf(record), PolicyName: policy.PolicyName, PolicyDocument: encodeDocument(policy.PolicyDocument) };
}

export function listInline<R extends PrincipalRecord>(
  ctx: RequestContext,
  kind: PrincipalKind<R>,
  name: string,
  marker: string | undefined,
  maxItems: number | undefined,
): Page<string> {
  const record = kind.load(ctx, name);
  const names = record.InlinePolicies.map((policy) => policy.PolicyName);
  return paginate(sortByKey(names, (entry) => entry), (entry) => entry, marker, maxItems);
}

export function deleteInline<R extends PrincipalRecord>(ctx: RequestContext, kind: PrincipalKind<R>, name: string, policyName: string | undefined): void {
  const record = kind.load(ctx, name);
  const validName = checkName(policyName, "policyName", 128);
  if (!record.InlinePolicies.some((policy) => policy.PolicyName === validName)) {
    throw noSuchEntity(`The ${kind.label} policy with name ${validName} cannot be found.`);
  }
  kind.save(ctx, { ...record, InlinePolicies: record.InlinePolicies.filter((policy) => policy.PolicyName !== validName) });
}

/** PutRolePermissionsBoundary / PutUserPermissionsBoundary: the boundary must be an existing managed policy. */
export function setBoundary<R extends PrincipalRecord>(ctx: RequestContext, kind: PrincipalKind<R>, name: string, arn: string | undefined): void {
  const record = kind.load(ctx, name);
  const policy = checkBoundary(ctx, arn);
  kind.save(ctx, { ...record, PermissionsBoundary: policy });
}

export function clearBoundary<R extends PrincipalRecord>(ctx: RequestContext, kind: PrincipalKind<R>, name: string): void {
  const record = kind.load(ctx, name);
  const { PermissionsBoundary: _dropped, ...rest } = record;
  kind.save(ctx, rest as R);
}

/** IAM names a missing boundary policy "Scope ARN". */
export function checkBoundary(ctx: RequestContext, arn: string | undefined): string {
  parsePolicyArn(arn, "permissionsBoundary");
  const value = arn ?? "";
  try {
    return requireAttachablePolicy(ctx, value, "permissionsBoundary").record.Arn;
  } catch {
    throw noSuchEntity(`Scope ARN: ${value} does not exist or is not attachable.`);
  }
}

/** The page fields every List… response carries. */
export const pageFields = <T>(page: Page<T>): { IsTruncated: boolean; Marker?: string } =>
  page.Marker ? { IsTruncated: page.IsTruncated, Marker: page.Marker } : { IsTruncated: page.IsTruncated };
