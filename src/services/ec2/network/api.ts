/** The network family's entry points for other EC2 families: default VPC, an instance's network on launch, stop/start and terminate. */
import type { GroupIdentifier, InstanceNetworkInterface, InstanceNetworkInterfaceSpecification, Subnet } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { zoneInfo } from "../catalog/api.ts";
import { ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { checkRequestedPrivateIp } from "./addressing.ts";
import {
  attachEni,
  createEni,
  deleteEniRecord,
  detachEni,
  enisOfInstance,
  instanceInterfaceOf,
  mapAutoPublicIp,
  requireEni,
  requireSubnet,
  resolveGroupIds,
  resourceNameFor,
  unmapAutoPublicIp,
  type StoredEni,
} from "./eni-model.ts";
import { net, type Net } from "./state.ts";
import { defaultSecurityGroup, ensureDefaultVpcIn } from "./vpc-setup.ts";

export interface LaunchNetworkRequest {
  instanceId: string;
  subnetId?: string;
  availabilityZone?: string;
  securityGroupIds?: string[];
  securityGroupNames?: string[];
  privateIpAddress?: string;
  associatePublicIpAddress?: boolean;
  networkInterfaces?: InstanceNetworkInterfaceSpecification[];
}

export interface LaunchNetwork {
  vpcId: string;
  subnetId: string;
  availabilityZone: string;
  groups: GroupIdentifier[];
  privateIpAddress: string;
  privateDnsName: string;
}

export interface InstanceNetworkView {
  networkInterfaces: InstanceNetworkInterface[];
  publicIpAddress?: string;
  publicDnsName?: string;
  privateIpAddress?: string;
  privateDnsName?: string;
  groups: GroupIdentifier[];
  vpcId?: string;
  subnetId?: string;
}

/** The default VPC's id, created on first use per account+region (exactly like AWS's); "" once it was deleted. */
export function ensureDefaultVpc(ctx: RequestContext): string {
  return ensureDefaultVpcIn(ctx);
}

function defaultSubnetFor(ctx: RequestContext, n: Net, availabilityZone: string | undefined): Subnet {
  const vpcId = ensureDefaultVpc(ctx);
  if (!vpcId || !n.vpcs.has(vpcId)) throw ec2Error("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.");
  const defaults = n.subnets.list().filter((s) => s.VpcId === vpcId && s.DefaultForAz);
  const subnet = availabilityZone ? defaults.find((s) => s.AvailabilityZone === availabilityZone) : defaults[0];
  if (!subnet) {
    if (availabilityZone) throw invalidParameterValue(`Invalid availability zone: [${availabilityZone}]`);
    throw ec2Error("MissingInput", "No subnets found for the default VPC. Please specify a subnet.");
  }
  return subnet;
}

/** Groups for an interface: ids (checked to be in the VPC), names (looked up in the VPC), else the VPC's default group. */
function launchGroups(n: Net, vpcId: string, ids: readonly string[] | undefined, names: readonly string[] | undefined, isDefaultVpc: boolean): GroupIdentifier[] {
  const groups: GroupIdentifier[] = [];
  if (ids && ids.length > 0) groups.push(...resolveGroupIds(n, vpcId, ids));
  if (names && names.length > 0) {
    if (!isDefaultVpc) throw ec2Error("InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet");
    for (const name of names) {
      const group = n.groups.list().find((g) => g.VpcId === vpcId && g.GroupName === name);
      if (!group) throw ec2Error("InvalidGroup.NotFound", `The security group '${name}' does not exist in default VPC '${vpcId}'`);
      groups.push({ GroupId: group.GroupId, GroupName: group.GroupName });
    }
  }
  if (groups.length === 0) {
    const fallback = defaultSecurityGroup(n, vpcId);
    if (fallback) groups.push({ GroupId: fallback.GroupId, GroupName: fallback.GroupName });
  }
  return groups;
}

/**
 * Validates and creates an instance's network on launch: the subnet (given, or the default subnet of
 * the zone / the first default subnet), groups, the primary ENI with its private IP, and a public IP
 * when the subnet maps them or the request asks. Runs inside the caller's transaction.
 */
export function attachLaunchNetwork(ctx: RequestContext, req: LaunchNetworkRequest): LaunchNetwork {
  const n = net(ctx);
  const specs = req.networkInterfaces ?? [];
  if (specs.length > 0) {
    if (req.subnetId) throw ec2Error("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request");
    if ((req.securityGroupIds ?? []).length > 0 || (req.securityGroupNames ?? []).length > 0) {
      throw ec2Error("InvalidParameterCombination", "Network interfaces and an instance-level security groups may not be specified on the same request");
    }
    if (req.privateIpAddress) throw ec2Error("InvalidParameterCombination", "Network interfaces and an instance-level private IP address should not be specified on the same request");
    return launchWithInterfaces(ctx, n, req.instanceId, specs, req.associatePublicIpAddress, req.availabilityZone);
  }
  const subnet = req.subnetId ? requireSubnet(n, req.subnetId) : defaultSubnetFor(ctx, n, req.availabilityZone);
  if (req.subnetId && req.availabilityZone && subnet.AvailabilityZone !== req.availabilityZone) {
    throw invalidParameterValue(`Subnet ${req.subnetId} is in availability zone ${subnet.AvailabilityZone ?? ""}, not ${req.availabilityZone}`);
  }
  const vpcId = subnet.VpcId ?? "";
  const groups = launchGroups(n, vpcId, req.securityGroupIds, req.securityGroupNames, n.vpcs.get(vpcId)?.IsDefault === true);
  if (req.privateIpAddress) checkRequestedPrivateIp(n, subnet, req.privateIpAddress);
  let eni = createEni(ctx, n, { subnet, groups, ...(req.privateIpAddress ? { privateIpAddress: req.privateIpAddress } : {}), ...resourceNameFor(subnet, req.instanceId) });
  eni = attachEni(ctx, n, eni, req.instanceId, 0, true);
  if (req.associatePublicIpAddress ?? subnet.MapPublicIpOnLaunch) eni = mapAutoPublicIp(ctx, n, eni);
  return launchNetworkOf(eni, groups);
}

function launchWithInterfaces(
  ctx: RequestContext,
  n: Net,
  instanceId: string,
  specs: readonly InstanceNetworkInterfaceSpecification[],
  associatePublic: boolean | undefined,
  availabilityZone: string | undefined,
): LaunchNetwork {
  // First every interface is validated, then created: nothing is half-made when one of them is wrong.
  interface Planned {
    spec: InstanceNetworkInterfaceSpecification;
    deviceIndex: number;
    existing?: StoredEni;
    subnet?: Subnet;
    groups?: GroupIdentifier[];
    primaryIp?: string;
    secondary?: string[];
  }
  const indexes = new Set<number>();
  const plans: Planned[] = [];
  let vpcId: string | undefined;
  for (const spec of specs) {
    const deviceIndex = spec.DeviceIndex ?? (spec.NetworkCardIndex ? undefined : 0);
    if (deviceIndex === undefined) throw invalidParameterValue("Each network interface requires a device index.");
    if (indexes.has(deviceIndex)) throw invalidParameterValue(`Each network interface requires a unique device index.`);
    indexes.add(deviceIndex);
    if (deviceIndex === 0 && specs.length > 1 && spec.AssociatePublicIpAddress) {
      throw ec2Error("InvalidParameterCombination", "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.");
    }
    let plan: Planned;
    if (spec.NetworkInterfaceId) {
      if (spec.SubnetId || (spec.Groups ?? []).length > 0 || spec.PrivateIpAddress) {
        throw ec2Error("InvalidParameterCombination", "A network interface ID may not be specified together with a subnet, security groups or private IP address");
      }
      const existing = requireEni(n, spec.NetworkInterfaceId);
      if (existing.Attachment) throw ec2Error("InvalidNetworkInterface.InUse", `Interface: [${spec.NetworkInterfaceId}] in use.`);
      plan = { spec, deviceIndex, existing };
    } else {
      const subnet = spec.SubnetId ? requireSubnet(n, spec.SubnetId) : defaultSubnetFor(ctx, n, availabilityZone);
      const groups = launchGroups(n, subnet.VpcId ?? "", spec.Groups, undefined, false);
      const secondary = (spec.PrivateIpAddresses ?? []).filter((p) => !p.Primary && p.PrivateIpAddress).map((p) => p.PrivateIpAddress ?? "");
      const primaryIp = spec.PrivateIpAddress ?? spec.PrivateIpAddresses?.find((p) => p.Primary)?.PrivateIpAddress;
      for (const ip of [...(primaryIp ? [primaryIp] : []), ...secondary]) checkRequestedPrivateIp(n, subnet, ip);
      if (spec.AssociateCarrierIpAddress && zoneInfo(ctx, subnet.AvailabilityZone ?? "")?.ZoneType !== "wavelength-zone") {
        throw ec2Error("InvalidParameterCombination", "The associateCarrierIpAddress parameter is only supported for subnets in a Wavelength Zone.");
      }
      plan = { spec, deviceIndex, subnet, groups, secondary, ...(primaryIp ? { primaryIp } : {}) };
    }
    const planVpc = plan.existing?.VpcId ?? plan.subnet?.VpcId;
    if (vpcId !== undefined && planVpc !== vpcId) throw invalidParameterValue("All network interfaces of an instance must be in the same VPC.");
    vpcId = planVpc;
    plans.push(plan);
  }
  if (!indexes.has(0)) throw invalidParameterValue("When specifying network interfaces, you must include a device at index 0.");

  let primary: StoredEni | undefined;
  let primaryGroups: GroupIdentifier[] = [];
  for (const plan of plans) {
    const { spec, deviceIndex } = plan;
    let eni =
      plan.existing ??
      createEni(ctx, n, {
        subnet: plan.subnet as Subnet,
        groups: plan.groups ?? [],
        ...(plan.primaryIp ? { privateIpAddress: plan.primaryIp } : {}),
        secondaryAddresses: plan.secondary ?? [],
        secondaryCount: spec.SecondaryPrivateIpAddressCount ?? 0,
        description: spec.Description ?? "",
        ...(deviceIndex === 0 ? resourceNameFor(plan.subnet as Subnet, instanceId) : {}),
      });
    // Interfaces created for the launch are deleted with the instance unless told otherwise; attached existing ones stay.
    eni = attachEni(ctx, n, eni, instanceId, deviceIndex, spec.DeleteOnTermination ?? !spec.NetworkInterfaceId);
    if (deviceIndex === 0) {
      const subnet = n.subnets.get(eni.SubnetId ?? "");
      const wantsPublic = spec.AssociatePublicIpAddress ?? associatePublic ?? (spec.NetworkInterfaceId ? false : subnet?.MapPublicIpOnLaunch);
      if (spec.AssociateCarrierIpAddress && !eni.Association) eni = mapAutoPublicIp(ctx, n, eni, true);
      else if (wantsPublic && !eni.Association) eni = mapAutoPublicIp(ctx, n, eni);
      primary = eni;
      primaryGroups = eni.Groups ?? [];
    }
  }
  if (!primary) throw invalidParameterValue("When specifying network interfaces, you must include a device at index 0.");
  return launchNetworkOf(primary, primaryGroups);
}

function launchNetworkOf(eni: StoredEni, groups: GroupIdentifier[]): LaunchNetwork {
  return {
    vpcId: eni.VpcId ?? "",
    subnetId: eni.SubnetId ?? "",
    availabilityZone: eni.AvailabilityZone ?? "",
    groups,
    privateIpAddress: eni.PrivateIpAddress ?? "",
    privateDnsName: eni.PrivateDnsName ?? "",
  };
}

/** On terminate: ENIs with DeleteOnTermination are deleted (Elastic IPs on them disassociated), others detached (keeping their Elastic IPs). */
export function releaseInstanceNetwork(ctx: RequestContext, instanceId: string): void {
  const n = net(ctx);
  ctx.state.transaction(() => {
    for (const eni of enisOfInstance(n, instanceId)) {
      if (eni.Attachment?.DeleteOnTermination) {
        deleteEniRecord(n, eni);
      } else {
        detachEni(n, unmapAutoPublicIp(n, eni));
      }
    }
    n.instanceEnis.delete(instanceId);
  });
}

/** What DescribeInstances shows of the instance's network, from its ENIs (primary first). */
export function instanceNetworkView(ctx: RequestContext, instanceId: string): InstanceNetworkView {
  const n = net(ctx);
  const enis = enisOfInstance(n, instanceId);
  const primary = enis.find((e) => e.Attachment?.DeviceIndex === 0) ?? enis[0];
  if (!primary) return { networkInterfaces: [], groups: [] };
  const view: InstanceNetworkView = {
    networkInterfaces: enis.map(instanceInterfaceOf),
    privateIpAddress: primary.PrivateIpAddress ?? "",
    privateDnsName: primary.PrivateDnsName ?? "",
    groups: primary.Groups ?? [],
    vpcId: primary.VpcId ?? "",
    subnetId: primary.SubnetId ?? "",
  };
  if (primary.Association?.PublicIp) {
    view.publicIpAddress = primary.Association.PublicIp;
    view.publicDnsName = primary.Association.PublicDnsName ?? "";
  } else {
    view.publicDnsName = "";
  }
  return view;
}

/** Stop releases auto-assigned public IPs, start maps a new one (as AWS does); Elastic IPs stay through both. */
export function onInstanceStateChange(ctx: RequestContext, instanceId: string, state: "running" | "stopped"): void {
  const n = net(ctx);
  ctx.state.transaction(() => {
    for (const eni of enisOfInstance(n, instanceId)) {
      if (state === "stopped") unmapAutoPublicIp(n, eni);
      else if ((eni.AutoPublicIp || eni.AutoCarrierIp) && !eni.Association) mapAutoPublicIp(ctx, n, eni);
    }
  });
}

/**
 * ModifyInstanceAttribute's groupSet: replaces the security groups of the instance's primary
 * interface (groups of its VPC, InvalidGroup.NotFound otherwise) and returns them. Beyond the
 * contract: offered so the instances family can support `--groups`.
 */
export function setInstanceGroups(ctx: RequestContext, instanceId: string, groupIds: readonly string[]): GroupIdentifier[] {
  const n = net(ctx);
  const primary = enisOfInstance(n, instanceId).find((e) => e.Attachment?.DeviceIndex === 0);
  if (!primary) throw ec2Error("InvalidInstanceID.NotFound", `The instance ID '${instanceId}' does not exist`);
  const groups = resolveGroupIds(n, primary.VpcId ?? "", groupIds);
  n.enis.put(primary.NetworkInterfaceId ?? "", { ...primary, Groups: groups });
  return groups;
}

export interface ServiceInterface {
  networkInterfaceId: string;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  privateIpAddress: string;
  privateDnsName: string;
  macAddress: string;
}

/**
 * An interface another service creates in the caller's VPC (an ECS awsvpc task's ENI): the subnet must exist, the
 * groups must be of its VPC (its default group when none is given); the private IP comes from the subnet's CIDR.
 * EC2's errors (InvalidSubnetID.NotFound, InvalidGroup.NotFound …) are thrown for the caller to rephrase.
 */
export function createServiceInterface(ctx: RequestContext, req: { subnetId: string; securityGroupIds: readonly string[]; description: string; interfaceType?: "interface" }): ServiceInterface {
  const n = net(ctx);
  const subnet = requireSubnet(n, req.subnetId);
  const vpcId = subnet.VpcId ?? "";
  const groups = launchGroups(n, vpcId, req.securityGroupIds, undefined, false);
  const eni = createEni(ctx, n, { subnet, groups, description: req.description, requesterManaged: true });
  const updated: StoredEni = { ...eni, Status: "in-use" };
  n.enis.put(eni.NetworkInterfaceId ?? "", updated);
  return {
    networkInterfaceId: eni.NetworkInterfaceId ?? "",
    subnetId: subnet.SubnetId ?? "",
    vpcId,
    availabilityZone: subnet.AvailabilityZone ?? "",
    privateIpAddress: eni.PrivateIpAddress ?? "",
    privateDnsName: eni.PrivateDnsName ?? "",
    macAddress: eni.MacAddress ?? "",
  };
}

/** Checks subnets and groups as createServiceInterface would (all subnets exist, groups of their VPC), creating nothing. */
export function checkServiceNetwork(ctx: RequestContext, subnetIds: readonly string[], securityGroupIds: readonly string[]): void {
  const n = net(ctx);
  for (const subnetId of subnetIds) launchGroups(n, requireSubnet(n, subnetId).VpcId ?? "", securityGroupIds, undefined, false);
}

/** Deletes an interface made by createServiceInterface (its address returns to the subnet); unknown ids are ignored. */
export function deleteServiceInterface(ctx: RequestContext, networkInterfaceId: string): void {
  const n = net(ctx);
  const eni = n.enis.get(networkInterfaceId);
  if (eni) deleteEniRecord(n, eni as StoredEni);
}
