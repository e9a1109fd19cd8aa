/** RunInstances: validation as EC2 does it, ClientToken idempotency, and the launch of each instance. */
import type { Image, InstanceMetadataOptionsResponse, InstanceTypeInfo, Reservation, RunInstancesRequest } from "@aws-sdk/client-ec2";
import { instanceRunner } from "../../../engine/instance-runner.ts";
import { AwsError } from "../../../shared/aws-error.ts";
import type { RequestContext } from "../../service-types.ts";
import { findImage, instanceTypeInfo, isInstanceTypeOffered, availabilityZoneNames, zoneInfo } from "../catalog/api.ts";
import { findKeyPair, findPlacementGroup, placeOnHost, releaseFromHost } from "../family/api.ts";
import { attachLaunchNetwork, instanceNetworkView, releaseInstanceNetwork, type LaunchNetwork } from "../network/api.ts";
import { checkDryRun, invalidParameterValue, missingParameter } from "../shared/errors.ts";
import { isWellFormedId, newEc2Id } from "../shared/ids.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { checkTagSpecificationTypes, findTaggable, mergeTags, tagsFor, type Tag, type Taggable } from "../shared/tags.ts";
import { createLaunchVolumes, releaseInstanceVolumes } from "../storage/api.ts";
import { defaultCpuCredits, newAssociation, resolveProfile } from "./extras.ts";
import { launchParams, type LaunchParams } from "./launch-params.ts";
import { clientTokensTable, instancesTable, liveRecord, purgeExpired, saveRecord, specOf, type InstanceRecord, type StoredInstance } from "./state.ts";
import { InstanceViews, reservationsOf } from "./view.ts";

/** EC2's default when a request names no instance type. */
const DEFAULT_INSTANCE_TYPE = "m1.small";
const USER_DATA_LIMIT = 16 * 1024;
const TAGGABLE_AT_LAUNCH = ["instance", "volume", "network-interface", "spot-instances-request", "elastic-gpu"];

interface Validated {
  params: LaunchParams;
  image: Image;
  instanceType: string;
  typeInfo: InstanceTypeInfo;
  count: number;
  profile?: { Arn: string; Id: string } | undefined;
  metadata: InstanceMetadataOptionsResponse;
  instanceTags: Tag[];
  volumeTags: Tag[];
  interfaceTags: Tag[];
  publicKey?: string | undefined;
}

