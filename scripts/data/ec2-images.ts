/** Converts the recorded public AMIs into data/ec2/images.json.gz: each image as DescribeImages shows it, per region. */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Image } from "@aws-sdk/client-ec2";
import type { ImagesFile } from "../../src/services/ec2/catalog/data-types.ts";

export const EC2_IMAGES_OUTPUT = join("data", "ec2", "images.json.gz");

interface RecordedAmi {
  ami_id: string;
  name: string;
  description?: string | null;
  owner_id: string;
  state?: string;
  public?: boolean;
  image_location?: string;
  image_type?: string;
  platform?: string | null;
  architecture: string;
  root_device_type: string;
  root_device_name: string;
  virtualization_type: string;
  hypervisor?: string;
  sriov?: string;
  product_codes?: string[];
  /** Synthesized families only: their build date (names like Bottlerocket's carry none). */
  created?: string;
}

/** Owners whose images EC2 reports with ImageOwnerAlias "amazon" (Amazon Linux, Windows, SUSE, Deep Learning, ECS/EKS, Bottlerocket). */
const AMAZON_OWNERS = new Set(["137112412989", "801119661308", "013907871322", "898082745236", "591542846629", "602401143452", "092701018921"]);

const hex = (seed: string, length: number): string => createHash("sha256").update(seed).digest("hex").slice(0, length);

/** The image's build date from its name (20260727, 2017.10.13, v20151207), else a fixed date. */
function creationDate(name: string): string {
  const compact = /(20\d\d)(\d\d)(\d\d)/.exec(name);
  const dotted = /(20\d\d)[.-](\d\d)[.-](\d\d)(?!\d)/.exec(name);
  const match = compact ?? dotted;
  return match ? `${match[1]}-${match[2]}-${match[3]}T00:00:00.000Z` : "2020-01-01T00:00:00.000Z";
}

/** AWS deprecates public AMIs two years after creation. */
function deprecationTime(created: string): string {
  const date = new Date(created);
  date.setUTCFullYear(date.getUTCFullYear() + 2);
  return date.toISOString();
}

