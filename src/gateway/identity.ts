/** Reads the caller's access key, region and signing service from the SigV4 Authorization header or presigned query. */
import type { HttpRequest } from "../protocol/http-types.ts";

export const DEFAULT_ACCOUNT = "000000000000";
export const DEFAULT_REGION = "us-east-1";

export interface CallerScope {
  accessKeyId: string;
  region: string;
  /** The service named in the credential scope (e.g. "sts", "monitoring"), when signed. */
  signingService: string | undefined;
}

const CREDENTIAL_IN_HEADER = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;
const CREDENTIAL_IN_QUERY = /(?:^|&)X-Amz-Credential=([^&]+)/;

export function callerScope(request: HttpRequest): CallerScope {
  const auth = request.headers.authorization;
  let match = auth ? CREDENTIAL_IN_HEADER.exec(auth) : null;
  if (!match && request.rawQuery.includes("X-Amz-Credential")) {
    const encoded = CREDENTIAL_IN_QUERY.exec(request.rawQuery)?.[1];
    if (encoded) match = CREDENTIAL_IN_HEADER.exec(`Credential=${safeDecode(encoded)}`);
  }
  if (!match) return { accessKeyId: "", region: DEFAULT_REGION, signingService: undefined };
  return { accessKeyId: match[1] ?? "", region: match[3] ?? DEFAULT_REGION, signingService: match[4] };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const TWELVE_DIGITS = /^\d{12}$/;

/**
 * A 12-digit access key id is the account itself; other keys may be temporary credentials that
 * Stratus issued (STS), resolved by `lookup`; anything else is the default account.
 */
export function accountFor(accessKeyId: string, lookup: (accessKeyId: string) => string | undefined): string {
  if (TWELVE_DIGITS.test(accessKeyId)) return accessKeyId;
  if (accessKeyId) return lookup(accessKeyId) ?? DEFAULT_ACCOUNT;
  return DEFAULT_ACCOUNT;
}
