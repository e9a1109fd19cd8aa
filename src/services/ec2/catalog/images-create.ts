/** CreateImage (from an instance, with snapshots of its volumes), RegisterImage, DeregisterImage and CopyImage. */
import type { BlockDeviceMapping, Image } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { findInstance } from "../instances/api.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { isWellFormedId, newEc2Id } from "../shared/ids.ts";
import { scopeOf } from "../shared/scope.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { snapshotInstanceVolumes } from "../storage/api.ts";
import { imagePendingMs } from "../storage/timings.ts";
import { earlierResult, rememberResult } from "../storage/tokens.ts";
import { dropSnapshot, findSnapshot, ownSnapshot, putSnapshot, snapshotTable } from "../storage/snapshot-store.ts";
import { dropGrants, imageTable, imageUsingSnapshot, lookupImage, type ImageRecord } from "./image-store.ts";
import { requireOwnImage } from "./images.ts";

/** AMI names: 3–128 characters of letters, digits and ( ) [ ] space . / - ' @ _. */
function checkName(name: string): void {
  if (name.length < 3 || name.length > 128 || !/^[A-Za-z0-9()[\] ./\-'@_]+$/.test(name)) {
    throw ec2Error("InvalidAMIName.Malformed", `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/', '[', ']', ' ', '@', ''' and '_'`);
  }
}

function checkUniqueName(ctx: RequestContext, name: string): void {
  const taken = imageTable(ctx).list(scopeOf(ctx)).find((image) => image.Name === name);
  if (taken) throw ec2Error("InvalidAMIName.Duplicate", `AMI name ${name} is already in use by AMI ${taken.ImageId}`);
}

/** Fields a new image inherits from the image it derives from (billing, platform, boot). */
function inherited(source: Image | undefined): Partial<Image> {
  if (!source) return { PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances" };
  const out: Partial<Image> = { PlatformDetails: source.PlatformDetails ?? "Linux/UNIX", UsageOperation: source.UsageOperation ?? "RunInstances" };
  if (source.Platform) out.Platform = source.Platform;
  if (source.BootMode) out.BootMode = source.BootMode;
  if (source.ImdsSupport) out.ImdsSupport = source.ImdsSupport;
  if (source.ProductCodes?.length) out.ProductCodes = source.ProductCodes;
  return out;
}

function newImage(ctx: RequestContext, id: string, name: string, fields: Partial<Image>, pending: boolean): ImageRecord {
  const now = Date.now();
  const record: ImageRecord = {
    ImageId: id,
    ImageLocation: `${ctx.account}/${name}`,
    State: pending ? "pending" : "available",
    OwnerId: ctx.account,
    CreationDate: new Date(now).toISOString(),
    Public: false,
    Architecture: "x86_64",
    ImageType: "machine",
    EnaSupport: true,
    Hypervisor: "xen",
    Name: name,
    RootDeviceName: "/dev/xvda",
    RootDeviceType: "ebs",
    SriovNetSupport: "simple",
    VirtualizationType: "hvm",
    BlockDeviceMappings: [],
    Tags: [],
    LaunchPermissions: [],
    ...fields,
  };
  if (pending) record.AvailableAt = now + imagePendingMs();
  return record;
}

export const imageCreateHandlers: HandlerTable<Ec2Operations> = {
  CreateImage: (input, ctx) => ctx.state.transaction(() => {
    checkTagSpecificationTypes(input.TagSpecifications, ["image", "snapshot"]);
    const imageTags = tagsFor(input.TagSpecifications, "image");
    const snapshotTags = tagsFor(input.TagSpecifications, "snapshot");
    const instanceId = input.InstanceId ?? "";
    if (!isWellFormedId(instanceId, "i")) throw ec2Error("InvalidInstanceID.Malformed", `Invalid id: "${instanceId}"`);
    const instance = findInstance(ctx, instanceId);
    if (!instance) throw ec2Error("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`);
    const state = instance.State?.Name;
    if (state !== "running" && state !== "stopped") {
      throw ec2Error("IncorrectInstanceState", `The instance '${instanceId}' is not in a state from which it can be imaged.`);
    }
    const name = input.Name ?? "";
    checkName(name);
    checkUniqueName(ctx, name);
    checkDryRun(input);
    const id = newEc2Id("ami");
    let mappings = snapshotInstanceVolumes(ctx, instanceId, `Created by CreateImage(${instanceId}) for ${id}`);
    // Request mappings: NoDevice drops a volume from the image (and its snapshot); Ebs fields override.
    for (const override of input.BlockDeviceMappings ?? []) {
      const at = mappings.findIndex((m) => m.DeviceName === override.DeviceName);
      const existing = mappings[at];
      if (override.NoDevice !== undefined) {
        const snapshot = existing?.Ebs?.SnapshotId ? ownSnapshot(ctx, existing.Ebs.SnapshotId) : undefined;
        if (snapshot) dropSnapshot(ctx, snapshot);
        if (at >= 0) mappings = mappings.filter((_, index) => index !== at);
      } else if (existing && override.Ebs) {
        existing.Ebs = { ...existing.Ebs, ...Object.fromEntries(Object.entries(override.Ebs).filter(([, v]) => v !== undefined)) };
      } else if (!existing && override.VirtualName) {
        mappings.push({ DeviceName: override.DeviceName, VirtualName: override.VirtualName });
      }
    }
    for (const mapping of mappings) {
      const snapshot = mapping.Ebs?.SnapshotId ? ownSnapshot(ctx, mapping.Ebs.SnapshotId) : undefined;
      if (snapshot && snapshotTags.length) snapshotTable(ctx).put(scopeOf(ctx), snapshot.SnapshotId, { ...snapshot, Tags: snapshotTags });
    }
    const source = instance.ImageId ? lookupImage(ctx, instance.ImageId) : undefined;
    const record = newImage(ctx, id, name, {
      ...inherited(source),
      Architecture: instance.Architecture ?? source?.Architecture ?? "x86_64",
      EnaSupport: instance.EnaSupport ?? true,
      RootDeviceName: instance.RootDeviceName ?? source?.RootDeviceName ?? "/dev/xvda",
      VirtualizationType: instance.VirtualizationType ?? "hvm",
      BlockDeviceMappings: mappings,
      SourceInstanceId: instanceId,
      Tags: imageTags,
      ...(input.Description !== undefined ? { Description: input.Description } : {}),
    }, true);
    imageTable(ctx).put(scopeOf(ctx), id, record);
    return { ImageId: id };
  }),

  RegisterImage: (input, ctx) => {
    checkTagSpecificationTypes(input.TagSpecifications, ["image"]);
    const tags = tagsFor(input.TagSpecifications, "image");
    const name = input.Name ?? "";
    checkName(name);
    const requested = input.BlockDeviceMappings ?? [];
    const instanceStore = requested.length === 0 && Boolean(input.ImageLocation);
    const root = input.RootDeviceName ?? (instanceStore ? "/dev/sda1" : undefined);
    if (!root) throw ec2Error("InvalidParameterValue", "The request must contain the parameter rootDeviceName when block device mappings are given.");
    const mappings: BlockDeviceMapping[] = [];
    for (const mapping of requested) {
      const ebs = mapping.Ebs;
      if (!ebs) {
        mappings.push(mapping);
        continue;
      }
      let size = ebs.VolumeSize;
      if (ebs.SnapshotId) {
        const snapshot = findSnapshot(ctx, ebs.SnapshotId);
        if (!snapshot) throw ec2Error("InvalidSnapshot.NotFound", `The snapshot '${ebs.SnapshotId}' does not exist.`);
        size ??= snapshot.VolumeSize;
        if (size !== undefined && size < (snapshot.VolumeSize ?? 0)) {
          throw ec2Error("InvalidBlockDeviceMapping", `Volume of size ${size}GiB is smaller than snapshot '${ebs.SnapshotId}', expect size >= ${snapshot.VolumeSize ?? 0}GiB`);
        }
      } else if (mapping.DeviceName === root) {
        throw ec2Error("InvalidBlockDeviceMapping", `The root device ${root} must have a snapshot.`);
      }
      mappings.push({ DeviceName: mapping.DeviceName, Ebs: { DeleteOnTermination: ebs.DeleteOnTermination ?? true, ...ebs, ...(size !== undefined ? { VolumeSize: size } : {}), VolumeType: ebs.VolumeType ?? "gp2", Encrypted: ebs.Encrypted ?? false } });
    }
    if (!instanceStore && !mappings.some((m) => m.DeviceName === root)) {
      throw ec2Error("InvalidBlockDeviceMapping", `The root device name ${root} has no block device mapping.`);
    }
    checkUniqueName(ctx, name);
    checkDryRun(input);
    const id = newEc2Id("ami");
    const fields: Partial<Image> = {
      Architecture: input.Architecture ?? "x86_64",
      RootDeviceName: root,
      RootDeviceType: instanceStore ? "instance-store" : "ebs",
      // RegisterImage's documented default virtualization is paravirtual.
      VirtualizationType: input.VirtualizationType === "hvm" ? "hvm" : "paravirtual",
      EnaSupport: input.EnaSupport ?? false,
      SriovNetSupport: input.SriovNetSupport ?? "simple",
      BlockDeviceMappings: mappings,
      PlatformDetails: "Linux/UNIX",
      UsageOperation: "RunInstances",
      Tags: tags,
    };
    if (input.ImageLocation) fields.ImageLocation = input.ImageLocation;
    if (input.Description !== undefined) fields.Description = input.Description;
    if (input.KernelId) fields.KernelId = input.KernelId;
    if (input.RamdiskId) fields.RamdiskId = input.RamdiskId;
    if (input.BootMode) fields.BootMode = input.BootMode;
    if (input.TpmSupport) fields.TpmSupport = input.TpmSupport;
    if (input.ImdsSupport) fields.ImdsSupport = input.ImdsSupport;
    imageTable(ctx).put(scopeOf(ctx), id, newImage(ctx, id, name, fields, false));
    return { ImageId: id };
  },

  DeregisterImage: (input, ctx) => ctx.state.transaction(() => {
    const record = requireOwnImage(ctx, input.ImageId ?? "");
    checkDryRun(input);
    imageTable(ctx).delete(scopeOf(ctx), record.ImageId);
    dropGrants(ctx, record);
    const results: Array<{ SnapshotId: string; ReturnCode: "success" | "skipped" | "client-error" }> = [];
    if (input.DeleteAssociatedSnapshots) {
      for (const mapping of record.BlockDeviceMappings ?? []) {
        const id = mapping.Ebs?.SnapshotId;
        if (!id) continue;
        const snapshot = ownSnapshot(ctx, id);
        // A snapshot another of the account's images still uses is skipped, as AWS does.
        if (snapshot && imageUsingSnapshot(ctx, id)) {
          results.push({ SnapshotId: id, ReturnCode: "skipped" });
          continue;
        }
        if (snapshot) dropSnapshot(ctx, snapshot);
        results.push({ SnapshotId: id, ReturnCode: snapshot ? "success" : "client-error" });
      }
    }
    return input.DeleteAssociatedSnapshots ? { Return: true, DeleteSnapshotResults: results } : { Return: true };
  }),

  CopyImage: (input, ctx) => ctx.state.transaction(() => {
    const earlier = earlierResult(ctx, "CopyImage", input.ClientToken, input);
    if (earlier && imageTable(ctx).get(scopeOf(ctx), earlier)) return { ImageId: earlier };
    checkTagSpecificationTypes(input.TagSpecifications, ["image"]);
    const sourceId = input.SourceImageId ?? "";
    const sourceRegion = input.SourceRegion ?? ctx.region;
    if (!isWellFormedId(sourceId, "ami")) throw ec2Error("InvalidAMIID.Malformed", `Invalid id: "${sourceId}" (expecting "ami-...")`);
    const sourceCtx = { ...ctx, region: sourceRegion };
    const source = lookupImage(sourceCtx, sourceId);
    if (!source) throw ec2Error("InvalidAMIID.NotFound", `The image id '[${sourceId}]' does not exist`);
    if (source.State !== "available") throw ec2Error("IncorrectState", `Image ${sourceId} is not in the 'available' state.`);
    const name = input.Name ?? "";
    checkName(name);
    checkUniqueName(ctx, name);
    if (input.KmsKeyId && !input.Encrypted) throw ec2Error("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.");
    checkDryRun(input);
    const id = newEc2Id("ami");
    const mappings: BlockDeviceMapping[] = (source.BlockDeviceMappings ?? []).map((mapping) => {
      const ebs = mapping.Ebs;
      if (!ebs?.SnapshotId) return mapping;
      const encrypted = Boolean(input.Encrypted) || Boolean(ebs.Encrypted);
      const copy = putSnapshot(ctx, {
        VolumeId: "vol-ffffffff",
        VolumeSize: ebs.VolumeSize ?? 8,
        Description: `Copied for DestinationAmi ${id} from SourceAmi ${sourceId} for SourceSnapshot ${ebs.SnapshotId}. Task created on ${new Date().toISOString()}.`,
        Encrypted: encrypted,
        ...(input.KmsKeyId ? { KmsKeyId: input.KmsKeyId } : {}),
        Tags: [],
      });
      return { ...mapping, Ebs: { ...ebs, SnapshotId: copy.SnapshotId, Encrypted: encrypted, ...(input.KmsKeyId ? { KmsKeyId: input.KmsKeyId } : {}) } };
    });
    const sourceTags = input.CopyImageTags && source.OwnerId === ctx.account ? (source.Tags ?? []) : [];
    const tags = [...sourceTags.map((t) => ({ Key: t.Key ?? "", Value: t.Value ?? "" })), ...tagsFor(input.TagSpecifications, "image")];
    const {
      ImageId: _id, OwnerId: _owner, ImageOwnerAlias: _alias, Public: _public, CreationDate: _created, State: _state, Name: _name,
      ImageLocation: _location, DeprecationTime: _deprecation, Tags: _tags, Description: sourceDescription, ...rest
    } = source;
    const record = newImage(ctx, id, name, {
      ...rest,
      BlockDeviceMappings: mappings,
      SourceImageId: sourceId,
      SourceImageRegion: sourceRegion,
      Tags: tags,
      ...(input.Description ?? sourceDescription ? { Description: input.Description ?? sourceDescription } : {}),
    }, true);
    imageTable(ctx).put(scopeOf(ctx), id, record);
    rememberResult(ctx, "CopyImage", input.ClientToken, input, id);
    return { ImageId: id };
  }),
};
