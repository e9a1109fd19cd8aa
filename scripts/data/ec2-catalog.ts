/** Converts the recorded EC2 facts (instance types, offerings, zones) into data/ec2/*.json.gz, keeping only what the API returns. */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import type { InstanceTypeInfo } from "@aws-sdk/client-ec2";
import type { OfferingsFile, ZonesFile, ZoneData, RegionData } from "../../src/services/ec2/catalog/data-types.ts";

export const EC2_INSTANCE_TYPES_OUTPUT = join("data", "ec2", "instance-types.json.gz");
export const EC2_OFFERINGS_OUTPUT = join("data", "ec2", "instance-type-offerings.json.gz");
export const EC2_ZONES_OUTPUT = join("data", "ec2", "zones.json.gz");

/** Regions the recording has no offerings for take the offerings of a region of the same vintage (all zones alike). */
const OFFERINGS_FALLBACK: Record<string, string> = {
  "ap-east-2": "ap-southeast-5",
  "ap-southeast-6": "ap-southeast-5",
  "ap-southeast-7": "ap-southeast-5",
  "mx-central-1": "ca-west-1",
};

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

function write(outRoot: string, relative: string, value: unknown): void {
  const target = join(outRoot, relative);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, gzipSync(JSON.stringify(value), { level: 9 }));
}

export function generateInstanceTypes(sourceDir: string, outRoot: string): number {
  const recorded = readJson<Record<string, InstanceTypeInfo>>(join(sourceDir, "ec2-instance-types.json"));
  const types = Object.values(recorded).sort((a, b) => ((a.InstanceType ?? "") < (b.InstanceType ?? "") ? -1 : 1));
  write(outRoot, EC2_INSTANCE_TYPES_OUTPUT, types);
  return types.length;
}

interface RecordedZonesFile {
  source: string;
  regions: Array<RegionData & { zones: ZoneData[] }>;
}

export function generateZones(sourceDir: string, outRoot: string): number {
  const recorded = readJson<RecordedZonesFile>(join(sourceDir, "ec2-zones.json"));
  const file: ZonesFile = { source: recorded.source, regions: recorded.regions };
  write(outRoot, EC2_ZONES_OUTPUT, file);
  return recorded.regions.reduce((sum, region) => sum + region.zones.length, 0);
}

interface Offering {
  InstanceType: string;
  Location: string;
}

/** Offerings as indexes into one sorted type list; zone-id offerings follow from the zone name → id mapping (checked here). */
export function generateOfferings(sourceDir: string, outRoot: string): number {
  const zones = readJson<RecordedZonesFile>(join(sourceDir, "ec2-zones.json"));
  const typeNames = Object.keys(readJson<Record<string, unknown>>(join(sourceDir, "ec2-instance-types.json"))).sort();
  const index = new Map(typeNames.map((name, at) => [name, at]));
  const ids = (offerings: Offering[]): number[] =>
    [...new Set(offerings.map((o) => {
      const at = index.get(o.InstanceType);
      if (at === undefined) throw new Error(`offering of unknown type ${o.InstanceType}`);
      return at;
    }))].sort((a, b) => a - b);
  const dir = join(sourceDir, "ec2-instance-type-offerings");
  const file: OfferingsFile = { types: typeNames, regions: {} };
  let count = 0;
  for (const region of zones.regions) {
    const name = region.RegionName;
    const standard = region.zones.filter((zone) => zone.ZoneType === "availability-zone");
    const source = existsSync(join(dir, "region", `${name}.json`)) ? name : OFFERINGS_FALLBACK[name];
    if (!source) throw new Error(`no offerings for ${name}`);
    const regional = readJson<Offering[]>(join(dir, "region", `${source}.json`));
    const byZone = readJson<Offering[]>(join(dir, "availability-zone", `${source}.json`));
    const zoneSets: Record<string, number[]> = {};
    if (source === name) {
      const byId = readJson<Offering[]>(join(dir, "availability-zone-id", `${name}.json`));
      const idOf = new Map(region.zones.map((zone) => [zone.ZoneName, zone.ZoneId]));
      for (const zone of standard) {
        zoneSets[zone.ZoneName] = ids(byZone.filter((o) => o.Location === zone.ZoneName));
        const viaId = ids(byId.filter((o) => o.Location === idOf.get(zone.ZoneName)));
        if (JSON.stringify(viaId) !== JSON.stringify(zoneSets[zone.ZoneName])) throw new Error(`zone id offerings differ for ${zone.ZoneName}`);
      }
    } else {
      // Types offered in every zone of the stand-in region, for every zone of this one.
      const zoneNames = [...new Set(byZone.map((o) => o.Location))];
      const everywhere = ids(byZone).filter((at) => zoneNames.every((zone) => byZone.some((o) => o.Location === zone && index.get(o.InstanceType) === at)));
      for (const zone of standard) zoneSets[zone.ZoneName] = everywhere;
    }
    file.regions[name] = { region: source === name ? ids(regional) : [...new Set(Object.values(zoneSets).flat())].sort((a, b) => a - b), zones: zoneSets };
    count += file.regions[name].region.length;
  }
  write(outRoot, EC2_OFFERINGS_OUTPUT, file);
  return count;
}
