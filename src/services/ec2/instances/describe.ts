/** DescribeInstances and DescribeInstanceStatus: ids, every documented filter that applies, AWS paging. */
import type {
  DescribeInstanceStatusRequest,
  DescribeInstanceStatusResult,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  InstanceNetworkInterface,
  InstanceStatus,
} from "@aws-sdk/client-ec2";
import { instanceRunner } from "../../../engine/instance-runner.ts";
import { AwsError } from "../../../shared/aws-error.ts";
import type { RequestContext } from "../../service-types.ts";
import { checkDryRun } from "../shared/errors.ts";
import { applyFilters, type FieldReader } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { liveRecords, requireInstances, STATE_CODES, type InstanceRecord } from "./state.ts";
import { InstanceViews, reservationsOf } from "./view.ts";

type Reader = FieldReader<InstanceRecord>;

/** Filters over the network interfaces: `network-interface.<name>` reads each interface. */
function interfaceFilters(views: InstanceViews): Record<string, Reader> {
  const each = (read: (eni: InstanceNetworkInterface) => string | number | boolean | undefined | Array<string | undefined>): Reader => (record) =>
    views.network(record).networkInterfaces.flatMap((eni) => read(eni));
  return {
    "network-interface.addresses.association.public-ip": each((e) => (e.PrivateIpAddresses ?? []).map((a) => a.Association?.PublicIp)),
    "network-interface.addresses.association.ip-owner-id": each((e) => (e.PrivateIpAddresses ?? []).map((a) => a.Association?.IpOwnerId)),
    "network-interface.addresses.primary": each((e) => (e.PrivateIpAddresses ?? []).map((a) => String(a.Primary ?? false))),
    "network-interface.addresses.private-ip-address": each((e) => (e.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress)),
    "network-interface.addresses.private-dns-name": each((e) => (e.PrivateIpAddresses ?? []).map((a) => a.PrivateDnsName)),
    "network-interface.association.public-ip": each((e) => e.Association?.PublicIp),
    "network-interface.association.ip-owner-id": each((e) => e.Association?.IpOwnerId),
    "network-interface.association.public-dns-name": each((e) => e.Association?.PublicDnsName),
    "network-interface.attachment.attachment-id": each((e) => e.Attachment?.AttachmentId),
    "network-interface.attachment.instance-id": (record) => views.network(record).networkInterfaces.map(() => record.InstanceId),
    "network-interface.attachment.instance-owner-id": (record) => views.network(record).networkInterfaces.map(() => record.OwnerId),
    "network-interface.attachment.device-index": each((e) => e.Attachment?.DeviceIndex),
    "network-interface.attachment.status": each((e) => e.Attachment?.Status),
    "network-interface.attachment.attach-time": each((e) => isoOf(e.Attachment?.AttachTime)),
    "network-interface.attachment.delete-on-termination": each((e) => e.Attachment?.DeleteOnTermination),
    "network-interface.description": each((e) => e.Description),
    "network-interface.group-id": each((e) => (e.Groups ?? []).map((g) => g.GroupId)),
    "network-interface.group-name": each((e) => (e.Groups ?? []).map((g) => g.GroupName)),
    "network-interface.ipv6-addresses.ipv6-address": each((e) => (e.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)),
    "network-interface.mac-address": each((e) => e.MacAddress),
    "network-interface.network-interface-id": each((e) => e.NetworkInterfaceId),
    "network-interface.owner-id": each((e) => e.OwnerId),
    "network-interface.private-dns-name": each((e) => e.PrivateDnsName),
    "network-interface.private-ip-address": each((e) => e.PrivateIpAddress),
    "network-interface.source-dest-check": each((e) => e.SourceDestCheck),
    "network-interface.status": each((e) => e.Status),
    "network-interface.subnet-id": each((e) => e.SubnetId),
    "network-interface.vpc-id": each((e) => e.VpcId),
    "network-interface.interface-type": each((e) => e.InterfaceType),
    "network-interface.ipv6-address": each((e) => (e.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)),
  };
}

const isoOf = (value: unknown): string | undefined => (value instanceof Date ? value.toISOString() : typeof value === "string" ? value : undefined);

