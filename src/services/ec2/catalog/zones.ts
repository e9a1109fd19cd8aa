/** Regions and zones: DescribeRegions, DescribeAvailabilityZones, ModifyAvailabilityZoneGroup, and the per-account opt-in state. */
import type { AvailabilityZone, AvailabilityZoneOptInStatus, Region } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { factsOf, offeredTypes, regionFacts } from "./data.ts";
import type { ZoneData } from "./data-types.ts";

/** An account's opt-in choice for one zone group of one region (Local Zones, Wavelength Zones). */
interface ZoneGroupRecord {
  GroupName: string;
  OptInStatus: "opted-in" | "not-opted-in";
}

const groupTable = (ctx: RequestContext) => ec2Table<ZoneGroupRecord>(ctx, "zone-groups");

function toZone(ctx: RequestContext, region: string, zone: ZoneData): AvailabilityZone {
  const chosen = zone.OptInStatus === "opt-in-not-required" ? undefined : groupTable(ctx).get({ account: ctx.account, region }, zone.GroupName);
  const out: AvailabilityZone = {
    ZoneName: zone.ZoneName,
    ZoneId: zone.ZoneId,
    ZoneType: zone.ZoneType,
    GroupName: zone.GroupName,
    NetworkBorderGroup: zone.NetworkBorderGroup,
    OptInStatus: (chosen?.OptInStatus ?? zone.OptInStatus) as AvailabilityZoneOptInStatus,
    RegionName: region,
    State: "available",
    Messages: [],
  };
  if (zone.ParentZoneName) out.ParentZoneName = zone.ParentZoneName;
  if (zone.ParentZoneId) out.ParentZoneId = zone.ParentZoneId;
  return out;
}

/** Every zone of the caller's region (standard, Local, Wavelength) with this account's opt-in status. */
export const allZones = (ctx: RequestContext): AvailabilityZone[] => factsOf(ctx.region).zones.map((zone) => toZone(ctx, ctx.region, zone));

export function findZone(ctx: RequestContext, zoneName: string): AvailabilityZone | undefined {
  const zone = factsOf(ctx.region).zones.find((candidate) => candidate.ZoneName === zoneName);
  return zone ? toZone(ctx, ctx.region, zone) : undefined;
}

export const standardZoneNames = (ctx: RequestContext): string[] =>
  factsOf(ctx.region).zones.filter((zone) => zone.ZoneType === "availability-zone").map((zone) => zone.ZoneName);

/**
 * The families Local Zones and Wavelength Zones typically offer (the recording has no offerings for
 * them): what the parent zone offers of these families.
 */
const EDGE_FAMILIES: Record<string, string[]> = {
  "local-zone": ["t3", "c5", "c5d", "c6i", "m5", "m5d", "m6i", "r5", "r5d", "r6i", "g4dn"],
  "wavelength-zone": ["t3", "r5", "g4dn"],
};

export function zoneOfferedTypes(ctx: RequestContext, zone: AvailabilityZone): Set<string> {
  if (zone.ZoneType === "availability-zone") return offeredTypes(ctx.region, zone.ZoneName ?? "");
  const families = EDGE_FAMILIES[zone.ZoneType ?? ""] ?? [];
  const parent = offeredTypes(ctx.region, zone.ParentZoneName ?? "");
  return new Set([...parent].filter((type) => families.includes(type.split(".")[0] ?? "")));
}

const usable = (zone: AvailabilityZone): boolean => zone.OptInStatus !== "not-opted-in";

/** An opt-in region is enabled for the caller when it is the region being called (AWS refuses calls to disabled regions). */
function regionStatus(ctx: RequestContext, name: string, recorded: string): string {
  return recorded === "opt-in-not-required" ? recorded : name === ctx.region ? "opted-in" : recorded;
}

export const zoneHandlers: HandlerTable<Ec2Operations> = {
  DescribeRegions: (input, ctx) => {
    checkDryRun(input);
    const known = regionFacts();
    const names = new Set(known.keys());
    if (!names.has(ctx.region)) names.add(ctx.region);
    let regions: Region[] = [...names].sort().map((name) => {
      const facts = factsOf(name);
      return { RegionName: name, Endpoint: facts.Endpoint, OptInStatus: regionStatus(ctx, name, facts.OptInStatus) };
    });
    if (input.RegionNames?.length) {
      for (const name of input.RegionNames) {
        if (!names.has(name)) throw invalidParameterValue(`Invalid region: ${name}`);
      }
      regions = regions.filter((region) => input.RegionNames?.includes(region.RegionName ?? ""));
    } else if (!input.AllRegions) {
      regions = regions.filter((region) => region.OptInStatus !== "not-opted-in");
    }
    regions = applyFilters(regions, input.Filters, {
      endpoint: (r) => r.Endpoint,
      "region-name": (r) => r.RegionName,
      "opt-in-status": (r) => r.OptInStatus,
    });
    return { Regions: regions };
  },

  DescribeAvailabilityZones: (input, ctx) => {
    checkDryRun(input);
    let zones = allZones(ctx);
    const names = input.ZoneNames ?? [];
    const ids = input.ZoneIds ?? [];
    if (names.length || ids.length) {
      // Named zones are returned whatever their opt-in status; an unknown one is an error.
      for (const name of names) if (!zones.some((zone) => zone.ZoneName === name)) throw invalidParameterValue(`Invalid availability zone: [${name}]`);
      for (const id of ids) if (!zones.some((zone) => zone.ZoneId === id)) throw invalidParameterValue(`Invalid availability zone ID: [${id}]`);
      zones = zones.filter((zone) => names.includes(zone.ZoneName ?? "") || ids.includes(zone.ZoneId ?? ""));
    } else if (!input.AllAvailabilityZones) {
      zones = zones.filter(usable);
    }
    zones = applyFilters(zones, input.Filters, {
      "group-name": (z) => z.GroupName,
      "group-long-name": (z) => z.GroupLongName,
      message: (z) => (z.Messages ?? []).map((m) => m.Message),
      "network-border-group": (z) => z.NetworkBorderGroup,
      "opt-in-status": (z) => z.OptInStatus,
      "parent-zone-id": (z) => z.ParentZoneId,
      "parent-zone-name": (z) => z.ParentZoneName,
      "region-name": (z) => z.RegionName,
      state: (z) => z.State,
      "zone-id": (z) => z.ZoneId,
      "zone-name": (z) => z.ZoneName,
      "zone-type": (z) => z.ZoneType,
    });
    return { AvailabilityZones: zones };
  },

  ModifyAvailabilityZoneGroup: (input, ctx) => {
    const groupName = input.GroupName ?? "";
    const status = input.OptInStatus;
    if (status !== "opted-in" && status !== "not-opted-in") {
      throw invalidParameterValue(`Value (${String(status)}) for parameter optInStatus is invalid. Valid values: opted-in, not-opted-in`);
    }
    const members = factsOf(ctx.region).zones.filter((zone) => zone.GroupName === groupName);
    if (members.length === 0) throw invalidParameterValue(`The zone group name '${groupName}' is invalid.`);
    if (members.every((zone) => zone.OptInStatus === "opt-in-not-required")) {
      throw invalidParameterValue(`The zone group '${groupName}' does not require opt-in; its opt-in status cannot be modified.`);
    }
    checkDryRun(input);
    groupTable(ctx).put(scopeOf(ctx), groupName, { GroupName: groupName, OptInStatus: status });
    return { Return: true };
  },
};
