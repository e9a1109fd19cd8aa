/** Elastic IPs: allocate, associate with an instance or ENI, disassociate, release, describe. */
import type { Address } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { findInstance } from "../instances/api.ts";
import { checkDryRun, ec2Error, notFound } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { newEc2Id } from "../shared/ids.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { allocateElasticIp, publicDnsName, releasePublicIp } from "./addressing.ts";
import { enisOfInstance, mapAutoPublicIp, requireEni, unmapAutoPublicIp, type StoredEni } from "./eni-model.ts";
import { checkWellFormed, KIND } from "./lookup.ts";
import type { Net } from "./state.ts";
import { networkFor } from "./vpcs.ts";

/** An address by allocation id or public IP, with the not-found error of whichever was given. */
export function requireAddress(n: Net, allocationId: string | undefined, publicIp: string | undefined): Address {
  if (allocationId) {
    checkWellFormed(KIND.allocation, allocationId);
    const address = n.addresses.get(allocationId);
    if (!address) throw notFound("InvalidAllocationID.NotFound", "allocation", allocationId);
    return address;
  }
  if (publicIp) {
    const address = n.addresses.list().find((a) => a.PublicIp === publicIp);
    if (!address) throw ec2Error("InvalidAddress.NotFound", `Address '${publicIp}' not found.`);
    return address;
  }
  throw ec2Error("MissingParameter", "Either public IP or allocation id must be specified");
}

/** Takes the address off its ENI (the ENI falls back to an auto-assigned IP if it had one) and clears the address's association. */
export function disassociateAddressRecord(ctx: RequestContext, n: Net, address: Address): void {
  const eni = address.NetworkInterfaceId ? (n.enis.get(address.NetworkInterfaceId) as StoredEni | undefined) : undefined;
  if (eni && eni.Association?.AllocationId === address.AllocationId) {
    const { Association: _a, ...rest } = eni;
    const cleared: StoredEni = { ...rest, PrivateIpAddresses: (eni.PrivateIpAddresses ?? []).map(({ Association: _x, ...p }) => p) };
    n.enis.put(eni.NetworkInterfaceId ?? "", cleared);
    // An interface that had an auto-assigned public IP gets a new one back while its instance runs.
    const instanceId = cleared.Attachment?.InstanceId;
    const state = instanceId ? findInstance(ctx, instanceId)?.State?.Name : undefined;
    if ((cleared.AutoPublicIp || cleared.AutoCarrierIp) && (state === "running" || state === "pending")) mapAutoPublicIp(ctx, n, cleared);
  }
  const { AssociationId: _i, InstanceId: _n, NetworkInterfaceId: _e, NetworkInterfaceOwnerId: _o, PrivateIpAddress: _p, ...kept } = address;
  n.addresses.put(address.AllocationId ?? "", kept);
}

/** Binds an Elastic IP to an ENI's private address, replacing an auto-assigned IP or another Elastic IP there. */
export function associateAddressRecord(ctx: RequestContext, n: Net, address: Address, eni: StoredEni, privateIp: string): string {
  for (const other of n.addresses.list()) {
    if (other.AllocationId !== address.AllocationId && other.NetworkInterfaceId === eni.NetworkInterfaceId && other.PrivateIpAddress === privateIp) {
      disassociateAddressRecord(ctx, n, other);
    }
  }
  if (address.AssociationId) disassociateAddressRecord(ctx, n, n.addresses.get(address.AllocationId ?? "") ?? address);
  let target = n.enis.get(eni.NetworkInterfaceId ?? "") as StoredEni;
  const isPrimary = target.PrivateIpAddress === privateIp;
  if (isPrimary) target = unmapAutoPublicIp(n, target);
  const associationId = newEc2Id("eipassoc");
  const vpc = n.vpcs.get(target.VpcId ?? "");
  const association = {
    AllocationId: address.AllocationId,
    AssociationId: associationId,
    IpOwnerId: ctx.account,
    PublicDnsName: vpc?.EnableDnsHostnames ? publicDnsName(ctx.region, address.PublicIp ?? "") : "",
    PublicIp: address.PublicIp,
  };
  n.enis.put(target.NetworkInterfaceId ?? "", {
    ...target,
    ...(isPrimary ? { Association: association } : {}),
    PrivateIpAddresses: (target.PrivateIpAddresses ?? []).map((p) => (p.PrivateIpAddress === privateIp ? { ...p, Association: association } : p)),
  });
  const fresh = n.addresses.get(address.AllocationId ?? "") ?? address;
  n.addresses.put(address.AllocationId ?? "", {
    ...fresh,
    AssociationId: associationId,
    NetworkInterfaceId: target.NetworkInterfaceId,
    NetworkInterfaceOwnerId: target.OwnerId,
    PrivateIpAddress: privateIp,
    ...(target.Attachment?.InstanceId ? { InstanceId: target.Attachment.InstanceId } : {}),
  });
  return associationId;
}

