/** Dedicated hosts: AllocateHosts, DescribeHosts, ModifyHosts, ReleaseHosts, and placing instances on hosts for RunInstances. */
import type { Host, UnsuccessfulItem } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { availabilityZoneNames, instanceTypeInfo, isInstanceTypeOffered, zoneInfo } from "../catalog/api.ts";
import { ec2Error, invalidParameterValue, missingParameter, notFound } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { checkTagSpecificationTypes, registerTaggable, tagsFor, type Tag } from "../shared/tags.ts";
import { availableCapacity, familyOf, familySizes, fits, hostProperties } from "./host-capacity.ts";
import { isoAsDate, nowIso } from "./records.ts";

export const HOSTS = "hosts";

export interface HostRecord {
  HostId: string;
  /** The family every host belongs to; InstanceType is set for single-type hosts only. */
  family: string;
  InstanceType?: string;
  AvailabilityZone: string;
  AvailabilityZoneId?: string;
  AutoPlacement: "on" | "off";
  HostRecovery: "on" | "off";
  HostMaintenance: "on" | "off";
  State: "available" | "released";
  AllocationTime: string;
  ReleaseTime?: string;
  ClientToken?: string;
  OwnerId: string;
  Instances: Array<{ InstanceId: string; InstanceType: string }>;
  Tags: Tag[];
}

registerTaggable({ prefix: "h", kind: HOSTS, resourceType: "dedicated-host", idField: "HostId", notFoundCode: "InvalidHostID.NotFound", noun: "host" });

const table = (ctx: RequestContext) => ec2Table<HostRecord>(ctx, HOSTS);
const save = (ctx: RequestContext, record: HostRecord): void => {
  table(ctx).put(scopeOf(ctx), record.HostId, record);
};

const hostNotFound = (id: string) => notFound("InvalidHostID.NotFound", "host", id);
const notEnoughCapacity = () => ec2Error("InsufficientHostCapacity", "There is not enough capacity to fulfill your Dedicated Host request.");

function hostView(record: HostRecord): Host {
  return {
    HostId: record.HostId,
    AutoPlacement: record.AutoPlacement,
    AvailabilityZone: record.AvailabilityZone,
    ...(record.AvailabilityZoneId ? { AvailabilityZoneId: record.AvailabilityZoneId } : {}),
    AvailableCapacity: availableCapacity(record.family, record.InstanceType, record.Instances.map((i) => ({ instanceType: i.InstanceType }))),
    HostProperties: hostProperties(record.family, record.InstanceType),
    Instances: record.Instances.map((i) => ({ InstanceId: i.InstanceId, InstanceType: i.InstanceType, OwnerId: record.OwnerId })),
    State: record.State,
    AllocationTime: isoAsDate(record.AllocationTime),
    ...(record.ReleaseTime ? { ReleaseTime: isoAsDate(record.ReleaseTime) } : {}),
    HostRecovery: record.HostRecovery,
    HostMaintenance: record.HostMaintenance,
    AllowsMultipleInstanceTypes: record.InstanceType ? "off" : "on",
    OwnerId: record.OwnerId,
    MemberOfServiceLinkedResourceGroup: false,
    ...(record.ClientToken ? { ClientToken: record.ClientToken } : {}),
    Tags: record.Tags,
  };
}

