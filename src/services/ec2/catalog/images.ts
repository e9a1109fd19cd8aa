/** DescribeImages over the public catalogue, the account's own and shared images; Describe/Modify/ResetImageAttribute. */
import type { DescribeImageAttributeCommandOutput, Image, LaunchPermission } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters, type FieldReader } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { scopeOf } from "../shared/scope.ts";
import { checkImagePublicSharing } from "../storage/public-access.ts";
import { applyPermissions, permissionChanges } from "../storage/snapshots.ts";
import { publicImages } from "./data.ts";
import { checkImageId, grantedImages, imageNotFound, imageTable, imageView, lookupImage, ownImage, syncGrants, type ImageRecord } from "./image-store.ts";

const mappings = (i: Image) => i.BlockDeviceMappings ?? [];

const FILTERS: Record<string, FieldReader<Image>> = {
  architecture: (i) => i.Architecture,
  "block-device-mapping.delete-on-termination": (i) => mappings(i).map((m) => m.Ebs?.DeleteOnTermination),
  "block-device-mapping.device-name": (i) => mappings(i).map((m) => m.DeviceName),
  "block-device-mapping.snapshot-id": (i) => mappings(i).map((m) => m.Ebs?.SnapshotId),
  "block-device-mapping.volume-size": (i) => mappings(i).map((m) => m.Ebs?.VolumeSize),
  "block-device-mapping.volume-type": (i) => mappings(i).map((m) => m.Ebs?.VolumeType),
  "block-device-mapping.encrypted": (i) => mappings(i).map((m) => m.Ebs?.Encrypted),
  "creation-date": (i) => i.CreationDate,
  "deprecation-time": (i) => i.DeprecationTime,
  description: (i) => i.Description,
  "ena-support": (i) => i.EnaSupport,
  "free-tier-eligible": (i) => i.FreeTierEligible,
  hypervisor: (i) => i.Hypervisor,
  "image-allowed": () => true,
  "image-id": (i) => i.ImageId,
  "image-type": (i) => i.ImageType,
  "imds-support": (i) => i.ImdsSupport,
  "is-public": (i) => i.Public,
  "kernel-id": (i) => i.KernelId,
  "manifest-location": (i) => i.ImageLocation,
  name: (i) => i.Name,
  "owner-alias": (i) => i.ImageOwnerAlias,
  "owner-id": (i) => i.OwnerId,
  platform: (i) => i.Platform,
  "platform-details": (i) => i.PlatformDetails,
  "product-code": (i) => (i.ProductCodes ?? []).map((p) => p.ProductCodeId),
  "product-code.type": (i) => (i.ProductCodes ?? []).map((p) => p.ProductCodeType),
  "ramdisk-id": (i) => i.RamdiskId,
  "root-device-name": (i) => i.RootDeviceName,
  "root-device-type": (i) => i.RootDeviceType,
  "source-image-id": (i) => i.SourceImageId,
  "source-image-region": (i) => i.SourceImageRegion,
  "source-instance-id": (i) => i.SourceInstanceId,
  "sriov-net-support": (i) => i.SriovNetSupport,
  state: (i) => i.State,
  "state-reason-code": (i) => i.StateReason?.Code,
  "state-reason-message": (i) => i.StateReason?.Message,
  "usage-operation": (i) => i.UsageOperation,
  "virtualization-type": (i) => i.VirtualizationType,
};

const OWNER_ALIASES = new Set(["amazon", "aws-marketplace", "aws-backup-vault"]);

function checkOwner(owner: string): void {
  if (owner !== "self" && !OWNER_ALIASES.has(owner) && !/^\d{12}$/.test(owner)) throw ec2Error("InvalidUserID.Malformed", `Invalid user id: '${owner}'`);
}

/** An image owned by the caller (for changes); other visible images answer AuthFailure, unknown ones NotFound. */
export function requireOwnImage(ctx: RequestContext, id: string): ImageRecord {
  checkImageId(id);
  const record = ownImage(ctx, id);
  if (record) return record;
  if (lookupImage(ctx, id)) throw ec2Error("AuthFailure", `Not authorized for image:${id}`);
  throw imageNotFound(id);
}