function instanceFilters(views: InstanceViews): Record<string, Reader> {
  const groupIds: Reader = (r) => views.network(r).groups.map((g) => g.GroupId);
  const groupNames: Reader = (r) => views.network(r).groups.map((g) => g.GroupName);
  const i = (r: InstanceRecord) => r.instance;
  return {
    affinity: (r) => i(r).Placement?.Affinity,
    architecture: (r) => i(r).Architecture,
    "availability-zone": (r) => i(r).Placement?.AvailabilityZone,
    "availability-zone-id": (r) => i(r).Placement?.AvailabilityZoneId,
    "block-device-mapping.attach-time": (r) => views.blockDevices(r).map((b) => isoOf(b.Ebs?.AttachTime)),
    "block-device-mapping.delete-on-termination": (r) => views.blockDevices(r).map((b) => b.Ebs?.DeleteOnTermination),
    "block-device-mapping.device-name": (r) => views.blockDevices(r).map((b) => b.DeviceName),
    "block-device-mapping.status": (r) => views.blockDevices(r).map((b) => b.Ebs?.Status),
    "block-device-mapping.volume-id": (r) => views.blockDevices(r).map((b) => b.Ebs?.VolumeId),
    "boot-mode": (r) => i(r).BootMode,
    "client-token": (r) => i(r).ClientToken,
    "current-instance-boot-mode": (r) => i(r).CurrentInstanceBootMode,
    "dns-name": (r) => views.network(r).publicDnsName,
    "ebs-optimized": (r) => i(r).EbsOptimized,
    "ena-support": (r) => i(r).EnaSupport,
    "hibernation-options.configured": (r) => i(r).HibernationOptions?.Configured,
    "host-id": (r) => i(r).Placement?.HostId,
    hypervisor: (r) => i(r).Hypervisor,
    "iam-instance-profile.arn": (r) => i(r).IamInstanceProfile?.Arn,
    "iam-instance-profile.id": (r) => i(r).IamInstanceProfile?.Id,
    "image-id": (r) => i(r).ImageId,
    "instance-id": (r) => r.InstanceId,
    "instance-lifecycle": (r) => i(r).InstanceLifecycle,
    "instance-state-code": (r) => STATE_CODES[r.lifecycle.state],
    "instance-state-name": (r) => r.lifecycle.state,
    "instance-type": (r) => i(r).InstanceType,
    "instance.group-id": groupIds,
    "instance.group-name": groupNames,
    "group-id": groupIds,
    "group-name": groupNames,
    "ip-address": (r) => views.network(r).publicIpAddress,
    "kernel-id": (r) => i(r).KernelId,
    "key-name": (r) => i(r).KeyName,
    "launch-index": (r) => i(r).AmiLaunchIndex,
    "launch-time": (r) => r.LaunchTime,
    "maintenance-options.auto-recovery": (r) => i(r).MaintenanceOptions?.AutoRecovery,
    "metadata-options.http-endpoint": (r) => i(r).MetadataOptions?.HttpEndpoint,
    "metadata-options.http-protocol-ipv6": (r) => i(r).MetadataOptions?.HttpProtocolIpv6,
    "metadata-options.http-put-response-hop-limit": (r) => i(r).MetadataOptions?.HttpPutResponseHopLimit,
    "metadata-options.http-tokens": (r) => i(r).MetadataOptions?.HttpTokens,
    "metadata-options.instance-metadata-tags": (r) => i(r).MetadataOptions?.InstanceMetadataTags,
    "monitoring-state": (r) => i(r).Monitoring?.State,
    "owner-id": (r) => r.OwnerId,
    "placement-group-name": (r) => i(r).Placement?.GroupName || undefined,
    "placement-partition-number": (r) => i(r).Placement?.PartitionNumber,
    platform: (r) => i(r).Platform,
    "platform-details": (r) => i(r).PlatformDetails,
    "private-dns-name": (r) => views.network(r).privateDnsName,
    "private-ip-address": (r) => views.network(r).privateIpAddress,
    "product-code": (r) => (i(r).ProductCodes ?? []).map((p) => p.ProductCodeId),
    "product-code.type": (r) => (i(r).ProductCodes ?? []).map((p) => p.ProductCodeType),
    "ramdisk-id": (r) => i(r).RamdiskId,
    reason: (r) => r.lifecycle.transitionReason,
    "requester-id": (r) => r.RequesterId,
    "reservation-id": (r) => r.ReservationId,
    "root-device-name": (r) => i(r).RootDeviceName,
    "root-device-type": (r) => i(r).RootDeviceType,
    "source-dest-check": (r) => views.network(r).networkInterfaces[0]?.SourceDestCheck ?? r.sourceDestCheck,
    "state-reason-code": (r) => r.lifecycle.reason?.Code,
    "state-reason-message": (r) => r.lifecycle.reason?.Message,
    "subnet-id": (r) => views.network(r).subnetId,
    tenancy: (r) => i(r).Placement?.Tenancy,
    "usage-operation": (r) => i(r).UsageOperation,
    "virtualization-type": (r) => i(r).VirtualizationType,
    "capacity-reservation-id": (r) => i(r).CapacityReservationId,
    "capacity-reservation-specification.capacity-reservation-preference": (r) => i(r).CapacityReservationSpecification?.CapacityReservationPreference,
    "cpu-options.core-count": (r) => i(r).CpuOptions?.CoreCount,
    "cpu-options.threads-per-core": (r) => i(r).CpuOptions?.ThreadsPerCore,
    "enclave-options.enabled": (r) => i(r).EnclaveOptions?.Enabled,
    "ipv6-address": (r) => views.network(r).networkInterfaces.flatMap((e) => (e.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)),
    "maintenance-options.reboot-migration": (r) => i(r).MaintenanceOptions?.RebootMigration,
    "network-performance-options.bandwidth-weighting": (r) => i(r).NetworkPerformanceOptions?.BandwidthWeighting,
    "operator.managed": (r) => i(r).Operator?.Managed,
    "operator.principal": (r) => i(r).Operator?.Principal,
    "outpost-arn": (r) => i(r).OutpostArn,
    "private-dns-name-options.hostname-type": (r) => i(r).PrivateDnsNameOptions?.HostnameType,
    "private-dns-name-options.enable-resource-name-dns-a-record": (r) => i(r).PrivateDnsNameOptions?.EnableResourceNameDnsARecord,
    "private-dns-name-options.enable-resource-name-dns-aaaa-record": (r) => i(r).PrivateDnsNameOptions?.EnableResourceNameDnsAAAARecord,
    "spot-instance-request-id": (r) => i(r).SpotInstanceRequestId,
    "sriov-net-support": (r) => i(r).SriovNetSupport,
    "tpm-support": (r) => i(r).TpmSupport,
    "usage-operation-update-time": (r) => r.UsageOperationUpdateTime,
    "vpc-id": (r) => views.network(r).vpcId,
    ...interfaceFilters(views),
  };
}