function validate(ctx: RequestContext, input: RunInstancesRequest): Validated {
  const params = launchParams(ctx, input);
  const minCount = input.MinCount ?? 0;
  const maxCount = input.MaxCount ?? 0;
  if (!Number.isInteger(minCount) || minCount < 1) throw invalidParameterValue(`Value (${minCount}) for parameter minCount is invalid. Expected a positive integer.`);
  if (!Number.isInteger(maxCount) || maxCount < 1) throw invalidParameterValue(`Value (${maxCount}) for parameter maxCount is invalid. Expected a positive integer.`);
  if (minCount > maxCount) throw invalidParameterValue(`Value (${minCount}) for parameter minCount is invalid. minCount must be less than or equal to maxCount (${maxCount}).`);

  const imageId = params.imageId;
  if (!imageId) throw missingParameter("ImageId");
  if (!isWellFormedId(imageId, "ami")) throw new AwsError("InvalidAMIID.Malformed", `Invalid id: "${imageId}" (expecting "ami-...")`);
  const image = findImage(ctx, imageId);
  if (!image || image.State === "deregistered") throw new AwsError("InvalidAMIID.NotFound", `The image id '[${imageId}]' does not exist`);
  if (image.State && image.State !== "available") throw new AwsError("InvalidAMIID.Unavailable", `The image id '[${imageId}]' is not available`);

  const instanceType = params.instanceType ?? DEFAULT_INSTANCE_TYPE;
  const typeInfo = instanceTypeInfo(instanceType);
  if (!typeInfo) throw invalidParameterValue(`Invalid value '${instanceType}' for InstanceType.`);
  const architectures = typeInfo.ProcessorInfo?.SupportedArchitectures ?? [];
  const imageArch = image.Architecture ?? "x86_64";
  if (architectures.length > 0 && !architectures.some((arch) => arch === imageArch || (imageArch === "x86_64_mac" && arch === "x86_64_mac"))) {
    throw invalidParameterValue(
      `The architecture '${architectures.join(", ")}' of the specified instance type does not match the architecture '${imageArch}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`,
    );
  }

  const keyPair = params.keyName !== undefined ? findKeyPair(ctx, params.keyName) : undefined;
  if (params.keyName !== undefined && !keyPair) throw new AwsError("InvalidKeyPair.NotFound", `The key pair '${params.keyName}' does not exist`);
  const zone = params.placement.AvailabilityZone;
  if (zone !== undefined) {
    const info = zoneInfo(ctx, zone);
    if (!info) throw invalidParameterValue(`Invalid availability zone: [${zone}]`);
    if (info.OptInStatus === "not-opted-in") throw new AwsError("OptInRequired", `You are not subscribed to this service. Opt in to the zone group of ${zone} and try again.`);
  }
  if (params.placement.GroupName && !findPlacementGroup(ctx, params.placement.GroupName)) {
    throw new AwsError("InvalidPlacementGroup.Unknown", `The Placement Group '${params.placement.GroupName}' is unknown.`);
  }
  const tenancy = params.placement.Tenancy;
  if (tenancy !== undefined && !["default", "dedicated", "host"].includes(tenancy)) throw invalidParameterValue(`Invalid value '${tenancy}' for tenancy.`);

  const wanted = params.iamInstanceProfile;
  const profile = wanted && (wanted.Arn || wanted.Name) ? resolveProfile(ctx, wanted) : undefined;
  if (params.cpuCredits !== undefined && params.cpuCredits !== "standard" && params.cpuCredits !== "unlimited") {
    throw invalidParameterValue(`Value (${params.cpuCredits}) for parameter cpuCredits is invalid. Valid values are 'standard' and 'unlimited'.`);
  }

  if (params.userData !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(params.userData.replace(/\s+/g, ""))) throw invalidParameterValue("Invalid BASE64 encoding of user data.");
    if (Buffer.from(params.userData, "base64").length > USER_DATA_LIMIT) throw invalidParameterValue(`User data is limited to ${USER_DATA_LIMIT} bytes`);
  }
  if (params.shutdownBehavior !== undefined && params.shutdownBehavior !== "stop" && params.shutdownBehavior !== "terminate") {
    throw invalidParameterValue(`Invalid value '${params.shutdownBehavior}' for instanceInitiatedShutdownBehavior.`);
  }
  if (params.privateIpAddress !== undefined && maxCount > 1) {
    throw new AwsError("InvalidParameterCombination", "Cannot specify the same private IP address for more than one instance (MaxCount > 1).");
  }
  checkTagSpecificationTypes(params.tagSpecifications, TAGGABLE_AT_LAUNCH);
  return {
    params,
    image,
    instanceType,
    typeInfo,
    count: maxCount,
    profile,
    metadata: metadataOptions(params, image),
    instanceTags: tagsFor(params.tagSpecifications, "instance"),
    volumeTags: tagsFor(params.tagSpecifications, "volume"),
    interfaceTags: tagsFor(params.tagSpecifications, "network-interface"),
    publicKey: keyPair?.PublicKey,
  };
}

/** AWS's defaults: IMDSv2 required with hop limit 2 for AMIs marked ImdsSupport v2.0, otherwise optional with hop limit 1. */
function metadataOptions(params: LaunchParams, image: Image): InstanceMetadataOptionsResponse {
  const requested = params.metadataOptions ?? {};
  const v2Only = image.ImdsSupport === "v2.0";
  const hops = requested.HttpPutResponseHopLimit ?? (v2Only ? 2 : 1);
  if (hops < 1 || hops > 64) throw invalidParameterValue(`The HttpPutResponseHopLimit value (${hops}) is invalid. Specify a value between 1 and 64.`);
  return {
    State: "pending",
    HttpTokens: requested.HttpTokens ?? (v2Only ? "required" : "optional"),
    HttpPutResponseHopLimit: hops,
    HttpEndpoint: requested.HttpEndpoint ?? "enabled",
    HttpProtocolIpv6: requested.HttpProtocolIpv6 ?? "disabled",
    InstanceMetadataTags: requested.InstanceMetadataTags ?? "disabled",
  };
}

/** Without a subnet, zone or interfaces, launch in the first zone that offers the type (as EC2's placement does). */
function launchZone(ctx: RequestContext, v: Validated): string | undefined {
  const p = v.params;
  if (p.placement.AvailabilityZone || p.subnetId || p.networkInterfaces?.length) return p.placement.AvailabilityZone;
  return availabilityZoneNames(ctx).find((zone) => isInstanceTypeOffered(ctx, zone, v.instanceType));
}

function unsupportedInZone(ctx: RequestContext, instanceType: string, zone: string): AwsError {
  const others = availabilityZoneNames(ctx).filter((z) => z !== zone && isInstanceTypeOffered(ctx, z, instanceType));
  return new AwsError(
    "Unsupported",
    `Your requested instance type (${instanceType}) is not supported in your requested Availability Zone (${zone}). Please retry your request by not specifying an Availability Zone or choosing ${others.join(", ")}.`,
  );
}

