/** ClientToken idempotency for the storage and image calls that take one (CreateVolume, CopyImage): same token → same resource. */
import type { RequestContext } from "../../service-types.ts";
import { ec2Error } from "../shared/errors.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";

interface TokenRecord {
  /** "<operation>/<token>" */
  Key: string;
  ResourceId: string;
  /** The request's parameters (without the token), to detect reuse with different parameters. */
  Request: string;
}

const tokenTable = (ctx: RequestContext) => ec2Table<TokenRecord>(ctx, "client-tokens");

function requestKey(input: object): string {
  const { ClientToken: _token, DryRun: _dryRun, ...rest } = input as Record<string, unknown>;
  return JSON.stringify(rest);
}

/** The resource an earlier call with this token created, or undefined; IdempotentParameterMismatch when parameters differ. */
export function earlierResult(ctx: RequestContext, operation: string, token: string | undefined, input: object): string | undefined {
  if (!token) return undefined;
  const record = tokenTable(ctx).get(scopeOf(ctx), `${operation}/${token}`);
  if (!record) return undefined;
  if (record.Request !== requestKey(input)) {
    throw ec2Error("IdempotentParameterMismatch", `Client token ${token} was already used with different parameters.`);
  }
  return record.ResourceId;
}

export function rememberResult(ctx: RequestContext, operation: string, token: string | undefined, input: object, resourceId: string): void {
  if (!token) return;
  const key = `${operation}/${token}`;
  tokenTable(ctx).put(scopeOf(ctx), key, { Key: key, ResourceId: resourceId, Request: requestKey(input) });
}
