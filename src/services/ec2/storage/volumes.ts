/** EBS volumes: CreateVolume, DescribeVolumes, DeleteVolume, AttachVolume, DetachVolume, volume status and attributes. */
import type { Snapshot, Volume, VolumeStatusItem } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { zoneInfo } from "../catalog/api.ts";
import { allZones } from "../catalog/zones.ts";
import { findInstance } from "../instances/api.ts";
import { checkDryRun, ec2Error, invalidParameterValue, missingParameter } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { scopeOf } from "../shared/scope.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { checkSnapshotId, findSnapshot, snapshotNotFound } from "./snapshot-store.ts";
import {
  attachmentView, checkDeviceName, current, invalidZone, listVolumes, volumesOfInstance,
  removeVolume, requireVolume, resolveVolumeSpec, sameDevice, saveVolume, volumeTable, volumeView, type VolumeRecord,
} from "./volume-store.ts";
import { volumeEncryption } from "./encryption.ts";
import { modificationStateOf } from "./modifications.ts";
import { volumeTransitionMs } from "./timings.ts";
import { earlierResult, rememberResult } from "./tokens.ts";

/** The zone a request names by name or id, which must exist and be usable (opted in) for the account. */
function resolveZone(ctx: RequestContext, name: string | undefined, id: string | undefined): { name: string; id?: string } {
  if (name && id) throw ec2Error("InvalidParameterCombination", "Only one of AvailabilityZone or AvailabilityZoneId may be specified.");
  if (!name && !id) throw missingParameter("AvailabilityZone");
  const info = name ? zoneInfo(ctx, name) : allZones(ctx).find((zone) => zone.ZoneId === id);
  if (!info) throw id ? invalidParameterValue(`Invalid availability zone ID: [${id}]`) : invalidZone(name ?? "");
  if (info.OptInStatus === "not-opted-in") {
    throw ec2Error("OptInRequired", `You are not subscribed to the zone group '${info.GroupName ?? ""}'. Opt in with ModifyAvailabilityZoneGroup first.`);
  }
  return info.ZoneId ? { name: info.ZoneName ?? "", id: info.ZoneId } : { name: info.ZoneName ?? "" };
}

const FILTERS = {
  "attachment.attach-time": (v: Volume) => (v.Attachments ?? []).map((a) => String(a.AttachTime)),
  "attachment.delete-on-termination": (v: Volume) => (v.Attachments ?? []).map((a) => a.DeleteOnTermination),
  "attachment.device": (v: Volume) => (v.Attachments ?? []).map((a) => a.Device),
  "attachment.instance-id": (v: Volume) => (v.Attachments ?? []).map((a) => a.InstanceId),
  "attachment.status": (v: Volume) => (v.Attachments ?? []).map((a) => a.State),
  "availability-zone": (v: Volume) => v.AvailabilityZone,
  "availability-zone-id": (v: Volume) => v.AvailabilityZoneId,
  "create-time": (v: Volume) => String(v.CreateTime),
  encrypted: (v: Volume) => v.Encrypted,
  "fast-restored": () => false,
  "multi-attach-enabled": (v: Volume) => v.MultiAttachEnabled,
  size: (v: Volume) => v.Size,
  "snapshot-id": (v: Volume) => v.SnapshotId,
  status: (v: Volume) => v.State,
  "volume-id": (v: Volume) => v.VolumeId,
  "volume-type": (v: Volume) => v.VolumeType,
  iops: (v: Volume) => v.Iops,
  throughput: (v: Volume) => v.Throughput,
};

/** The volumes a Describe call names (each must exist) or all of the caller's. */
function selectVolumes(ctx: RequestContext, ids: readonly string[] | undefined): VolumeRecord[] {
  if (ids?.length) return ids.map((id) => requireVolume(ctx, id));
  return listVolumes(ctx);
}

