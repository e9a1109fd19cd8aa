/** The access keys Stratus issued (IAM user keys, STS temporary credentials) and whose they are: one registry both services write. */
import { GLOBAL_REGION, type StateStore, type Table } from "../state/state-store.ts";
import { accountOfAccessKey } from "./shared-ids.ts";

/** Who calls with a key: what GetCallerIdentity answers for it. */
export interface KeyPrincipal {
  account: string;
  arn: string;
  userId: string;
  /** `root` and `user` are long-term identities; the others exist only through temporary credentials. */
  kind: "root" | "user" | "assumed-role" | "federated-user";
}

export interface IssuedKey {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** ISO-8601; only temporary credentials expire. */
  expiration?: string;
  principal: KeyPrincipal;
  issuedBy: "iam" | "sts";
  /** For assumed roles: the session's role and duration limits (role chaining is capped at one hour). */
  roleArn?: string;
}

const table = (state: StateStore): Table<IssuedKey> => state.table<IssuedKey>("sts", "credentials");

/**
 * Keys are stored under the account they encode, so a lookup needs no scan: the gateway can find the
 * account of any key Stratus issued before it knows anything else about the request.
 */
export function registerKey(state: StateStore, key: IssuedKey): void {
  table(state).put({ account: key.principal.account, region: GLOBAL_REGION }, key.accessKeyId, key);
}

export function findKey(state: StateStore, accessKeyId: string): IssuedKey | undefined {
  const account = accountOfAccessKey(accessKeyId);
  if (!account) return undefined;
  return table(state).get({ account, region: GLOBAL_REGION }, accessKeyId);
}

export function forgetKey(state: StateStore, accessKeyId: string): void {
  const account = accountOfAccessKey(accessKeyId);
  if (account) table(state).delete({ account, region: GLOBAL_REGION }, accessKeyId);
}
