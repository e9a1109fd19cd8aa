/** Converts the recorded AWS managed IAM policies into data/iam/aws-managed-policies.json.gz (only what the IAM API returns). */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { stableId } from "../../src/services/shared-ids.ts";
import type { AwsManagedPolicyData, AwsManagedPolicyFile } from "../../src/services/iam/aws-managed.ts";

interface RecordedPolicy {
  Arn: string;
  Path: string;
  DefaultVersionId: string;
  CreateDate: string;
  UpdateDate: string;
  Document: unknown;
}

interface RecordedFile {
  source: string;
  policies: Record<string, RecordedPolicy>;
}

export const IAM_POLICIES_OUTPUT = join("data", "iam", "aws-managed-policies.json.gz");

/** AWS writes statements in this order; the recording sorted keys alphabetically. */
const STATEMENT_ORDER = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];

function reorder(value: Record<string, unknown>, order: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) if (key in value) out[key] = value[key];
  for (const [key, entry] of Object.entries(value)) if (!(key in out)) out[key] = entry;
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function canonicalDocument(document: unknown): unknown {
  if (!isObject(document)) return document;
  const statement = document["Statement"];
  const statements = Array.isArray(statement)
    ? statement.map((entry) => (isObject(entry) ? reorder(entry, STATEMENT_ORDER) : entry))
    : isObject(statement)
      ? reorder(statement, STATEMENT_ORDER)
      : statement;
  return reorder({ ...document, Statement: statements }, ["Version", "Id", "Statement"]);
}

const iso = (text: string): string => new Date(text).toISOString();

/** Reads `iam-aws-managed-policies.json` from `sourceDir`, writes the compact gzip file under `outRoot`; returns the policy count. */
export function generateIamPolicies(sourceDir: string, outRoot: string): number {
  const recorded = JSON.parse(readFileSync(join(sourceDir, "iam-aws-managed-policies.json"), "utf8")) as RecordedFile;
  const policies: AwsManagedPolicyData[] = [];
  for (const [name, policy] of Object.entries(recorded.policies)) {
    const expectedArn = `arn:aws:iam::aws:policy${policy.Path}${name}`;
    if (policy.Arn !== expectedArn) throw new Error(`unexpected ARN for ${name}: ${policy.Arn}`);
    policies.push({
      PolicyName: name,
      // The recording has no policy ids: derive a stable ANPA… id so the same policy always has the same id.
      PolicyId: stableId("ANPA", policy.Arn),
      Path: policy.Path,
      DefaultVersionId: policy.DefaultVersionId,
      CreateDate: iso(policy.CreateDate),
      UpdateDate: iso(policy.UpdateDate),
      Document: canonicalDocument(policy.Document),
    });
  }
  policies.sort((a, b) => (a.PolicyName < b.PolicyName ? -1 : a.PolicyName > b.PolicyName ? 1 : 0));
  const file: AwsManagedPolicyFile = { source: recorded.source, policies };
  const target = join(outRoot, IAM_POLICIES_OUTPUT);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, gzipSync(JSON.stringify(file), { level: 9 }));
  return policies.length;
}
