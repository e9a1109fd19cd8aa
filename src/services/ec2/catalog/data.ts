/** The EC2 facts under data/ec2/, each file read and parsed on first use only (never at start-up). */
import type { Image, InstanceTypeInfo } from "@aws-sdk/client-ec2";
import { readDataFile } from "../../../shared/data-files.ts";
import type { ImagesFile, OfferingsFile, RegionData, ZoneData, ZonesFile } from "./data-types.ts";

const load = <T>(name: string): T => readDataFile<T>(`ec2/${name}`);

let types: Map<string, InstanceTypeInfo> | undefined;

/** All instance types by name, in name order (~1,400; a few MB parsed, so only when a call needs them). */
export function instanceTypes(): Map<string, InstanceTypeInfo> {
  types ??= new Map(load<InstanceTypeInfo[]>("instance-types.json.gz").map((info) => [info.InstanceType ?? "", info]));
  return types;
}

let offerings: OfferingsFile | undefined;
const offeringSets = new Map<string, Set<string>>();

function offeringsFile(): OfferingsFile {
  offerings ??= load<OfferingsFile>("instance-type-offerings.json.gz");
  return offerings;
}

/** Type names offered in a region (location = region name) or one of its standard zones (location = zone name). */
export function offeredTypes(region: string, zoneOrRegion: string): Set<string> {
  let location = zoneOrRegion;
  const key = `${region}/${location}`;
  let set = offeringSets.get(key);
  if (!set) {
    const file = offeringsFile();
    // A region without recorded offerings offers what us-east-1 offers, in every zone.
    const regional = file.regions[region] ?? file.regions["us-east-1"];
    if (!file.regions[region]) location = location === region ? "us-east-1" : Object.keys(regional?.zones ?? {})[0] ?? "";
    const indexes = location === region ? regional?.region : regional?.zones[location];
    set = new Set((indexes ?? []).map((at) => file.types[at] ?? ""));
    offeringSets.set(key, set);
  }
  return set;
}

export interface RegionFacts extends RegionData {
  zones: ZoneData[];
}

let regions: Map<string, RegionFacts> | undefined;

export function regionFacts(): Map<string, RegionFacts> {
  regions ??= new Map(load<ZonesFile>("zones.json.gz").regions.map((region) => [region.RegionName, region]));
  return regions;
}

/**
 * A region Stratus has no facts for (a made-up or brand-new name) still works like a plain region
 * with three zones a, b, c, so clients pointed at any region get a usable EC2.
 */
export function factsOf(region: string): RegionFacts {
  const known = regionFacts().get(region);
  if (known) return known;
  const short = region.replace(/^(\w\w)-(\w)\w*-(\d+)$/, "$1$2$3");
  return {
    RegionName: region,
    Endpoint: `ec2.${region}.amazonaws.com`,
    OptInStatus: "opt-in-not-required",
    zones: ["a", "b", "c"].map((letter, at) => ({
      ZoneName: `${region}${letter}`,
      ZoneId: `${short}-az${at + 1}`,
      ZoneType: "availability-zone",
      GroupName: `${region}-zg-1`,
      NetworkBorderGroup: region,
      OptInStatus: "opt-in-not-required",
    })),
  };
}

let images: ImagesFile | undefined;
const imagesByRegion = new Map<string, Map<string, Image>>();

/** The public catalogue of a region by image id (the recorded common images plus the region's own). */
export function publicImages(region: string): Map<string, Image> {
  let map = imagesByRegion.get(region);
  if (!map) {
    images ??= load<ImagesFile>("images.json.gz");
    const regional = images.regions[region] ?? images.regions["us-east-1"] ?? [];
    map = new Map([...images.common, ...regional].map((image) => [image.ImageId ?? "", image]));
    imagesByRegion.set(region, map);
  }
  return map;
}
