/** EBS snapshots: CreateSnapshot(s), CopySnapshot, DescribeSnapshots, DeleteSnapshot and the createVolumePermission attribute. */
import type { CreateVolumePermission, Snapshot, SnapshotInfo } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { imageUsingSnapshotId } from "../catalog/api.ts";
import { findInstance } from "../instances/api.ts";
import { checkDryRun, ec2Error, invalidParameterValue, missingParameter } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor, type Tag } from "../shared/tags.ts";
import {
  checkSnapshotId, dropSnapshot, findSnapshot, grantedSnapshots, ownSnapshot, putSnapshot, snapshotNotFound, snapshotTable,
  snapshotView, syncSnapshotGrants, type SnapshotRecord,
} from "./snapshot-store.ts";
import { checkSnapshotPublicSharing } from "./public-access.ts";
import { listVolumes, requireVolume } from "./volume-store.ts";
import { scopeOf } from "../shared/scope.ts";

const FILTERS = {
  description: (s: Snapshot) => s.Description,
  encrypted: (s: Snapshot) => s.Encrypted,
  "kms-key-id": (s: Snapshot) => s.KmsKeyId,
  "owner-alias": (s: Snapshot) => s.OwnerAlias,
  "owner-id": (s: Snapshot) => s.OwnerId,
  progress: (s: Snapshot) => s.Progress,
  "snapshot-id": (s: Snapshot) => s.SnapshotId,
  "start-time": (s: Snapshot) => String(s.StartTime),
  status: (s: Snapshot) => s.State,
  "storage-tier": (s: Snapshot) => s.StorageTier,
  "volume-id": (s: Snapshot) => s.VolumeId,
  "volume-size": (s: Snapshot) => s.VolumeSize,
};

/** The caller's own snapshot (for changes), with AWS's errors for malformed/unknown ids. */
function requireOwnSnapshot(ctx: RequestContext, id: string): SnapshotRecord {
  checkSnapshotId(id);
  const record = ownSnapshot(ctx, id);
  if (!record) {
    if (findSnapshot(ctx, id)) throw ec2Error("AuthFailure", `Not authorized for snapshot:${id}`);
    throw snapshotNotFound(id);
  }
  return record;
}

/** createVolumePermission changes, from either the structured or the flat (OperationType + UserIds/GroupNames) form. */
export function permissionChanges(
  structured: { Add?: Array<{ UserId?: string | undefined; Group?: string | undefined }> | undefined; Remove?: Array<{ UserId?: string | undefined; Group?: string | undefined }> | undefined } | undefined,
  operation: string | undefined,
  userIds: readonly string[] | undefined,
  groups: readonly string[] | undefined,
): { add: CreateVolumePermission[]; remove: CreateVolumePermission[] } {
  const flat: CreateVolumePermission[] = [...(userIds ?? []).map((UserId) => ({ UserId })), ...(groups ?? []).map((Group) => ({ Group: Group as "all" }))];
  const add: CreateVolumePermission[] = (structured?.Add ?? []).map((p) => (p.Group ? { Group: p.Group as "all" } : { UserId: p.UserId ?? "" }));
  const remove: CreateVolumePermission[] = (structured?.Remove ?? []).map((p) => (p.Group ? { Group: p.Group as "all" } : { UserId: p.UserId ?? "" }));
  if (flat.length) {
    if (operation === "add") add.push(...flat);
    else if (operation === "remove") remove.push(...flat);
    else throw missingParameter("OperationType");
  }
  for (const permission of [...add, ...remove]) {
    if (permission.Group !== undefined && permission.Group !== "all") throw invalidParameterValue(`Value (${permission.Group}) for parameter group is invalid. Valid values: all`);
    if (permission.UserId !== undefined && !/^\d{12}$/.test(permission.UserId)) throw invalidParameterValue(`Value (${permission.UserId}) for parameter userId is invalid. It must be a 12-digit AWS account id.`);
  }
  return { add, remove };
}

/** Applies add/remove to a permission list (no duplicates). */
export function applyPermissions<P extends { UserId?: string | undefined; Group?: string | undefined }>(current: readonly P[], add: readonly P[], remove: readonly P[]): P[] {
  const key = (p: P): string => (p.Group ? `g:${p.Group}` : `u:${p.UserId ?? ""}`);
  const gone = new Set(remove.map(key));
  const out = current.filter((p) => !gone.has(key(p)));
  for (const p of add) if (!out.some((q) => key(q) === key(p))) out.push(p);
  return out;
}

