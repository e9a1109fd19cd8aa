/** Network interfaces: creation with address allocation, attachment bookkeeping, deletion, and the instance's view of them. */
import type { GroupIdentifier, InstanceNetworkInterface, NetworkInterface, Subnet, Tag } from "@aws-sdk/client-ec2";
import { pooledRandomBytes } from "../../../shared/random-pool.ts";
import type { RequestContext } from "../../service-types.ts";
import { ec2Error, notFound } from "../shared/errors.ts";
import { newEc2Id } from "../shared/ids.ts";
import { allocatePrivateIp, allocatePublicIp, checkRequestedPrivateIp, privateDnsName, publicDnsName, releasePrivateIp, releasePublicIp } from "./addressing.ts";
import { checkWellFormed, KIND } from "./lookup.ts";
import { timestamp, type Net } from "./state.ts";

/** An ENI as stored: tags under `Tags` (the registry's convention; the API calls them TagSet) and whether it auto-maps a public IP. */
export interface StoredEni extends NetworkInterface {
  Tags?: Tag[];
  AutoPublicIp?: boolean;
  AutoCarrierIp?: boolean;
}

export const eniOf = (n: Net, id: string): StoredEni | undefined => n.enis.get(id) as StoredEni | undefined;

export function requireEni(n: Net, id: string): StoredEni {
  checkWellFormed(KIND.eni, id);
  const eni = eniOf(n, id);
  if (!eni) throw notFound("InvalidNetworkInterfaceID.NotFound", "network interface", id);
  return eni;
}

export function requireSubnet(n: Net, id: string): Subnet {
  const subnet = n.subnets.get(id);
  if (!subnet) throw notFound("InvalidSubnetID.NotFound", "subnet", id);
  return subnet;
}

