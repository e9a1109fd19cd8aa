/** EBS volume records, their lazily advancing states, and AWS's rules for volume types, sizes, IOPS and device names. */
import type { Volume, VolumeAttachment, VolumeAttachmentState, VolumeType } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { ec2Error, invalidParameterValue, missingParameter } from "../shared/errors.ts";
import { crypto } from "../../../shared/builtins.ts";
import { isWellFormedId } from "../shared/ids.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { registerTaggable, type Tag } from "../shared/tags.ts";

export interface AttachmentRecord {
  InstanceId: string;
  Device: string;
  AttachTime: string;
  DeleteOnTermination: boolean;
  State: "attaching" | "attached" | "detaching";
  /** Epoch ms when attaching → attached or detaching → gone. */
  ChangeAt?: number;
}

export interface VolumeRecord {
  VolumeId: string;
  Size: number;
  SnapshotId: string;
  AvailabilityZone: string;
  AvailabilityZoneId?: string;
  State: "creating" | "available" | "in-use";
  CreateTime: string;
  VolumeType: VolumeType;
  Iops?: number;
  Throughput?: number;
  Encrypted: boolean;
  KmsKeyId?: string;
  MultiAttachEnabled: boolean;
  AutoEnableIO: boolean;
  Tags: Tag[];
  Attachments: AttachmentRecord[];
  /** Epoch ms when creating → available. */
  ReadyAt?: number;
}

registerTaggable({ prefix: "vol", kind: "volumes", resourceType: "volume", idField: "VolumeId", notFoundCode: "InvalidVolume.NotFound", noun: "volume" });

export const volumeTable = (ctx: RequestContext) => ec2Table<VolumeRecord>(ctx, "volumes");

/** The record advanced to `now`: creation finished, attachments attached or gone. */
export function current(record: VolumeRecord, now = Date.now()): VolumeRecord {
  let changed = false;
  const attachments: AttachmentRecord[] = [];
  for (const attachment of record.Attachments) {
    if (attachment.ChangeAt !== undefined && now >= attachment.ChangeAt) {
      changed = true;
      if (attachment.State === "detaching") continue;
      const { ChangeAt: _done, ...attached } = attachment;
      attachments.push({ ...attached, State: "attached" });
    } else attachments.push(attachment);
  }
  const created = record.State !== "creating" || (record.ReadyAt !== undefined && now >= record.ReadyAt);
  if (!changed && (record.State !== "creating" || !created)) return record;
  const { ReadyAt: _ready, ...rest } = record;
  const next: VolumeRecord = { ...rest, Attachments: attachments, State: attachments.length ? "in-use" : created ? "available" : "creating" };
  if (!created && record.ReadyAt !== undefined) next.ReadyAt = record.ReadyAt;
  return next;
}

export function attachmentView(volumeId: string, attachment: AttachmentRecord): VolumeAttachment {
  return {
    AttachTime: attachment.AttachTime as unknown as Date,
    Device: attachment.Device,
    InstanceId: attachment.InstanceId,
    State: attachment.State as VolumeAttachmentState,
    VolumeId: volumeId,
    DeleteOnTermination: attachment.DeleteOnTermination,
  };
}

/** The Volume as DescribeVolumes returns it (timestamps stay ISO strings; the codec writes them). */
export function volumeView(record: VolumeRecord): Volume {
  const volume: Volume = {
    VolumeId: record.VolumeId,
    Size: record.Size,
    SnapshotId: record.SnapshotId,
    AvailabilityZone: record.AvailabilityZone,
    State: record.State,
    CreateTime: record.CreateTime as unknown as Date,
    Attachments: record.Attachments.map((attachment) => attachmentView(record.VolumeId, attachment)),
    Encrypted: record.Encrypted,
    VolumeType: record.VolumeType,
    MultiAttachEnabled: record.MultiAttachEnabled,
    Tags: record.Tags,
  };
  if (record.AvailabilityZoneId) volume.AvailabilityZoneId = record.AvailabilityZoneId;
  if (record.Iops !== undefined) volume.Iops = record.Iops;
  if (record.Throughput !== undefined) volume.Throughput = record.Throughput;
  if (record.KmsKeyId) volume.KmsKeyId = record.KmsKeyId;
  return volume;
}

