/** The shapes of the generated EC2 data files under data/ec2/ (written by scripts/data/ec2-*.ts). */
import type { Image } from "@aws-sdk/client-ec2";

export interface RegionData {
  RegionName: string;
  Endpoint: string;
  /** "opt-in-not-required" or, for opt-in regions, "not-opted-in". */
  OptInStatus: string;
}

export interface ZoneData {
  ZoneName: string;
  ZoneId: string;
  ZoneType: string;
  GroupName: string;
  NetworkBorderGroup: string;
  OptInStatus: string;
  ParentZoneName?: string;
  ParentZoneId?: string;
}

export interface ZonesFile {
  source: string;
  regions: Array<RegionData & { zones: ZoneData[] }>;
}

/** Offerings as indexes into `types` (sorted type names): per region, the regional set and each standard zone's set. */
export interface OfferingsFile {
  types: string[];
  regions: Record<string, { region: number[]; zones: Record<string, number[]> }>;
}

/** Public images: `common` exist in every region, `regions` per region; each as DescribeImages shows it. */
export interface ImagesFile {
  source: string;
  common: Image[];
  regions: Record<string, Image[]>;
}
