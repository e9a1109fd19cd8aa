/** DescribeInstanceAttribute, ModifyInstanceAttribute, ModifyInstanceMetadataOptions, Monitor/Unmonitor and GetConsoleOutput. */
import type {
  DescribeInstanceAttributeRequest,
  GetConsoleOutputRequest,
  GetConsoleOutputResult,
  InstanceAttribute,
  InstanceMonitoring,
  ModifyInstanceAttributeRequest,
  ModifyInstanceMetadataOptionsRequest,
  ModifyInstanceMetadataOptionsResult,
} from "@aws-sdk/client-ec2";
import { instanceRunner } from "../../../engine/instance-runner.ts";
import { AwsError } from "../../../shared/aws-error.ts";
import type { RequestContext } from "../../service-types.ts";
import { instanceTypeInfo } from "../catalog/api.ts";
import { setInstanceGroups } from "../network/api.ts";
import { checkDryRun, invalidParameterValue, missingParameter } from "../shared/errors.ts";
import { asDate, requireInstances, saveRecord, specOf, type InstanceRecord } from "./state.ts";
import { blockDevicesOf, networkOf } from "./view.ts";

const ATTRIBUTES = [
  "instanceType", "kernel", "ramdisk", "userData", "disableApiTermination", "instanceInitiatedShutdownBehavior", "rootDeviceName",
  "blockDeviceMapping", "productCodes", "sourceDestCheck", "groupSet", "ebsOptimized", "sriovNetSupport", "enaSupport",
  "enclaveOptions", "disableApiStop",
];

