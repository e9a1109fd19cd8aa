/** EBS snapshot records (pending → completed lazily), createVolumePermission grants, and the public catalogue's snapshots. */
import type { CreateVolumePermission, Snapshot } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { publicImages } from "../catalog/data.ts";
import { ec2Error } from "../shared/errors.ts";
import { isWellFormedId, newEc2Id } from "../shared/ids.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { registerTaggable, type Tag } from "../shared/tags.ts";
import { snapshotsPubliclyVisible } from "./public-access.ts";
import { snapshotMs } from "./timings.ts";

export interface SnapshotRecord {
  SnapshotId: string;
  VolumeId: string;
  VolumeSize: number;
  OwnerId: string;
  Description: string;
  Encrypted: boolean;
  KmsKeyId?: string;
  StartTime: string;
  State: "pending" | "completed";
  StorageTier: "standard";
  Tags: Tag[];
  CreateVolumePermissions: CreateVolumePermission[];
  /** Epoch ms when pending → completed. */
  ReadyAt?: number;
}

interface GrantRecord {
  SnapshotId: string;
  OwnerId: string;
}

registerTaggable({ prefix: "snap", kind: "snapshots", resourceType: "snapshot", idField: "SnapshotId", notFoundCode: "InvalidSnapshot.NotFound", noun: "snapshot" });

export const snapshotTable = (ctx: RequestContext) => ec2Table<SnapshotRecord>(ctx, "snapshots");
const grantTable = (ctx: RequestContext) => ec2Table<GrantRecord>(ctx, "snapshot-grants");

export function snapshotView(record: SnapshotRecord, now = Date.now()): Snapshot {
  const { CreateVolumePermissions: _permissions, ReadyAt, ...rest } = record;
  const done = rest.State === "completed" || (ReadyAt !== undefined && now >= ReadyAt);
  const snapshot: Snapshot = {
    ...rest,
    StartTime: rest.StartTime as unknown as Date,
    State: done ? "completed" : "pending",
    Progress: done ? "100%" : `${Math.min(99, Math.floor(((now - Date.parse(rest.StartTime)) / Math.max(1, (ReadyAt ?? now) - Date.parse(rest.StartTime))) * 100))}%`,
  };
  if (done) snapshot.CompletionTime = new Date(ReadyAt ?? Date.parse(rest.StartTime)).toISOString() as unknown as Date;
  return snapshot;
}

export function checkSnapshotId(id: string): void {
  if (!isWellFormedId(id, "snap")) throw ec2Error("InvalidSnapshotID.Malformed", `Invalid id: "${id}" (expecting "snap-...")`);
}

export const snapshotNotFound = (id: string) => ec2Error("InvalidSnapshot.NotFound", `The snapshot '${id}' does not exist.`);

export const ownSnapshot = (ctx: RequestContext, id: string): SnapshotRecord | undefined => snapshotTable(ctx).get(scopeOf(ctx), id);

/** The root snapshots of the public image catalogue, owned by the image's owner and readable by everyone. */
function catalogueSnapshot(ctx: RequestContext, id: string): Snapshot | undefined {
  for (const image of publicImages(ctx.region).values()) {
    for (const mapping of image.BlockDeviceMappings ?? []) {
      if (mapping.Ebs?.SnapshotId !== id) continue;
      const snapshot: Snapshot = {
        SnapshotId: id,
        VolumeId: "vol-ffffffff",
        VolumeSize: mapping.Ebs.VolumeSize ?? 8,
        OwnerId: image.OwnerId ?? "",
        Description: `Copied for DestinationAmi ${image.ImageId ?? ""}`,
        Encrypted: false,
        StartTime: (image.CreationDate ?? "") as unknown as Date,
        State: "completed",
        Progress: "100%",
        StorageTier: "standard",
        Tags: [],
      };
      if (image.ImageOwnerAlias) snapshot.OwnerAlias = image.ImageOwnerAlias;
      return snapshot;
    }
  }
  return undefined;
}

