/** DescribeInstanceTypes and DescribeInstanceTypeOfferings over the recorded catalogue (data/ec2/). */
import type { InstanceTypeInfo, InstanceTypeOffering, LocationType } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters, type FieldReader } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { instanceTypes, offeredTypes } from "./data.ts";
import { allZones, zoneOfferedTypes } from "./zones.ts";

type Reader = FieldReader<InstanceTypeInfo>;

const disks = (t: InstanceTypeInfo) => t.InstanceStorageInfo?.Disks ?? [];
const ebsOptimized = (t: InstanceTypeInfo) => t.EbsInfo?.EbsOptimizedInfo;

/** The filters DescribeInstanceTypes documents. */
const FIELDS: Record<string, Reader> = {
  "auto-recovery-supported": (t) => t.AutoRecoverySupported,
  "bare-metal": (t) => t.BareMetal,
  "burstable-performance-supported": (t) => t.BurstablePerformanceSupported,
  "current-generation": (t) => t.CurrentGeneration,
  "dedicated-hosts-supported": (t) => t.DedicatedHostsSupported,
  "ebs-info.attachment-limit-type": (t) => t.EbsInfo?.AttachmentLimitType,
  "ebs-info.maximum-ebs-attachments": (t) => t.EbsInfo?.MaximumEbsAttachments,
  "ebs-info.ebs-optimized-info.baseline-bandwidth-in-mbps": (t) => ebsOptimized(t)?.BaselineBandwidthInMbps,
  "ebs-info.ebs-optimized-info.baseline-iops": (t) => ebsOptimized(t)?.BaselineIops,
  "ebs-info.ebs-optimized-info.baseline-throughput-in-mbps": (t) => ebsOptimized(t)?.BaselineThroughputInMBps,
  "ebs-info.ebs-optimized-info.maximum-bandwidth-in-mbps": (t) => ebsOptimized(t)?.MaximumBandwidthInMbps,
  "ebs-info.ebs-optimized-info.maximum-iops": (t) => ebsOptimized(t)?.MaximumIops,
  "ebs-info.ebs-optimized-info.maximum-throughput-in-mbps": (t) => ebsOptimized(t)?.MaximumThroughputInMBps,
  "ebs-info.ebs-optimized-support": (t) => t.EbsInfo?.EbsOptimizedSupport,
  "ebs-info.encryption-support": (t) => t.EbsInfo?.EncryptionSupport,
  "ebs-info.nvme-support": (t) => t.EbsInfo?.NvmeSupport,
  "free-tier-eligible": (t) => t.FreeTierEligible,
  "hibernation-supported": (t) => t.HibernationSupported,
  hypervisor: (t) => t.Hypervisor,
  "instance-storage-info.disk.count": (t) => disks(t).map((d) => d.Count),
  "instance-storage-info.disk.size-in-gb": (t) => disks(t).map((d) => d.SizeInGB),
  "instance-storage-info.disk.type": (t) => disks(t).map((d) => d.Type),
  "instance-storage-info.encryption-support": (t) => t.InstanceStorageInfo?.EncryptionSupport,
  "instance-storage-info.nvme-support": (t) => t.InstanceStorageInfo?.NvmeSupport,
  "instance-storage-info.total-size-in-gb": (t) => t.InstanceStorageInfo?.TotalSizeInGB,
  "instance-storage-supported": (t) => t.InstanceStorageSupported,
  "instance-type": (t) => t.InstanceType,
  "memory-info.size-in-mib": (t) => t.MemoryInfo?.SizeInMiB,
  "network-info.bandwidth-weightings": (t) => t.NetworkInfo?.BandwidthWeightings,
  "network-info.efa-info.maximum-efa-interfaces": (t) => t.NetworkInfo?.EfaInfo?.MaximumEfaInterfaces,
  "network-info.efa-supported": (t) => t.NetworkInfo?.EfaSupported,
  "network-info.ena-support": (t) => t.NetworkInfo?.EnaSupport,
  "network-info.flexible-ena-queues-support": (t) => t.NetworkInfo?.FlexibleEnaQueuesSupport,
  "network-info.encryption-in-transit-supported": (t) => t.NetworkInfo?.EncryptionInTransitSupported,
  "network-info.ipv4-addresses-per-interface": (t) => t.NetworkInfo?.Ipv4AddressesPerInterface,
  "network-info.ipv6-addresses-per-interface": (t) => t.NetworkInfo?.Ipv6AddressesPerInterface,
  "network-info.ipv6-supported": (t) => t.NetworkInfo?.Ipv6Supported,
  "network-info.maximum-network-cards": (t) => t.NetworkInfo?.MaximumNetworkCards,
  "network-info.maximum-network-interfaces": (t) => t.NetworkInfo?.MaximumNetworkInterfaces,
  "network-info.network-performance": (t) => t.NetworkInfo?.NetworkPerformance,
  "nitro-enclaves-support": (t) => t.NitroEnclavesSupport,
  "nitro-tpm-support": (t) => t.NitroTpmSupport,
  "nitro-tpm-info.supported-versions": (t) => t.NitroTpmInfo?.SupportedVersions,
  "placement-group-info.supported-strategies": (t) => t.PlacementGroupInfo?.SupportedStrategies,
  "processor-info.manufacturer": (t) => t.ProcessorInfo?.Manufacturer,
  "processor-info.supported-architecture": (t) => t.ProcessorInfo?.SupportedArchitectures,
  "processor-info.supported-features": (t) => t.ProcessorInfo?.SupportedFeatures,
  "processor-info.sustained-clock-speed-in-ghz": (t) => t.ProcessorInfo?.SustainedClockSpeedInGhz,
  "reboot-migration-support": (t) => t.RebootMigrationSupport,
  "supported-boot-mode": (t) => t.SupportedBootModes,
  "supported-root-device-type": (t) => t.SupportedRootDeviceTypes,
  "supported-usage-class": (t) => t.SupportedUsageClasses,
  "supported-virtualization-type": (t) => t.SupportedVirtualizationTypes,
  "vcpu-info.default-cores": (t) => t.VCpuInfo?.DefaultCores,
  "vcpu-info.default-threads-per-core": (t) => t.VCpuInfo?.DefaultThreadsPerCore,
  "vcpu-info.default-vcpus": (t) => t.VCpuInfo?.DefaultVCpus,
  "vcpu-info.valid-cores": (t) => t.VCpuInfo?.ValidCores,
  "vcpu-info.valid-threads-per-core": (t) => t.VCpuInfo?.ValidThreadsPerCore,
};

