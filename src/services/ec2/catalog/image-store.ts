/** The account's own images (table "images"), cross-account grants, and the views DescribeImages and launches see. */
import type { Image, LaunchPermission } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { isWellFormedId } from "../shared/ids.ts";
import { ec2Error } from "../shared/errors.ts";
import { ec2Table } from "../shared/scope.ts";
import { registerTaggable } from "../shared/tags.ts";
import { publicImages } from "./data.ts";

/** An image the account owns: the DescribeImages shape plus its launch permissions and when it becomes available. */
export interface ImageRecord extends Image {
  ImageId: string;
  OwnerId: string;
  LaunchPermissions: LaunchPermission[];
  /** Epoch ms when a pending image turns available (CreateImage/CopyImage finish in the background). */
  AvailableAt?: number;
}

/** Who may launch an image of another account: one row per grantee (an account id or "all") and region. */
interface GrantRecord {
  ImageId: string;
  OwnerId: string;
}

registerTaggable({ prefix: "ami", kind: "images", resourceType: "image", idField: "ImageId", notFoundCode: "InvalidAMIID.NotFound", noun: "image" });

export const imageTable = (ctx: RequestContext) => ec2Table<ImageRecord>(ctx, "images");
const grantTable = (ctx: RequestContext) => ec2Table<GrantRecord>(ctx, "image-grants");

/** The record's state advanced to now (pending → available once its time has come). */
export function imageView(record: ImageRecord, now = Date.now()): Image {
  const { LaunchPermissions: _permissions, AvailableAt, ...image } = record;
  if (image.State === "pending" && AvailableAt !== undefined && now >= AvailableAt) image.State = "available";
  return image;
}

export function checkImageId(id: string): void {
  if (!isWellFormedId(id, "ami")) throw ec2Error("InvalidAMIID.Malformed", `Invalid id: "${id}" (expecting "ami-...")`);
}

export const imageNotFound = (id: string) => ec2Error("InvalidAMIID.NotFound", `The image id '[${id}]' does not exist`);

/** The account's own image record in the caller's region. */
export const ownImage = (ctx: RequestContext, id: string): ImageRecord | undefined => imageTable(ctx).get({ account: ctx.account, region: ctx.region }, id);

/** Images of other accounts this account may launch (shared with it or public), in the caller's region. */
export function grantedImages(ctx: RequestContext): Array<{ image: Image; shared: boolean }> {
  const out: Array<{ image: Image; shared: boolean }> = [];
  const seen = new Set<string>();
  for (const grantee of [ctx.account, "all"]) {
    for (const grant of grantTable(ctx).list({ account: grantee, region: ctx.region })) {
      if (grant.OwnerId === ctx.account || seen.has(grant.ImageId)) continue;
      const record = imageTable(ctx).get({ account: grant.OwnerId, region: ctx.region }, grant.ImageId);
      if (!record) continue;
      seen.add(grant.ImageId);
      out.push({ image: imageView(record), shared: grantee === ctx.account });
    }
  }
  return out;
}

/** An image the caller can see: its own, the public catalogue, or another account's shared/public one. */
export function lookupImage(ctx: RequestContext, id: string): Image | undefined {
  const own = ownImage(ctx, id);
  if (own) return imageView(own);
  const listed = publicImages(ctx.region).get(id);
  if (listed) return listed;
  for (const grantee of [ctx.account, "all"]) {
    const grant = grantTable(ctx).get({ account: grantee, region: ctx.region }, id);
    if (!grant) continue;
    const record = imageTable(ctx).get({ account: grant.OwnerId, region: ctx.region }, id);
    if (record) return imageView(record);
  }
  return undefined;
}

/** Rewrites the grant rows of an owned image to match its launch permissions. */
export function syncGrants(ctx: RequestContext, record: ImageRecord, previous: readonly LaunchPermission[]): void {
  const grantee = (permission: LaunchPermission): string | undefined => permission.Group === "all" ? "all" : permission.UserId;
  const before = new Set(previous.map(grantee).filter((g): g is string => g !== undefined));
  const after = new Set(record.LaunchPermissions.map(grantee).filter((g): g is string => g !== undefined));
  for (const gone of before) if (!after.has(gone)) grantTable(ctx).delete({ account: gone, region: ctx.region }, record.ImageId);
  for (const added of after) grantTable(ctx).put({ account: added, region: ctx.region }, record.ImageId, { ImageId: record.ImageId, OwnerId: record.OwnerId });
}

/** Removes every grant of an image (on deregistration). */
export function dropGrants(ctx: RequestContext, record: ImageRecord): void {
  const rows = record.LaunchPermissions;
  syncGrants(ctx, { ...record, LaunchPermissions: [] }, rows);
}

/** Whether one of the account's images (in the caller's region) references the snapshot. */
export function imageUsingSnapshot(ctx: RequestContext, snapshotId: string): string | undefined {
  for (const record of imageTable(ctx).list({ account: ctx.account, region: ctx.region })) {
    if (record.BlockDeviceMappings?.some((mapping) => mapping.Ebs?.SnapshotId === snapshotId)) return record.ImageId;
  }
  return undefined;
}