/** A snapshot the caller may use: its own, shared with it, public, or a public image's root snapshot. */
export function findSnapshot(ctx: RequestContext, id: string): Snapshot | undefined {
  const own = ownSnapshot(ctx, id);
  if (own) return snapshotView(own);
  for (const grantee of [ctx.account, "all"]) {
    const grant = grantTable(ctx).get({ account: grantee, region: ctx.region }, id);
    if (grant && grantee === "all" && !snapshotsPubliclyVisible(ctx, grant.OwnerId)) continue;
    const record = grant ? snapshotTable(ctx).get({ account: grant.OwnerId, region: ctx.region }, id) : undefined;
    if (record) return snapshotView(record);
  }
  return catalogueSnapshot(ctx, id);
}

/**
 * A snapshot an image references, for launching it: launch permission on an AMI covers its snapshots,
 * so the image owner's snapshots count even when they are not shared themselves.
 */
export function findImageSnapshot(ctx: RequestContext, ownerId: string | undefined, id: string): Snapshot | undefined {
  const visible = findSnapshot(ctx, id);
  if (visible || !ownerId) return visible;
  const record = snapshotTable(ctx).get({ account: ownerId, region: ctx.region }, id);
  return record ? snapshotView(record) : undefined;
}

/** Snapshots of other accounts shared with the caller (or public), with whether the share names it. */
export function grantedSnapshots(ctx: RequestContext): Array<{ snapshot: SnapshotRecord; grantee: string }> {
  const out: Array<{ snapshot: SnapshotRecord; grantee: string }> = [];
  for (const grantee of [ctx.account, "all"]) {
    for (const grant of grantTable(ctx).list({ account: grantee, region: ctx.region })) {
      if (grant.OwnerId === ctx.account || out.some((entry) => entry.snapshot.SnapshotId === grant.SnapshotId)) continue;
      // block-all-sharing makes the owner's public snapshots private again.
      if (grantee === "all" && !snapshotsPubliclyVisible(ctx, grant.OwnerId)) continue;
      const record = snapshotTable(ctx).get({ account: grant.OwnerId, region: ctx.region }, grant.SnapshotId);
      if (record) out.push({ snapshot: record, grantee });
    }
  }
  return out;
}

export function syncSnapshotGrants(ctx: RequestContext, record: SnapshotRecord, previous: readonly CreateVolumePermission[]): void {
  const grantee = (permission: CreateVolumePermission): string | undefined => (permission.Group === "all" ? "all" : permission.UserId);
  const before = new Set(previous.map(grantee).filter((g): g is string => g !== undefined));
  const after = new Set(record.CreateVolumePermissions.map(grantee).filter((g): g is string => g !== undefined));
  for (const gone of before) if (!after.has(gone)) grantTable(ctx).delete({ account: gone, region: ctx.region }, record.SnapshotId);
  for (const added of after) grantTable(ctx).put({ account: added, region: ctx.region }, record.SnapshotId, { SnapshotId: record.SnapshotId, OwnerId: record.OwnerId });
}

/** Records a new snapshot (pending until SNAPSHOT_MS has passed) in the caller's scope. */
export function putSnapshot(ctx: RequestContext, fields: Omit<SnapshotRecord, "SnapshotId" | "OwnerId" | "StartTime" | "State" | "StorageTier" | "CreateVolumePermissions" | "ReadyAt">): SnapshotRecord {
  const now = Date.now();
  const record: SnapshotRecord = {
    SnapshotId: newEc2Id("snap"),
    OwnerId: ctx.account,
    StartTime: new Date(now).toISOString(),
    State: "pending",
    StorageTier: "standard",
    CreateVolumePermissions: [],
    ReadyAt: now + snapshotMs(),
    ...fields,
  };
  return snapshotTable(ctx).put(scopeOf(ctx), record.SnapshotId, record);
}

/** Deletes one of the caller's snapshots and its grants. */
export function dropSnapshot(ctx: RequestContext, record: SnapshotRecord): void {
  syncSnapshotGrants(ctx, { ...record, CreateVolumePermissions: [] }, record.CreateVolumePermissions);
  snapshotTable(ctx).delete(scopeOf(ctx), record.SnapshotId);
}