export function checkVolumeId(id: string): void {
  if (!isWellFormedId(id, "vol")) throw ec2Error("InvalidVolumeID.Malformed", `Invalid id: "${id}" (expecting "vol-...")`);
}

export const volumeNotFound = (id: string) => ec2Error("InvalidVolume.NotFound", `The volume '${id}' does not exist.`);

/** The caller's volume advanced to now, or InvalidVolume.NotFound. */
export function requireVolume(ctx: RequestContext, id: string): VolumeRecord {
  checkVolumeId(id);
  const record = volumeTable(ctx).get(scopeOf(ctx), id);
  if (!record) throw volumeNotFound(id);
  return current(record);
}

/**
 * Volumes by attached instance, built once per request (DescribeInstances asks for every instance's block
 * devices: one pass over the volumes instead of one per instance). Writes through this module drop it.
 */
const attachedIndex = new WeakMap<RequestContext, Map<string, VolumeRecord[]>>();

export function volumesOfInstance(ctx: RequestContext, instanceId: string): VolumeRecord[] {
  let index = attachedIndex.get(ctx);
  if (!index) {
    index = new Map();
    for (const volume of listVolumes(ctx)) {
      for (const attachment of volume.Attachments) {
        const list = index.get(attachment.InstanceId);
        if (list) list.push(volume);
        else index.set(attachment.InstanceId, [volume]);
      }
    }
    attachedIndex.set(ctx, index);
  }
  return index.get(instanceId) ?? [];
}

export function saveVolume(ctx: RequestContext, record: VolumeRecord): VolumeRecord {
  attachedIndex.delete(ctx);
  return volumeTable(ctx).put(scopeOf(ctx), record.VolumeId, record);
}

export function removeVolume(ctx: RequestContext, volumeId: string): void {
  attachedIndex.delete(ctx);
  volumeTable(ctx).delete(scopeOf(ctx), volumeId);
}

export const listVolumes = (ctx: RequestContext): VolumeRecord[] => volumeTable(ctx).list(scopeOf(ctx)).map((record) => current(record));

interface TypeRule {
  minSize: number;
  maxSize: number;
  iops?: { min: number; max: number; perGiB: number; required: boolean; default?: number };
  throughput?: { min: number; max: number; default: number };
}

/** AWS's limits per volume type (sizes in GiB). */
const RULES: Record<string, TypeRule> = {
  standard: { minSize: 1, maxSize: 1024 },
  gp2: { minSize: 1, maxSize: 16384 },
  gp3: { minSize: 1, maxSize: 16384, iops: { min: 3000, max: 16000, perGiB: 500, required: false, default: 3000 }, throughput: { min: 125, max: 1000, default: 125 } },
  io1: { minSize: 4, maxSize: 16384, iops: { min: 100, max: 64000, perGiB: 50, required: true } },
  io2: { minSize: 4, maxSize: 65536, iops: { min: 100, max: 256000, perGiB: 1000, required: true } },
  st1: { minSize: 125, maxSize: 16384 },
  sc1: { minSize: 125, maxSize: 16384 },
};

export interface VolumeSpec {
  VolumeType: VolumeType;
  Size: number;
  Iops?: number;
  Throughput?: number;
}

/** gp2 reports its baseline: 3 IOPS per GiB, between 100 and 16,000. */
const gp2Iops = (size: number): number => Math.min(16000, Math.max(100, size * 3));

/**
 * Checks a volume's type, size, IOPS and throughput as CreateVolume/ModifyVolume/RunInstances do, and
 * fills in AWS's defaults. `snapshotSize` is the minimum size when restoring from a snapshot.
 */