const LOCATION_TYPES = ["region", "availability-zone", "availability-zone-id", "outpost"];

export const instanceTypeHandlers: HandlerTable<Ec2Operations> = {
  DescribeInstanceTypes: (input, ctx) => {
    checkDryRun(input);
    const catalogue = instanceTypes();
    const offered = offeredTypes(ctx.region, ctx.region);
    const requested = input.InstanceTypes ?? [];
    const missing = requested.filter((name) => !catalogue.has(name) || !offered.has(name));
    if (missing.length) throw ec2Error("InvalidInstanceType", `The following supplied instance types do not exist: [${missing.join(", ")}]`);
    const names = requested.length ? [...new Set(requested)] : [...offered];
    const infos = names.map((name) => catalogue.get(name)).filter((info): info is InstanceTypeInfo => info !== undefined);
    const filtered = applyFilters(infos, input.Filters, FIELDS);
    // Without MaxResults EC2 still pages this catalogue by 100 (callers follow NextToken).
    const page = paginate(filtered, input.MaxResults ?? 100, input.NextToken, { min: 5, max: 100 });
    return { InstanceTypes: page.items, NextToken: page.nextToken };
  },

  DescribeInstanceTypeOfferings: (input, ctx) => {
    checkDryRun(input);
    const locationType = input.LocationType ?? "region";
    if (!LOCATION_TYPES.includes(locationType)) {
      throw invalidParameterValue(`Value (${locationType}) for parameter locationType is invalid. Valid values: ${LOCATION_TYPES.join(", ")}`);
    }
    const offerings: InstanceTypeOffering[] = [];
    const add = (location: string, types: Set<string>) => {
      for (const type of types) offerings.push({ InstanceType: type as InstanceTypeOffering["InstanceType"], LocationType: locationType as LocationType, Location: location });
    };
    if (locationType === "region") add(ctx.region, offeredTypes(ctx.region, ctx.region));
    else if (locationType !== "outpost") {
      // Standard zones, and the Local/Wavelength Zones the account has opted in to.
      for (const zone of allZones(ctx)) {
        if (zone.ZoneType !== "availability-zone" && zone.OptInStatus !== "opted-in") continue;
        add(locationType === "availability-zone" ? (zone.ZoneName ?? "") : (zone.ZoneId ?? ""), zoneOfferedTypes(ctx, zone));
      }
    }
    const filtered = applyFilters(offerings, input.Filters, {
      location: (o) => o.Location,
      "instance-type": (o) => o.InstanceType,
    });
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { InstanceTypeOfferings: page.items, NextToken: page.nextToken };
  },
};
