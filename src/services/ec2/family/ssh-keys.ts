/** Key material as EC2 hands it out and takes it in: PKCS#1 / OpenSSH / PuTTY v3 private keys, SSH public blobs, AWS fingerprints. */
import type { KeyObject } from "node:crypto";
import { crypto } from "../../../shared/builtins.ts";

export type SshKeyType = "rsa" | "ed25519";

export interface GeneratedKey {
  /** The private key as the caller receives it (KeyMaterial). */
  material: string;
  /** AWS fingerprint of a key EC2 created: RSA SHA-1 of the DER PKCS#8 private key; ed25519 base64 SHA-256 of the public blob. */
  fingerprint: string;
  /** `ssh-rsa AAAA… name` / `ssh-ed25519 AAAA… name`. */
  publicKey: string;
}

export interface ParsedPublicKey {
  type: SshKeyType;
  /** The RFC 4253 public key blob (`string type, …`). */
  blob: Buffer;
  /** AWS fingerprint of an imported key: RSA MD5 of the DER SubjectPublicKeyInfo; ed25519 base64 SHA-256 of the blob. */
  fingerprint: string;
}

// ---- SSH wire encoding (RFC 4251) ----

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** mpint: big-endian two's complement, minimal, a leading zero byte when the top bit is set. */
function sshMpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  let bytes = unsigned.subarray(start);
  if (bytes.length === 1 && bytes[0] === 0) bytes = Buffer.alloc(0);
  else if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return sshString(bytes);
}

const uint32 = (value: number): Buffer => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
};

/** Reads SSH wire fields; every read checks bounds so junk input fails cleanly. */
class SshReader {
  private offset = 0;
  private readonly data: Buffer;
  constructor(data: Buffer) {
    this.data = data;
  }
  bytes(): Buffer {
    if (this.offset + 4 > this.data.length) throw new Error("truncated");
    const length = this.data.readUInt32BE(this.offset);
    const end = this.offset + 4 + length;
    if (end > this.data.length) throw new Error("truncated");
    const value = this.data.subarray(this.offset + 4, end);
    this.offset = end;
    return value;
  }
  text(): string {
    return this.bytes().toString("latin1");
  }
  done(): boolean {
    return this.offset === this.data.length;
  }
}

const fromJwk = (value: string | undefined): Buffer => Buffer.from(value ?? "", "base64url");

function jwkOf(key: KeyObject): Record<string, string | undefined> {
  return key.export({ format: "jwk" }) as Record<string, string | undefined>;
}

function rsaPublicBlob(jwk: Record<string, string | undefined>): Buffer {
  return Buffer.concat([sshString("ssh-rsa"), sshMpint(fromJwk(jwk.e)), sshMpint(fromJwk(jwk.n))]);
}

function ed25519PublicBlob(jwk: Record<string, string | undefined>): Buffer {
  return Buffer.concat([sshString("ssh-ed25519"), sshString(fromJwk(jwk.x))]);
}

const colonHex = (digest: Buffer): string => [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join(":");

/** AWS writes ed25519 fingerprints as padded base64 of the SHA-256 (ssh-keygen shows the same digest unpadded after `SHA256:`). */
const ed25519Fingerprint = (blob: Buffer): string => crypto.createHash("sha256").update(blob).digest("base64");

const sshPublicLine = (type: SshKeyType, blob: Buffer, comment: string): string =>
  `${type === "rsa" ? "ssh-rsa" : "ssh-ed25519"} ${blob.toString("base64")}${comment ? ` ${comment}` : ""}`;

function wrap(base64: string, width: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += width) lines.push(base64.slice(i, i + width));
  return lines;
}

// ---- private key formats ----

