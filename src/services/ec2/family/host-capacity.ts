/**
 * Dedicated host capacity, kept simple and predictable: a host of a family has as many vCPUs as the
 * family's largest size (e.g. m5 → m5.24xlarge / m5.metal, 96 vCPUs). A single-type host holds
 * floor(host vCPUs / type vCPUs) instances of its type (m5.large → 48, as EC2's m5 hosts do); a
 * family host (AllowsMultipleInstanceTypes) fits any mix of the family's sizes whose vCPUs add up
 * to at most the host's.
 */
import type { AvailableCapacity, HostProperties, InstanceCapacity } from "@aws-sdk/client-ec2";
import { instanceTypeInfo } from "../catalog/api.ts";

/** Size suffixes EC2 uses, smallest to largest (metal variants last). */
const SIZES = [
  "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "3xlarge", "4xlarge", "6xlarge", "8xlarge", "9xlarge",
  "10xlarge", "12xlarge", "16xlarge", "18xlarge", "24xlarge", "32xlarge", "48xlarge", "56xlarge", "96xlarge", "112xlarge",
  "metal", "metal-16xl", "metal-24xl", "metal-32xl", "metal-48xl",
];

export interface FamilySize {
  instanceType: string;
  vcpus: number;
}

const familyCache = new Map<string, FamilySize[]>();

export const familyOf = (instanceType: string): string => instanceType.split(".")[0] ?? instanceType;

export const vcpusOf = (instanceType: string): number | undefined => instanceTypeInfo(instanceType)?.VCpuInfo?.DefaultVCpus;

/** The family's sizes that exist in the catalogue, with their vCPUs. */
export function familySizes(family: string): FamilySize[] {
  let sizes = familyCache.get(family);
  if (!sizes) {
    sizes = [];
    for (const size of SIZES) {
      const instanceType = `${family}.${size}`;
      const vcpus = vcpusOf(instanceType);
      if (vcpus) sizes.push({ instanceType, vcpus });
    }
    familyCache.set(family, sizes);
  }
  return sizes;
}

export function hostVcpus(family: string): number {
  return Math.max(0, ...familySizes(family).map((size) => size.vcpus));
}

/** Sockets, cores and vCPUs of a host: two threads per core where the family's largest size says so, two sockets from 64 vCPUs on. */
export function hostProperties(family: string, instanceType: string | undefined): HostProperties {
  const total = hostVcpus(family);
  const largest = familySizes(family).reduce<FamilySize | undefined>((best, size) => (!best || size.vcpus > best.vcpus ? size : best), undefined);
  const threads = (largest && instanceTypeInfo(largest.instanceType)?.VCpuInfo?.DefaultThreadsPerCore) || 2;
  return {
    Cores: Math.max(1, Math.floor(total / threads)),
    Sockets: total >= 64 ? 2 : 1,
    TotalVCpus: total,
    ...(instanceType ? { InstanceType: instanceType } : { InstanceFamily: family }),
  };
}

export interface PlacedInstance {
  instanceType: string;
}

/** What is left on a host given the instances placed on it. */
export function availableCapacity(family: string, instanceType: string | undefined, placed: readonly PlacedInstance[]): AvailableCapacity {
  const total = hostVcpus(family);
  const used = placed.reduce((sum, instance) => sum + (vcpusOf(instance.instanceType) ?? 0), 0);
  const free = Math.max(0, total - used);
  const sizes = instanceType ? familySizes(family).filter((size) => size.instanceType === instanceType) : familySizes(family).filter((size) => !size.instanceType.includes(".metal"));
  const capacity: InstanceCapacity[] = sizes.map((size) => ({
    InstanceType: size.instanceType,
    TotalCapacity: Math.floor(total / size.vcpus),
    AvailableCapacity: Math.floor(free / size.vcpus),
  }));
  return { AvailableInstanceCapacity: capacity, AvailableVCpus: free };
}

/** Whether one more instance of `instanceType` fits on the host. */
export function fits(family: string, hostType: string | undefined, placed: readonly PlacedInstance[], instanceType: string): boolean {
  if (hostType ? instanceType !== hostType : familyOf(instanceType) !== family) return false;
  const need = vcpusOf(instanceType);
  if (!need) return false;
  return (availableCapacity(family, hostType, placed).AvailableVCpus ?? 0) >= need;
}