function snapshotInfo(record: SnapshotRecord): SnapshotInfo {
  const view = snapshotView(record);
  return {
    Description: view.Description,
    Tags: view.Tags,
    Encrypted: view.Encrypted,
    VolumeId: view.VolumeId,
    State: view.State,
    VolumeSize: view.VolumeSize,
    StartTime: view.StartTime,
    Progress: view.Progress,
    OwnerId: view.OwnerId,
    SnapshotId: view.SnapshotId,
  };
}

export const snapshotHandlers: HandlerTable<Ec2Operations> = {
  CreateSnapshot: (input, ctx) => {
    checkTagSpecificationTypes(input.TagSpecifications, ["snapshot"]);
    const tags = tagsFor(input.TagSpecifications, "snapshot");
    const volume = requireVolume(ctx, input.VolumeId ?? "");
    if (volume.State === "creating") throw ec2Error("IncorrectState", `Volume '${volume.VolumeId}' is in the 'creating' state.`);
    checkDryRun(input);
    const record = putSnapshot(ctx, {
      VolumeId: volume.VolumeId,
      VolumeSize: volume.Size,
      Description: input.Description ?? "",
      Encrypted: volume.Encrypted,
      ...(volume.KmsKeyId ? { KmsKeyId: volume.KmsKeyId } : {}),
      Tags: tags,
    });
    return snapshotView(record);
  },

  CreateSnapshots: (input, ctx) => {
    checkTagSpecificationTypes(input.TagSpecifications, ["snapshot"]);
    const tags = tagsFor(input.TagSpecifications, "snapshot");
    const spec = input.InstanceSpecification;
    const instanceId = spec?.InstanceId ?? "";
    const instance = findInstance(ctx, instanceId);
    if (!instance) throw ec2Error("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`);
    const excluded = new Set(spec?.ExcludeDataVolumeIds ?? []);
    const root = instance.RootDeviceName ?? "";
    const volumes = listVolumes(ctx).flatMap((volume) => {
      const attachment = volume.Attachments.find((a) => a.InstanceId === instanceId);
      if (!attachment) return [];
      const isRoot = attachment.Device === root;
      if ((isRoot && spec?.ExcludeBootVolume) || (!isRoot && excluded.has(volume.VolumeId))) return [];
      return [volume];
    });
    checkDryRun(input);
    const snapshots = ctx.state.transaction(() => volumes.map((volume) => {
      const copied: Tag[] = input.CopyTagsFromSource === "volume" ? volume.Tags : [];
      const record = putSnapshot(ctx, {
        VolumeId: volume.VolumeId,
        VolumeSize: volume.Size,
        Description: input.Description ?? "",
        Encrypted: volume.Encrypted,
        ...(volume.KmsKeyId ? { KmsKeyId: volume.KmsKeyId } : {}),
        Tags: [...copied.filter((tag) => !tags.some((t) => t.Key === tag.Key)), ...tags],
      });
      return snapshotInfo(record);
    }));
    return { Snapshots: snapshots };
  },

  CopySnapshot: (input, ctx) => {
    checkTagSpecificationTypes(input.TagSpecifications, ["snapshot"]);
    const tags = tagsFor(input.TagSpecifications, "snapshot");
    const sourceId = input.SourceSnapshotId ?? "";
    const sourceRegion = input.SourceRegion ?? ctx.region;
    checkSnapshotId(sourceId);
    const source = findSnapshot({ ...ctx, region: sourceRegion }, sourceId);
    if (!source) throw snapshotNotFound(sourceId);
    if (source.State !== "completed") throw ec2Error("IncorrectState", `Snapshot '${sourceId}' is not 'completed'.`);
    if (input.KmsKeyId && !input.Encrypted && !source.Encrypted) throw ec2Error("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.");
    checkDryRun(input);
    const encrypted = Boolean(input.Encrypted) || Boolean(source.Encrypted);
    const kms = input.KmsKeyId ?? (encrypted ? source.KmsKeyId : undefined);
    const record = putSnapshot(ctx, {
      VolumeId: "vol-ffffffff",
      VolumeSize: source.VolumeSize ?? 0,
      Description: input.Description ?? `[Copied ${sourceId} from ${sourceRegion}]`,
      Encrypted: encrypted,
      ...(kms ? { KmsKeyId: kms } : {}),
      Tags: tags,
    });
    return { SnapshotId: record.SnapshotId, Tags: record.Tags };
  },

  DescribeSnapshots: (input, ctx) => {
    checkDryRun(input);
    let snapshots: Snapshot[];
    if (input.SnapshotIds?.length) {
      snapshots = input.SnapshotIds.map((id) => {
        checkSnapshotId(id);
        const found = findSnapshot(ctx, id);
        if (!found) throw snapshotNotFound(id);
        return found;
      });
    } else {
      const own = snapshotTable(ctx).list(scopeOf(ctx));
      const granted = grantedSnapshots(ctx);
      const restorable = input.RestorableByUserIds ?? [];
      // RestorableByUserIds: "all" means public; an account (or "self") may restore its own and those shared with it.
      const canRestore = (record: SnapshotRecord): boolean =>
        restorable.length === 0 ||
        restorable.some((who) => {
          if (who === "all") return record.CreateVolumePermissions.some((p) => p.Group === "all");
          const account = who === "self" ? ctx.account : who;
          return record.OwnerId === account || record.CreateVolumePermissions.some((p) => p.UserId === account);
        });
      snapshots = [
        ...own.filter(canRestore).map((record) => snapshotView(record)),
        ...granted.filter((entry) => canRestore(entry.snapshot)).map((entry) => snapshotView(entry.snapshot)),
      ];
    }
    const owners = input.OwnerIds ?? [];
    if (owners.length) {
      snapshots = snapshots.filter((s) => owners.some((owner) => (owner === "self" ? s.OwnerId === ctx.account : owner === s.OwnerId || owner === s.OwnerAlias)));
    }
    const filtered = applyFilters(snapshots, input.Filters, FILTERS, (s) => s.Tags);
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { Snapshots: page.items, NextToken: page.nextToken };
  },

  DeleteSnapshot: (input, ctx) => {
    const record = requireOwnSnapshot(ctx, input.SnapshotId ?? "");
    const image = imageUsingSnapshotId(ctx, record.SnapshotId);
    if (image) throw ec2Error("InvalidSnapshot.InUse", `The snapshot ${record.SnapshotId} is currently in use by ${image}`);
    checkDryRun(input);
    ctx.state.transaction(() => dropSnapshot(ctx, record));
    return {};
  },

  DescribeSnapshotAttribute: (input, ctx) => {
    const record = requireOwnSnapshot(ctx, input.SnapshotId ?? "");
    checkDryRun(input);
    if (input.Attribute === "createVolumePermission") return { SnapshotId: record.SnapshotId, CreateVolumePermissions: record.CreateVolumePermissions };
    if (input.Attribute === "productCodes") return { SnapshotId: record.SnapshotId, ProductCodes: [] };
    throw invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid. Valid values: createVolumePermission, productCodes`);
  },

  ModifySnapshotAttribute: (input, ctx) => {
    const record = requireOwnSnapshot(ctx, input.SnapshotId ?? "");
    if (input.Attribute !== undefined && input.Attribute !== "createVolumePermission") {
      throw invalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. Only createVolumePermission can be modified.`);
    }
    const { add, remove } = permissionChanges(input.CreateVolumePermission, input.OperationType, input.UserIds, input.GroupNames);
    if (add.some((p) => p.Group === "all")) {
      if (record.Encrypted) throw invalidParameterValue("Encrypted snapshots cannot be made public.");
      checkSnapshotPublicSharing(ctx, record.SnapshotId);
    }
    checkDryRun(input);
    const next = { ...record, CreateVolumePermissions: applyPermissions(record.CreateVolumePermissions, add, remove) };
    ctx.state.transaction(() => {
      snapshotTable(ctx).put(scopeOf(ctx), record.SnapshotId, next);
      syncSnapshotGrants(ctx, next, record.CreateVolumePermissions);
    });
    return {};
  },

  ResetSnapshotAttribute: (input, ctx) => {
    const record = requireOwnSnapshot(ctx, input.SnapshotId ?? "");
    if (input.Attribute !== "createVolumePermission") throw invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid. Only createVolumePermission can be reset.`);
    checkDryRun(input);
    const next = { ...record, CreateVolumePermissions: [] };
    ctx.state.transaction(() => {
      snapshotTable(ctx).put(scopeOf(ctx), record.SnapshotId, next);
      syncSnapshotGrants(ctx, next, record.CreateVolumePermissions);
    });
    return {};
  },
};
