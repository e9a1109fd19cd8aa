/** IAM users: create, read, list, rename, delete (with IAM's conflicts), tags, boundaries, and their managed and inline policies. */
import type { IamOperations } from "../../../generated/iam.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { findKey, registerKey } from "../../shared-credentials.ts";
import { uniqueId } from "../../shared-ids.ts";
import { deleteConflict, entityAlreadyExists } from "../errors.ts";
import { paginate, sortByKey } from "../paging.ts";
import {
  attachPolicy,
  checkBoundary,
  clearBoundary,
  deleteInline,
  detachPolicy,
  getInline,
  listAttached,
  listInline,
  pageFields,
  putInline,
  setBoundary,
  USER,
} from "../principal-policies.ts";
import { accessKeyTable, iamArn, iamScope, nameKey, putUser, requireUser, userTable, type UserRecord, nowIso } from "../state.ts";
import { checkTags, mergeTags, removeTags, tagPage } from "../tags.ts";
import { checkName, checkPath, checkPathPrefix } from "../validate.ts";
import { userView } from "../views.ts";

const userName = (value: string | undefined): string => checkName(value, "userName", 64);
const userKey = (user: UserRecord): string => nameKey(user.UserName);

/** The IAM user behind the caller's access key, when it is one (root and role sessions are not users). */
export function callingUser(ctx: RequestContext): UserRecord | undefined {
  const key = findKey(ctx.state, ctx.accessKeyId);
  if (key?.principal.kind !== "user" || key.principal.account !== ctx.account) return undefined;
  return userTable(ctx).list(iamScope(ctx)).find((user) => user.Arn === key.principal.arn);
}

