/** RunInstances parameters merged with a launch template's data (request wins) into one normalized shape. */
import type {
  BlockDeviceMapping,
  InstanceMetadataOptionsRequest,
  InstanceNetworkInterfaceSpecification,
  LaunchTemplateBlockDeviceMapping,
  LaunchTemplateInstanceNetworkInterfaceSpecification,
  Placement,
  ResponseLaunchTemplateData,
  RunInstancesRequest,
  TagSpecification,
} from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { resolveLaunchTemplate } from "../family/api.ts";

export interface LaunchParams {
  imageId?: string | undefined;
  instanceType?: string | undefined;
  keyName?: string | undefined;
  securityGroupIds?: string[] | undefined;
  securityGroupNames?: string[] | undefined;
  subnetId?: string | undefined;
  privateIpAddress?: string | undefined;
  userData?: string | undefined;
  tagSpecifications: TagSpecification[];
  blockDeviceMappings?: BlockDeviceMapping[] | undefined;
  placement: Placement;
  iamInstanceProfile?: { Arn?: string | undefined; Name?: string | undefined } | undefined;
  networkInterfaces?: InstanceNetworkInterfaceSpecification[] | undefined;
  metadataOptions?: InstanceMetadataOptionsRequest | undefined;
  disableApiTermination?: boolean | undefined;
  disableApiStop?: boolean | undefined;
  shutdownBehavior?: string | undefined;
  monitoring?: boolean | undefined;
  ebsOptimized?: boolean | undefined;
  hibernation?: boolean | undefined;
  cpuCredits?: string | undefined;
  /** "spot" or "capacity-block" when InstanceMarketOptions asks for it. */
  marketType?: string | undefined;
  /** Spot request type: "one-time" (EC2's default) or "persistent". */
  spotType?: string | undefined;
  /** The launch template used, for the aws:ec2launchtemplate:* tags. */
  template?: { id?: string | undefined; name?: string | undefined; version?: string | undefined } | undefined;
}

function templateDevices(mappings: LaunchTemplateBlockDeviceMapping[] | undefined): BlockDeviceMapping[] | undefined {
  return mappings?.map((m) => ({
    DeviceName: m.DeviceName,
    VirtualName: m.VirtualName,
    NoDevice: m.NoDevice,
    Ebs: m.Ebs
      ? {
          DeleteOnTermination: m.Ebs.DeleteOnTermination,
          Encrypted: m.Ebs.Encrypted,
          Iops: m.Ebs.Iops,
          KmsKeyId: m.Ebs.KmsKeyId,
          SnapshotId: m.Ebs.SnapshotId,
          VolumeSize: m.Ebs.VolumeSize,
          VolumeType: m.Ebs.VolumeType,
          Throughput: m.Ebs.Throughput,
        }
      : undefined,
  }));
}

function templateInterfaces(specs: LaunchTemplateInstanceNetworkInterfaceSpecification[] | undefined): InstanceNetworkInterfaceSpecification[] | undefined {
  return specs?.map((s) => ({
    AssociatePublicIpAddress: s.AssociatePublicIpAddress,
    DeleteOnTermination: s.DeleteOnTermination,
    Description: s.Description,
    DeviceIndex: s.DeviceIndex,
    Groups: s.Groups,
    NetworkInterfaceId: s.NetworkInterfaceId,
    PrivateIpAddress: s.PrivateIpAddress,
    PrivateIpAddresses: s.PrivateIpAddresses,
    SecondaryPrivateIpAddressCount: s.SecondaryPrivateIpAddressCount,
    SubnetId: s.SubnetId,
    InterfaceType: s.InterfaceType,
    NetworkCardIndex: s.NetworkCardIndex,
    Ipv6AddressCount: s.Ipv6AddressCount,
  }));
}

/** Tag specifications of both, per resource type; the request's value wins for a key both set. */
function mergedTagSpecs(fromTemplate: TagSpecification[], fromRequest: TagSpecification[]): TagSpecification[] {
  const byType = new Map<string, Map<string, string>>();
  for (const spec of [...fromTemplate, ...fromRequest]) {
    const type = spec.ResourceType ?? "";
    const tags = byType.get(type) ?? new Map<string, string>();
    for (const tag of spec.Tags ?? []) tags.set(tag.Key ?? "", tag.Value ?? "");
    byType.set(type, tags);
  }
  const type = (name: string) => name as TagSpecification["ResourceType"];
  return [...byType].map(([name, tags]) => ({ ResourceType: type(name), Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) }));
}

const pick = <T>(request: T | undefined, template: T | undefined): T | undefined => (request !== undefined ? request : template);

/** The effective launch parameters: request values override the template's (as RunInstances documents). */
export function launchParams(ctx: RequestContext, input: RunInstancesRequest): LaunchParams {
  const spec = input.LaunchTemplate;
  const data: ResponseLaunchTemplateData = spec ? resolveLaunchTemplate(ctx, spec) : {};
  const placement: Placement = { ...(data.Placement ?? {}), ...definedOnly(input.Placement ?? {}) };
  const requestSpecs = input.TagSpecifications ?? [];
  const templateSpecs: TagSpecification[] = (data.TagSpecifications ?? []).map((s) => ({ ResourceType: s.ResourceType, Tags: s.Tags }));
  const templateProfile = data.IamInstanceProfile;
  return {
    imageId: pick(input.ImageId, data.ImageId),
    instanceType: pick(input.InstanceType, data.InstanceType),
    keyName: pick(input.KeyName, data.KeyName),
    securityGroupIds: pick(input.SecurityGroupIds, data.SecurityGroupIds),
    securityGroupNames: pick(input.SecurityGroups, data.SecurityGroups),
    subnetId: input.SubnetId,
    privateIpAddress: input.PrivateIpAddress,
    userData: pick(input.UserData, data.UserData),
    tagSpecifications: templateSpecs.length ? mergedTagSpecs(templateSpecs, requestSpecs) : requestSpecs,
    blockDeviceMappings: pick(input.BlockDeviceMappings, templateDevices(data.BlockDeviceMappings)),
    placement,
    iamInstanceProfile: pick(input.IamInstanceProfile, templateProfile ? { Arn: templateProfile.Arn, Name: templateProfile.Name } : undefined),
    networkInterfaces: pick(input.NetworkInterfaces, templateInterfaces(data.NetworkInterfaces)),
    metadataOptions: pick(input.MetadataOptions, data.MetadataOptions ? { ...data.MetadataOptions } : undefined),
    disableApiTermination: pick(input.DisableApiTermination, data.DisableApiTermination),
    disableApiStop: pick(input.DisableApiStop, data.DisableApiStop),
    shutdownBehavior: pick(input.InstanceInitiatedShutdownBehavior, data.InstanceInitiatedShutdownBehavior),
    monitoring: pick(input.Monitoring?.Enabled, data.Monitoring?.Enabled),
    ebsOptimized: pick(input.EbsOptimized, data.EbsOptimized),
    hibernation: pick(input.HibernationOptions?.Configured, data.HibernationOptions?.Configured),
    cpuCredits: pick(input.CreditSpecification?.CpuCredits, data.CreditSpecification?.CpuCredits),
    marketType: pick(input.InstanceMarketOptions?.MarketType, data.InstanceMarketOptions?.MarketType),
    spotType: pick(input.InstanceMarketOptions?.SpotOptions?.SpotInstanceType, data.InstanceMarketOptions?.SpotOptions?.SpotInstanceType),
    template: spec ? { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName, version: spec.Version } : undefined,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