export const volumeHandlers: HandlerTable<Ec2Operations> = {
  CreateVolume: (input, ctx) => {
    const earlier = earlierResult(ctx, "CreateVolume", input.ClientToken, input);
    const existing = earlier ? volumeTable(ctx).get(scopeOf(ctx), earlier) : undefined;
    if (existing) return volumeView(current(existing));
    checkTagSpecificationTypes(input.TagSpecifications, ["volume"]);
    const tags = tagsFor(input.TagSpecifications, "volume");
    const zone = resolveZone(ctx, input.AvailabilityZone, input.AvailabilityZoneId);
    let snapshot: Snapshot | undefined;
    if (input.SnapshotId) {
      checkSnapshotId(input.SnapshotId);
      snapshot = findSnapshot(ctx, input.SnapshotId);
      if (!snapshot) throw snapshotNotFound(input.SnapshotId);
      if (snapshot.State !== "completed") throw ec2Error("IncorrectState", `Snapshot '${input.SnapshotId}' is not in a state that permits creating a volume (${snapshot.State ?? ""}).`);
    }
    const spec = resolveVolumeSpec(
      { VolumeType: input.VolumeType, Size: input.Size, Iops: input.Iops, Throughput: input.Throughput },
      snapshot ? { id: snapshot.SnapshotId ?? "", size: snapshot.VolumeSize ?? 0 } : undefined,
    );
    if (input.MultiAttachEnabled && spec.VolumeType !== "io1" && spec.VolumeType !== "io2") {
      throw invalidParameterValue("Multi-Attach is supported only for io1 and io2 volumes.");
    }
    if (input.KmsKeyId && !input.Encrypted && !snapshot?.Encrypted) {
      throw ec2Error("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.");
    }
    checkDryRun(input);
    const now = Date.now();
    const encryption = volumeEncryption(ctx, { encrypted: input.Encrypted, kmsKeyId: input.KmsKeyId }, snapshot);
    const record: VolumeRecord = {
      VolumeId: newEc2Id("vol"),
      ...spec,
      SnapshotId: input.SnapshotId ?? "",
      AvailabilityZone: zone.name,
      State: "creating",
      CreateTime: new Date(now).toISOString(),
      ...encryption,
      MultiAttachEnabled: Boolean(input.MultiAttachEnabled),
      AutoEnableIO: false,
      Tags: tags,
      Attachments: [],
      ReadyAt: now + volumeTransitionMs(),
    };
    if (zone.id) record.AvailabilityZoneId = zone.id;
    ctx.state.transaction(() => {
      saveVolume(ctx, record);
      rememberResult(ctx, "CreateVolume", input.ClientToken, input, record.VolumeId);
    });
    return volumeView(record);
  },

  DescribeVolumes: (input, ctx) => {
    checkDryRun(input);
    const volumes = selectVolumes(ctx, input.VolumeIds).map(volumeView);
    const filtered = applyFilters(volumes, input.Filters, FILTERS, (v) => v.Tags);
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 500 });
    return { Volumes: page.items, NextToken: page.nextToken };
  },

  DeleteVolume: (input, ctx) => {
    const volume = requireVolume(ctx, input.VolumeId ?? "");
    const attachment = volume.Attachments[0];
    if (attachment) throw ec2Error("VolumeInUse", `Volume ${volume.VolumeId} is currently attached to ${attachment.InstanceId}`);
    checkDryRun(input);
    removeVolume(ctx, volume.VolumeId);
    return {};
  },

  AttachVolume: (input, ctx) => {
    const device = input.Device ?? "";
    const volume = requireVolume(ctx, input.VolumeId ?? "");
    const instanceId = input.InstanceId ?? "";
    const instance = findInstance(ctx, instanceId);
    if (!instance) throw ec2Error("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`);
    checkDeviceName(device);
    const state = instance.State?.Name;
    if (state !== "running" && state !== "stopped") {
      throw ec2Error("IncorrectInstanceState", `Instance '${instanceId}' is not 'running'.`);
    }
    if (volume.State === "creating") throw ec2Error("IncorrectState", `vol '${volume.VolumeId}' is not 'available'.`);
    if (modificationStateOf(ctx, volume.VolumeId) === "modifying") {
      throw ec2Error("OperationNotPermitted", `Cannot attach volume ${volume.VolumeId} when it is in modification state: MODIFYING`);
    }
    if (volume.Attachments.some((a) => a.InstanceId === instanceId) || (volume.Attachments.length && !volume.MultiAttachEnabled)) {
      throw ec2Error("VolumeInUse", `${volume.VolumeId} is already attached to an instance`);
    }
    if (volume.AvailabilityZone !== instance.Placement?.AvailabilityZone) {
      throw ec2Error("InvalidVolume.ZoneMismatch", `The volume '${volume.VolumeId}' is not in the same availability zone as instance '${instanceId}'`);
    }
    const used = volumesOfInstance(ctx, instanceId).some((v) => v.Attachments.some((a) => a.InstanceId === instanceId && sameDevice(a.Device, device)));
    if (used) throw invalidParameterValue(`Invalid value '${device}' for unixDevice. Attachment point ${device} is already in use`);
    checkDryRun(input);
    const now = Date.now();
    const attachment = { InstanceId: instanceId, Device: device, AttachTime: new Date(now).toISOString(), DeleteOnTermination: false, State: "attaching" as const, ChangeAt: now + volumeTransitionMs() };
    saveVolume(ctx, { ...volume, State: "in-use", Attachments: [...volume.Attachments, attachment] });
    return attachmentView(volume.VolumeId, attachment);
  },

  DetachVolume: (input, ctx) => {
    const volume = requireVolume(ctx, input.VolumeId ?? "");
    const at = volume.Attachments.findIndex((a) => (!input.InstanceId || a.InstanceId === input.InstanceId) && (!input.Device || sameDevice(a.Device, input.Device)));
    const attachment = volume.Attachments[at];
    if (!attachment) {
      if (input.InstanceId && volume.Attachments.length) {
        throw ec2Error("IncorrectState", `Volume '${volume.VolumeId}' is not attached to instance '${input.InstanceId}'`);
      }
      throw ec2Error("IncorrectState", `Volume '${volume.VolumeId}' is in the '${volume.State}' state.`);
    }
    if (attachment.State === "detaching") throw ec2Error("IncorrectState", `Volume '${volume.VolumeId}' is in the 'detaching' state.`);
    const instance = findInstance(ctx, attachment.InstanceId);
    if (instance && instance.State?.Name === "running" && instance.RootDeviceName && sameDevice(instance.RootDeviceName, attachment.Device)) {
      throw ec2Error("OperationNotPermitted", `Unable to detach root volume '${volume.VolumeId}' from instance '${attachment.InstanceId}'`);
    }
    checkDryRun(input);
    const attachments = [...volume.Attachments];
    const detaching = { ...attachment, State: "detaching" as const, ChangeAt: Date.now() + volumeTransitionMs() };
    attachments[at] = detaching;
    saveVolume(ctx, { ...volume, Attachments: attachments });
    return attachmentView(volume.VolumeId, detaching);
  },

  DescribeVolumeStatus: (input, ctx) => {
    checkDryRun(input);
    const statuses: VolumeStatusItem[] = selectVolumes(ctx, input.VolumeIds).map((volume) => ({
      VolumeId: volume.VolumeId,
      AvailabilityZone: volume.AvailabilityZone,
      ...(volume.AvailabilityZoneId ? { AvailabilityZoneId: volume.AvailabilityZoneId } : {}),
      VolumeStatus: {
        Status: "ok",
        Details: [
          { Name: "io-enabled", Status: "passed" },
          { Name: "io-performance", Status: volume.VolumeType === "io1" || volume.VolumeType === "io2" ? "normal" : "not-applicable" },
        ],
      },
      Events: [],
      Actions: [],
      AttachmentStatuses: volume.Attachments.map((a) => ({ InstanceId: a.InstanceId, IoPerformance: "normal" })),
    }));
    const filtered = applyFilters(statuses, input.Filters, {
      "availability-zone": (s) => s.AvailabilityZone,
      "volume-status.status": (s) => s.VolumeStatus?.Status,
      "volume-status.details-name": (s) => (s.VolumeStatus?.Details ?? []).map((d) => d.Name),
      "volume-status.details-status": (s) => (s.VolumeStatus?.Details ?? []).map((d) => d.Status),
      "event.description": () => undefined,
      "event.event-id": () => undefined,
      "event.event-type": () => undefined,
      "event.not-after": () => undefined,
      "event.not-before": () => undefined,
      "action.code": () => undefined,
      "action.description": () => undefined,
      "action.event-id": () => undefined,
    });
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { VolumeStatuses: page.items, NextToken: page.nextToken };
  },

  DescribeVolumeAttribute: (input, ctx) => {
    const volume = requireVolume(ctx, input.VolumeId ?? "");
    checkDryRun(input);
    if (input.Attribute === "autoEnableIO") return { VolumeId: volume.VolumeId, AutoEnableIO: { Value: volume.AutoEnableIO } };
    if (input.Attribute === "productCodes") return { VolumeId: volume.VolumeId, ProductCodes: [] };
    throw invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid. Valid values: autoEnableIO, productCodes`);
  },

  ModifyVolumeAttribute: (input, ctx) => {
    const volume = requireVolume(ctx, input.VolumeId ?? "");
    if (input.AutoEnableIO?.Value === undefined) throw missingParameter("AutoEnableIO");
    checkDryRun(input);
    saveVolume(ctx, { ...volume, AutoEnableIO: input.AutoEnableIO.Value });
    return {};
  },
};
