/** GetLaunchTemplateData: the launch parameters of a running instance, in launch template data form. */
import type { Instance, LaunchTemplateBlockDeviceMapping, LaunchTemplateInstanceNetworkInterfaceSpecification, ResponseLaunchTemplateData } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { findInstance } from "../instances/api.ts";
import { checkDryRun, ec2Error, notFound } from "../shared/errors.ts";
import { isWellFormedId } from "../shared/ids.ts";

function networkInterfaces(instance: Instance): LaunchTemplateInstanceNetworkInterfaceSpecification[] {
  return (instance.NetworkInterfaces ?? []).map((ni) => ({
    DeviceIndex: ni.Attachment?.DeviceIndex ?? 0,
    ...(ni.Attachment?.NetworkCardIndex !== undefined ? { NetworkCardIndex: ni.Attachment.NetworkCardIndex } : {}),
    AssociatePublicIpAddress: ni.Association?.PublicIp !== undefined,
    DeleteOnTermination: ni.Attachment?.DeleteOnTermination ?? true,
    Description: ni.Description ?? "",
    Groups: (ni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
    Ipv6Addresses: (ni.Ipv6Addresses ?? []).map((a) => ({ Ipv6Address: a.Ipv6Address })),
    PrivateIpAddresses: (ni.PrivateIpAddresses ?? []).map((p) => ({ Primary: p.Primary ?? false, PrivateIpAddress: p.PrivateIpAddress })),
    SubnetId: ni.SubnetId,
    ...(ni.InterfaceType ? { InterfaceType: ni.InterfaceType } : {}),
  }));
}

/** Attached volumes as mappings; EC2 leaves out the volume ids and keeps device names and delete-on-termination. */
function blockDevices(instance: Instance): LaunchTemplateBlockDeviceMapping[] {
  return (instance.BlockDeviceMappings ?? []).map((mapping) => ({
    DeviceName: mapping.DeviceName,
    Ebs: { DeleteOnTermination: mapping.Ebs?.DeleteOnTermination ?? true },
  }));
}

export function launchTemplateDataOf(instance: Instance): ResponseLaunchTemplateData {
  const userTags = (instance.Tags ?? []).filter((tag) => !(tag.Key ?? "").startsWith("aws:"));
  return {
    ImageId: instance.ImageId,
    InstanceType: instance.InstanceType,
    ...(instance.KeyName ? { KeyName: instance.KeyName } : {}),
    ...(instance.KernelId ? { KernelId: instance.KernelId } : {}),
    ...(instance.RamdiskId ? { RamDiskId: instance.RamdiskId } : {}),
    EbsOptimized: instance.EbsOptimized ?? false,
    ...(instance.IamInstanceProfile?.Arn ? { IamInstanceProfile: { Arn: instance.IamInstanceProfile.Arn } } : {}),
    BlockDeviceMappings: blockDevices(instance),
    NetworkInterfaces: networkInterfaces(instance),
    Monitoring: { Enabled: instance.Monitoring?.State === "enabled" || instance.Monitoring?.State === "pending" },
    Placement: {
      AvailabilityZone: instance.Placement?.AvailabilityZone,
      GroupName: instance.Placement?.GroupName ?? "",
      Tenancy: instance.Placement?.Tenancy ?? "default",
      ...(instance.Placement?.HostId ? { HostId: instance.Placement.HostId } : {}),
      ...(instance.Placement?.PartitionNumber !== undefined ? { PartitionNumber: instance.Placement.PartitionNumber } : {}),
    },
    ...(userTags.length > 0 ? { TagSpecifications: [{ ResourceType: "instance", Tags: userTags }] } : {}),
    ...(instance.CpuOptions ? { CpuOptions: { CoreCount: instance.CpuOptions.CoreCount, ThreadsPerCore: instance.CpuOptions.ThreadsPerCore } } : {}),
    ...(instance.CapacityReservationSpecification?.CapacityReservationPreference
      ? { CapacityReservationSpecification: { CapacityReservationPreference: instance.CapacityReservationSpecification.CapacityReservationPreference } }
      : {}),
    ...(instance.HibernationOptions ? { HibernationOptions: { Configured: instance.HibernationOptions.Configured ?? false } } : {}),
    ...(instance.MetadataOptions
      ? {
          MetadataOptions: {
            HttpTokens: instance.MetadataOptions.HttpTokens,
            HttpPutResponseHopLimit: instance.MetadataOptions.HttpPutResponseHopLimit,
            HttpEndpoint: instance.MetadataOptions.HttpEndpoint,
            HttpProtocolIpv6: instance.MetadataOptions.HttpProtocolIpv6,
            InstanceMetadataTags: instance.MetadataOptions.InstanceMetadataTags,
          },
        }
      : {}),
    ...(instance.EnclaveOptions ? { EnclaveOptions: { Enabled: instance.EnclaveOptions.Enabled ?? false } } : {}),
    ...(instance.PrivateDnsNameOptions
      ? {
          PrivateDnsNameOptions: {
            HostnameType: instance.PrivateDnsNameOptions.HostnameType,
            EnableResourceNameDnsARecord: instance.PrivateDnsNameOptions.EnableResourceNameDnsARecord,
            EnableResourceNameDnsAAAARecord: instance.PrivateDnsNameOptions.EnableResourceNameDnsAAAARecord,
          },
        }
      : {}),
    ...(instance.MaintenanceOptions?.AutoRecovery ? { MaintenanceOptions: { AutoRecovery: instance.MaintenanceOptions.AutoRecovery } } : {}),
  };
}

export const templateFromInstanceHandlers: HandlerTable<Ec2Operations> = {
  GetLaunchTemplateData: (input, ctx) => {
    const id = input.InstanceId ?? "";
    if (!isWellFormedId(id, "i")) throw ec2Error("InvalidInstanceID.Malformed", `Invalid id: "${id}" (expecting "i-...")`);
    const instance = findInstance(ctx, id);
    if (!instance) throw notFound("InvalidInstanceID.NotFound", "instance", id);
    checkDryRun(input);
    return { LaunchTemplateData: launchTemplateDataOf(instance) };
  },
};