function billing(name: string, windows: boolean): { PlatformDetails: string; UsageOperation: string } {
  if (windows) return name.includes("SQL") ? { PlatformDetails: "Windows with SQL Server Standard", UsageOperation: "RunInstances:0006" } : { PlatformDetails: "Windows", UsageOperation: "RunInstances:0002" };
  if (name.startsWith("RHEL")) return { PlatformDetails: "Red Hat Enterprise Linux", UsageOperation: "RunInstances:0010" };
  if (name.startsWith("suse")) return { PlatformDetails: "SUSE Linux", UsageOperation: "RunInstances:000g" };
  return { PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances" };
}

function toImage(ami: RecordedAmi, region: string): Image {
  const windows = ami.platform === "windows" || ami.name.startsWith("Windows");
  const alias = AMAZON_OWNERS.has(ami.owner_id) ? "amazon" : undefined;
  const created = ami.created ?? creationDate(ami.name);
  const al2023 = ami.name.startsWith("al2023") || ami.name.startsWith("al2022");
  const ebs = ami.root_device_type === "ebs";
  const size = windows ? 30 : ami.name.startsWith("bottlerocket") ? 2 : 8;
  const image: Image = {
    ImageId: ami.ami_id,
    ImageLocation: `${alias ?? ami.owner_id}/${ami.name}`,
    State: "available",
    OwnerId: ami.owner_id,
    CreationDate: created,
    Public: true,
    Architecture: ami.architecture === "arm64" ? "arm64" : ami.architecture === "i386" ? "i386" : "x86_64",
    ImageType: "machine",
    ...billing(ami.name, windows),
    EnaSupport: ami.virtualization_type === "hvm",
    Hypervisor: "xen",
    Name: ami.name,
    RootDeviceName: ami.root_device_name,
    RootDeviceType: ebs ? "ebs" : "instance-store",
    SriovNetSupport: ami.sriov ?? "simple",
    VirtualizationType: ami.virtualization_type === "paravirtual" ? "paravirtual" : "hvm",
    DeprecationTime: deprecationTime(created),
    BlockDeviceMappings: ebs
      ? [{
          DeviceName: ami.root_device_name,
          Ebs: {
            DeleteOnTermination: true,
            // The recording has no snapshot ids: a stable one per image and region.
            SnapshotId: `snap-${hex(`${region}/${ami.ami_id}`, 17)}`,
            VolumeSize: size,
            VolumeType: al2023 ? "gp3" : "gp2",
            Encrypted: false,
            ...(al2023 ? { Iops: 3000, Throughput: 125 } : {}),
          },
        }]
      : [],
  };
  // The SDK enum spells it "Windows"; EC2 writes "windows" on the wire.
  if (windows) image.Platform = "windows" as string as Image["Platform"];
  if (alias) image.ImageOwnerAlias = alias;
  if (ami.description) image.Description = ami.description;
  if (al2023) {
    image.BootMode = "uefi-preferred";
    image.ImdsSupport = "v2.0";
  }
  if (ami.product_codes?.length) image.ProductCodes = ami.product_codes.map((code) => ({ ProductCodeId: code, ProductCodeType: "marketplace" }));
  return image;
}

/**
 * Well-known image families the recording lacks (current Ubuntu, Debian, Windows Server, ECS/EKS-optimized,
 * Bottlerocket), synthesized by Stratus with AWS's naming schemes and owners so that the usual `aws_ami`
 * lookups find something; their ids are stable per region but are not real AWS ids.
 */
const FAMILIES: Array<Omit<RecordedAmi, "ami_id">> = [];
function family(owner: string, name: string, description: string, archs: string[], extra: Partial<RecordedAmi> = {}): void {
  for (const arch of archs) {
    const debArch = arch === "arm64" ? "arm64" : "amd64";
    FAMILIES.push({
      owner_id: owner,
      name: name.replace("{arch}", arch).replace("{deb}", debArch),
      description: description.replace("{arch}", arch).replace("{deb}", debArch),
      architecture: arch,
      root_device_type: "ebs",
      root_device_name: "/dev/xvda",
      virtualization_type: "hvm",
      created: "2026-07-15T00:00:00.000Z",
      ...extra,
    });
  }
}
const CANONICAL = "099720109477";
family(CANONICAL, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-{deb}-server-20260715", "Canonical, Ubuntu, 24.04, {deb} noble image", ["x86_64", "arm64"], { root_device_name: "/dev/sda1" });
family(CANONICAL, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-{deb}-server-20260715", "Canonical, Ubuntu, 22.04 LTS, {deb} jammy image", ["x86_64", "arm64"], { root_device_name: "/dev/sda1" });
family(CANONICAL, "ubuntu/images/hvm-ssd/ubuntu-focal-20.04-{deb}-server-20260715", "Canonical, Ubuntu, 20.04 LTS, {deb} focal image", ["x86_64", "arm64"], { root_device_name: "/dev/sda1" });
family("136693071363", "debian-12-{deb}-20260715-2170", "Debian 12 (20260715-2170)", ["x86_64", "arm64"]);
family("136693071363", "debian-11-{deb}-20260715-2170", "Debian 11 (20260715-2170)", ["x86_64", "arm64"]);
family("801119661308", "Windows_Server-2025-English-Full-Base-2026.07.15", "Microsoft Windows Server 2025 Full Locale English AMI provided by Amazon", ["x86_64"], { platform: "windows", root_device_name: "/dev/sda1" });
family("801119661308", "Windows_Server-2022-English-Full-Base-2026.07.15", "Microsoft Windows Server 2022 Full Locale English AMI provided by Amazon", ["x86_64"], { platform: "windows", root_device_name: "/dev/sda1" });
family("801119661308", "Windows_Server-2019-English-Full-Base-2026.07.15", "Microsoft Windows Server 2019 with Desktop Experience Locale English AMI provided by Amazon", ["x86_64"], { platform: "windows", root_device_name: "/dev/sda1" });
family("591542846629", "al2023-ami-ecs-hvm-2023.0.20260715-kernel-6.1-{arch}", "Amazon Linux AMI 2023.0.20260715 {arch} ECS HVM EBS", ["x86_64", "arm64"]);
family("591542846629", "amzn2-ami-ecs-hvm-2.0.20260715-{arch}-ebs", "Amazon Linux AMI 2.0.20260715 {arch} ECS HVM GP2", ["x86_64", "arm64"]);
family("602401143452", "amazon-eks-node-al2023-{arch}-standard-1.33-v20260715", "EKS-optimized Kubernetes node based on Amazon Linux 2023, (k8s: 1.33, containerd: 1.7)", ["x86_64", "arm64"]);
family("092701018921", "bottlerocket-aws-k8s-1.33-{arch}-v1.44.0-a1b2c3d4", "bottlerocket-aws-k8s-1.33-{arch}-v1.44.0-a1b2c3d4", ["x86_64", "arm64"]);
family("092701018921", "bottlerocket-aws-ecs-2-{arch}-v1.44.0-a1b2c3d4", "bottlerocket-aws-ecs-2-{arch}-v1.44.0-a1b2c3d4", ["x86_64", "arm64"]);

/** Recorded test fixtures of the source project, not AWS images. */
const isFixture = (ami: RecordedAmi): boolean => !/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(ami.ami_id) || /test/i.test(`${ami.description ?? ""} ${ami.name}`);

export function generateImages(sourceDir: string, outRoot: string): number {
  const common = (JSON.parse(readFileSync(join(sourceDir, "ec2-amis.json"), "utf8")) as RecordedAmi[]).filter((ami) => !isFixture(ami));
  const latestDir = join(sourceDir, "ec2-latest-amis");
  const zones = JSON.parse(readFileSync(join(sourceDir, "ec2-zones.json"), "utf8")) as { regions: Array<{ RegionName: string }> };
  const file: ImagesFile = {
    source: "ec2-amis.json and ec2-latest-amis/ (Moto, Apache-2.0) plus well-known families synthesized by Stratus",
    common: common.map((ami) => toImage(ami, "common")),
    regions: {},
  };
  let count = file.common.length;
  const recordedRegions = new Set(readdirSync(latestDir).map((name) => name.replace(/\.json$/, "")));
  for (const { RegionName: region } of zones.regions) {
    const latest = recordedRegions.has(region) ? (JSON.parse(readFileSync(join(latestDir, `${region}.json`), "utf8")) as RecordedAmi[]) : [];
    const synthesized = FAMILIES.map((ami) => ({ ...ami, ami_id: `ami-${hex(`${region}/${ami.name}`, 17)}` }));
    const images = [...latest.filter((ami) => !isFixture(ami)), ...synthesized].map((ami) => toImage(ami, region));
    file.regions[region] = images;
    count += images.length;
  }
  const target = join(outRoot, EC2_IMAGES_OUTPUT);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, gzipSync(JSON.stringify(file), { level: 9 }));
  return count;
}