/** The OpenSSH private key container (PROTOCOL.key), unencrypted, as `ssh-keygen -t ed25519` writes it. */
function openSshPrivateKey(publicBlob: Buffer, seed: Buffer, publicKey: Buffer, comment: string): string {
  const check = crypto.randomBytes(4);
  let privateSection = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(publicKey),
    sshString(Buffer.concat([seed, publicKey])),
    sshString(comment),
  ]);
  const padding: number[] = [];
  for (let i = 1; (privateSection.length + padding.length) % 8 !== 0; i++) padding.push(i);
  privateSection = Buffer.concat([privateSection, Buffer.from(padding)]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(publicBlob),
    sshString(privateSection),
  ]);
  return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...wrap(body.toString("base64"), 70), "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

/**
 * PuTTY private key file, version 3, unencrypted: the private blob is not padded (block size 1)
 * and the MAC is HMAC-SHA-256 keyed with the empty string over the five framed fields.
 */
function puttyV3(algorithm: string, comment: string, publicBlob: Buffer, privateBlob: Buffer): string {
  const macInput = Buffer.concat([sshString(algorithm), sshString("none"), sshString(comment), sshString(publicBlob), sshString(privateBlob)]);
  const mac = crypto.createHmac("sha256", Buffer.alloc(0)).update(macInput).digest("hex");
  const publicLines = wrap(publicBlob.toString("base64"), 64);
  const privateLines = wrap(privateBlob.toString("base64"), 64);
  return [
    `PuTTY-User-Key-File-3: ${algorithm}`,
    "Encryption: none",
    `Comment: ${comment}`,
    `Public-Lines: ${publicLines.length}`,
    ...publicLines,
    `Private-Lines: ${privateLines.length}`,
    ...privateLines,
    `Private-MAC: ${mac}`,
    "",
  ].join("\n");
}

/** CreateKeyPair: a fresh key of the type and format asked for. */
export function generateKey(type: SshKeyType, format: "pem" | "ppk", name: string): GeneratedKey {
  if (type === "rsa") {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 });
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
    const fingerprint = colonHex(crypto.createHash("sha1").update(pkcs8).digest());
    const jwk = jwkOf(privateKey);
    const blob = rsaPublicBlob(jwkOf(publicKey));
    let material: string;
    if (format === "ppk") {
      const privateBlob = Buffer.concat([sshMpint(fromJwk(jwk.d)), sshMpint(fromJwk(jwk.p)), sshMpint(fromJwk(jwk.q)), sshMpint(fromJwk(jwk.qi))]);
      material = puttyV3("ssh-rsa", name, blob, privateBlob);
    } else {
      // EC2 returns PKCS#1 PEM without a trailing newline.
      material = String(privateKey.export({ type: "pkcs1", format: "pem" })).trimEnd();
    }
    return { material, fingerprint, publicKey: sshPublicLine("rsa", blob, name) };
  }
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  const jwk = jwkOf(privateKey);
  const seed = fromJwk(jwk.d);
  const raw = fromJwk(jwk.x);
  const blob = ed25519PublicBlob(jwk);
  // PuTTY keeps an EdDSA private key as the 32-byte secret in one string field.
  const material = format === "ppk" ? puttyV3("ssh-ed25519", name, blob, sshString(seed)) : openSshPrivateKey(blob, seed, raw, name);
  return { material, fingerprint: ed25519Fingerprint(blob), publicKey: sshPublicLine("ed25519", blob, name) };
}

// ---- public keys for ImportKeyPair ----