function one(ctx: RequestContext, id: string | undefined): InstanceRecord {
  if (!id) throw missingParameter("InstanceId");
  const [record] = requireInstances(ctx, [id]);
  if (!record) throw new AwsError("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
  return record;
}

export function describeInstanceAttribute(input: DescribeInstanceAttributeRequest, ctx: RequestContext): InstanceAttribute {
  const record = one(ctx, input.InstanceId);
  const attribute = input.Attribute ?? "";
  if (!ATTRIBUTES.includes(attribute)) throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
  checkDryRun(input);
  const i = record.instance;
  const out: InstanceAttribute = { InstanceId: record.InstanceId };
  switch (attribute) {
    case "instanceType": out.InstanceType = { Value: i.InstanceType }; break;
    case "kernel": out.KernelId = { Value: i.KernelId }; break;
    case "ramdisk": out.RamdiskId = { Value: i.RamdiskId }; break;
    case "userData": out.UserData = { Value: record.userData }; break;
    case "disableApiTermination": out.DisableApiTermination = { Value: record.disableApiTermination }; break;
    case "disableApiStop": out.DisableApiStop = { Value: record.disableApiStop }; break;
    case "instanceInitiatedShutdownBehavior": out.InstanceInitiatedShutdownBehavior = { Value: record.shutdownBehavior }; break;
    case "rootDeviceName": out.RootDeviceName = { Value: i.RootDeviceName }; break;
    case "blockDeviceMapping": out.BlockDeviceMappings = blockDevicesOf(ctx, record); break;
    case "productCodes": out.ProductCodes = i.ProductCodes ?? []; break;
    case "sourceDestCheck": out.SourceDestCheck = { Value: record.sourceDestCheck }; break;
    case "groupSet": out.Groups = networkOf(ctx, record).groups; break;
    case "ebsOptimized": out.EbsOptimized = { Value: i.EbsOptimized ?? false }; break;
    case "sriovNetSupport": out.SriovNetSupport = { Value: i.SriovNetSupport }; break;
    case "enaSupport": out.EnaSupport = { Value: i.EnaSupport ?? false }; break;
    case "enclaveOptions": out.EnclaveOptions = i.EnclaveOptions ?? { Enabled: false }; break;
  }
  return out;
}

const notStopped = (id: string): AwsError => new AwsError("IncorrectInstanceState", `The instance '${id}' is not in the 'stopped' state.`);

const asBool = (value: string, name: string): boolean => {
  if (value === "true" || value === "false") return value === "true";
  throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected: 'Boolean'.`);
};

/** The one change a ModifyInstanceAttribute call asks for, from either its Attribute/Value form or a named member. */
type Change =
  | { kind: "instanceType"; value: string }
  | { kind: "userData"; value: string }
  | { kind: "disableApiTermination" | "disableApiStop" | "sourceDestCheck" | "ebsOptimized" | "enaSupport"; value: boolean }
  | { kind: "instanceInitiatedShutdownBehavior"; value: string }
  | { kind: "groupSet"; value: string[] };

function changesOf(input: ModifyInstanceAttributeRequest): Change[] {
  const changes: Change[] = [];
  if (input.Attribute) {
    const value = input.Value ?? "";
    switch (input.Attribute) {
      case "instanceType": changes.push({ kind: "instanceType", value }); break;
      case "userData": changes.push({ kind: "userData", value: Buffer.from(value).toString("base64") }); break;
      case "instanceInitiatedShutdownBehavior": changes.push({ kind: "instanceInitiatedShutdownBehavior", value }); break;
      case "disableApiTermination": case "disableApiStop": case "sourceDestCheck": case "ebsOptimized": case "enaSupport":
        changes.push({ kind: input.Attribute, value: asBool(value, input.Attribute) });
        break;
      default:
        throw invalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. This attribute cannot be modified with the Value parameter.`);
    }
  }
  if (input.InstanceType?.Value !== undefined) changes.push({ kind: "instanceType", value: input.InstanceType.Value });
  if (input.UserData?.Value !== undefined) changes.push({ kind: "userData", value: Buffer.from(input.UserData.Value).toString("base64") });
  if (input.InstanceInitiatedShutdownBehavior?.Value !== undefined) changes.push({ kind: "instanceInitiatedShutdownBehavior", value: input.InstanceInitiatedShutdownBehavior.Value });
  for (const kind of ["disableApiTermination", "disableApiStop", "sourceDestCheck", "ebsOptimized", "enaSupport"] as const) {
    const member = { disableApiTermination: input.DisableApiTermination, disableApiStop: input.DisableApiStop, sourceDestCheck: input.SourceDestCheck, ebsOptimized: input.EbsOptimized, enaSupport: input.EnaSupport }[kind];
    if (member?.Value !== undefined) changes.push({ kind, value: member.Value });
  }
  if (input.Groups?.length) changes.push({ kind: "groupSet", value: input.Groups });
  if (input.BlockDeviceMappings?.length || input.Kernel || input.Ramdisk || input.SriovNetSupport) {
    throw new AwsError("UnsupportedOperation", "This attribute cannot be modified here yet.");
  }
  if (changes.length === 0) throw missingParameter("Attribute");
  if (changes.length > 1) throw new AwsError("InvalidParameterCombination", "Fields for multiple attribute types specified: only one attribute can be modified at a time.");
  return changes;
}