/** The instance of an address is whatever its ENI is attached to now (ENIs move between instances). */
function addressView(n: Net, address: Address): Address {
  const { InstanceId: _stale, ...rest } = address;
  const instanceId = address.NetworkInterfaceId ? n.enis.get(address.NetworkInterfaceId)?.Attachment?.InstanceId : undefined;
  return instanceId ? { ...rest, InstanceId: instanceId } : rest;
}

function hasInternetGateway(n: Net, vpcId: string | undefined): boolean {
  return n.igws.list().some((g) => (g.Attachments ?? []).some((a) => a.VpcId === vpcId));
}

export const addressHandlers: HandlerTable<Ec2Operations> = {
  AllocateAddress: (input, ctx) => {
    checkTagSpecificationTypes(input.TagSpecifications, ["elastic-ip"]);
    const tags = tagsFor(input.TagSpecifications, "elastic-ip");
    if (input.NetworkBorderGroup && input.NetworkBorderGroup !== ctx.region) {
      // Local Zone border groups are not modelled here; the region's own group is.
      throw ec2Error("InvalidParameterValue", `Invalid value '${input.NetworkBorderGroup}' for networkBorderGroup.`);
    }
    checkDryRun(input);
    const n = networkFor(ctx);
    const allocationId = newEc2Id("eipalloc");
    const address: Address = {
      AllocationId: allocationId,
      PublicIp: allocateElasticIp(n, allocationId),
      Domain: "vpc",
      PublicIpv4Pool: "amazon",
      NetworkBorderGroup: ctx.region,
      Tags: tags,
    };
    n.addresses.put(allocationId, address);
    return { AllocationId: allocationId, PublicIp: address.PublicIp, Domain: "vpc", PublicIpv4Pool: "amazon", NetworkBorderGroup: ctx.region };
  },

  AssociateAddress: (input, ctx) => {
    const n = networkFor(ctx);
    const address = requireAddress(n, input.AllocationId, input.PublicIp);
    let eni: StoredEni;
    if (input.NetworkInterfaceId) {
      eni = requireEni(n, input.NetworkInterfaceId);
      if (input.InstanceId && eni.Attachment?.InstanceId !== input.InstanceId) {
        throw ec2Error("InvalidParameterCombination", `The network interface ${input.NetworkInterfaceId} is not attached to instance ${input.InstanceId}`);
      }
    } else if (input.InstanceId) {
      const instance = findInstance(ctx, input.InstanceId);
      const primary = enisOfInstance(n, input.InstanceId).find((e) => e.Attachment?.DeviceIndex === 0);
      if (!instance || !primary || instance.State?.Name === "terminated") throw notFound("InvalidInstanceID.NotFound", "instance", input.InstanceId);
      if (instance.State?.Name !== "running" && instance.State?.Name !== "stopped") {
        throw ec2Error("IncorrectInstanceState", `The instance '${input.InstanceId}' is not in a valid state for this operation.`);
      }
      eni = primary;
    } else {
      throw ec2Error("MissingParameter", "Either instance ID or network interface ID must be specified");
    }
    const privateIp = input.PrivateIpAddress ?? eni.PrivateIpAddress ?? "";
    if (!(eni.PrivateIpAddresses ?? []).some((p) => p.PrivateIpAddress === privateIp)) {
      throw ec2Error("InvalidParameterValue", `The specified private IP address ${privateIp} is not assigned to interface ${eni.NetworkInterfaceId ?? ""}`);
    }
    if (!hasInternetGateway(n, eni.VpcId)) {
      throw ec2Error("Gateway.NotAttached", `Network ${eni.VpcId ?? ""} is not attached to any internet gateway`);
    }
    const sameTarget = address.NetworkInterfaceId === eni.NetworkInterfaceId && address.PrivateIpAddress === privateIp;
    if (address.AssociationId && !sameTarget && !input.AllowReassociation) {
      throw ec2Error("Resource.AlreadyAssociated", `resource ${address.AllocationId ?? ""} is already associated with associate-id ${address.AssociationId}`);
    }
    checkDryRun(input);
    if (sameTarget && address.AssociationId) return { AssociationId: address.AssociationId };
    const associationId = ctx.state.transaction(() => associateAddressRecord(ctx, n, address, eni, privateIp));
    return { AssociationId: associationId };
  },

  DisassociateAddress: (input, ctx) => {
    const n = networkFor(ctx);
    let address: Address | undefined;
    if (input.AssociationId) {
      address = n.addresses.list().find((a) => a.AssociationId === input.AssociationId);
      if (!address) throw notFound("InvalidAssociationID.NotFound", "association", input.AssociationId);
    } else {
      address = requireAddress(n, undefined, input.PublicIp);
      if (!address.AssociationId) throw notFound("InvalidAssociationID.NotFound", "association", input.PublicIp ?? "");
    }
    if (n.nats.list().some((g) => g.State !== "deleted" && (g.NatGatewayAddresses ?? []).some((a) => a.AllocationId === address.AllocationId))) {
      throw ec2Error("AuthFailure", "You do not have permission to access the specified resource.");
    }
    checkDryRun(input);
    const found = address;
    ctx.state.transaction(() => disassociateAddressRecord(ctx, n, found));
    return {};
  },

  ReleaseAddress: (input, ctx) => {
    const n = networkFor(ctx);
    const address = requireAddress(n, input.AllocationId, input.PublicIp);
    if (address.AssociationId) throw ec2Error("InvalidIPAddress.InUse", `Address ${address.PublicIp ?? ""} is in use.`);
    checkDryRun(input);
    ctx.state.transaction(() => {
      releasePublicIp(n, address.PublicIp ?? "");
      n.addresses.delete(address.AllocationId ?? "");
    });
    return {};
  },

  DescribeAddresses: (input, ctx) => {
    const n = networkFor(ctx);
    let selected = n.addresses.list();
    if (input.AllocationIds && input.AllocationIds.length > 0) {
      for (const id of input.AllocationIds) requireAddress(n, id, undefined);
      const ids = new Set(input.AllocationIds);
      selected = selected.filter((a) => ids.has(a.AllocationId ?? ""));
    }
    if (input.PublicIps && input.PublicIps.length > 0) {
      for (const ip of input.PublicIps) requireAddress(n, undefined, ip);
      const ips = new Set(input.PublicIps);
      selected = selected.filter((a) => ips.has(a.PublicIp ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      selected.map((a) => addressView(n, a)),
      input.Filters,
      {
        "allocation-id": (a) => a.AllocationId,
        "association-id": (a) => a.AssociationId,
        domain: (a) => a.Domain,
        "instance-id": (a) => a.InstanceId,
        "network-border-group": (a) => a.NetworkBorderGroup,
        "network-interface-id": (a) => a.NetworkInterfaceId,
        "network-interface-owner-id": (a) => a.NetworkInterfaceOwnerId,
        "private-ip-address": (a) => a.PrivateIpAddress,
        "public-ip": (a) => a.PublicIp,
        "public-ipv4-pool": (a) => a.PublicIpv4Pool,
      },
      (a) => a.Tags,
    );
    return { Addresses: filtered };
  },

  // Reverse DNS of Elastic IPs (Terraform's aws_eip reads it since provider 5.46).
  DescribeAddressesAttribute: (input, ctx) => {
    const n = networkFor(ctx);
    const addresses = input.AllocationIds && input.AllocationIds.length > 0 ? input.AllocationIds.map((id) => requireAddress(n, id, undefined)) : n.addresses.list();
    if (input.Attribute !== undefined && input.Attribute !== "domain-name") throw ec2Error("InvalidParameterValue", `Value (${String(input.Attribute)}) for parameter attribute is invalid.`);
    checkDryRun(input);
    const page = paginate(addresses, input.MaxResults, input.NextToken, { min: 1, max: 1000 });
    return { Addresses: page.items.map((a) => addressAttribute(ctx, a)), NextToken: page.nextToken };
  },

  ModifyAddressAttribute: (input, ctx) => {
    const n = networkFor(ctx);
    const address = requireAddress(n, input.AllocationId, undefined);
    const domain = input.DomainName ?? "";
    if (!/^[a-z0-9.-]{1,253}$/i.test(domain)) throw ec2Error("InvalidParameterValue", `Invalid value '${domain}' for domainName.`);
    checkDryRun(input);
    const stored = n.addresses.put(address.AllocationId ?? "", { ...address, PtrRecord: domain.endsWith(".") ? domain : `${domain}.` } as StoredAddress);
    return { Address: { ...addressAttribute(ctx, stored), PtrRecordUpdate: { Value: domain, Status: "PENDING" } } };
  },

  ResetAddressAttribute: (input, ctx) => {
    const n = networkFor(ctx);
    const address = requireAddress(n, input.AllocationId, undefined) as StoredAddress;
    checkDryRun(input);
    const { PtrRecord: _gone, ...rest } = address;
    n.addresses.put(address.AllocationId ?? "", rest);
    return { Address: { ...addressAttribute(ctx, rest), PtrRecordUpdate: { Value: "", Status: "PENDING" } } };
  },
};

/** An address with the reverse DNS name its owner set (absent: AWS's default ec2-… name). */
type StoredAddress = Address & { PtrRecord?: string };

function addressAttribute(ctx: RequestContext, address: StoredAddress) {
  return {
    AllocationId: address.AllocationId,
    PublicIp: address.PublicIp,
    PtrRecord: address.PtrRecord ?? `${publicDnsName(ctx.region, address.PublicIp ?? "")}.`,
  };
}
