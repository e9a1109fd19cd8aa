/** Key pairs: CreateKeyPair (real RSA / ed25519 keys, PEM or PPK), ImportKeyPair, DescribeKeyPairs, DeleteKeyPair. */
import type { KeyPairInfo } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { checkTagSpecificationTypes, registerTaggable, tagsFor, type Tag } from "../shared/tags.ts";
import { isoAsDate, nowIso } from "./records.ts";
import { generateKey, parsePublicKey, publicKeyLine, type ParsedPublicKey, type SshKeyType } from "./ssh-keys.ts";

export const KEY_PAIRS = "key-pairs";

/** A stored key pair: KeyPairInfo with its timestamp as a string and the public key line always kept. */
export interface KeyPairRecord {
  KeyPairId: string;
  KeyName: string;
  KeyType: SshKeyType;
  KeyFingerprint: string;
  PublicKey: string;
  CreateTime: string;
  Tags: Tag[];
}

registerTaggable({
  prefix: "key",
  kind: KEY_PAIRS,
  resourceType: "key-pair",
  idField: "KeyPairId",
  notFoundCode: "InvalidKeyPair.NotFound",
  noun: "key pair",
});

const table = (ctx: RequestContext) => ec2Table<KeyPairRecord>(ctx, KEY_PAIRS);

export const keyPairByName = (ctx: RequestContext, name: string): KeyPairRecord | undefined =>
  table(ctx)
    .list(scopeOf(ctx))
    .find((record) => record.KeyName === name);

export function keyPairInfo(record: KeyPairRecord, includePublicKey: boolean): KeyPairInfo {
  const { PublicKey, CreateTime, ...rest } = record;
  return { ...rest, CreateTime: isoAsDate(CreateTime), ...(includePublicKey ? { PublicKey } : {}) };
}

/** EC2: key names are 1–255 ASCII characters. */
function checkKeyName(name: string): void {
  if (name.length === 0 || name.length > 255 || !/^[\x20-\x7e]+$/.test(name)) {
    throw invalidParameterValue(`Value (${name}) for parameter keyName is invalid. Expected: 'Up to 255 ASCII characters'.`);
  }
}

function checkUnique(ctx: RequestContext, name: string): void {
  if (keyPairByName(ctx, name)) throw ec2Error("InvalidKeyPair.Duplicate", `The keypair '${name}' already exists.`);
}

function store(ctx: RequestContext, record: KeyPairRecord): void {
  table(ctx).put(scopeOf(ctx), record.KeyPairId, record);
}

export const keyPairHandlers: HandlerTable<Ec2Operations> = {
  CreateKeyPair: (input, ctx) => {
    const name = input.KeyName ?? "";
    checkKeyName(name);
    const type = input.KeyType ?? "rsa";
    if (type !== "rsa" && type !== "ed25519") throw invalidParameterValue(`Value (${type}) for parameter keyType is invalid. Expected: 'rsa, ed25519'.`);
    const format = input.KeyFormat ?? "pem";
    if (format !== "pem" && format !== "ppk") throw invalidParameterValue(`Value (${format}) for parameter keyFormat is invalid. Expected: 'pem, ppk'.`);
    checkTagSpecificationTypes(input.TagSpecifications, ["key-pair"]);
    const tags = tagsFor(input.TagSpecifications, "key-pair");
    checkUnique(ctx, name);
    checkDryRun(input);
    const key = generateKey(type, format, name);
    const record: KeyPairRecord = {
      KeyPairId: newEc2Id("key"),
      KeyName: name,
      KeyType: type,
      KeyFingerprint: key.fingerprint,
      PublicKey: key.publicKey,
      CreateTime: nowIso(),
      Tags: tags,
    };
    store(ctx, record);
    return { KeyPairId: record.KeyPairId, KeyName: name, KeyFingerprint: key.fingerprint, KeyMaterial: key.material, Tags: tags };
  },

  ImportKeyPair: (input, ctx) => {
    const name = input.KeyName ?? "";
    checkKeyName(name);
    checkTagSpecificationTypes(input.TagSpecifications, ["key-pair"]);
    const tags = tagsFor(input.TagSpecifications, "key-pair");
    let parsed: ParsedPublicKey;
    try {
      parsed = parsePublicKey(input.PublicKeyMaterial ?? new Uint8Array());
    } catch {
      throw ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
    }
    checkUnique(ctx, name);
    checkDryRun(input);
    const record: KeyPairRecord = {
      KeyPairId: newEc2Id("key"),
      KeyName: name,
      KeyType: parsed.type,
      KeyFingerprint: parsed.fingerprint,
      PublicKey: publicKeyLine(parsed.type, parsed.blob, name),
      CreateTime: nowIso(),
      Tags: tags,
    };
    store(ctx, record);
    return { KeyPairId: record.KeyPairId, KeyName: name, KeyFingerprint: record.KeyFingerprint, Tags: tags };
  },

  DescribeKeyPairs: (input, ctx) => {
    const all = table(ctx).list(scopeOf(ctx));
    let selected = all;
    if (input.KeyNames?.length) {
      for (const name of input.KeyNames) {
        if (!all.some((record) => record.KeyName === name)) throw ec2Error("InvalidKeyPair.NotFound", `The key pair '${name}' does not exist`);
      }
      selected = selected.filter((record) => input.KeyNames?.includes(record.KeyName));
    }
    if (input.KeyPairIds?.length) {
      for (const id of input.KeyPairIds) {
        if (!all.some((record) => record.KeyPairId === id)) throw ec2Error("InvalidKeyPair.NotFound", `The key pair ID '${id}' does not exist`);
      }
      selected = selected.filter((record) => input.KeyPairIds?.includes(record.KeyPairId));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "key-pair-id": (record) => record.KeyPairId,
        "key-name": (record) => record.KeyName,
        fingerprint: (record) => record.KeyFingerprint,
      },
      (record) => record.Tags,
    );
    return { KeyPairs: filtered.map((record) => keyPairInfo(record, input.IncludePublicKey === true)) };
  },

  DeleteKeyPair: (input, ctx) => {
    if (!input.KeyName && !input.KeyPairId) throw ec2Error("MissingParameter", "The request must contain the parameter KeyName or KeyPairId");
    checkDryRun(input);
    // EC2 answers success for a name (or id) it does not know: deleting is idempotent.
    const record = input.KeyPairId ? table(ctx).get(scopeOf(ctx), input.KeyPairId) : keyPairByName(ctx, input.KeyName ?? "");
    if (record && (!input.KeyName || record.KeyName === input.KeyName)) table(ctx).delete(scopeOf(ctx), record.KeyPairId);
    return { Return: true, ...(record ? { KeyPairId: record.KeyPairId } : {}) };
  },
};