function launchOne(ctx: RequestContext, v: Validated, reservationId: string, index: number, now: number, instanceId: string, network: LaunchNetwork): InstanceRecord {
  const { params, image, typeInfo } = v;
  const zone = network.availabilityZone;
  const hostId =
    params.placement.Tenancy === "host" || params.placement.HostId || params.placement.HostResourceGroupArn
      ? placeOnHost(ctx, { instanceId, instanceType: v.instanceType, availabilityZone: zone, hostId: params.placement.HostId, tenancy: params.placement.Tenancy })
      : undefined;
  createLaunchVolumes(ctx, { instanceId, image, availabilityZone: zone, blockDeviceMappings: params.blockDeviceMappings, tags: v.volumeTags });
  if (v.interfaceTags.length) tagInterfaces(ctx, instanceId, v.interfaceTags);
  const launchTime = new Date(now).toISOString().replace(/\.\d{3}Z$/, ".000Z");
  const template = params.template;
  const systemTags: Tag[] = template ? templateTags(template) : [];
  const instance: StoredInstance = {
    AmiLaunchIndex: index,
    ImageId: image.ImageId,
    InstanceType: v.instanceType as StoredInstance["InstanceType"],
    KeyName: params.keyName,
    Monitoring: { State: params.monitoring ? "enabled" : "disabled" },
    Placement: {
      AvailabilityZone: zone,
      AvailabilityZoneId: zoneInfo(ctx, zone)?.ZoneId,
      GroupName: params.placement.GroupName ?? "",
      Tenancy: params.placement.Tenancy ?? (hostId ? "host" : "default"),
      HostId: hostId,
      PartitionNumber: params.placement.PartitionNumber,
    },
    ProductCodes: image.ProductCodes ?? [],
    Architecture: image.Architecture ?? "x86_64",
    ClientToken: "",
    EbsOptimized: params.ebsOptimized ?? false,
    EnaSupport: image.EnaSupport ?? true,
    Hypervisor: "xen",
    IamInstanceProfile: v.profile,
    RootDeviceName: image.RootDeviceName ?? "/dev/xvda",
    RootDeviceType: image.RootDeviceType ?? "ebs",
    VirtualizationType: image.VirtualizationType ?? "hvm",
    Platform: image.Platform,
    // Spot capacity is always there locally: the instance is marked spot (no spot request record is kept).
    InstanceLifecycle: params.marketType === "spot" ? "spot" : params.marketType === "capacity-block" ? "capacity-block" : undefined,
    PlatformDetails: image.PlatformDetails ?? "Linux/UNIX",
    UsageOperation: image.UsageOperation ?? "RunInstances",
    CpuOptions: { CoreCount: typeInfo.VCpuInfo?.DefaultCores ?? 1, ThreadsPerCore: typeInfo.VCpuInfo?.DefaultThreadsPerCore ?? 1 },
    CapacityReservationSpecification: { CapacityReservationPreference: "open" },
    HibernationOptions: { Configured: params.hibernation ?? false },
    MetadataOptions: v.metadata,
    EnclaveOptions: { Enabled: false },
    BootMode: image.BootMode,
    CurrentInstanceBootMode: bootModeOf(image, typeInfo),
    PrivateDnsNameOptions: { HostnameType: "ip-name", EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    MaintenanceOptions: { AutoRecovery: "default", RebootMigration: "default" },
    NetworkPerformanceOptions: { BandwidthWeighting: "default" },
    Operator: { Managed: false },
  };
  const record: InstanceRecord = {
    InstanceId: instanceId,
    ReservationId: reservationId,
    OwnerId: ctx.account,
    Tags: mergeTags(systemTags, v.instanceTags),
    LaunchTime: launchTime,
    UsageOperationUpdateTime: launchTime,
    instance,
    lifecycle: { state: "pending", since: now, transitionReason: "", reason: { Code: "pending", Message: "pending" }, bootedAt: now },
    userData: params.userData,
    disableApiTermination: params.disableApiTermination ?? false,
    disableApiStop: params.disableApiStop ?? false,
    shutdownBehavior: params.shutdownBehavior === "terminate" ? "terminate" : "stop",
    sourceDestCheck: true,
    cpuCredits: defaultCpuCredits(v.instanceType) !== undefined ? params.cpuCredits : undefined,
    iamAssociation: v.profile ? newAssociation(now) : undefined,
    launchPublicKey: String(image.Platform ?? "").toLowerCase() === "windows" ? v.publicKey : undefined,
    oneTimeSpot: params.marketType === "spot" && params.spotType !== "persistent" ? true : undefined,
  };
  const { runner } = instanceRunner();
  const spec = specOf(record, network);
  runner.prepare(spec);
  const { durationMs } = runner.start(spec);
  record.lifecycle.settlesAt = now + durationMs;
  record.lifecycle.next = "running";
  return record;
}

/** uefi-preferred images boot with UEFI where the instance type supports it. */
function bootModeOf(image: Image, typeInfo: InstanceTypeInfo): "uefi" | "legacy-bios" {
  const supported = typeInfo.SupportedBootModes ?? [];
  if (image.BootMode === "uefi") return "uefi";
  if (image.BootMode === "uefi-preferred" && supported.includes("uefi")) return "uefi";
  return "legacy-bios";
}

/** EC2 tags instances launched from a template with its id and version (only when both are known here). */
function templateTags(template: NonNullable<LaunchParams["template"]>): Tag[] {
  if (!template.id || !template.version || !/^\d+$/.test(template.version)) return [];
  return [
    { Key: "aws:ec2launchtemplate:id", Value: template.id },
    { Key: "aws:ec2launchtemplate:version", Value: template.version },
  ];
}

/** TagSpecifications for network-interface apply to the interfaces created at launch. */
function tagInterfaces(ctx: RequestContext, instanceId: string, tags: Tag[]): void {
  for (const eni of instanceNetworkView(ctx, instanceId).networkInterfaces) {
    if (!eni.NetworkInterfaceId) continue;
    const { kind, record } = findTaggable(ctx, eni.NetworkInterfaceId);
    ec2Table<Taggable>(ctx, kind.kind).put(scopeOf(ctx), eni.NetworkInterfaceId, { ...record, Tags: mergeTags(record.Tags, tags) });
  }
}

/** Undoes what a failed launch created, so a rejected request leaves nothing behind. */
function compensate(ctx: RequestContext, instanceIds: string[]): void {
  for (const id of instanceIds) {
    for (const undo of [releaseInstanceVolumes, releaseInstanceNetwork, releaseFromHost]) {
      try {
        undo(ctx, id);
      } catch {
        // best effort: the original error is what the caller must see
      }
    }
    instancesTable(ctx).delete(scopeOf(ctx), id);
  }
}

function fingerprintOf(input: RunInstancesRequest): string {
  const { ClientToken: _token, DryRun: _dryRun, ...rest } = input;
  return JSON.stringify(rest);
}

function replay(ctx: RequestContext, input: RunInstancesRequest, token: string): Reservation | undefined {
  const previous = clientTokensTable(ctx).get(scopeOf(ctx), token);
  if (!previous) return undefined;
  if (previous.fingerprint !== fingerprintOf(input)) {
    throw new AwsError("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).");
  }
  const now = Date.now();
  const records = previous.instanceIds.map((id) => liveRecord(ctx, id, now)).filter((r): r is InstanceRecord => r !== undefined);
  if (records.length === 0 || records.every((r) => r.lifecycle.state === "terminated")) {
    throw new AwsError("IdempotentInstanceTerminated", "The client token you have provided is associated with a terminated instance. Please use a different client token.");
  }
  const [reservation] = reservationsOf(records, new InstanceViews(ctx));
  return reservation;
}

export function runInstances(input: RunInstancesRequest, ctx: RequestContext): Reservation {
  const token = input.ClientToken;
  if (token !== undefined && token.length > 64) throw invalidParameterValue("Client token must be at most 64 characters.");
  if (token && !input.DryRun) {
    const replayed = replay(ctx, input, token);
    if (replayed) return replayed;
  }
  const v = validate(ctx, input);
  checkDryRun(input);
  purgeExpired(ctx);
  const zone = launchZone(ctx, v);
  const reservationId = newEc2Id("r");
  const now = Date.now();
  const created: string[] = [];
  const records = ctx.state.transaction(() => {
    const out: InstanceRecord[] = [];
    try {
      for (let index = 0; index < v.count; index++) {
        const instanceId = newEc2Id("i");
        created.push(instanceId);
        const network = attachLaunchNetwork(ctx, {
          instanceId,
          subnetId: v.params.subnetId,
          availabilityZone: zone,
          securityGroupIds: v.params.securityGroupIds,
          securityGroupNames: v.params.securityGroupNames,
          privateIpAddress: v.params.privateIpAddress,
          networkInterfaces: v.params.networkInterfaces,
        });
        if (index === 0 && !isInstanceTypeOffered(ctx, network.availabilityZone, v.instanceType)) throw unsupportedInZone(ctx, v.instanceType, network.availabilityZone);
        const record = launchOne(ctx, v, reservationId, index, now, instanceId, network);
        record.instance.ClientToken = token ?? "";
        saveRecord(ctx, record);
        out.push(record);
      }
      if (token) clientTokensTable(ctx).put(scopeOf(ctx), token, { token, fingerprint: fingerprintOf(input), ReservationId: reservationId, instanceIds: [...created] });
    } catch (error) {
      compensate(ctx, created);
      throw error;
    }
    return out;
  });
  const [reservation] = reservationsOf(records, new InstanceViews(ctx, { launching: true }));
  if (!reservation) throw new AwsError("InternalError", "no instance was launched");
  return reservation;
}
