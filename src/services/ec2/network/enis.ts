/** Network interfaces: create in a subnet, describe, attach/detach to instances, attributes, secondary private IPs, delete. */
import type { NetworkInterface } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { findInstance } from "../instances/api.ts";
import { checkDryRun, ec2Error, invalidParameterValue, notFound } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { checkTagSpecificationTypes, tagsFor } from "../shared/tags.ts";
import { allocatePrivateIp, checkRequestedPrivateIp, privateDnsName, releasePrivateIp } from "./addressing.ts";
import { attachEni, createEni, deleteEniRecord, describeEni, detachEni, enisOfInstance, requireEni, requireSubnet, resolveGroupIds, type StoredEni } from "./eni-model.ts";
import { defaultSecurityGroup } from "./vpc-setup.ts";
import { networkFor } from "./vpcs.ts";
import { idempotent } from "./idempotency.ts";

function findByAttachment(enis: readonly StoredEni[], attachmentId: string | undefined): StoredEni {
  const eni = enis.find((e) => e.Attachment?.AttachmentId === attachmentId);
  if (!eni) throw notFound("InvalidAttachmentID.NotFound", "attachment", attachmentId ?? "");
  return eni;
}

export const eniHandlers: HandlerTable<Ec2Operations> = {
  CreateNetworkInterface: idempotent("CreateNetworkInterface", (input, ctx) => {
    const n = networkFor(ctx);
    const subnet = requireSubnet(n, input.SubnetId ?? "");
    const vpcId = subnet.VpcId ?? "";
    const groups = input.Groups && input.Groups.length > 0 ? resolveGroupIds(n, vpcId, input.Groups) : [];
    if (groups.length === 0) {
      const fallback = defaultSecurityGroup(n, vpcId);
      if (fallback) groups.push({ GroupId: fallback.GroupId, GroupName: fallback.GroupName });
    }
    if (input.InterfaceType && !["efa", "efa-only", "trunk", "interface"].includes(input.InterfaceType)) {
      throw invalidParameterValue(`Value (${input.InterfaceType}) for parameter interfaceType is invalid.`);
    }
    checkTagSpecificationTypes(input.TagSpecifications, ["network-interface"]);
    const tags = tagsFor(input.TagSpecifications, "network-interface");
    const primary = input.PrivateIpAddress ?? input.PrivateIpAddresses?.find((p) => p.Primary)?.PrivateIpAddress;
    const secondary = (input.PrivateIpAddresses ?? []).filter((p) => p.PrivateIpAddress && p.PrivateIpAddress !== primary).map((p) => p.PrivateIpAddress ?? "");
    checkDryRun(input);
    const eni = ctx.state.transaction(() =>
      createEni(ctx, n, {
        subnet,
        groups,
        ...(primary ? { privateIpAddress: primary } : {}),
        secondaryAddresses: secondary,
        secondaryCount: input.SecondaryPrivateIpAddressCount ?? 0,
        description: input.Description ?? "",
        tags,
        interfaceType: (input.InterfaceType ?? "interface") as NetworkInterface["InterfaceType"],
      }),
    );
    return { NetworkInterface: describeEni(eni), ClientToken: input.ClientToken };
  }),


  DescribeNetworkInterfaces: (input, ctx) => {
    const n = networkFor(ctx);
    const all = n.enis.list() as StoredEni[];
    let selected = all;
    if (input.NetworkInterfaceIds && input.NetworkInterfaceIds.length > 0) {
      for (const id of input.NetworkInterfaceIds) if (!n.enis.has(id)) throw notFound("InvalidNetworkInterfaceID.NotFound", "network interface", id);
      const ids = new Set(input.NetworkInterfaceIds);
      selected = all.filter((e) => ids.has(e.NetworkInterfaceId ?? ""));
    }
    checkDryRun(input);
    const addresses = (e: StoredEni) => e.PrivateIpAddresses ?? [];
    const filtered = applyFilters(
      selected,
      input.Filters,
      {
        "addresses.private-ip-address": (e) => addresses(e).map((a) => a.PrivateIpAddress),
        "addresses.primary": (e) => addresses(e).map((a) => a.Primary),
        "addresses.association.public-ip": (e) => addresses(e).map((a) => a.Association?.PublicIp),
        "addresses.association.owner-id": (e) => addresses(e).map((a) => a.Association?.IpOwnerId),
        "association.association-id": (e) => e.Association?.AssociationId,
        "association.allocation-id": (e) => e.Association?.AllocationId,
        "association.ip-owner-id": (e) => e.Association?.IpOwnerId,
        "association.public-ip": (e) => e.Association?.PublicIp,
        "association.public-dns-name": (e) => e.Association?.PublicDnsName,
        "attachment.attachment-id": (e) => e.Attachment?.AttachmentId,
        "attachment.attach-time": (e) => (e.Attachment?.AttachTime as unknown as string | undefined),
        "attachment.delete-on-termination": (e) => e.Attachment?.DeleteOnTermination,
        "attachment.device-index": (e) => e.Attachment?.DeviceIndex,
        "attachment.instance-id": (e) => e.Attachment?.InstanceId,
        "attachment.instance-owner-id": (e) => e.Attachment?.InstanceOwnerId,
        "attachment.status": (e) => e.Attachment?.Status,
        "availability-zone": (e) => e.AvailabilityZone,
        description: (e) => e.Description,
        "group-id": (e) => (e.Groups ?? []).map((g) => g.GroupId),
        "group-name": (e) => (e.Groups ?? []).map((g) => g.GroupName),
        "interface-type": (e) => e.InterfaceType,
        "mac-address": (e) => e.MacAddress,
        "network-interface-id": (e) => e.NetworkInterfaceId,
        "owner-id": (e) => e.OwnerId,
        "private-dns-name": (e) => e.PrivateDnsName,
        "private-ip-address": (e) => e.PrivateIpAddress,
        "requester-id": (e) => e.RequesterId,
        "requester-managed": (e) => e.RequesterManaged,
        "source-dest-check": (e) => e.SourceDestCheck,
        status: (e) => e.Status,
        "subnet-id": (e) => e.SubnetId,
        "vpc-id": (e) => e.VpcId,
      },
      (e) => e.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { NetworkInterfaces: page.items.map(describeEni), NextToken: page.nextToken };
  },

  DeleteNetworkInterface: (input, ctx) => {
    const n = networkFor(ctx);
    const eni = requireEni(n, input.NetworkInterfaceId ?? "");
    if (eni.Attachment || eni.Status === "in-use") {
      throw ec2Error("InvalidNetworkInterface.InUse", `The network interface '${eni.NetworkInterfaceId ?? ""}' is currently in use.`);
    }
    if (eni.RequesterManaged) {
      throw ec2Error("OperationNotPermitted", `You do not have permission to access the specified resource. The network interface '${eni.NetworkInterfaceId ?? ""}' is managed by AWS.`);
    }
    checkDryRun(input);
    ctx.state.transaction(() => deleteEniRecord(n, eni));
    return {};
  },

  AttachNetworkInterface: (input, ctx) => {
    const n = networkFor(ctx);
    const eni = requireEni(n, input.NetworkInterfaceId ?? "");
    const instanceId = input.InstanceId ?? "";
    const instance = findInstance(ctx, instanceId);
    if (!instance || instance.State?.Name === "terminated" || instance.State?.Name === "shutting-down") {
      throw notFound("InvalidInstanceID.NotFound", "instance", instanceId);
    }
    if (instance.State?.Name !== "running" && instance.State?.Name !== "stopped") {
      throw ec2Error("IncorrectState", `Instance '${instanceId}' is not 'running' or 'stopped'.`);
    }
    if (eni.Attachment) throw ec2Error("InvalidNetworkInterface.InUse", `Interface: [${eni.NetworkInterfaceId ?? ""}] in use.`);
    if (instance.Placement?.AvailabilityZone && instance.Placement.AvailabilityZone !== eni.AvailabilityZone) {
      throw invalidParameterValue(`The network interface and the instance must be in the same availability zone.`);
    }
    if (instance.VpcId && instance.VpcId !== eni.VpcId) {
      throw invalidParameterValue(`The network interface and the instance must belong to the same VPC.`);
    }
    const deviceIndex = input.DeviceIndex ?? 1;
    if (enisOfInstance(n, instanceId).some((e) => e.Attachment?.DeviceIndex === deviceIndex)) {
      throw invalidParameterValue(`Instance '${instanceId}' already has an interface attached at device index '${deviceIndex}'.`);
    }
    checkDryRun(input);
    const attached = ctx.state.transaction(() => attachEni(ctx, n, eni, instanceId, deviceIndex, false));
    return { AttachmentId: attached.Attachment?.AttachmentId, NetworkCardIndex: input.NetworkCardIndex ?? 0 };
  },

  DetachNetworkInterface: (input, ctx) => {
    const n = networkFor(ctx);
    const eni = findByAttachment(n.enis.list() as StoredEni[], input.AttachmentId);
    if (eni.Attachment?.DeviceIndex === 0) {
      throw ec2Error("OperationNotPermitted", "The network interface at device index 0 cannot be detached.");
    }
    checkDryRun(input);
    ctx.state.transaction(() => detachEni(n, eni));
    return {};
  },

  ModifyNetworkInterfaceAttribute: (input, ctx) => {
    const n = networkFor(ctx);
    const eni = requireEni(n, input.NetworkInterfaceId ?? "");
    const next: StoredEni = { ...eni };
    if (input.Description) next.Description = input.Description.Value ?? "";
    if (input.SourceDestCheck) next.SourceDestCheck = input.SourceDestCheck.Value ?? true;
    if (input.Groups && input.Groups.length > 0) next.Groups = resolveGroupIds(n, eni.VpcId ?? "", input.Groups);
    if (input.Attachment) {
      if (!eni.Attachment || eni.Attachment.AttachmentId !== input.Attachment.AttachmentId) {
        throw notFound("InvalidAttachmentID.NotFound", "attachment", input.Attachment.AttachmentId ?? "");
      }
      next.Attachment = { ...eni.Attachment, DeleteOnTermination: input.Attachment.DeleteOnTermination ?? eni.Attachment.DeleteOnTermination };
    }
    checkDryRun(input);
    n.enis.put(eni.NetworkInterfaceId ?? "", next);
    return {};
  },

  DescribeNetworkInterfaceAttribute: (input, ctx) => {
    const n = networkFor(ctx);
    const eni = requireEni(n, input.NetworkInterfaceId ?? "");
    checkDryRun(input);
    const id = eni.NetworkInterfaceId;
    switch (input.Attribute) {
      case "description":
        return { NetworkInterfaceId: id, Description: { Value: eni.Description ?? "" } };
      case "groupSet":
        return { NetworkInterfaceId: id, Groups: eni.Groups ?? [] };
      case "sourceDestCheck":
        return { NetworkInterfaceId: id, SourceDestCheck: { Value: eni.SourceDestCheck ?? true } };
      case "attachment":
        return { NetworkInterfaceId: id, ...(eni.Attachment ? { Attachment: eni.Attachment } : {}) };
      case "associatePublicIpAddress":
        return { NetworkInterfaceId: id, AssociatePublicIpAddress: eni.Association?.PublicIp !== undefined };
      default:
        throw invalidParameterValue(`Value (${String(input.Attribute)}) for parameter attribute is invalid. Unknown attribute.`);
    }
  },

  AssignPrivateIpAddresses: (input, ctx) => {
    const n = networkFor(ctx);
    const eni = requireEni(n, input.NetworkInterfaceId ?? "");
    const subnet = requireSubnet(n, eni.SubnetId ?? "");
    if (!input.PrivateIpAddresses?.length && !input.SecondaryPrivateIpAddressCount) {
      throw ec2Error("MissingParameter", "The request must contain the parameter privateIpAddresses or secondaryPrivateIpAddressCount");
    }
    for (const ip of input.PrivateIpAddresses ?? []) checkRequestedPrivateIp(n, subnet, ip);
    const assigned = ctx.state.transaction(() => {
      const ips: string[] = [];
      for (const ip of input.PrivateIpAddresses ?? []) ips.push(allocatePrivateIp(n, subnet, eni.NetworkInterfaceId ?? "", ip));
      for (let i = 0; i < (input.SecondaryPrivateIpAddressCount ?? 0); i++) ips.push(allocatePrivateIp(n, subnet, eni.NetworkInterfaceId ?? ""));
      const current = requireEni(n, eni.NetworkInterfaceId ?? "");
      n.enis.put(eni.NetworkInterfaceId ?? "", {
        ...current,
        PrivateIpAddresses: [...(current.PrivateIpAddresses ?? []), ...ips.map((ip) => ({ Primary: false, PrivateDnsName: privateDnsName(ctx.region, ip), PrivateIpAddress: ip }))],
      });
      return ips;
    });
    return { NetworkInterfaceId: eni.NetworkInterfaceId, AssignedPrivateIpAddresses: assigned.map((ip) => ({ PrivateIpAddress: ip })), AssignedIpv4Prefixes: [] };
  },

  UnassignPrivateIpAddresses: (input, ctx) => {
    const n = networkFor(ctx);
    const eni = requireEni(n, input.NetworkInterfaceId ?? "");
    const wanted = input.PrivateIpAddresses ?? [];
    const current = eni.PrivateIpAddresses ?? [];
    for (const ip of wanted) {
      const entry = current.find((p) => p.PrivateIpAddress === ip);
      if (!entry) throw invalidParameterValue(`Some of the specified addresses are not assigned to interface ${eni.NetworkInterfaceId ?? ""}`);
      if (entry.Primary) throw invalidParameterValue(`The primary private IP address ${ip} of interface ${eni.NetworkInterfaceId ?? ""} cannot be unassigned`);
    }
    ctx.state.transaction(() => {
      for (const ip of wanted) releasePrivateIp(n, eni.SubnetId ?? "", ip);
      n.enis.put(eni.NetworkInterfaceId ?? "", { ...eni, PrivateIpAddresses: current.filter((p) => !wanted.includes(p.PrivateIpAddress ?? "")) });
    });
    return {};
  },
};