/** Resolves security group ids of the subnet's VPC (InvalidGroup.NotFound / different networks as AWS says). */
export function resolveGroupIds(n: Net, vpcId: string, groupIds: readonly string[]): GroupIdentifier[] {
  // AWS's default quota (also reported by DescribeAccountAttributes): 5 groups per interface.
  if (new Set(groupIds).size > 5) throw ec2Error("SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.");
  return [...new Set(groupIds)].map((id) => {
    const group = n.groups.get(id);
    if (!group) throw ec2Error("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
    if (group.VpcId !== vpcId) throw ec2Error("InvalidParameter", `Security group ${id} and subnet belong to different networks.`);
    return { GroupId: group.GroupId, GroupName: group.GroupName };
  });
}

const macAddress = (): string => ["0e", ...[...pooledRandomBytes(5)].map((b) => b.toString(16).padStart(2, "0"))].join(":");

export interface NewEni {
  subnet: Subnet;
  groups: GroupIdentifier[];
  privateIpAddress?: string;
  secondaryCount?: number;
  secondaryAddresses?: string[];
  description?: string;
  tags?: Tag[];
  interfaceType?: NetworkInterface["InterfaceType"];
  requesterManaged?: boolean;
  /** Resource-based hostnames (subnet HostnameType "resource-name"): the instance id names the host. */
  resourceName?: string;
}

/** i-0123456789abcdef0.ec2.internal in us-east-1, i-….<region>.compute.internal elsewhere. */
export const resourceDnsName = (region: string, name: string): string =>
  region === "us-east-1" ? `${name}.ec2.internal` : `${name}.${region}.compute.internal`;

/** The instance id when its subnet names hosts after resources rather than IPs. */
export const resourceNameFor = (subnet: Subnet, instanceId: string): { resourceName?: string } =>
  subnet.PrivateDnsNameOptionsOnLaunch?.HostnameType === "resource-name" ? { resourceName: instanceId } : {};

export function createEni(ctx: RequestContext, n: Net, request: NewEni): StoredEni {
  const id = newEc2Id("eni");
  const subnet = request.subnet;
  // Requested addresses are checked before any is taken, so a bad one leaves nothing allocated.
  for (const ip of [...(request.privateIpAddress ? [request.privateIpAddress] : []), ...(request.secondaryAddresses ?? [])]) checkRequestedPrivateIp(n, subnet, ip);
  const primary = allocatePrivateIp(n, subnet, id, request.privateIpAddress);
  const addresses = [primary];
  for (const ip of request.secondaryAddresses ?? []) addresses.push(allocatePrivateIp(n, subnet, id, ip));
  for (let i = 0; i < (request.secondaryCount ?? 0); i++) addresses.push(allocatePrivateIp(n, subnet, id));
  const eni: StoredEni = {
    AvailabilityZone: subnet.AvailabilityZone,
    AvailabilityZoneId: subnet.AvailabilityZoneId,
    Description: request.description ?? "",
    Groups: request.groups,
    InterfaceType: request.interfaceType ?? "interface",
    Ipv6Addresses: [],
    MacAddress: macAddress(),
    NetworkInterfaceId: id,
    OwnerId: ctx.account,
    PrivateDnsName: request.resourceName ? resourceDnsName(ctx.region, request.resourceName) : privateDnsName(ctx.region, primary),
    PrivateIpAddress: primary,
    PrivateIpAddresses: addresses.map((ip, index) => ({ Primary: index === 0, PrivateDnsName: privateDnsName(ctx.region, ip), PrivateIpAddress: ip })),
    RequesterManaged: request.requesterManaged ?? false,
    SourceDestCheck: true,
    Status: "available",
    SubnetId: subnet.SubnetId,
    VpcId: subnet.VpcId,
    Tags: request.tags ?? [],
  };
  n.enis.put(id, eni);
  return eni;
}

/** Maps an auto-assigned (non-Elastic) public IP onto the ENI, with a DNS name when the VPC has DNS hostnames on. */
export function mapAutoPublicIp(ctx: RequestContext, n: Net, eni: StoredEni, carrier: boolean = eni.AutoCarrierIp === true): StoredEni {
  const ip = allocatePublicIp(n, eni.NetworkInterfaceId ?? "");
  const vpc = n.vpcs.get(eni.VpcId ?? "");
  // Wavelength interfaces get a carrier IP (reachable from the carrier network) instead of a public IP, and no public name.
  const dns = vpc?.EnableDnsHostnames && !carrier ? publicDnsName(ctx.region, ip) : "";
  const association = carrier ? { IpOwnerId: "amazon", PublicDnsName: "", CarrierIp: ip } : { IpOwnerId: "amazon", PublicDnsName: dns, PublicIp: ip };
  const updated: StoredEni = {
    ...eni,
    ...(carrier ? { AutoCarrierIp: true } : { AutoPublicIp: true }),
    Association: association,
    PrivateIpAddresses: (eni.PrivateIpAddresses ?? []).map((p) => (p.Primary ? { ...p, Association: association } : p)),
  };
  return n.enis.put(eni.NetworkInterfaceId ?? "", updated) as StoredEni;
}

/** Drops an auto-assigned public IP (stop, detach of the primary); an Elastic IP (with AllocationId) stays. */
export function unmapAutoPublicIp(n: Net, eni: StoredEni): StoredEni {
  if (!eni.Association || eni.Association.AllocationId) return eni;
  const ip = eni.Association.PublicIp ?? eni.Association.CarrierIp;
  if (ip) releasePublicIp(n, ip);
  const { Association: _dropped, ...rest } = eni;
  const updated: StoredEni = { ...rest, PrivateIpAddresses: (eni.PrivateIpAddresses ?? []).map(({ Association: _a, ...p }) => p) };
  return n.enis.put(eni.NetworkInterfaceId ?? "", updated) as StoredEni;
}

/** Deletes an ENI: releases its private and auto public addresses, disassociates Elastic IPs (they stay allocated). */
export function deleteEniRecord(n: Net, eni: StoredEni): void {
  const id = eni.NetworkInterfaceId ?? "";
  for (const p of eni.PrivateIpAddresses ?? []) releasePrivateIp(n, eni.SubnetId ?? "", p.PrivateIpAddress ?? "");
  unmapAutoPublicIp(n, eni);
  for (const address of n.addresses.list()) {
    if (address.NetworkInterfaceId === id) {
      const { AssociationId: _a, NetworkInterfaceId: _n, NetworkInterfaceOwnerId: _o, PrivateIpAddress: _p, InstanceId: _i, ...rest } = address;
      n.addresses.put(address.AllocationId ?? "", rest);
    }
  }
  n.enis.delete(id);
}

export function attachEni(ctx: RequestContext, n: Net, eni: StoredEni, instanceId: string, deviceIndex: number, deleteOnTermination: boolean): StoredEni {
  const updated: StoredEni = {
    ...eni,
    Status: "in-use",
    Attachment: {
      AttachTime: timestamp(),
      AttachmentId: newEc2Id("eni-attach"),
      DeleteOnTermination: deleteOnTermination,
      DeviceIndex: deviceIndex,
      NetworkCardIndex: 0,
      InstanceId: instanceId,
      InstanceOwnerId: ctx.account,
      Status: "attached",
    },
  };
  n.enis.put(eni.NetworkInterfaceId ?? "", updated);
  const current = n.instanceEnis.get(instanceId)?.eniIds ?? [];
  n.instanceEnis.put(instanceId, { eniIds: [...current.filter((e) => e !== eni.NetworkInterfaceId), eni.NetworkInterfaceId ?? ""] });
  return updated;
}

/** Detaching is immediate here (AWS passes through "detaching" within seconds). */
export function detachEni(n: Net, eni: StoredEni): StoredEni {
  const instanceId = eni.Attachment?.InstanceId;
  const { Attachment: _gone, ...rest } = eni;
  const updated: StoredEni = { ...rest, Status: "available" };
  n.enis.put(eni.NetworkInterfaceId ?? "", updated);
  if (instanceId) {
    const remaining = (n.instanceEnis.get(instanceId)?.eniIds ?? []).filter((e) => e !== eni.NetworkInterfaceId);
    if (remaining.length > 0) n.instanceEnis.put(instanceId, { eniIds: remaining });
    else n.instanceEnis.delete(instanceId);
  }
  return updated;
}

export function enisOfInstance(n: Net, instanceId: string): StoredEni[] {
  const ids = n.instanceEnis.get(instanceId)?.eniIds ?? [];
  const enis: StoredEni[] = [];
  for (const id of ids) {
    const eni = eniOf(n, id);
    if (eni) enis.push(eni);
  }
  return enis.sort((a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0));
}

/** The ENI as DescribeInstances shows it inside an instance. */
export function instanceInterfaceOf(eni: StoredEni): InstanceNetworkInterface {
  const association = eni.Association
    ? { IpOwnerId: eni.Association.IpOwnerId, PublicDnsName: eni.Association.PublicDnsName, PublicIp: eni.Association.PublicIp, CarrierIp: eni.Association.CarrierIp }
    : undefined;
  return {
    ...(association ? { Association: association } : {}),
    Attachment: eni.Attachment
      ? {
          AttachTime: eni.Attachment.AttachTime,
          AttachmentId: eni.Attachment.AttachmentId,
          DeleteOnTermination: eni.Attachment.DeleteOnTermination,
          DeviceIndex: eni.Attachment.DeviceIndex,
          Status: eni.Attachment.Status,
          NetworkCardIndex: eni.Attachment.NetworkCardIndex,
        }
      : undefined,
    Description: eni.Description,
    Groups: eni.Groups ?? [],
    Ipv6Addresses: [],
    MacAddress: eni.MacAddress,
    NetworkInterfaceId: eni.NetworkInterfaceId,
    OwnerId: eni.OwnerId,
    PrivateDnsName: eni.PrivateDnsName,
    PrivateIpAddress: eni.PrivateIpAddress,
    PrivateIpAddresses: (eni.PrivateIpAddresses ?? []).map((p) => ({
      ...(p.Association ? { Association: { IpOwnerId: p.Association.IpOwnerId, PublicDnsName: p.Association.PublicDnsName, PublicIp: p.Association.PublicIp, CarrierIp: p.Association.CarrierIp } } : {}),
      Primary: p.Primary,
      PrivateDnsName: p.PrivateDnsName,
      PrivateIpAddress: p.PrivateIpAddress,
    })),
    SourceDestCheck: eni.SourceDestCheck,
    Status: eni.Status,
    SubnetId: eni.SubnetId,
    VpcId: eni.VpcId,
    InterfaceType: eni.InterfaceType,
  };
}

/** The ENI as DescribeNetworkInterfaces shows it (tags as TagSet, bookkeeping fields dropped). */
export function describeEni(eni: StoredEni): NetworkInterface {
  const { Tags, AutoPublicIp: _auto, AutoCarrierIp: _carrier, ...rest } = eni;
  return { ...rest, TagSet: Tags ?? [] };
}
