/** Managed policies of both kinds (customer managed in the table, AWS managed from data) behind one lookup, and their response form. */
import type { Policy } from "@aws-sdk/client-iam";
import type { RequestContext } from "../service-types.ts";
import { awsManagedPolicies, awsManagedPolicy, isAwsManagedArn, type AwsManagedPolicy } from "./aws-managed.ts";
import { policyNotAttachable, policyNotFound } from "./errors.ts";
import { iamScope, policyTable, type PolicyRecord, type PolicyUsage } from "./state.ts";
import { tagsView } from "./tags.ts";
import { parsePolicyArn } from "./validate.ts";

export type ManagedPolicy = { kind: "local"; record: PolicyRecord } | { kind: "aws"; record: AwsManagedPolicy };

/** Finds a policy by ARN: AWS managed ones exist for everyone, customer managed ones only in the caller's account. */
export function findManagedPolicy(ctx: RequestContext, arn: string): ManagedPolicy | undefined {
  if (isAwsManagedArn(arn)) {
    const record = awsManagedPolicy(arn);
    return record ? { kind: "aws", record } : undefined;
  }
  const record = policyTable(ctx).get(iamScope(ctx), arn);
  return record ? { kind: "local", record } : undefined;
}

/** For Get…/versions: NoSuchEntity "Policy … was not found." */
export function requireManagedPolicy(ctx: RequestContext, arn: string | undefined): ManagedPolicy {
  parsePolicyArn(arn);
  const value = arn ?? "";
  const policy = findManagedPolicy(ctx, value);
  if (!policy) throw policyNotFound(value);
  return policy;
}

/** For Attach…/permissions boundaries: NoSuchEntity "Policy … does not exist or is not attachable." */
export function requireAttachablePolicy(ctx: RequestContext, arn: string | undefined, member = "policyArn"): ManagedPolicy {
  parsePolicyArn(arn, member);
  const value = arn ?? "";
  const policy = findManagedPolicy(ctx, value);
  if (!policy) throw policyNotAttachable(value);
  return policy;
}

export const policyArnName = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1);
export const policyArnPath = (arn: string): string => {
  const afterType = arn.slice(arn.indexOf(":policy") + ":policy".length);
  return afterType.slice(0, afterType.lastIndexOf("/") + 1) || "/";
};

/** `detail` adds what only GetPolicy/CreatePolicy return (Description, Tags); ListPolicies leaves them out. */
export function policyView(policy: ManagedPolicy, usage: PolicyUsage, detail: boolean): Policy {
  const record = policy.record;
  const arn = record.Arn;
  const view: Policy = {
    PolicyName: record.PolicyName,
    PolicyId: record.PolicyId,
    Arn: arn,
    Path: record.Path,
    DefaultVersionId: record.DefaultVersionId,
    AttachmentCount: usage.attachments.get(arn) ?? 0,
    PermissionsBoundaryUsageCount: usage.boundaries.get(arn) ?? 0,
    IsAttachable: true,
    CreateDate: new Date(record.CreateDate),
    UpdateDate: new Date(record.UpdateDate),
  };
  if (detail && policy.kind === "local") {
    if (policy.record.Description !== undefined) view.Description = policy.record.Description;
    const tags = tagsView(policy.record.Tags);
    if (tags) view.Tags = tags;
  }
  return view;
}

/** Every managed policy visible to the account for a ListPolicies scope. */
export function visiblePolicies(ctx: RequestContext, scope: "All" | "AWS" | "Local"): ManagedPolicy[] {
  const out: ManagedPolicy[] = [];
  if (scope !== "Local") for (const record of awsManagedPolicies().values()) out.push({ kind: "aws", record });
  if (scope !== "AWS") for (const record of policyTable(ctx).list(iamScope(ctx))) out.push({ kind: "local", record });
  return out;
}