export function modifyInstanceAttribute(input: ModifyInstanceAttributeRequest, ctx: RequestContext): void {
  const record = one(ctx, input.InstanceId);
  const [change] = changesOf(input);
  if (!change) return;
  const stopped = record.lifecycle.state === "stopped";
  let updated: InstanceRecord = record;
  switch (change.kind) {
    case "instanceType": {
      if (!stopped) throw notStopped(record.InstanceId);
      const info = instanceTypeInfo(change.value);
      if (!info) throw invalidParameterValue(`Invalid value '${change.value}' for InstanceType.`);
      const architectures = info.ProcessorInfo?.SupportedArchitectures ?? [];
      const arch = record.instance.Architecture ?? "x86_64";
      if (architectures.length && !architectures.some((a) => a === arch)) {
        throw invalidParameterValue(`The instance type '${change.value}' does not support the '${arch}' architecture of the instance's AMI.`);
      }
      const cpu = { CoreCount: info.VCpuInfo?.DefaultCores ?? 1, ThreadsPerCore: info.VCpuInfo?.DefaultThreadsPerCore ?? 1 };
      updated = { ...record, instance: { ...record.instance, InstanceType: info.InstanceType ?? record.instance.InstanceType, CpuOptions: cpu } };
      break;
    }
    case "userData":
      if (!stopped) throw notStopped(record.InstanceId);
      if (Buffer.from(change.value, "base64").length > 16 * 1024) throw invalidParameterValue("User data is limited to 16384 bytes");
      updated = { ...record, userData: change.value };
      break;
    case "ebsOptimized":
    case "enaSupport":
      if (!stopped) throw notStopped(record.InstanceId);
      updated = { ...record, instance: { ...record.instance, [change.kind === "ebsOptimized" ? "EbsOptimized" : "EnaSupport"]: change.value } };
      break;
    case "instanceInitiatedShutdownBehavior":
      if (change.value !== "stop" && change.value !== "terminate") throw invalidParameterValue(`Value (${change.value}) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are 'stop' and 'terminate'.`);
      updated = { ...record, shutdownBehavior: change.value };
      break;
    case "disableApiTermination": updated = { ...record, disableApiTermination: change.value }; break;
    case "disableApiStop": updated = { ...record, disableApiStop: change.value }; break;
    case "sourceDestCheck": updated = { ...record, sourceDestCheck: change.value }; break;
    case "groupSet":
      if (record.lifecycle.state === "terminated" || record.lifecycle.state === "shutting-down") {
        throw new AwsError("IncorrectInstanceState", `The instance '${record.InstanceId}' is not in a valid state for this operation.`);
      }
      checkDryRun(input);
      // The groups live on the primary network interface: the network family replaces them there.
      setInstanceGroups(ctx, record.InstanceId, change.value);
      return;
  }
  checkDryRun(input);
  saveRecord(ctx, updated);
}

export function modifyInstanceMetadataOptions(input: ModifyInstanceMetadataOptionsRequest, ctx: RequestContext): ModifyInstanceMetadataOptionsResult {
  const record = one(ctx, input.InstanceId);
  if (record.lifecycle.state === "terminated" || record.lifecycle.state === "shutting-down") {
    throw new AwsError("IncorrectInstanceState", `The instance '${record.InstanceId}' is not in a valid state for this operation.`);
  }
  const current = record.instance.MetadataOptions ?? {};
  const hops = input.HttpPutResponseHopLimit ?? current.HttpPutResponseHopLimit ?? 1;
  if (hops < 1 || hops > 64) throw invalidParameterValue(`The HttpPutResponseHopLimit value (${hops}) is invalid. Specify a value between 1 and 64.`);
  checkDryRun(input);
  const options = {
    ...current,
    State: "pending" as const,
    HttpTokens: input.HttpTokens ?? current.HttpTokens,
    HttpPutResponseHopLimit: hops,
    HttpEndpoint: input.HttpEndpoint ?? current.HttpEndpoint,
    HttpProtocolIpv6: input.HttpProtocolIpv6 ?? current.HttpProtocolIpv6,
    InstanceMetadataTags: input.InstanceMetadataTags ?? current.InstanceMetadataTags,
  };
  saveRecord(ctx, { ...record, instance: { ...record.instance, MetadataOptions: options } });
  return { InstanceId: record.InstanceId, InstanceMetadataOptions: options };
}

export function setMonitoring(ctx: RequestContext, ids: readonly string[], enabled: boolean, dryRun: boolean | undefined): InstanceMonitoring[] {
  const records = requireInstances(ctx, ids);
  checkDryRun({ DryRun: dryRun });
  return ctx.state.transaction(() =>
    records.map((record) => {
      saveRecord(ctx, { ...record, instance: { ...record.instance, Monitoring: { State: enabled ? "enabled" : "disabled" } } });
      // EC2 answers the transitional state of the change.
      return { InstanceId: record.InstanceId, Monitoring: { State: enabled ? "pending" : "disabling" } };
    }),
  );
}

export function getConsoleOutput(input: GetConsoleOutputRequest, ctx: RequestContext): GetConsoleOutputResult {
  const record = one(ctx, input.InstanceId);
  checkDryRun(input);
  const now = Date.now();
  const { runner } = instanceRunner();
  const network = networkOf(ctx, record);
  const text = runner.consoleOutput(specOf(record, network), record.lifecycle.bootedAt, now);
  return {
    InstanceId: record.InstanceId,
    Timestamp: asDate(new Date(now).toISOString()),
    Output: text ? Buffer.from(text).toString("base64") : undefined,
  };
}
