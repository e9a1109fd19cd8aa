/** EC2 catalogue through the SDK: instance types and offerings, regions, zones with Local/Wavelength opt-in. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import {
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribeRegionsCommand,
  EC2Client,
  ModifyAvailabilityZoneGroupCommand,
  paginateDescribeInstanceTypeOfferings,
  paginateDescribeInstanceTypes,
  type InstanceTypeInfo,
} from "@aws-sdk/client-ec2";
import { clientConfig, startStratus, type RunningStratus } from "../support/server.ts";

let server: RunningStratus;
let ec2: EC2Client;

const offeringsFile = JSON.parse(gunzipSync(readFileSync(new URL("../../data/ec2/instance-type-offerings.json.gz", import.meta.url))).toString("utf8")) as {
  types: string[];
  regions: Record<string, { region: number[]; zones: Record<string, number[]> }>;
};

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string };
    return { name: e.name, message: e.message };
  }
  assert.fail("expected an error");
}

before(async () => {
  server = await startStratus();
  ec2 = new EC2Client(clientConfig(server.endpoint));
});
after(async () => {
  ec2.destroy();
  await server.stop();
});

describe("DescribeInstanceTypes", () => {
  it("pages through every type offered in the region", async () => {
    const all: InstanceTypeInfo[] = [];
    let pages = 0;
    for await (const page of paginateDescribeInstanceTypes({ client: ec2, pageSize: 100 }, {})) {
      pages++;
      assert.ok((page.InstanceTypes?.length ?? 0) <= 100);
      all.push(...(page.InstanceTypes ?? []));
    }
    const expected = offeringsFile.regions["us-east-1"]?.region.length ?? 0;
    assert.ok(expected > 1300, `recorded ${expected} types in us-east-1`);
    assert.equal(all.length, expected);
    assert.equal(new Set(all.map((t) => t.InstanceType)).size, expected);
    assert.equal(pages, Math.ceil(expected / 100));
  });

  it("pages by 100 when no MaxResults is given", async () => {
    const first = await ec2.send(new DescribeInstanceTypesCommand({}));
    assert.equal(first.InstanceTypes?.length, 100);
    assert.ok(first.NextToken);
  });

  it("describes known types with their real specs", async () => {
    const out = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["t3.micro", "p4d.24xlarge", "m7g.large"] }));
    const byName = new Map((out.InstanceTypes ?? []).map((t) => [t.InstanceType, t]));
    const micro = byName.get("t3.micro");
    assert.equal(micro?.VCpuInfo?.DefaultVCpus, 2);
    assert.equal(micro?.MemoryInfo?.SizeInMiB, 1024);
    assert.equal(micro?.Hypervisor, "nitro");
    assert.equal(micro?.BurstablePerformanceSupported, true);
    assert.equal(micro?.FreeTierEligible, true);
    const p4d = byName.get("p4d.24xlarge");
    assert.equal(p4d?.GpuInfo?.Gpus?.[0]?.Count, 8);
    assert.equal(p4d?.GpuInfo?.Gpus?.[0]?.Name, "A100");
    assert.equal(p4d?.NetworkInfo?.EfaSupported, true);
    assert.equal(p4d?.VCpuInfo?.DefaultVCpus, 96);
    assert.deepEqual(byName.get("m7g.large")?.ProcessorInfo?.SupportedArchitectures, ["arm64"]);
  });

  it("filters by vCPUs, memory, architecture, bare metal, EFA, hypervisor and wildcards", async () => {
    const filtered = async (filters: Array<{ Name: string; Values: string[] }>) => {
      const found: InstanceTypeInfo[] = [];
      for await (const page of paginateDescribeInstanceTypes({ client: ec2 }, { Filters: filters })) found.push(...(page.InstanceTypes ?? []));
      return found;
    };
    const small = await filtered([{ Name: "vcpu-info.default-vcpus", Values: ["2"] }, { Name: "memory-info.size-in-mib", Values: ["1024"] }]);
    assert.ok(small.some((t) => t.InstanceType === "t3.micro"));
    assert.ok(small.every((t) => t.VCpuInfo?.DefaultVCpus === 2 && t.MemoryInfo?.SizeInMiB === 1024));
    const t3 = await filtered([{ Name: "instance-type", Values: ["t3.*"] }]);
    assert.deepEqual(t3.map((t) => t.InstanceType).sort(), ["t3.2xlarge", "t3.large", "t3.medium", "t3.micro", "t3.nano", "t3.small", "t3.xlarge"]);
    const metal = await filtered([{ Name: "bare-metal", Values: ["true"] }, { Name: "processor-info.supported-architecture", Values: ["arm64"] }]);
    assert.ok(metal.length > 0 && metal.every((t) => t.BareMetal === true && t.ProcessorInfo?.SupportedArchitectures?.includes("arm64")));
    const efa = await filtered([{ Name: "network-info.efa-supported", Values: ["true"] }]);
    assert.ok(efa.some((t) => t.InstanceType === "p4d.24xlarge"));
    assert.ok(!efa.some((t) => t.InstanceType === "t3.micro"));
    const xen = await filtered([{ Name: "hypervisor", Values: ["xen"] }, { Name: "current-generation", Values: ["false"] }]);
    assert.ok(xen.length > 0 && xen.every((t) => t.Hypervisor === "xen" && t.CurrentGeneration === false));
    const free = await filtered([{ Name: "free-tier-eligible", Values: ["true"] }]);
    assert.ok(free.some((t) => t.InstanceType === "t3.micro") && free.every((t) => t.FreeTierEligible));
  });

  it("rejects unknown types, bad filters and page sizes", async () => {
    const unknown = await errorOf(ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: ["t3.micro", "t3.gigantic" as "t3.micro"] })));
    assert.equal(unknown.name, "InvalidInstanceType");
    assert.match(unknown.message, /t3\.gigantic/);
    const filter = await errorOf(ec2.send(new DescribeInstanceTypesCommand({ Filters: [{ Name: "no-such-filter", Values: ["x"] }] })));
    assert.equal(filter.name, "InvalidParameterValue");
    const paging = await errorOf(ec2.send(new DescribeInstanceTypesCommand({ MaxResults: 101 })));
    assert.equal(paging.name, "InvalidParameterValue");
  });
});

describe("DescribeInstanceTypeOfferings", () => {
  it("lists region, zone and zone-id offerings as recorded", async () => {
    const region = await ec2.send(new DescribeInstanceTypeOfferingsCommand({ Filters: [{ Name: "instance-type", Values: ["t3.micro"] }] }));
    assert.deepEqual(region.InstanceTypeOfferings, [{ InstanceType: "t3.micro", LocationType: "region", Location: "us-east-1" }]);
    const zoneCount = Object.values(offeringsFile.regions["us-east-1"]?.zones ?? {}).reduce((sum, list) => sum + list.length, 0);
    let counted = 0;
    for await (const page of paginateDescribeInstanceTypeOfferings({ client: ec2, pageSize: 1000 }, { LocationType: "availability-zone" })) counted += page.InstanceTypeOfferings?.length ?? 0;
    assert.equal(counted, zoneCount);
    const inZone = await ec2.send(new DescribeInstanceTypeOfferingsCommand({ LocationType: "availability-zone", Filters: [{ Name: "location", Values: ["us-east-1a"] }, { Name: "instance-type", Values: ["p4d.24xlarge", "t3.micro"] }] }));
    const zoneSet = new Set((offeringsFile.regions["us-east-1"]?.zones["us-east-1a"] ?? []).map((at) => offeringsFile.types[at]));
    assert.deepEqual(inZone.InstanceTypeOfferings?.map((o) => o.InstanceType).sort(), ["p4d.24xlarge", "t3.micro"].filter((t) => zoneSet.has(t)));
    const byId = await ec2.send(new DescribeInstanceTypeOfferingsCommand({ LocationType: "availability-zone-id", Filters: [{ Name: "instance-type", Values: ["t3.micro"] }] }));
    assert.ok((byId.InstanceTypeOfferings ?? []).every((o) => /^use1-az\d$/.test(o.Location ?? "") && o.LocationType === "availability-zone-id"));
    assert.ok((byId.InstanceTypeOfferings?.length ?? 0) >= 5);
  });
});

describe("regions and zones", () => {
  it("DescribeRegions lists enabled regions, and opt-in regions with AllRegions", async () => {
    const enabled = (await ec2.send(new DescribeRegionsCommand({}))).Regions ?? [];
    assert.ok(enabled.some((r) => r.RegionName === "us-east-1" && r.Endpoint === "ec2.us-east-1.amazonaws.com" && r.OptInStatus === "opt-in-not-required"));
    assert.ok(!enabled.some((r) => r.RegionName === "af-south-1"));
    const all = (await ec2.send(new DescribeRegionsCommand({ AllRegions: true }))).Regions ?? [];
    assert.equal(all.find((r) => r.RegionName === "af-south-1")?.OptInStatus, "not-opted-in");
    assert.ok(all.length > enabled.length);
    const filtered = await ec2.send(new DescribeRegionsCommand({ AllRegions: true, Filters: [{ Name: "opt-in-status", Values: ["not-opted-in"] }, { Name: "region-name", Values: ["eu-*"] }] }));
    assert.ok((filtered.Regions?.length ?? 0) > 0 && filtered.Regions?.every((r) => r.RegionName?.startsWith("eu-") && r.OptInStatus === "not-opted-in"));
  });

  it("DescribeAvailabilityZones shows standard zones with ids, and Local/Wavelength Zones with AllAvailabilityZones", async () => {
    const standard = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
    assert.deepEqual(standard.map((z) => z.ZoneName), ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]);
    for (const zone of standard) {
      assert.match(zone.ZoneId ?? "", /^use1-az\d$/);
      assert.equal(zone.ZoneType, "availability-zone");
      assert.equal(zone.OptInStatus, "opt-in-not-required");
      assert.equal(zone.State, "available");
      assert.equal(zone.GroupName, "us-east-1-zg-1");
      assert.equal(zone.NetworkBorderGroup, "us-east-1");
      assert.equal(zone.RegionName, "us-east-1");
    }
    const all = (await ec2.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true }))).AvailabilityZones ?? [];
    const local = all.filter((z) => z.ZoneType === "local-zone");
    const wavelength = all.filter((z) => z.ZoneType === "wavelength-zone");
    assert.ok(local.length > 5 && wavelength.length > 3);
    assert.ok([...local, ...wavelength].every((z) => z.OptInStatus === "not-opted-in" && z.ParentZoneName && z.ParentZoneId));
    const bos = all.find((z) => z.ZoneName === "us-east-1-bos-1a");
    assert.equal(bos?.GroupName, "us-east-1-bos-1");
  });

  it("ModifyAvailabilityZoneGroup opts a Local Zone group in and out", async () => {
    await ec2.send(new ModifyAvailabilityZoneGroupCommand({ GroupName: "us-east-1-bos-1", OptInStatus: "opted-in" }));
    const listed = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
    assert.equal(listed.find((z) => z.ZoneName === "us-east-1-bos-1a")?.OptInStatus, "opted-in");
    const byFilter = await ec2.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true, Filters: [{ Name: "opt-in-status", Values: ["opted-in"] }] }));
    assert.deepEqual(byFilter.AvailabilityZones?.map((z) => z.ZoneName), ["us-east-1-bos-1a"]);
    // An opted-in Local Zone offers a few families of its parent zone's types.
    const edge = await ec2.send(new DescribeInstanceTypeOfferingsCommand({ LocationType: "availability-zone", Filters: [{ Name: "location", Values: ["us-east-1-bos-1a"] }] }));
    const edgeTypes = new Set(edge.InstanceTypeOfferings?.map((o) => o.InstanceType));
    assert.ok(edgeTypes.has("t3.micro") && !edgeTypes.has("p4d.24xlarge"));
    // Opt-in is per account.
    const other = new EC2Client(clientConfig(server.endpoint, "111122223333"));
    const theirs = await other.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ["us-east-1-bos-1a"] }));
    assert.equal(theirs.AvailabilityZones?.[0]?.OptInStatus, "not-opted-in");
    other.destroy();
    await ec2.send(new ModifyAvailabilityZoneGroupCommand({ GroupName: "us-east-1-bos-1", OptInStatus: "not-opted-in" }));
    const again = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
    assert.ok(!again.some((z) => z.ZoneName === "us-east-1-bos-1a"));
    const bad = await errorOf(ec2.send(new ModifyAvailabilityZoneGroupCommand({ GroupName: "us-east-1-nowhere-1", OptInStatus: "opted-in" })));
    assert.equal(bad.name, "InvalidParameterValue");
    const unknownZone = await errorOf(ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ["us-east-1z"] })));
    assert.equal(unknownZone.name, "InvalidParameterValue");
  });

  it("filters zones by zone id, type and parent", async () => {
    const out = await ec2.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true, Filters: [{ Name: "zone-type", Values: ["wavelength-zone"] }, { Name: "parent-zone-name", Values: ["us-east-1*"] }] }));
    assert.ok((out.AvailabilityZones?.length ?? 0) > 0 && out.AvailabilityZones?.every((z) => z.ZoneType === "wavelength-zone"));
    const byId = await ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: "zone-id", Values: ["use1-az1"] }] }));
    assert.equal(byId.AvailabilityZones?.length, 1);
  });
});