function onOff(value: string | undefined, name: string, fallback: "on" | "off"): "on" | "off" {
  if (value === undefined) return fallback;
  if (value !== "on" && value !== "off") throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected: 'on, off'.`);
  return value;
}

/** The host type or family an AllocateHosts / ModifyHosts call asks for, checked against the catalogue. */
function hostKind(instanceType: string | undefined, instanceFamily: string | undefined): { family: string; instanceType?: string } {
  if (instanceType && instanceFamily) throw ec2Error("InvalidParameterCombination", "Specify either instanceType or instanceFamily, but not both.");
  if (instanceType) {
    const info = instanceTypeInfo(instanceType);
    if (!info) throw invalidParameterValue(`Invalid host configuration: instance type '${instanceType}' does not exist.`);
    if (info.DedicatedHostsSupported === false) throw ec2Error("UnsupportedHostConfiguration", `Dedicated Hosts do not support instance type '${instanceType}'.`);
    return { family: familyOf(instanceType), instanceType };
  }
  if (instanceFamily) {
    if (familySizes(instanceFamily).length === 0) throw invalidParameterValue(`Invalid host configuration: instance family '${instanceFamily}' does not exist.`);
    return { family: instanceFamily };
  }
  throw missingParameter("instanceType or instanceFamily");
}

function liveHost(ctx: RequestContext, id: string): HostRecord | undefined {
  const record = table(ctx).get(scopeOf(ctx), id);
  return record && record.State !== "released" ? record : undefined;
}

export const hostHandlers: HandlerTable<Ec2Operations> = {
  AllocateHosts: (input, ctx) => {
    const kind = hostKind(input.InstanceType, input.InstanceFamily);
    let zone = input.AvailabilityZone;
    if (!zone && input.AvailabilityZoneId) {
      zone = availabilityZoneNames(ctx).find((name) => zoneInfo(ctx, name)?.ZoneId === input.AvailabilityZoneId);
      if (!zone) throw invalidParameterValue(`Invalid availability zone ID: [${input.AvailabilityZoneId}]`);
    }
    if (!zone) throw missingParameter("availabilityZone");
    if (!availabilityZoneNames(ctx).includes(zone)) throw invalidParameterValue(`Invalid availability zone: [${zone}]`);
    const probeType = kind.instanceType ?? familySizes(kind.family)[0]?.instanceType ?? "";
    if (!isInstanceTypeOffered(ctx, zone, probeType)) {
      throw ec2Error("UnsupportedHostConfiguration", `Your requested instance type (${probeType}) is not supported in your requested Availability Zone (${zone}).`);
    }
    const quantity = input.Quantity ?? 1;
    if (!Number.isInteger(quantity) || quantity < 1) throw invalidParameterValue(`Value (${quantity}) for parameter quantity is invalid. Expected a positive integer.`);
    const autoPlacement = onOff(input.AutoPlacement, "autoPlacement", "off");
    const hostRecovery = onOff(input.HostRecovery, "hostRecovery", "off");
    const hostMaintenance = onOff(input.HostMaintenance, "hostMaintenance", "on");
    checkTagSpecificationTypes(input.TagSpecifications, ["dedicated-host"]);
    const tags = tagsFor(input.TagSpecifications, "dedicated-host");
    if (input.ClientToken) {
      const earlier = table(ctx)
        .list(scopeOf(ctx))
        .filter((record) => record.ClientToken === input.ClientToken);
      if (earlier.length > 0) return { HostIds: earlier.map((record) => record.HostId) };
    }
    const zoneId = zoneInfo(ctx, zone)?.ZoneId;
    const hostIds: string[] = [];
    ctx.state.transaction(() => {
      for (let i = 0; i < quantity; i++) {
        const record: HostRecord = {
          HostId: newEc2Id("h"),
          family: kind.family,
          ...(kind.instanceType ? { InstanceType: kind.instanceType } : {}),
          AvailabilityZone: zone,
          ...(zoneId ? { AvailabilityZoneId: zoneId } : {}),
          AutoPlacement: autoPlacement,
          HostRecovery: hostRecovery,
          HostMaintenance: hostMaintenance,
          State: "available",
          AllocationTime: nowIso(),
          ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}),
          OwnerId: ctx.account,
          Instances: [],
          Tags: tags,
        };
        save(ctx, record);
        hostIds.push(record.HostId);
      }
    });
    return { HostIds: hostIds };
  },

  DescribeHosts: (input, ctx) => {
    const all = table(ctx).list(scopeOf(ctx));
    let selected = all;
    if (input.HostIds?.length) {
      if (input.MaxResults !== undefined) throw ec2Error("InvalidParameterCombination", "The parameter hostSet cannot be used with the parameter maxResults");
      for (const id of input.HostIds) if (!all.some((record) => record.HostId === id)) throw hostNotFound(id);
      selected = selected.filter((record) => input.HostIds?.includes(record.HostId));
    }
    const filtered = applyFilters(
      selected,
      input.Filter,
      {
        "auto-placement": (record) => record.AutoPlacement,
        "availability-zone": (record) => record.AvailabilityZone,
        "client-token": (record) => record.ClientToken,
        "host-reservation-id": () => undefined,
        "instance-type": (record) => record.InstanceType,
        state: (record) => record.State,
      },
      (record) => record.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 500 });
    return { Hosts: page.items.map(hostView), NextToken: page.nextToken };
  },

  ModifyHosts: (input, ctx) => {
    const autoPlacement = input.AutoPlacement !== undefined ? onOff(input.AutoPlacement, "autoPlacement", "off") : undefined;
    const hostRecovery = input.HostRecovery !== undefined ? onOff(input.HostRecovery, "hostRecovery", "off") : undefined;
    const hostMaintenance = input.HostMaintenance !== undefined ? onOff(input.HostMaintenance, "hostMaintenance", "on") : undefined;
    const kind = input.InstanceType || input.InstanceFamily ? hostKind(input.InstanceType, input.InstanceFamily) : undefined;
    if (!autoPlacement && !hostRecovery && !hostMaintenance && !kind) {
      throw missingParameter("autoPlacement, hostRecovery, hostMaintenance, instanceType or instanceFamily");
    }
    const successful: string[] = [];
    const unsuccessful: UnsuccessfulItem[] = [];
    ctx.state.transaction(() => {
      for (const id of input.HostIds ?? []) {
        const record = liveHost(ctx, id);
        if (!record) {
          unsuccessful.push({ ResourceId: id, Error: { Code: "InvalidHostID.NotFound", Message: `The host ID '${id}' does not exist` } });
          continue;
        }
        if (kind && record.Instances.length > 0) {
          unsuccessful.push({ ResourceId: id, Error: { Code: "InvalidHostState", Message: `The instance type or family of host '${id}' cannot be changed while instances run on it.` } });
          continue;
        }
        const updated: HostRecord = {
          ...record,
          ...(autoPlacement ? { AutoPlacement: autoPlacement } : {}),
          ...(hostRecovery ? { HostRecovery: hostRecovery } : {}),
          ...(hostMaintenance ? { HostMaintenance: hostMaintenance } : {}),
        };
        if (kind) {
          updated.family = kind.family;
          if (kind.instanceType) updated.InstanceType = kind.instanceType;
          else delete updated.InstanceType;
        }
        save(ctx, updated);
        successful.push(id);
      }
    });
    return { Successful: successful, Unsuccessful: unsuccessful };
  },

  ReleaseHosts: (input, ctx) => {
    const successful: string[] = [];
    const unsuccessful: UnsuccessfulItem[] = [];
    ctx.state.transaction(() => {
      for (const id of input.HostIds ?? []) {
        const record = liveHost(ctx, id);
        if (!record) {
          unsuccessful.push({ ResourceId: id, Error: { Code: "InvalidHostID.NotFound", Message: `The host ID '${id}' does not exist` } });
        } else if (record.Instances.length > 0) {
          unsuccessful.push({ ResourceId: id, Error: { Code: "Client.InvalidHost.Occupied", Message: `Dedicated host '${id}' cannot be released as it is occupied.` } });
        } else {
          // Released hosts stay visible (state released) for a while, as on EC2.
          save(ctx, { ...record, State: "released", ReleaseTime: nowIso() });
          successful.push(id);
        }
      }
    });
    return { Successful: successful, Unsuccessful: unsuccessful };
  },
};

export interface HostPlacementRequest {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  hostId?: string;
  tenancy?: string;
}

/**
 * RunInstances with Placement.Tenancy "host" or a HostId: a named host must be live, in the
 * instance's zone and have room for the type; without one, a host of the zone with auto-placement
 * on and room is chosen. Returns the HostId (undefined when the launch does not ask for a host).
 */
export function placeOnHost(ctx: RequestContext, req: HostPlacementRequest): string | undefined {
  if (!req.hostId && req.tenancy !== "host") return undefined;
  let host: HostRecord | undefined;
  if (req.hostId) {
    host = liveHost(ctx, req.hostId);
    if (!host) throw hostNotFound(req.hostId);
    if (host.AvailabilityZone !== req.availabilityZone) {
      throw invalidParameterValue(`The host ${req.hostId} is in availability zone ${host.AvailabilityZone}, but the instance is launched in ${req.availabilityZone}.`);
    }
    if (host.InstanceType ? host.InstanceType !== req.instanceType : host.family !== familyOf(req.instanceType)) {
      throw invalidParameterValue(`Instance type ${req.instanceType} is not supported by host ${req.hostId} (${host.InstanceType ?? host.family}).`);
    }
    if (!fits(host.family, host.InstanceType, placedOn(host), req.instanceType)) throw notEnoughCapacity();
  } else {
    host = table(ctx)
      .list(scopeOf(ctx))
      .find(
        (record) =>
          record.State === "available" &&
          record.AutoPlacement === "on" &&
          record.AvailabilityZone === req.availabilityZone &&
          fits(record.family, record.InstanceType, placedOn(record), req.instanceType),
      );
    if (!host) throw notEnoughCapacity();
  }
  save(ctx, { ...host, Instances: [...host.Instances, { InstanceId: req.instanceId, InstanceType: req.instanceType }] });
  return host.HostId;
}

const placedOn = (record: HostRecord) => record.Instances.map((i) => ({ instanceType: i.InstanceType }));

/** Terminate: the instance leaves whatever host it was on. */
export function releaseFromHost(ctx: RequestContext, instanceId: string): void {
  for (const record of table(ctx).list(scopeOf(ctx))) {
    if (record.Instances.some((i) => i.InstanceId === instanceId)) {
      save(ctx, { ...record, Instances: record.Instances.filter((i) => i.InstanceId !== instanceId) });
    }
  }
}
