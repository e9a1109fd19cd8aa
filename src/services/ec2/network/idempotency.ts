/** ClientToken idempotency for the network Create* calls: the same token returns the first answer, different parameters are refused. */
import { crypto } from "../../../shared/builtins.ts";
import type { Handler, RequestContext } from "../../service-types.ts";
import { ec2Error } from "../shared/errors.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";

interface TokenRecord {
  fingerprint: string;
  response: unknown;
}

/** A stable digest of the request without its token (key order does not matter). */
function fingerprint(input: object): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).filter(([k]) => k !== "ClientToken").sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
    }
    return value;
  };
  return crypto.createHash("sha256").update(JSON.stringify(canonical(input))).digest("hex");
}

/**
 * Wraps a Create* handler: a repeated ClientToken (the SDKs fill one in and reuse it on retries)
 * answers the stored response; the same token with other parameters is IdempotentParameterMismatch.
 */
export function idempotent<I extends { ClientToken?: string | undefined; DryRun?: boolean | undefined }, O>(operation: string, handler: Handler<I, O>): Handler<I, O> {
  return async (input: I, ctx: RequestContext): Promise<O> => {
    const token = input.ClientToken;
    if (!token || input.DryRun) return handler(input, ctx);
    const table = ec2Table<TokenRecord>(ctx, "network-client-tokens");
    const key = `${operation}/${token}`;
    const print = fingerprint(input);
    const seen = table.get(scopeOf(ctx), key);
    if (seen) {
      if (seen.fingerprint !== print) {
        throw ec2Error("IdempotentParameterMismatch", `The client token ${token} has already been used with different parameters.`);
      }
      return seen.response as O;
    }
    const response = await handler(input, ctx);
    table.put(scopeOf(ctx), key, { fingerprint: print, response: JSON.parse(JSON.stringify(response)) as unknown });
    return response;
  };
}
