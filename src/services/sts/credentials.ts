/** Temporary credentials STS issues, and who a caller is: what the gateway asks to map a key to its account, and what GetCallerIdentity answers. */
import type { StateStore } from "../../state/state-store.ts";
import { findKey, registerKey, type IssuedKey, type KeyPrincipal } from "../shared-credentials.ts";
import { accessKeyIdFor, secretAccessKey, sessionToken } from "../shared-ids.ts";

/**
 * The account that issued a key Stratus handed out (STS temporary credentials, IAM user keys), or
 * undefined for keys it does not know (the gateway then uses the default account).
 */
export function accountForAccessKey(state: StateStore, accessKeyId: string): string | undefined {
  return findKey(state, accessKeyId)?.principal.account;
}

/** The caller behind an access key: a session or IAM user Stratus issued, else the account's root user. */
export function callerIdentity(state: StateStore, account: string, accessKeyId: string): KeyPrincipal & { key?: IssuedKey } {
  const key = findKey(state, accessKeyId);
  if (key && key.principal.account === account) return { ...key.principal, key };
  return { account, arn: `arn:aws:iam::${account}:root`, userId: account, kind: "root" };
}

export interface TemporaryCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

/** Mints ASIA… credentials for `principal`, valid for `durationSeconds`, and records them so Stratus accepts them. */
export function issueTemporaryCredentials(
  state: StateStore,
  principal: KeyPrincipal,
  durationSeconds: number,
  roleArn?: string,
): TemporaryCredentials {
  // STS expirations have whole seconds.
  const expiration = new Date((Math.floor(Date.now() / 1000) + durationSeconds) * 1000);
  const issued: IssuedKey = {
    accessKeyId: accessKeyIdFor("ASIA", principal.account),
    secretAccessKey: secretAccessKey(),
    sessionToken: sessionToken(),
    expiration: expiration.toISOString(),
    principal,
    issuedBy: "sts",
    ...(roleArn !== undefined ? { roleArn } : {}),
  };
  registerKey(state, issued);
  return { AccessKeyId: issued.accessKeyId, SecretAccessKey: issued.secretAccessKey, SessionToken: issued.sessionToken ?? "", Expiration: expiration };
}