export function resolveVolumeSpec(
  request: { VolumeType?: string | undefined; Size?: number | undefined; Iops?: number | undefined; Throughput?: number | undefined },
  snapshot?: { id: string; size: number },
  errorCode = "InvalidParameterValue",
): VolumeSpec {
  const type = request.VolumeType ?? "gp2";
  const rule = RULES[type];
  if (!rule) throw ec2Error(errorCode, `Value (${type}) for parameter volumeType is invalid. Valid values: ${Object.keys(RULES).join(", ")}`);
  if (request.Size === undefined && !snapshot) throw missingParameter("size/snapshot");
  const size = request.Size ?? snapshot?.size ?? 0;
  if (snapshot && size < snapshot.size) {
    throw ec2Error(errorCode, `Volume of ${size}GiB is smaller than snapshot '${snapshot.id}', expect size >= ${snapshot.size}GiB`);
  }
  if (size < rule.minSize) throw ec2Error(errorCode, `Volume of ${size}GiB is too small; minimum is ${rule.minSize}GiB.`);
  if (size > rule.maxSize) throw ec2Error(errorCode, `Volume of ${size}GiB is too large; maximum is ${rule.maxSize}GiB.`);
  const spec: VolumeSpec = { VolumeType: type as VolumeType, Size: size };
  if (rule.iops) {
    const iops = request.Iops ?? rule.iops.default;
    if (iops === undefined) throw missingParameter("iops");
    if (iops < rule.iops.min || iops > rule.iops.max) {
      throw ec2Error(errorCode, `Volume iops of ${iops} is ${iops < rule.iops.min ? "too low; minimum is " + rule.iops.min : "too high; maximum is " + rule.iops.max}.`);
    }
    if (iops > size * rule.iops.perGiB && request.Iops !== undefined) {
      throw ec2Error(errorCode, `Iops to volume size ratio of ${(iops / size).toFixed(6).replace(/\.?0+$/, "")} is too high; maximum is ${rule.iops.perGiB}.`);
    }
    spec.Iops = iops;
  } else if (request.Iops !== undefined) {
    throw ec2Error("InvalidParameterCombination", `The parameter iops is not supported for ${type} volumes.`);
  } else if (type === "gp2") spec.Iops = gp2Iops(size);
  if (rule.throughput) {
    const throughput = request.Throughput ?? rule.throughput.default;
    if (throughput < rule.throughput.min || throughput > rule.throughput.max) {
      throw ec2Error(errorCode, `Volume throughput of ${throughput} is ${throughput < rule.throughput.min ? "too low; minimum is " + rule.throughput.min : "too high; maximum is " + rule.throughput.max}.`);
    }
    if (request.Throughput !== undefined && throughput > (spec.Iops ?? 3000) / 4) {
      throw ec2Error(errorCode, `Throughput (MiBps) to iops ratio of ${(throughput / (spec.Iops ?? 3000)).toFixed(6).replace(/\.?0+$/, "")} is too high; maximum is 0.25 MiBps per iops.`);
    }
    spec.Throughput = throughput;
  } else if (request.Throughput !== undefined) {
    throw ec2Error("InvalidParameterCombination", `The parameter throughput is not supported for ${type} volumes.`);
  }
  return spec;
}

/** Device names EC2 accepts for EBS volumes (/dev/sdf, /dev/xvdf, /dev/xvdba, /dev/sda1, Windows xvdf). */
const DEVICE = /^(\/dev\/(sd[a-z][0-9]{0,2}|xvd[a-z]{1,2}[0-9]{0,2}|hd[a-z][0-9]{0,2})|xvd[a-z]{1,2})$/;

export function checkDeviceName(device: string, errorCode = "InvalidParameterValue"): void {
  if (!DEVICE.test(device)) throw ec2Error(errorCode, `Value (${device}) for parameter device is invalid. ${device} is not a valid EBS device name.`);
}

/** Two names address the same attachment point when they differ only in the sd/xvd prefix. */
export const sameDevice = (a: string, b: string): boolean => a.replace("/dev/xvd", "/dev/sd") === b.replace("/dev/xvd", "/dev/sd");

/** The AWS managed key (alias/aws/ebs) of the account and region, as EBS reports it for default encryption. */
export function defaultEbsKey(ctx: RequestContext): string {
  const h = crypto.createHash("sha256").update(`${ctx.account}/${ctx.region}/alias/aws/ebs`).digest("hex");
  return `arn:aws:kms:${ctx.region}:${ctx.account}:key/${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const invalidZone = (zone: string) => invalidParameterValue(`Invalid availability zone: [${zone}]`);
