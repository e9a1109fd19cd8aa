/** ECR authorization tokens: the registry password names its account and region and is signed with a key kept in state (valid across restarts). */
import { crypto } from "../../shared/builtins.ts";
import { GLOBAL_REGION, type Scope, type StateStore } from "../../state/state-store.ts";

/** As ECR: a token is valid for 12 hours. */
export const TOKEN_LIFETIME_MS = 12 * 3600 * 1000;

interface KeyRecord {
  key: string;
}

const KEY_SCOPE: Scope = { account: "000000000000", region: GLOBAL_REGION };

function signingKey(state: StateStore): string {
  const table = state.table<KeyRecord>("ecr", "signing-key");
  const held = table.get(KEY_SCOPE, "registry");
  if (held) return held.key;
  const key = crypto.randomBytes(32).toString("hex");
  state.transaction(() => table.put(KEY_SCOPE, "registry", { key }));
  return key;
}

interface Claims {
  a: string;
  r: string;
  e: number;
}

const sign = (key: string, payload: string): string => crypto.createHmac("sha256", key).update(payload).digest("base64url");

/** The registry password (what `aws ecr get-login-password` prints) and its expiry. */
export function issuePassword(state: StateStore, scope: Scope, now = Date.now()): { password: string; expiresAt: number } {
  const expiresAt = now + TOKEN_LIFETIME_MS;
  const payload = Buffer.from(JSON.stringify({ a: scope.account, r: scope.region, e: expiresAt } satisfies Claims)).toString("base64url");
  return { password: `${payload}.${sign(signingKey(state), payload)}`, expiresAt };
}

/** The account and region a password was issued for, or undefined when it is forged, malformed or expired. */
export function verifyPassword(state: StateStore, password: string, now = Date.now()): Scope | undefined {
  const dot = password.indexOf(".");
  if (dot <= 0) return undefined;
  const payload = password.slice(0, dot);
  const given = Buffer.from(password.slice(dot + 1));
  const expected = Buffer.from(sign(signingKey(state), payload));
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<Claims>;
    if (typeof claims.a !== "string" || typeof claims.r !== "string" || typeof claims.e !== "number") return undefined;
    if (claims.e <= now) return undefined;
    return { account: claims.a, region: claims.r };
  } catch {
    return undefined;
  }
}
