/** EBS encryption by default (per account and region) and the default KMS key new encrypted volumes use. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, invalidParameterValue } from "../shared/errors.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { defaultEbsKey } from "./volume-store.ts";

interface EbsSettings {
  EncryptionByDefault: boolean;
  /** A customer key chosen with ModifyEbsDefaultKmsKeyId (an ARN); absent means the AWS managed aws/ebs key. */
  KmsKeyId?: string;
}

const AWS_MANAGED_ALIAS = "alias/aws/ebs";
const settingsTable = (ctx: RequestContext) => ec2Table<EbsSettings>(ctx, "ebs-settings");
const settingsOf = (ctx: RequestContext): EbsSettings => settingsTable(ctx).get(scopeOf(ctx), "default") ?? { EncryptionByDefault: false };
const save = (ctx: RequestContext, settings: EbsSettings): EbsSettings => settingsTable(ctx).put(scopeOf(ctx), "default", settings);

/**
 * The encryption a new volume gets: encrypted when asked, restored from an encrypted snapshot, or when
 * the account encrypts by default (then Encrypted=false is overridden, as on AWS); the key in that order:
 * the request's, the snapshot's, the account's default.
 */
export function volumeEncryption(ctx: RequestContext, requested: { encrypted?: boolean | undefined; kmsKeyId?: string | undefined }, snapshot?: { Encrypted?: boolean | undefined; KmsKeyId?: string | undefined }): { Encrypted: boolean; KmsKeyId?: string } {
  const settings = settingsOf(ctx);
  const encrypted = Boolean(requested.encrypted) || Boolean(snapshot?.Encrypted) || settings.EncryptionByDefault;
  if (!encrypted) return { Encrypted: false };
  return { Encrypted: true, KmsKeyId: requested.kmsKeyId ?? snapshot?.KmsKeyId ?? settings.KmsKeyId ?? defaultEbsKey(ctx) };
}

/** A key id, alias or ARN as the ARN EC2 reports. */
function keyArn(ctx: RequestContext, key: string): string {
  if (key.startsWith("arn:")) return key;
  if (key.startsWith("alias/")) return `arn:aws:kms:${ctx.region}:${ctx.account}:${key}`;
  if (/^[0-9a-f-]{36}$/.test(key) || /^mrk-[0-9a-f]{32}$/.test(key)) return `arn:aws:kms:${ctx.region}:${ctx.account}:key/${key}`;
  throw invalidParameterValue(`Invalid KMS key id: ${key}`);
}

export const encryptionHandlers: HandlerTable<Ec2Operations> = {
  GetEbsEncryptionByDefault: (input, ctx) => {
    checkDryRun(input);
    return { EbsEncryptionByDefault: settingsOf(ctx).EncryptionByDefault, SseType: "sse-ebs" };
  },
  EnableEbsEncryptionByDefault: (input, ctx) => {
    checkDryRun(input);
    return { EbsEncryptionByDefault: save(ctx, { ...settingsOf(ctx), EncryptionByDefault: true }).EncryptionByDefault };
  },
  DisableEbsEncryptionByDefault: (input, ctx) => {
    checkDryRun(input);
    return { EbsEncryptionByDefault: save(ctx, { ...settingsOf(ctx), EncryptionByDefault: false }).EncryptionByDefault };
  },
  GetEbsDefaultKmsKeyId: (input, ctx) => {
    checkDryRun(input);
    return { KmsKeyId: settingsOf(ctx).KmsKeyId ?? AWS_MANAGED_ALIAS };
  },
  ModifyEbsDefaultKmsKeyId: (input, ctx) => {
    const arn = keyArn(ctx, input.KmsKeyId ?? "");
    checkDryRun(input);
    save(ctx, { ...settingsOf(ctx), KmsKeyId: arn });
    return { KmsKeyId: arn };
  },
  ResetEbsDefaultKmsKeyId: (input, ctx) => {
    checkDryRun(input);
    const { KmsKeyId: _custom, ...rest } = settingsOf(ctx);
    save(ctx, rest);
    return { KmsKeyId: AWS_MANAGED_ALIAS };
  },
};
