/** IAM access keys: long-term AKIA… keys that Stratus then accepts (registered with the shared key registry, so they map to this account). */
import type { AccessKeyMetadata } from "@aws-sdk/client-iam";
import type { IamOperations } from "../../../generated/iam.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { forgetKey, registerKey } from "../../shared-credentials.ts";
import { accessKeyIdFor, secretAccessKey } from "../../shared-ids.ts";
import { constraintViolation, limitExceeded, noSuchEntity } from "../errors.ts";
import { paginate, sortByKey } from "../paging.ts";
import { pageFields } from "../principal-policies.ts";
import { accessKeyTable, iamScope, nameKey, requireUser, type AccessKeyRecord, nowIso } from "../state.ts";
import { checkName, requireString } from "../validate.ts";
import { callingUser } from "./users.ts";

/** IAM's quota of keys per user (and for the root user). */
const KEYS_PER_USER = 2;

/** Whose keys an operation means: the named user, else the calling user, else the account root (user name ""). */
function owner(ctx: RequestContext, name: string | undefined): { userName: string; arn: string; userId: string } {
  if (name !== undefined) {
    const user = requireUser(ctx, checkName(name, "userName", 64));
    return { userName: user.UserName, arn: user.Arn, userId: user.UserId };
  }
  const caller = callingUser(ctx);
  if (caller) return { userName: caller.UserName, arn: caller.Arn, userId: caller.UserId };
  return { userName: "", arn: `arn:aws:iam::${ctx.account}:root`, userId: ctx.account };
}

function requireKey(ctx: RequestContext, id: string | undefined, userName: string | undefined): AccessKeyRecord {
  const keyId = requireString(id, "accessKeyId");
  const key = accessKeyTable(ctx).get(iamScope(ctx), keyId);
  const who = userName === undefined ? undefined : owner(ctx, userName);
  if (!key || (who && nameKey(who.userName) !== nameKey(key.UserName))) throw noSuchEntity(`The Access Key with id ${keyId} cannot be found.`);
  return key;
}

const metadata = (key: AccessKeyRecord): AccessKeyMetadata => ({
  ...(key.UserName ? { UserName: key.UserName } : {}),
  AccessKeyId: key.AccessKeyId,
  Status: key.Status,
  CreateDate: new Date(key.CreateDate),
});

export const accessKeyHandlers: HandlerTable<IamOperations> = {
  /** The secret is returned only here, as in IAM; Stratus keeps it in the key registry. */
  CreateAccessKey(input, ctx) {
    const who = owner(ctx, input.UserName);
    const existing = accessKeyTable(ctx)
      .list(iamScope(ctx))
      .filter((key) => nameKey(key.UserName) === nameKey(who.userName));
    if (existing.length >= KEYS_PER_USER) throw limitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${KEYS_PER_USER}`);
    const record: AccessKeyRecord = {
      AccessKeyId: accessKeyIdFor("AKIA", ctx.account),
      UserName: who.userName,
      Status: "Active",
      CreateDate: nowIso(),
    };
    const secret = secretAccessKey();
    ctx.state.transaction(() => {
      accessKeyTable(ctx).put(iamScope(ctx), record.AccessKeyId, record);
      registerKey(ctx.state, {
        accessKeyId: record.AccessKeyId,
        secretAccessKey: secret,
        issuedBy: "iam",
        principal: { account: ctx.account, arn: who.arn, userId: who.userId, kind: who.userName ? "user" : "root" },
      });
    });
    return {
      AccessKey: { UserName: who.userName || undefined, AccessKeyId: record.AccessKeyId, Status: "Active", SecretAccessKey: secret, CreateDate: new Date(record.CreateDate) },
    };
  },

  ListAccessKeys(input, ctx) {
    const who = owner(ctx, input.UserName);
    const keys = accessKeyTable(ctx)
      .list(iamScope(ctx))
      .filter((key) => nameKey(key.UserName) === nameKey(who.userName));
    const id = (key: AccessKeyRecord): string => key.AccessKeyId;
    const page = paginate(sortByKey(keys, id), id, input.Marker, input.MaxItems);
    return { AccessKeyMetadata: page.items.map(metadata), ...pageFields(page) };
  },

  UpdateAccessKey(input, ctx) {
    const key = requireKey(ctx, input.AccessKeyId, input.UserName);
    const status = input.Status;
    if (status !== "Active" && status !== "Inactive") throw constraintViolation(status, "status", "Member must satisfy enum value set: [Active, Inactive]");
    accessKeyTable(ctx).put(iamScope(ctx), key.AccessKeyId, { ...key, Status: status });
    return {};
  },

  DeleteAccessKey(input, ctx) {
    const key = requireKey(ctx, input.AccessKeyId, input.UserName);
    ctx.state.transaction(() => {
      accessKeyTable(ctx).delete(iamScope(ctx), key.AccessKeyId);
      forgetKey(ctx.state, key.AccessKeyId);
    });
    return {};
  },

  /** Stratus does not record key use; IAM answers "N/A" for keys never used. */
  GetAccessKeyLastUsed(input, ctx) {
    const key = requireKey(ctx, input.AccessKeyId, undefined);
    return { ...(key.UserName ? { UserName: key.UserName } : {}), AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A", LastUsedDate: undefined } };
  },
};
