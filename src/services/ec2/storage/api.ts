/** The storage family's entry point for the other EC2 families: launch volumes, block devices, release, image snapshots. */
import type { BlockDeviceMapping, Image, InstanceBlockDeviceMapping, Tag } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { zoneInfo } from "../catalog/api.ts";
import { ec2Error } from "../shared/errors.ts";
import { newEc2Id } from "../shared/ids.ts";
import { validTags } from "../shared/tags.ts";
import { volumeEncryption } from "./encryption.ts";
import { findImageSnapshot, putSnapshot } from "./snapshot-store.ts";
import { checkDeviceName, current, removeVolume, resolveVolumeSpec, sameDevice, saveVolume, volumesOfInstance, type VolumeRecord } from "./volume-store.ts";

export interface LaunchVolumesRequest {
  instanceId: string;
  image: Image;
  availabilityZone: string;
  blockDeviceMappings?: BlockDeviceMapping[];
  tags: Tag[];
}

interface PlannedVolume {
  device: string;
  root: boolean;
  mapping: BlockDeviceMapping;
}

/** The image's mappings overridden/extended by the request's (same device → merged; NoDevice → dropped). */
function plan(image: Image, requested: readonly BlockDeviceMapping[]): PlannedVolume[] {
  const root = image.RootDeviceName ?? "/dev/xvda";
  const planned: PlannedVolume[] = (image.BlockDeviceMappings ?? [])
    .filter((mapping) => mapping.Ebs && mapping.DeviceName)
    .map((mapping) => ({ device: mapping.DeviceName ?? "", root: sameDevice(mapping.DeviceName ?? "", root), mapping }));
  for (const mapping of requested) {
    const device = mapping.DeviceName;
    if (!device) throw ec2Error("InvalidBlockDeviceMapping", "The request must contain the parameter deviceName in a block device mapping.");
    const at = planned.findIndex((entry) => sameDevice(entry.device, device));
    if (mapping.NoDevice !== undefined) {
      if (at >= 0) {
        if (planned[at]?.root) throw ec2Error("InvalidBlockDeviceMapping", `The device '${device}' is the root device and cannot be suppressed.`);
        planned.splice(at, 1);
      }
      continue;
    }
    if (mapping.VirtualName) continue; // instance store (ephemeralN): no EBS volume
    if (!mapping.Ebs) throw ec2Error("InvalidBlockDeviceMapping", `The block device mapping for '${device}' must specify Ebs, VirtualName or NoDevice.`);
    checkDeviceName(device, "InvalidBlockDeviceMapping");
    const existing = at >= 0 ? planned[at] : undefined;
    if (existing) {
      // A new volume type drops the image's IOPS/throughput (gp3's 3000/125 would be invalid for gp2).
      const base = { ...existing.mapping.Ebs };
      if (mapping.Ebs.VolumeType !== undefined && mapping.Ebs.VolumeType !== base.VolumeType) {
        delete base.Iops;
        delete base.Throughput;
      }
      existing.mapping = { DeviceName: existing.device, Ebs: { ...base, ...definedOnly(mapping.Ebs) } };
    } else {
      planned.push({ device, root: sameDevice(device, root), mapping });
    }
  }
  return planned;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/**
 * Creates the root volume (from the image's root mapping and its snapshot) and the extra volumes of the
 * request, attached to the instance. Validates everything before creating anything. Through the API,
 * volumes attached at launch default to DeleteOnTermination=true, data volumes included (the console
 * sets false for those explicitly); volumes attached later (AttachVolume) default to false.
 */
export function createLaunchVolumes(ctx: RequestContext, req: LaunchVolumesRequest): void {
  const zone = zoneInfo(ctx, req.availabilityZone);
  const now = new Date().toISOString();
  const records: VolumeRecord[] = [];
  for (const entry of plan(req.image, req.blockDeviceMappings ?? [])) {
    const ebs = entry.mapping.Ebs ?? {};
    const snapshot = ebs.SnapshotId ? findImageSnapshot(ctx, req.image.OwnerId, ebs.SnapshotId) : undefined;
    if (ebs.SnapshotId && !snapshot) throw ec2Error("InvalidSnapshot.NotFound", `The snapshot '${ebs.SnapshotId}' does not exist.`);
    const spec = resolveVolumeSpec(
      { VolumeType: ebs.VolumeType, Size: ebs.VolumeSize, Iops: ebs.Iops, Throughput: ebs.Throughput },
      snapshot ? { id: snapshot.SnapshotId ?? "", size: snapshot.VolumeSize ?? 0 } : undefined,
      "InvalidBlockDeviceMapping",
    );
    const encryption = volumeEncryption(ctx, { encrypted: ebs.Encrypted, kmsKeyId: ebs.KmsKeyId }, snapshot);
    const record: VolumeRecord = {
      VolumeId: newEc2Id("vol"),
      ...spec,
      SnapshotId: ebs.SnapshotId ?? "",
      AvailabilityZone: req.availabilityZone,
      State: "in-use",
      CreateTime: now,
      ...encryption,
      MultiAttachEnabled: false,
      AutoEnableIO: false,
      Tags: validTags(req.tags),
      Attachments: [{ InstanceId: req.instanceId, Device: entry.device, AttachTime: now, State: "attached", DeleteOnTermination: ebs.DeleteOnTermination ?? true }],
    };
    if (zone?.ZoneId) record.AvailabilityZoneId = zone.ZoneId;
    records.push(record);
  }
  ctx.state.transaction(() => {
    for (const record of records) saveVolume(ctx, record);
  });
}

/** Volumes attached (or attaching/detaching) to an instance, root first, as (Describe)Instances shows them. */
export function instanceBlockDevices(ctx: RequestContext, instanceId: string): InstanceBlockDeviceMapping[] {
  const out: InstanceBlockDeviceMapping[] = [];
  for (const volume of volumesOfInstance(ctx, instanceId)) {
    for (const attachment of volume.Attachments) {
      if (attachment.InstanceId !== instanceId) continue;
      out.push({
        DeviceName: attachment.Device,
        Ebs: { AttachTime: attachment.AttachTime as unknown as Date, DeleteOnTermination: attachment.DeleteOnTermination, Status: attachment.State, VolumeId: volume.VolumeId },
      });
    }
  }
  return out;
}

/** On termination: detaches every volume of the instance and deletes those marked DeleteOnTermination. */
export function releaseInstanceVolumes(ctx: RequestContext, instanceId: string): void {
  ctx.state.transaction(() => releaseVolumes(ctx, instanceId));
}

function releaseVolumes(ctx: RequestContext, instanceId: string): void {
  for (const volume of [...volumesOfInstance(ctx, instanceId)]) {
    const mine = volume.Attachments.filter((attachment) => attachment.InstanceId === instanceId);
    if (mine.length === 0) continue;
    if (mine.some((attachment) => attachment.DeleteOnTermination)) {
      removeVolume(ctx, volume.VolumeId);
      continue;
    }
    const rest = volume.Attachments.filter((attachment) => attachment.InstanceId !== instanceId);
    saveVolume(ctx, current({ ...volume, Attachments: rest, State: rest.length ? "in-use" : "available" }));
  }
}

/** Sets DeleteOnTermination of the volume attached at `device` (ModifyInstanceAttribute BlockDeviceMappings); false when no such device. */
export function setDeleteOnTermination(ctx: RequestContext, instanceId: string, device: string, deleteOnTermination: boolean): boolean {
  for (const volume of volumesOfInstance(ctx, instanceId)) {
    const at = volume.Attachments.findIndex((attachment) => attachment.InstanceId === instanceId && sameDevice(attachment.Device, device));
    const attachment = volume.Attachments[at];
    if (!attachment) continue;
    const attachments = [...volume.Attachments];
    attachments[at] = { ...attachment, DeleteOnTermination: deleteOnTermination };
    saveVolume(ctx, { ...volume, Attachments: attachments });
    return true;
  }
  return false;
}

/** Snapshots every volume attached to the instance (CreateImage) and returns the image's block device mappings. */
export function snapshotInstanceVolumes(ctx: RequestContext, instanceId: string, description: string): BlockDeviceMapping[] {
  return ctx.state.transaction(() => snapshotVolumes(ctx, instanceId, description));
}

function snapshotVolumes(ctx: RequestContext, instanceId: string, description: string): BlockDeviceMapping[] {
  const mappings: BlockDeviceMapping[] = [];
  for (const volume of [...volumesOfInstance(ctx, instanceId)]) {
    const attachment = volume.Attachments.find((candidate) => candidate.InstanceId === instanceId);
    if (!attachment) continue;
    const snapshot = putSnapshot(ctx, {
      VolumeId: volume.VolumeId,
      VolumeSize: volume.Size,
      Description: description,
      Encrypted: volume.Encrypted,
      ...(volume.KmsKeyId ? { KmsKeyId: volume.KmsKeyId } : {}),
      Tags: [],
    });
    const ebs: NonNullable<BlockDeviceMapping["Ebs"]> = {
      DeleteOnTermination: attachment.DeleteOnTermination,
      SnapshotId: snapshot.SnapshotId,
      VolumeSize: volume.Size,
      VolumeType: volume.VolumeType,
      Encrypted: volume.Encrypted,
    };
    if (volume.VolumeType !== "gp2" && volume.Iops !== undefined) ebs.Iops = volume.Iops;
    if (volume.Throughput !== undefined) ebs.Throughput = volume.Throughput;
    mappings.push({ DeviceName: attachment.Device, Ebs: ebs });
  }
  return mappings;
}
