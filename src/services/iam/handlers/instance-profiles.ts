/** Instance profiles: the one-role containers EC2 instances carry (create, get, list, delete, role membership, tags). */
import type { IamOperations } from "../../../generated/iam.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { uniqueId } from "../../shared-ids.ts";
import { deleteConflict, entityAlreadyExists, limitExceeded, roleNotFound } from "../errors.ts";
import { paginate, sortByKey } from "../paging.ts";
import { pageFields } from "../principal-policies.ts";
import {
  iamArn,
  iamScope,
  instanceProfileTable,
  nameKey,
  requireInstanceProfile,
  requireRole,
  type InstanceProfileRecord,
  nowIso,
} from "../state.ts";
import { checkTags, mergeTags, removeTags, tagPage } from "../tags.ts";
import { checkName, checkPath, checkPathPrefix } from "../validate.ts";
import { instanceProfileView } from "../views.ts";

const profileName = (value: string | undefined): string => checkName(value, "instanceProfileName", 128);
const profileKey = (profile: InstanceProfileRecord): string => nameKey(profile.InstanceProfileName);

const putProfile = (ctx: RequestContext, profile: InstanceProfileRecord): InstanceProfileRecord =>
  instanceProfileTable(ctx).put(iamScope(ctx), profileKey(profile), profile);

/** IAM's quota: an instance profile holds one role. */
const ROLES_PER_PROFILE = 1;

export const instanceProfileHandlers: HandlerTable<IamOperations> = {
  CreateInstanceProfile(input, ctx) {
    const name = profileName(input.InstanceProfileName);
    const path = checkPath(input.Path);
    const tags = checkTags(input.Tags);
    if (instanceProfileTable(ctx).has(iamScope(ctx), nameKey(name))) throw entityAlreadyExists(`Instance Profile ${name} already exists.`);
    const profile = putProfile(ctx, {
      InstanceProfileName: name,
      InstanceProfileId: uniqueId("AIPA"),
      Arn: iamArn(ctx.account, "instance-profile", path, name),
      Path: path,
      CreateDate: nowIso(),
      Roles: [],
      Tags: tags,
    });
    return { InstanceProfile: instanceProfileView(ctx, profile, true) };
  },

  GetInstanceProfile(input, ctx) {
    return { InstanceProfile: instanceProfileView(ctx, requireInstanceProfile(ctx, profileName(input.InstanceProfileName)), true) };
  },

  ListInstanceProfiles(input, ctx) {
    const prefix = checkPathPrefix(input.PathPrefix);
    const profiles = instanceProfileTable(ctx)
      .list(iamScope(ctx))
      .filter((profile) => profile.Path.startsWith(prefix));
    const page = paginate(sortByKey(profiles, profileKey), profileKey, input.Marker, input.MaxItems);
    return { InstanceProfiles: page.items.map((profile) => instanceProfileView(ctx, profile, false)), ...pageFields(page) };
  },

  ListInstanceProfilesForRole(input, ctx) {
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    const profiles = instanceProfileTable(ctx)
      .list(iamScope(ctx))
      .filter((profile) => profile.Roles.some((name) => nameKey(name) === nameKey(role.RoleName)));
    const page = paginate(sortByKey(profiles, profileKey), profileKey, input.Marker, input.MaxItems);
    return { InstanceProfiles: page.items.map((profile) => instanceProfileView(ctx, profile, false)), ...pageFields(page) };
  },

  DeleteInstanceProfile(input, ctx) {
    const profile = requireInstanceProfile(ctx, profileName(input.InstanceProfileName));
    if (profile.Roles.length > 0) throw deleteConflict("Cannot delete entity, must remove roles from instance profile first.");
    instanceProfileTable(ctx).delete(iamScope(ctx), profileKey(profile));
    return {};
  },

  AddRoleToInstanceProfile(input, ctx) {
    const profile = requireInstanceProfile(ctx, profileName(input.InstanceProfileName));
    const role = requireRole(ctx, checkName(input.RoleName, "roleName", 64));
    if (profile.Roles.length >= ROLES_PER_PROFILE) {
      throw limitExceeded(`Cannot exceed quota for InstanceSessionsPerInstanceProfile: ${ROLES_PER_PROFILE}`);
    }
    putProfile(ctx, { ...profile, Roles: [...profile.Roles, role.RoleName] });
    return {};
  },

  RemoveRoleFromInstanceProfile(input, ctx) {
    const profile = requireInstanceProfile(ctx, profileName(input.InstanceProfileName));
    const name = checkName(input.RoleName, "roleName", 64);
    if (!profile.Roles.some((entry) => nameKey(entry) === nameKey(name))) throw roleNotFound(name);
    putProfile(ctx, { ...profile, Roles: profile.Roles.filter((entry) => nameKey(entry) !== nameKey(name)) });
    return {};
  },

  TagInstanceProfile(input, ctx) {
    const profile = requireInstanceProfile(ctx, profileName(input.InstanceProfileName));
    putProfile(ctx, { ...profile, Tags: mergeTags(profile.Tags, checkTags(input.Tags), "InstanceProfile") });
    return {};
  },

  UntagInstanceProfile(input, ctx) {
    const profile = requireInstanceProfile(ctx, profileName(input.InstanceProfileName));
    putProfile(ctx, { ...profile, Tags: removeTags(profile.Tags, input.TagKeys) });
    return {};
  },

  ListInstanceProfileTags(input, ctx) {
    const profile = requireInstanceProfile(ctx, profileName(input.InstanceProfileName));
    return tagPage(profile.Tags, input.Marker, input.MaxItems);
  },
};