export const userHandlers: HandlerTable<IamOperations> = {
  CreateUser(input, ctx) {
    const name = userName(input.UserName);
    const path = checkPath(input.Path);
    const tags = checkTags(input.Tags);
    const boundary = input.PermissionsBoundary === undefined ? undefined : checkBoundary(ctx, input.PermissionsBoundary);
    if (userTable(ctx).has(iamScope(ctx), nameKey(name))) throw entityAlreadyExists(`User with name ${name} already exists.`);
    const user = putUser(ctx, {
      UserName: name,
      UserId: uniqueId("AIDA"),
      Arn: iamArn(ctx.account, "user", path, name),
      Path: path,
      CreateDate: nowIso(),
      Tags: tags,
      AttachedPolicies: [],
      InlinePolicies: [],
      ...(boundary !== undefined ? { PermissionsBoundary: boundary } : {}),
    });
    return { User: userView(user, true) };
  },

  /** Without a name, IAM describes the caller: an IAM user, or the account root (which has no user name or path). */
  GetUser(input, ctx) {
    if (input.UserName !== undefined) return { User: userView(requireUser(ctx, userName(input.UserName)), true) };
    const caller = callingUser(ctx);
    if (caller) return { User: userView(caller, true) };
    return { User: { UserId: ctx.account, Arn: `arn:aws:iam::${ctx.account}:root`, Path: undefined, UserName: undefined, CreateDate: new Date(0) } };
  },

  ListUsers(input, ctx) {
    const prefix = checkPathPrefix(input.PathPrefix);
    const users = userTable(ctx)
      .list(iamScope(ctx))
      .filter((user) => user.Path.startsWith(prefix));
    const page = paginate(sortByKey(users, userKey), userKey, input.Marker, input.MaxItems);
    return { Users: page.items.map((user) => userView(user, false)), ...pageFields(page) };
  },

  /** Renames and moves carry the user's access keys along (their ARN in the key registry changes too). */
  UpdateUser(input, ctx) {
    const user = requireUser(ctx, userName(input.UserName));
    const newName = input.NewUserName === undefined ? user.UserName : checkName(input.NewUserName, "newUserName", 64);
    const newPath = input.NewPath === undefined ? user.Path : checkPath(input.NewPath, "newPath");
    if (nameKey(newName) !== userKey(user) && userTable(ctx).has(iamScope(ctx), nameKey(newName))) {
      throw entityAlreadyExists(`User with name ${newName} already exists.`);
    }
    const updated: UserRecord = { ...user, UserName: newName, Path: newPath, Arn: iamArn(ctx.account, "user", newPath, newName) };
    ctx.state.transaction(() => {
      userTable(ctx).delete(iamScope(ctx), userKey(user));
      putUser(ctx, updated);
      for (const key of accessKeyTable(ctx).list(iamScope(ctx))) {
        if (nameKey(key.UserName) !== userKey(user)) continue;
        accessKeyTable(ctx).put(iamScope(ctx), key.AccessKeyId, { ...key, UserName: newName });
        const issued = findKey(ctx.state, key.AccessKeyId);
        if (issued) registerKey(ctx.state, { ...issued, principal: { ...issued.principal, arn: updated.Arn } });
      }
    });
    return {};
  },

  DeleteUser(input, ctx) {
    const user = requireUser(ctx, userName(input.UserName));
    if (user.AttachedPolicies.length > 0) throw deleteConflict("Cannot delete entity, must detach all policies first.");
    if (user.InlinePolicies.length > 0) throw deleteConflict("Cannot delete entity, must delete policies first.");
    if (accessKeyTable(ctx).list(iamScope(ctx)).some((key) => nameKey(key.UserName) === userKey(user))) {
      throw deleteConflict("Cannot delete entity, must delete access keys first.");
    }
    userTable(ctx).delete(iamScope(ctx), userKey(user));
    return {};
  },

  TagUser(input, ctx) {
    const user = requireUser(ctx, userName(input.UserName));
    putUser(ctx, { ...user, Tags: mergeTags(user.Tags, checkTags(input.Tags), "User") });
    return {};
  },

  UntagUser(input, ctx) {
    const user = requireUser(ctx, userName(input.UserName));
    putUser(ctx, { ...user, Tags: removeTags(user.Tags, input.TagKeys) });
    return {};
  },

  ListUserTags(input, ctx) {
    return tagPage(requireUser(ctx, userName(input.UserName)).Tags, input.Marker, input.MaxItems);
  },

  PutUserPermissionsBoundary(input, ctx) {
    setBoundary(ctx, USER, userName(input.UserName), input.PermissionsBoundary);
    return {};
  },

  DeleteUserPermissionsBoundary(input, ctx) {
    clearBoundary(ctx, USER, userName(input.UserName));
    return {};
  },

  AttachUserPolicy(input, ctx) {
    attachPolicy(ctx, USER, userName(input.UserName), input.PolicyArn);
    return {};
  },

  DetachUserPolicy(input, ctx) {
    detachPolicy(ctx, USER, userName(input.UserName), input.PolicyArn);
    return {};
  },

  ListAttachedUserPolicies(input, ctx) {
    const page = listAttached(ctx, USER, userName(input.UserName), input.PathPrefix, input.Marker, input.MaxItems);
    return { AttachedPolicies: page.items, ...pageFields(page) };
  },

  PutUserPolicy(input, ctx) {
    putInline(ctx, USER, userName(input.UserName), input.PolicyName, input.PolicyDocument);
    return {};
  },

  GetUserPolicy(input, ctx) {
    const policy = getInline(ctx, USER, userName(input.UserName), input.PolicyName);
    return { UserName: policy.principal, PolicyName: policy.PolicyName, PolicyDocument: policy.PolicyDocument };
  },

  ListUserPolicies(input, ctx) {
    const page = listInline(ctx, USER, userName(input.UserName), input.Marker, input.MaxItems);
    return { PolicyNames: page.items, ...pageFields(page) };
  },

  DeleteUserPolicy(input, ctx) {
    deleteInline(ctx, USER, userName(input.UserName), input.PolicyName);
    return {};
  },
};