/** An SSH public blob → its type, checked field by field (RSA modulus of at least 1024 bits, ed25519 32 bytes). */
function parseBlob(blob: Buffer): ParsedPublicKey {
  const reader = new SshReader(blob);
  const type = reader.text();
  if (type === "ssh-rsa") {
    const e = reader.bytes();
    const n = reader.bytes();
    if (!reader.done() || e.length === 0 || n.length === 0) throw new Error("bad rsa blob");
    const jwk = { kty: "RSA", e: stripZeros(e).toString("base64url"), n: stripZeros(n).toString("base64url") };
    const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
    return fromKeyObject(key);
  }
  if (type === "ssh-ed25519") {
    const raw = reader.bytes();
    if (!reader.done() || raw.length !== 32) throw new Error("bad ed25519 blob");
    return fromKeyObject(crypto.createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" }));
  }
  throw new Error(`unsupported key type ${type}`);
}

function stripZeros(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function fromKeyObject(key: KeyObject): ParsedPublicKey {
  if (key.asymmetricKeyType === "rsa") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 1024 || bits > 16384) throw new Error("unsupported rsa size");
    const spki = key.export({ type: "spki", format: "der" });
    return { type: "rsa", blob: rsaPublicBlob(jwkOf(key)), fingerprint: colonHex(crypto.createHash("md5").update(spki).digest()) };
  }
  if (key.asymmetricKeyType === "ed25519") {
    const blob = ed25519PublicBlob(jwkOf(key));
    return { type: "ed25519", blob, fingerprint: ed25519Fingerprint(blob) };
  }
  throw new Error("unsupported key type");
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * ImportKeyPair's accepted formats: an OpenSSH public key line, an RFC 4716 SSH2 public key file,
 * PEM (SubjectPublicKeyInfo or PKCS#1), or DER — raw or base64-encoded. Throws on anything else.
 */
export function parsePublicKey(material: Uint8Array): ParsedPublicKey {
  const bytes = Buffer.from(material);
  const text = bytes.toString("latin1").trim();
  const openSsh = /^(ssh-rsa|ssh-ed25519)\s+([A-Za-z0-9+/]+={0,2})(\s.*)?$/s.exec(text);
  if (openSsh?.[1] && openSsh[2]) {
    const parsed = parseBlob(Buffer.from(openSsh[2], "base64"));
    if (parsed.blob.toString("base64") !== Buffer.from(openSsh[2], "base64").toString("base64")) throw new Error("re-encoding differs");
    if ((openSsh[1] === "ssh-rsa") !== (parsed.type === "rsa")) throw new Error("type mismatch");
    return parsed;
  }
  if (text.startsWith("---- BEGIN SSH2 PUBLIC KEY ----")) return parseBlob(Buffer.from(rfc4716Body(text), "base64"));
  if (text.startsWith("-----BEGIN")) {
    const pemType = /^-----BEGIN ([A-Z ]+)-----/.exec(text)?.[1];
    if (pemType === "PUBLIC KEY") return fromKeyObject(crypto.createPublicKey({ key: text, format: "pem" }));
    if (pemType === "RSA PUBLIC KEY") return fromKeyObject(crypto.createPublicKey({ key: text, format: "pem", type: "pkcs1" }));
    throw new Error("unsupported PEM");
  }
  const compact = text.replace(/\s+/g, "");
  const der = compact.length > 0 && BASE64.test(compact) ? Buffer.from(compact, "base64") : bytes;
  return fromDer(der);
}

function fromDer(der: Buffer): ParsedPublicKey {
  try {
    return fromKeyObject(crypto.createPublicKey({ key: der, format: "der", type: "spki" }));
  } catch {
    return fromKeyObject(crypto.createPublicKey({ key: der, format: "der", type: "pkcs1" }));
  }
}

/** RFC 4716: header lines (`Tag: value`, continued with a trailing backslash), then base64 body lines. */
function rfc4716Body(text: string): string {
  const lines = text.split(/\r?\n/);
  const end = lines.findIndex((line) => line.trim() === "---- END SSH2 PUBLIC KEY ----");
  if (end < 0) throw new Error("no end marker");
  let body = "";
  let continued = false;
  for (const raw of lines.slice(1, end)) {
    const line = raw.trim();
    if (continued || /^[A-Za-z0-9-]+:/.test(line)) {
      continued = line.endsWith("\\");
      continue;
    }
    body += line;
  }
  if (!BASE64.test(body)) throw new Error("bad body");
  return body;
}

/** The OpenSSH line for a stored public blob (DescribeKeyPairs IncludePublicKey). */
export const publicKeyLine = (type: SshKeyType, blob: Buffer, comment: string): string => sshPublicLine(type, blob, comment);