export function describeInstances(input: DescribeInstancesRequest, ctx: RequestContext): DescribeInstancesResult {
  const now = Date.now();
  const records = selectRecords(ctx, input, now);
  checkDryRun(input);
  const views = new InstanceViews(ctx, { reuse: true });
  const filtered = applyFilters(records, input.Filters, instanceFilters(views), (r) => r.Tags);
  const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
  return { Reservations: reservationsOf(page.items, views), NextToken: page.nextToken };
}

/** The instances named by InstanceIds (each must exist), else every live one; ids and MaxResults exclude each other. */
function selectRecords(ctx: RequestContext, input: { InstanceIds?: string[] | undefined; MaxResults?: number | undefined }, now: number): InstanceRecord[] {
  const ids = input.InstanceIds ?? [];
  if (ids.length > 0 && input.MaxResults !== undefined) {
    throw new AwsError("InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults");
  }
  return ids.length > 0 ? dedupe(requireInstances(ctx, ids, now)) : liveRecords(ctx, now);
}

function dedupe(records: InstanceRecord[]): InstanceRecord[] {
  const seen = new Set<string>();
  return records.filter((r) => (seen.has(r.InstanceId) ? false : (seen.add(r.InstanceId), true)));
}

/** Status checks: "initializing" for a short while after the instance is running, then "ok". */
function statusOf(record: InstanceRecord, now: number): InstanceStatus {
  const running = record.lifecycle.state === "running";
  const settled = running && now - record.lifecycle.since >= instanceRunner().timings.statusInitMs;
  const summary = running ? (settled ? "ok" : "initializing") : "not-applicable";
  const details = running ? [{ Name: "reachability" as const, Status: settled ? ("passed" as const) : ("initializing" as const) }] : undefined;
  return {
    AvailabilityZone: record.instance.Placement?.AvailabilityZone,
    AvailabilityZoneId: record.instance.Placement?.AvailabilityZoneId,
    InstanceId: record.InstanceId,
    InstanceState: { Code: STATE_CODES[record.lifecycle.state], Name: record.lifecycle.state },
    InstanceStatus: { Status: summary, Details: details },
    SystemStatus: { Status: summary, Details: details },
    AttachedEbsStatus: { Status: summary, Details: details },
    Events: [],
  };
}

export function describeInstanceStatus(input: DescribeInstanceStatusRequest, ctx: RequestContext): DescribeInstanceStatusResult {
  const now = Date.now();
  const records = selectRecords(ctx, input, now);
  checkDryRun(input);
  const visible = input.IncludeAllInstances ? records : records.filter((r) => r.lifecycle.state === "running");
  const statuses = visible.map((r) => statusOf(r, now));
  const filtered = applyFilters(statuses, input.Filters, {
    "availability-zone": (s) => s.AvailabilityZone,
    "availability-zone-id": (s) => s.AvailabilityZoneId,
    "instance-state-code": (s) => s.InstanceState?.Code,
    "instance-state-name": (s) => s.InstanceState?.Name,
    "instance-status.reachability": (s) => s.InstanceStatus?.Details?.map((d) => d.Status),
    "instance-status.status": (s) => s.InstanceStatus?.Status,
    "system-status.reachability": (s) => s.SystemStatus?.Details?.map((d) => d.Status),
    "system-status.status": (s) => s.SystemStatus?.Status,
    "attached-ebs-status.status": (s) => s.AttachedEbsStatus?.Status,
    "event.code": () => undefined,
    "event.description": () => undefined,
    "event.instance-event-id": () => undefined,
    "event.not-after": () => undefined,
    "event.not-before": () => undefined,
    "event.not-before-deadline": () => undefined,
    "operator.managed": () => "false",
    "operator.principal": () => undefined,
  });
  const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
  return { InstanceStatuses: page.items, NextToken: page.nextToken };
}
