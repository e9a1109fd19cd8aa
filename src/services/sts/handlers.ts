/** STS: who am I (GetCallerIdentity, GetAccessKeyInfo) and temporary credentials (AssumeRole, GetSessionToken, GetFederationToken). */
import type { StsOperations } from "../../generated/sts.ts";
import { AwsError } from "../../shared/aws-error.ts";
import { findRole, findRoleByArn, parseRoleArn } from "../iam/api.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { accountOfAccessKey } from "../shared-ids.ts";
import { callerIdentity, issueTemporaryCredentials } from "./credentials.ts";

const validationError = (message: string): AwsError => new AwsError("ValidationError", message, { status: 400 });
const accessDenied = (message: string): AwsError => new AwsError("AccessDenied", message, { status: 403 });

const constraint = (value: unknown, member: string, rule: string): AwsError =>
  validationError(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: ${rule}`);

function required(value: string | undefined, member: string): string {
  if (value === undefined) throw validationError(`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  return value;
}

function checkLength(value: string, member: string, min: number, max: number): void {
  if (value.length < min) throw constraint(value, member, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraint(value, member, `Member must have length less than or equal to ${max}`);
}

const SESSION_NAME = /^[\w+=,.@-]*$/;

function checkSessionName(value: string | undefined, member: string, max: number): string {
  const name = required(value, member);
  checkLength(name, member, 2, max);
  if (!SESSION_NAME.test(name)) throw constraint(name, member, "Member must satisfy regular expression pattern: [\\w+=,.@-]*");
  return name;
}

function checkDuration(value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw constraint(value, "durationSeconds", `Member must have value greater than or equal to ${min}`);
  if (value > max) throw constraint(value, "durationSeconds", `Member must have value less than or equal to ${max}`);
  return value;
}

/** A session policy must at least be JSON (STS passes it to the same parser as IAM). */
function checkSessionPolicy(policy: string | undefined): void {
  if (policy === undefined) return;
  try {
    const parsed: unknown = JSON.parse(policy);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return;
  } catch {
    // reported below
  }
  throw new AwsError("MalformedPolicyDocument", "The policy is not in the valid JSON format.", { status: 400 });
}

/** Sessions of the account root are limited to one hour: longer requests are shortened, not refused. */
const ROOT_SESSION_LIMIT = 3600;

function requireLongTermCaller(ctx: RequestContext, operation: string) {
  const caller = callerIdentity(ctx.state, ctx.account, ctx.accessKeyId);
  if (caller.kind === "assumed-role" || caller.kind === "federated-user") {
    throw accessDenied(`Cannot call ${operation} with session credentials`);
  }
  return caller;
}

export const stsHandlers: HandlerTable<StsOperations> = {
  GetCallerIdentity(_input, ctx) {
    const caller = callerIdentity(ctx.state, ctx.account, ctx.accessKeyId);
    return { UserId: caller.userId, Account: caller.account, Arn: caller.arn };
  },

  /**
   * The role must exist in the account its ARN names (or, for convenience, in the caller's account,
   * so a role created under the default account can be assumed by an ARN naming another). The session
   * belongs to the ARN's account. Trust policies are not evaluated.
   */
  AssumeRole(input, ctx) {
    const roleArn = required(input.RoleArn, "roleArn");
    checkLength(roleArn, "roleArn", 20, 2048);
    const sessionName = checkSessionName(input.RoleSessionName, "roleSessionName", 64);
    const caller = callerIdentity(ctx.state, ctx.account, ctx.accessKeyId);
    const chained = caller.kind === "assumed-role";
    const duration = checkDuration(input.DurationSeconds, 900, 43200, 3600);
    if (input.ExternalId !== undefined) checkLength(input.ExternalId, "externalId", 2, 1224);
    if (input.SourceIdentity !== undefined) checkSessionName(input.SourceIdentity, "sourceIdentity", 64);
    checkSessionPolicy(input.Policy);
    const parts = parseRoleArn(roleArn);
    const role = parts ? (findRoleByArn(ctx.state, parts.account, roleArn) ?? fallbackRole(ctx, parts)) : undefined;
    if (!parts || !role) {
      throw accessDenied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    }
    if (duration > role.MaxSessionDuration) throw validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    if (chained && input.DurationSeconds !== undefined && duration > 3600) {
      throw validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
    }
    const account = parts.account;
    const assumedRoleId = `${role.RoleId}:${sessionName}`;
    const arn = `arn:aws:sts::${account}:assumed-role/${role.RoleName}/${sessionName}`;
    const credentials = issueTemporaryCredentials(ctx.state, { account, arn, userId: assumedRoleId, kind: "assumed-role" }, duration, roleArn);
    return {
      Credentials: credentials,
      AssumedRoleUser: { AssumedRoleId: assumedRoleId, Arn: arn },
      ...(input.SourceIdentity !== undefined ? { SourceIdentity: input.SourceIdentity } : {}),
    };
  },

  /** Credentials for the same identity as the caller (root or IAM user); refused for session credentials, as on AWS. */
  GetSessionToken(input, ctx) {
    const caller = requireLongTermCaller(ctx, "GetSessionToken");
    let duration = checkDuration(input.DurationSeconds, 900, 129600, 43200);
    if (caller.kind === "root") duration = Math.min(duration, ROOT_SESSION_LIMIT);
    const { key: _key, ...principal } = caller;
    return { Credentials: issueTemporaryCredentials(ctx.state, principal, duration) };
  },

  GetFederationToken(input, ctx) {
    const name = checkSessionName(input.Name, "name", 32);
    const caller = requireLongTermCaller(ctx, "GetFederationToken");
    let duration = checkDuration(input.DurationSeconds, 900, 129600, 43200);
    if (caller.kind === "root") duration = Math.min(duration, ROOT_SESSION_LIMIT);
    checkSessionPolicy(input.Policy);
    const federatedUserId = `${ctx.account}:${name}`;
    const arn = `arn:aws:sts::${ctx.account}:federated-user/${name}`;
    const credentials = issueTemporaryCredentials(ctx.state, { account: ctx.account, arn, userId: federatedUserId, kind: "federated-user" }, duration);
    return { Credentials: credentials, FederatedUser: { FederatedUserId: federatedUserId, Arn: arn } };
  },

  /** As on AWS, the account is read from the key id itself; 12-digit test keys are their own account. */
  GetAccessKeyInfo(input, ctx) {
    const keyId = required(input.AccessKeyId, "accessKeyId");
    checkLength(keyId, "accessKeyId", 16, 128);
    if (/^\d{12}$/.test(keyId)) return { Account: keyId };
    return { Account: accountOfAccessKey(keyId) ?? ctx.account };
  },
};

function fallbackRole(ctx: RequestContext, parts: { path: string; name: string }) {
  const role = findRole(ctx.state, ctx.account, parts.name);
  return role && role.Path === parts.path ? role : undefined;
}
