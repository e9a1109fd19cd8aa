/** Private IPs from a subnet's range without collisions, auto-assigned public IPs, and EC2's DNS names. */
import type { Subnet } from "@aws-sdk/client-ec2";
import { pooledRandomInt } from "../../../shared/random-pool.ts";
import { ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { formatIp, ipInCidr, isReservedInSubnet, parseCidr, parseIp } from "./cidr.ts";
import type { Net } from "./state.ts";

/** Where the last allocation in a subnet ended: only a hint (the lease table is the truth), so a stale hint is harmless. */
const cursor = new Map<string, number>();

const leaseKey = (subnetId: string, ip: string): string => `${subnetId}/${ip}`;

export function isPrivateIpInUse(n: Net, subnetId: string, ip: string): boolean {
  return n.privateIps.has(leaseKey(subnetId, ip));
}

/** Checks a requested address the way EC2 does: inside the subnet, not reserved, not taken. */
export function checkRequestedPrivateIp(n: Net, subnet: Subnet, ip: string): void {
  const cidr = parseCidr(subnet.CidrBlock ?? "");
  const value = parseIp(ip);
  if (value === undefined) throw invalidParameterValue(`Invalid value '${ip}' for IP address. Please specify a valid IPv4 address.`);
  if (!cidr || !ipInCidr(value, cidr)) throw invalidParameterValue(`Address ${ip} does not fall within the subnet's address range`);
  if (isReservedInSubnet(value, cidr)) throw invalidParameterValue(`Address ${ip} is in subnet's reserved address range`);
  if (isPrivateIpInUse(n, subnet.SubnetId ?? "", ip)) throw ec2Error("InvalidIPAddress.InUse", `Address ${ip} is in use.`);
}

/** Takes an address of the subnet (the requested one, else the next free one) for `owner` (an ENI id). */
export function allocatePrivateIp(n: Net, subnet: Subnet, owner: string, requested?: string): string {
  const subnetId = subnet.SubnetId ?? "";
  const cidr = parseCidr(subnet.CidrBlock ?? "");
  if (!cidr) throw invalidParameterValue(`Subnet ${subnetId} has no IPv4 range`);
  let ip: string | undefined;
  if (requested !== undefined) {
    checkRequestedPrivateIp(n, subnet, requested);
    ip = requested;
  } else {
    const first = cidr.base + 4;
    const count = cidr.size - 5;
    const hintKey = `${n.scope.account}/${n.scope.region}/${subnetId}`;
    const start = cursor.get(hintKey) ?? 0;
    for (let i = 0; i < count; i++) {
      const offset = (start + i) % count;
      const candidate = formatIp(first + offset);
      if (!isPrivateIpInUse(n, subnetId, candidate)) {
        ip = candidate;
        cursor.set(hintKey, offset + 1);
        break;
      }
    }
    if (ip === undefined) {
      throw ec2Error("InsufficientFreeAddressesInSubnet", `There are not enough free addresses in subnet '${subnetId}' to satisfy the requested number of instances.`);
    }
  }
  n.privateIps.put(leaseKey(subnetId, ip), { owner });
  adjustAvailable(n, subnetId, -1);
  return ip;
}

export function releasePrivateIp(n: Net, subnetId: string, ip: string): void {
  if (n.privateIps.delete(leaseKey(subnetId, ip))) adjustAvailable(n, subnetId, 1);
}

function adjustAvailable(n: Net, subnetId: string, delta: number): void {
  const subnet = n.subnets.get(subnetId);
  if (subnet) n.subnets.put(subnetId, { ...subnet, AvailableIpAddressCount: (subnet.AvailableIpAddressCount ?? 0) + delta });
}

/**
 * Auto-assigned public IPs come from 198.18.0.0/15 (RFC 2544, reserved for benchmarking and never
 * routed on the Internet): large enough for thousands of instances, and an address a test copies
 * into a real client can never reach anybody's machine. Elastic IPs use the TEST-NET ranges.
 */
const PUBLIC_POOL_BASE = (198 << 24 >>> 0) + (18 << 16);
const PUBLIC_POOL_SIZE = 2 ** 17;

export function allocatePublicIp(n: Net, owner: string): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const offset = pooledRandomInt(1, PUBLIC_POOL_SIZE - 1);
    if ((offset & 255) === 0 || (offset & 255) === 255) continue;
    const ip = formatIp(PUBLIC_POOL_BASE + offset);
    if (!n.publicIps.has(ip)) {
      n.publicIps.put(ip, { owner });
      return ip;
    }
  }
  throw ec2Error("InsufficientAddressCapacity", "There are not enough public addresses available.");
}

export function releasePublicIp(n: Net, ip: string): void {
  n.publicIps.delete(ip);
}

/**
 * Elastic IPs come from TEST-NET-2 and TEST-NET-3 (RFC 5737: 198.51.100.0/24, 203.0.113.0/24),
 * documentation-only ranges no real traffic uses, so a copied address never reaches a real host.
 */
const EIP_POOLS = [(198 << 24 >>> 0) + (51 << 16) + (100 << 8), (203 << 24 >>> 0) + (0 << 16) + (113 << 8)];

export function allocateElasticIp(n: Net, owner: string): string {
  const candidates: string[] = [];
  for (const base of EIP_POOLS) for (let host = 1; host < 255; host++) candidates.push(formatIp(base + host));
  const start = pooledRandomInt(0, candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    const ip = candidates[(start + i) % candidates.length] as string;
    if (!n.publicIps.has(ip)) {
      n.publicIps.put(ip, { owner });
      return ip;
    }
  }
  throw ec2Error("AddressLimitExceeded", "The maximum number of addresses has been reached.");
}

const dashed = (ip: string): string => ip.replaceAll(".", "-");

/** ip-172-31-5-10.ec2.internal in us-east-1, ip-10-0-0-5.eu-west-1.compute.internal elsewhere. */
export const privateDnsName = (region: string, ip: string): string =>
  region === "us-east-1" ? `ip-${dashed(ip)}.ec2.internal` : `ip-${dashed(ip)}.${region}.compute.internal`;

/** ec2-198-18-4-7.compute-1.amazonaws.com in us-east-1, ec2-….<region>.compute.amazonaws.com elsewhere. */
export const publicDnsName = (region: string, ip: string): string =>
  region === "us-east-1" ? `ec2-${dashed(ip)}.compute-1.amazonaws.com` : `ec2-${dashed(ip)}.${region}.compute.amazonaws.com`;
