/** Managed policy versions: Create/Get/List/DeletePolicyVersion and SetDefaultPolicyVersion (at most five versions per policy). */
import type { PolicyVersion } from "@aws-sdk/client-iam";
import type { IamOperations } from "../../../generated/iam.ts";
import type { HandlerTable } from "../../service-types.ts";
import { awsManagedDocument } from "../aws-managed.ts";
import { constraintViolation, deleteConflict, limitExceeded, noSuchEntity } from "../errors.ts";
import { requireManagedPolicy, type ManagedPolicy } from "../managed.ts";
import { paginate } from "../paging.ts";
import { pageFields } from "../principal-policies.ts";
import { nowIso, type PolicyVersionRecord } from "../state.ts";
import { checkPolicyDocument, checkPolicySize, encodeDocument, requireString } from "../validate.ts";
import { MANAGED_POLICY_LIMIT, putPolicy, requireLocalPolicy } from "./policies.ts";

const MAX_VERSIONS = 5;
const VERSION_PATTERN = /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/;

function checkVersionId(value: string | undefined): string {
  const id = requireString(value, "versionId");
  if (!VERSION_PATTERN.test(id)) throw constraintViolation(id, "versionId", "Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
  return id;
}

const versionMissing = (arn: string, versionId: string) => noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);

/** The versions a policy has: AWS managed policies are served with their default version only. */
function versionsOf(policy: ManagedPolicy): PolicyVersionRecord[] {
  if (policy.kind === "local") return policy.record.Versions;
  const record = policy.record;
  return [{ VersionId: record.DefaultVersionId, Document: awsManagedDocument(record), CreateDate: record.UpdateDate }];
}

const versionNumber = (id: string): number => Number.parseInt(id.slice(1), 10);

function versionView(version: PolicyVersionRecord, defaultVersionId: string, withDocument: boolean): PolicyVersion {
  const view: PolicyVersion = { VersionId: version.VersionId, IsDefaultVersion: version.VersionId === defaultVersionId, CreateDate: new Date(version.CreateDate) };
  if (withDocument) view.Document = encodeDocument(version.Document);
  return view;
}

export const policyVersionHandlers: HandlerTable<IamOperations> = {
  CreatePolicyVersion(input, ctx) {
    const policy = requireLocalPolicy(ctx, input.PolicyArn, "CreatePolicyVersion");
    const document = checkPolicyDocument(input.PolicyDocument, "identity", "policyDocument");
    checkPolicySize(document, "PolicySize", MANAGED_POLICY_LIMIT);
    if (policy.Versions.length >= MAX_VERSIONS) {
      throw limitExceeded(
        `A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      );
    }
    const now = nowIso();
    const version: PolicyVersionRecord = { VersionId: `v${policy.NextVersion}`, Document: document, CreateDate: now };
    const makeDefault = input.SetAsDefault === true;
    const updated = putPolicy(ctx, {
      ...policy,
      Versions: [...policy.Versions, version],
      NextVersion: policy.NextVersion + 1,
      ...(makeDefault ? { DefaultVersionId: version.VersionId, UpdateDate: now } : {}),
    });
    return { PolicyVersion: versionView(version, updated.DefaultVersionId, false) };
  },

  GetPolicyVersion(input, ctx) {
    const policy = requireManagedPolicy(ctx, input.PolicyArn);
    const versionId = checkVersionId(input.VersionId);
    const version = versionsOf(policy).find((entry) => entry.VersionId === versionId);
    if (!version) throw versionMissing(policy.record.Arn, versionId);
    return { PolicyVersion: versionView(version, policy.record.DefaultVersionId, true) };
  },

  /** Newest first, without documents (only GetPolicyVersion returns those). */
  ListPolicyVersions(input, ctx) {
    const policy = requireManagedPolicy(ctx, input.PolicyArn);
    const key = (version: PolicyVersionRecord): string => String(1e9 - versionNumber(version.VersionId)).padStart(10, "0");
    const sorted = [...versionsOf(policy)].sort((a, b) => versionNumber(b.VersionId) - versionNumber(a.VersionId));
    const page = paginate(sorted, key, input.Marker, input.MaxItems);
    return { Versions: page.items.map((version) => versionView(version, policy.record.DefaultVersionId, false)), ...pageFields(page) };
  },

  DeletePolicyVersion(input, ctx) {
    const policy = requireLocalPolicy(ctx, input.PolicyArn, "DeletePolicyVersion");
    const versionId = checkVersionId(input.VersionId);
    if (!policy.Versions.some((version) => version.VersionId === versionId)) throw versionMissing(policy.Arn, versionId);
    if (versionId === policy.DefaultVersionId) throw deleteConflict("Cannot delete the default version of a policy.");
    putPolicy(ctx, { ...policy, Versions: policy.Versions.filter((version) => version.VersionId !== versionId) });
    return {};
  },

  SetDefaultPolicyVersion(input, ctx) {
    const policy = requireLocalPolicy(ctx, input.PolicyArn, "SetDefaultPolicyVersion");
    const versionId = checkVersionId(input.VersionId);
    if (!policy.Versions.some((version) => version.VersionId === versionId)) throw versionMissing(policy.Arn, versionId);
    if (versionId !== policy.DefaultVersionId) putPolicy(ctx, { ...policy, DefaultVersionId: versionId, UpdateDate: nowIso() });
    return {};
  },
};
