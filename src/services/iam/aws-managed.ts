/** The AWS managed policies (arn:aws:iam::aws:policy/…), read from data/ on first use and never at start-up. */
import { readDataFile } from "../../shared/data-files.ts";

/** One policy as `npm run data` writes it: the fields IAM returns for it, and its default version's document. */
export interface AwsManagedPolicyData {
  PolicyName: string;
  PolicyId: string;
  Path: string;
  DefaultVersionId: string;
  CreateDate: string;
  UpdateDate: string;
  Document: unknown;
}

export interface AwsManagedPolicyFile {
  source: string;
  policies: AwsManagedPolicyData[];
}

export interface AwsManagedPolicy extends AwsManagedPolicyData {
  Arn: string;
}

export const AWS_POLICY_ARN_PREFIX = "arn:aws:iam::aws:policy/";

let byArn: Map<string, AwsManagedPolicy> | undefined;

/** All AWS managed policies by ARN, in name order (about 1,500; ~5 MB once parsed, so only when a managed-policy call needs them). */
export function awsManagedPolicies(): Map<string, AwsManagedPolicy> {
  if (!byArn) {
    const file = readDataFile<AwsManagedPolicyFile>("iam/aws-managed-policies.json.gz");
    byArn = new Map();
    for (const policy of file.policies) {
      const arn = `arn:aws:iam::aws:policy${policy.Path}${policy.PolicyName}`;
      byArn.set(arn, { ...policy, Arn: arn });
    }
  }
  return byArn;
}

export const isAwsManagedArn = (arn: string): boolean => arn.startsWith(AWS_POLICY_ARN_PREFIX);

export function awsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return isAwsManagedArn(arn) ? awsManagedPolicies().get(arn) : undefined;
}

/** AWS managed documents are served as AWS formats them: indented JSON. */
export const awsManagedDocument = (policy: AwsManagedPolicy): string => JSON.stringify(policy.Document, null, 4);
