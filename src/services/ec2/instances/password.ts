/** GetPasswordData: a Windows instance's administrator password, encrypted with its key pair's RSA public key as EC2 does. */
import type { GetPasswordDataRequest, GetPasswordDataResult } from "@aws-sdk/client-ec2";
import { instanceRunner } from "../../../engine/instance-runner.ts";
import { crypto } from "../../../shared/builtins.ts";
import type { RequestContext } from "../../service-types.ts";
import { checkDryRun, missingParameter } from "../shared/errors.ts";
import { asDate, requireInstances, saveRecord, type InstanceRecord } from "./state.ts";

/** The RSA key of an OpenSSH `ssh-rsa AAAA…` public key line (undefined for other key types). */
function rsaKeyOf(openSsh: string): ReturnType<typeof crypto.createPublicKey> | undefined {
  const [type, body] = openSsh.trim().split(/\s+/);
  if (type !== "ssh-rsa" || !body) return undefined;
  const blob = Buffer.from(body, "base64");
  const parts: Buffer[] = [];
  for (let at = 0; at + 4 <= blob.length && parts.length < 3; ) {
    const length = blob.readUInt32BE(at);
    parts.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  const [, e, n] = parts;
  if (!e || !n) return undefined;
  const unsigned = (value: Buffer): string => (value[0] === 0 ? value.subarray(1) : value).toString("base64url");
  return crypto.createPublicKey({ key: { kty: "RSA", n: unsigned(n), e: unsigned(e) }, format: "jwk" });
}

/** A password like the ones EC2Launch sets: 32 characters of letters, digits and symbols. */
function newPassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%&*()-=+?";
  const bytes = crypto.randomBytes(32);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

/** Windows sets its password on first boot: EC2 answers empty PasswordData until then (and always for Linux). */
export function getPasswordData(input: GetPasswordDataRequest, ctx: RequestContext): GetPasswordDataResult {
  if (!input.InstanceId) throw missingParameter("InstanceId");
  const [record] = requireInstances(ctx, [input.InstanceId]);
  checkDryRun(input);
  if (!record) return {};
  const now = Date.now();
  const password = passwordOf(ctx, record, now);
  return { InstanceId: record.InstanceId, Timestamp: asDate(new Date(password ? (record.windowsPassword?.at ?? now) : now).toISOString()), PasswordData: password ?? "" };
}

function passwordOf(ctx: RequestContext, record: InstanceRecord, now: number): string | undefined {
  if (String(record.instance.Platform ?? "").toLowerCase() !== "windows" || !record.launchPublicKey) return undefined;
  if (record.windowsPassword) return record.windowsPassword.data;
  // The password exists once the first boot finished: running, and status checks past initializing.
  const booted = record.lifecycle.state === "running" && now - record.lifecycle.since >= instanceRunner().timings.statusInitMs;
  if (!booted) return undefined;
  const key = rsaKeyOf(record.launchPublicKey);
  if (!key) return undefined;
  const data = crypto.publicEncrypt({ key, padding: crypto.constants.RSA_PKCS1_PADDING }, Buffer.from(newPassword(), "utf8")).toString("base64");
  saveRecord(ctx, { ...record, windowsPassword: { data, at: now } });
  return data;
}
