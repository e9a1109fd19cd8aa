/** Identifiers as AWS mints them: base32 unique ids with a type prefix, access key ids that encode their account, secrets. */
import { crypto } from "../shared/builtins.ts";

const { createHash, randomBytes } = crypto;

/** RFC 4648 base32: the alphabet of IAM unique ids (AROA…, AIDA…) and access key ids. */
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const value = BASE32.indexOf(char);
    if (value < 0) return undefined;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
      buffer &= (1 << bits) - 1;
    }
  }
  return Uint8Array.from(bytes);
}

const randomBase32 = (length: number): string => {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += BASE32[byte & 31];
  return out;
};

/** A unique id such as IAM's `AROA` + 17 characters (roles), `AIDA` (users), `ANPA` (policies), `AIPA` (instance profiles). */
export const uniqueId = (prefix: string, length = 17): string => prefix + randomBase32(length);

/** The same id every time for the same seed (e.g. AWS managed policies, whose real ids are not recorded). */
export function stableId(prefix: string, seed: string, length = 17): string {
  const digest = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < length; i++) out += BASE32[(digest[i] ?? 0) & 31];
  return prefix + out;
}

const ACCOUNT_MASK = 0x7fffffffff80n;

/**
 * A 20-character access key id (`AKIA…` long-term, `ASIA…` temporary). As on AWS, the 16 base32
 * characters after the prefix carry the owning account in bits 7–46 of their first six bytes, so
 * STS GetAccessKeyInfo (and Stratus' gateway) can tell the account from the key alone.
 */
export function accessKeyIdFor(prefix: string, account: string): string {
  const bytes = randomBytes(10);
  const packed = (BigInt(account) << 7n) | BigInt((bytes[5] ?? 0) & 0x7f);
  for (let i = 0; i < 6; i++) bytes[i] = Number((packed >> BigInt(8 * (5 - i))) & 0xffn);
  return prefix + base32Encode(bytes);
}

/** The account an access key id names (see accessKeyIdFor), or undefined when it is not of that form. */
export function accountOfAccessKey(accessKeyId: string): string | undefined {
  if (!/^[A-Z]{4}[A-Z2-7]{16}$/.test(accessKeyId)) return undefined;
  const bytes = base32Decode(accessKeyId.slice(4));
  if (!bytes || bytes.length < 6) return undefined;
  let packed = 0n;
  for (let i = 0; i < 6; i++) packed = (packed << 8n) | BigInt(bytes[i] ?? 0);
  const account = (packed & ACCOUNT_MASK) >> 7n;
  if (account > 999_999_999_999n) return undefined;
  return account.toString().padStart(12, "0");
}

const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A 40-character secret access key in AWS' alphabet. */
export function secretAccessKey(): string {
  let out = "";
  for (const byte of randomBytes(40)) out += SECRET_ALPHABET[byte & 63];
  return out;
}

/** An opaque session token of the length AWS' STS tokens have (several hundred base64 characters). */
export function sessionToken(): string {
  return `IQoJb3JpZ2luX2Vj${randomBytes(300).toString("base64")}`;
}
