/** IAM's input rules that the model does not carry (names, paths, ARNs, policy documents), with IAM's messages. */
import { constraintViolation, invalidInput, limitExceeded, malformedPolicy, validationError } from "./errors.ts";

const NAME_PATTERN = /^[\w+=,.@-]+$/;
const PATH_PATTERN = /^(\/|\/[\u0021-\u007E]+\/)$/;

/** The codec enforces required members; handlers called directly still get IAM's message. */
export function requireString(value: string | undefined, member: string): string {
  if (value === undefined || value === null) throw constraintViolation(undefined, member, "Member must not be null");
  return value;
}

export function checkLength(value: string, member: string, min: number, max: number): void {
  if (value.length < min) throw constraintViolation(value, member, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraintViolation(value, member, `Member must have length less than or equal to ${max}`);
}

/** Role, user, policy and instance profile names: `[\w+=,.@-]+` (64 characters for roles and users, 128 for the others). */
export function checkName(value: string | undefined, member: string, max: number): string {
  const name = requireString(value, member);
  checkLength(name, member, 1, max);
  if (!NAME_PATTERN.test(name)) throw constraintViolation(name, member, "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
  return name;
}

export function checkPath(value: string | undefined, member = "path"): string {
  if (value === undefined) return "/";
  checkLength(value, member, 1, 512);
  if (!PATH_PATTERN.test(value) || value.includes("//")) {
    throw validationError(
      `The specified value for ${member} is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`,
    );
  }
  return value;
}

export function checkPathPrefix(value: string | undefined): string {
  if (value === undefined) return "/";
  checkLength(value, "pathPrefix", 1, 512);
  if (!/^\/[\u0021-\u007F]*$/.test(value)) throw constraintViolation(value, "pathPrefix", "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*");
  return value;
}

export function checkDescription(value: string | undefined): string | undefined {
  if (value !== undefined) checkLength(value, "description", 0, 1000);
  return value;
}

export interface PolicyArnParts {
  /** `aws` for AWS managed policies, else the 12-digit account. */
  owner: string;
  path: string;
  name: string;
}

const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]+)$/;

export function parsePolicyArn(arn: string | undefined, member = "policyArn"): PolicyArnParts {
  const value = requireString(arn, member);
  checkLength(value, member, 20, 2048);
  const match = POLICY_ARN.exec(value);
  if (!match) throw invalidInput(`ARN ${value} is not valid.`);
  return { owner: match[1] ?? "", path: match[2] ?? "/", name: match[3] ?? "" };
}

/** Only these two policy language versions exist; anything else fails IAM's "legacy parsing". */
const POLICY_VERSIONS = new Set(["2012-10-17", "2008-10-17"]);

export type PolicyKind = "trust" | "identity";

/**
 * IAM rejects documents that are not JSON objects with statements. Trust policies (role
 * AssumeRolePolicyDocument) say so with "This policy contains invalid Json"; permission policies with
 * "Syntax errors in policy.", and they may not name a Principal.
 */
export function checkPolicyDocument(text: string | undefined, kind: PolicyKind, member: string): string {
  const document = requireString(text, member);
  checkLength(document, member, 1, 131072);
  const syntax = kind === "trust" ? "This policy contains invalid Json" : "Syntax errors in policy.";
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw malformedPolicy(syntax);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw malformedPolicy(syntax);
  const root = parsed as Record<string, unknown>;
  const version = root["Version"];
  if (version !== undefined && (typeof version !== "string" || !POLICY_VERSIONS.has(version))) {
    throw malformedPolicy("The policy failed legacy parsing");
  }
  const statement = root["Statement"];
  const statements = Array.isArray(statement) ? statement : [statement];
  if (statement === undefined || statements.length === 0 || statements.some((s) => typeof s !== "object" || s === null || Array.isArray(s))) {
    throw malformedPolicy("Syntax errors in policy.");
  }
  for (const entry of statements as Record<string, unknown>[]) {
    const effect = entry["Effect"];
    if (effect !== "Allow" && effect !== "Deny") throw malformedPolicy("Syntax errors in policy.");
    if (kind === "identity" && (entry["Principal"] !== undefined || entry["NotPrincipal"] !== undefined)) {
      throw malformedPolicy("Policy document should not specify a principal.");
    }
    if (kind === "trust" && entry["Resource"] !== undefined) throw malformedPolicy("Has prohibited field Resource");
    if (kind === "trust" && entry["Principal"] === undefined && entry["NotPrincipal"] === undefined) {
      throw malformedPolicy("Missing required field Principal");
    }
  }
  return document;
}

/** IAM counts policy size without whitespace. */
export const policySize = (document: string): number => document.replace(/\s+/g, "").length;

export function checkPolicySize(document: string, quota: string, limit: number): void {
  if (policySize(document) > limit) throw limitExceeded(`Cannot exceed quota for ${quota}: ${limit}`);
}

/** The response form of a policy document: IAM returns them URL-encoded (RFC 3986). */
export const encodeDocument = (document: string): string => encodeURIComponent(document);