/** Images the caller can see, each with how: its own, shared explicitly with it, or public. */
function visibleImages(ctx: RequestContext): Array<{ image: Image; own: boolean; shared: boolean }> {
  const out: Array<{ image: Image; own: boolean; shared: boolean }> = [];
  const seen = new Set<string>();
  for (const record of imageTable(ctx).list(scopeOf(ctx))) {
    seen.add(record.ImageId);
    out.push({ image: imageView(record), own: true, shared: false });
  }
  for (const { image, shared } of grantedImages(ctx)) {
    if (seen.has(image.ImageId ?? "")) continue;
    seen.add(image.ImageId ?? "");
    out.push({ image, own: false, shared });
  }
  for (const image of publicImages(ctx.region).values()) {
    if (!seen.has(image.ImageId ?? "")) out.push({ image, own: false, shared: false });
  }
  return out;
}

export const imageHandlers: HandlerTable<Ec2Operations> = {
  DescribeImages: (input, ctx) => {
    const owners = input.Owners ?? [];
    owners.forEach(checkOwner);
    checkDryRun(input);
    const now = new Date().toISOString();
    let candidates: Array<{ image: Image; own: boolean; shared: boolean }>;
    if (input.ImageIds?.length) {
      const missing: string[] = [];
      candidates = [];
      for (const id of input.ImageIds) {
        checkImageId(id);
        const image = lookupImage(ctx, id);
        if (!image) missing.push(id);
        else candidates.push({ image, own: image.OwnerId === ctx.account, shared: image.OwnerId !== ctx.account && image.Public !== true });
      }
      if (missing.length) throw ec2Error("InvalidAMIID.NotFound", `The image id '[${missing.join(", ")}]' does not exist`);
    } else {
      // Deprecated images stay hidden from others unless asked for (their owner always sees them).
      candidates = visibleImages(ctx).filter((entry) => entry.own || input.IncludeDeprecated || !entry.image.DeprecationTime || entry.image.DeprecationTime > now);
    }
    if (owners.length) {
      candidates = candidates.filter(({ image }) =>
        owners.some((owner) => (owner === "self" ? image.OwnerId === ctx.account : OWNER_ALIASES.has(owner) ? image.ImageOwnerAlias === owner : image.OwnerId === owner)));
    }
    const executable = input.ExecutableUsers ?? [];
    if (executable.length) {
      candidates = candidates.filter(({ image, own, shared }) =>
        executable.some((user) => {
          if (user === "all") return image.Public === true;
          const account = user === "self" ? ctx.account : user;
          if (account === ctx.account && shared) return true;
          if (!own) return false;
          return (ownImage(ctx, image.ImageId ?? "")?.LaunchPermissions ?? []).some((p) => p.UserId === account);
        }));
    }
    const filtered = applyFilters(candidates.map((entry) => entry.image), input.Filters, FILTERS, (i) => i.Tags);
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { Images: page.items, NextToken: page.nextToken };
  },

  DescribeImageAttribute: (input, ctx) => {
    const id = input.ImageId ?? "";
    checkImageId(id);
    const own = ownImage(ctx, id);
    const image = own ? imageView(own) : lookupImage(ctx, id);
    if (!image) throw imageNotFound(id);
    checkDryRun(input);
    const out: Omit<DescribeImageAttributeCommandOutput, "$metadata"> = { ImageId: id };
    const value = (text: string | undefined) => (text === undefined ? {} : { Value: text });
    switch (input.Attribute) {
      case "launchPermission":
        if (!own) throw ec2Error("AuthFailure", `Not authorized for image:${id}`);
        out.LaunchPermissions = own.LaunchPermissions;
        break;
      case "description": out.Description = value(image.Description); break;
      case "kernel": out.KernelId = value(image.KernelId); break;
      case "ramdisk": out.RamdiskId = value(image.RamdiskId); break;
      case "productCodes": out.ProductCodes = image.ProductCodes ?? []; break;
      case "blockDeviceMapping": out.BlockDeviceMappings = image.BlockDeviceMappings ?? []; break;
      case "sriovNetSupport": out.SriovNetSupport = value(image.SriovNetSupport); break;
      case "bootMode": out.BootMode = value(image.BootMode); break;
      case "tpmSupport": out.TpmSupport = value(image.TpmSupport); break;
      case "imdsSupport": out.ImdsSupport = value(image.ImdsSupport); break;
      case "deregistrationProtection": out.DeregistrationProtection = { Value: image.DeregistrationProtection ?? "disabled" }; break;
      case "lastLaunchedTime": out.LastLaunchedTime = value(image.LastLaunchedTime); break;
      case "uefiData": out.UefiData = {}; break;
      default:
        throw invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid. Unknown attribute.`);
    }
    return out;
  },

  ModifyImageAttribute: (input, ctx) => {
    const record = requireOwnImage(ctx, input.ImageId ?? "");
    const attribute = input.Attribute ?? (input.Description ? "description" : input.LaunchPermission || input.UserIds || input.UserGroups ? "launchPermission" : input.ImdsSupport ? "imdsSupport" : undefined);
    const next: ImageRecord = { ...record };
    if (attribute === "description") {
      const text = input.Description?.Value ?? input.Value;
      if (text === undefined) throw invalidParameterValue("The description attribute requires a value.");
      next.Description = text;
    } else if (attribute === "launchPermission") {
      if (input.OrganizationArns?.length || input.OrganizationalUnitArns?.length) {
        throw invalidParameterValue("Sharing with organizations or organizational units is not supported by Stratus.");
      }
      const { add, remove } = permissionChanges(input.LaunchPermission, input.OperationType, input.UserIds, input.UserGroups);
      if (add.some((p) => p.Group === "all") && !record.Public) checkImagePublicSharing(ctx, record.ImageId);
      next.LaunchPermissions = applyPermissions<LaunchPermission>(record.LaunchPermissions, add as LaunchPermission[], remove as LaunchPermission[]);
      next.Public = next.LaunchPermissions.some((p) => p.Group === "all");
    } else if (attribute === "imdsSupport") {
      const text = input.ImdsSupport?.Value ?? input.Value;
      if (text !== "v2.0") throw invalidParameterValue(`Value (${String(text)}) for parameter imdsSupport is invalid. Valid values: v2.0`);
      next.ImdsSupport = "v2.0";
    } else {
      throw invalidParameterValue(`Value (${String(attribute)}) for parameter attribute is invalid. Modifiable attributes: description, launchPermission, imdsSupport`);
    }
    checkDryRun(input);
    ctx.state.transaction(() => {
      imageTable(ctx).put(scopeOf(ctx), record.ImageId, next);
      if (attribute === "launchPermission") syncGrants(ctx, next, record.LaunchPermissions);
    });
    return {};
  },

  EnableImageDeprecation: (input, ctx) => {
    const record = requireOwnImage(ctx, input.ImageId ?? "");
    const raw: unknown = input.DeprecateAt;
    const at = new Date(raw instanceof Date ? raw.getTime() : typeof raw === "number" ? raw : String(raw ?? ""));
    if (Number.isNaN(at.getTime())) throw invalidParameterValue("The parameter DeprecateAt must be a valid timestamp.");
    // EC2 rounds to the minute and refuses dates in the past.
    at.setUTCSeconds(at.getUTCSeconds() >= 30 ? 60 : 0, 0);
    if (at.getTime() < Date.now()) throw invalidParameterValue("The deprecation time must be in the future.");
    checkDryRun(input);
    imageTable(ctx).put(scopeOf(ctx), record.ImageId, { ...record, DeprecationTime: at.toISOString() });
    return { Return: true };
  },

  DisableImageDeprecation: (input, ctx) => {
    const record = requireOwnImage(ctx, input.ImageId ?? "");
    checkDryRun(input);
    const { DeprecationTime: _gone, ...rest } = record;
    imageTable(ctx).put(scopeOf(ctx), record.ImageId, rest);
    return { Return: true };
  },

  ResetImageAttribute: (input, ctx) => {
    const record = requireOwnImage(ctx, input.ImageId ?? "");
    if (input.Attribute !== "launchPermission") throw invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid. Only launchPermission can be reset.`);
    checkDryRun(input);
    const next: ImageRecord = { ...record, LaunchPermissions: [], Public: false };
    ctx.state.transaction(() => {
      imageTable(ctx).put(scopeOf(ctx), record.ImageId, next);
      syncGrants(ctx, next, record.LaunchPermissions);
    });
    return {};
  },
};
