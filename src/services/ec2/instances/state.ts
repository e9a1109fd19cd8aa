/** Stored EC2 instance records and their lifecycle, advanced lazily from timestamps whenever a record is read. */
import type { Instance, InstanceBlockDeviceMapping, InstanceStateName, StateReason } from "@aws-sdk/client-ec2";
import { instanceRunner, type InstanceSpec } from "../../../engine/instance-runner.ts";
import type { RequestContext } from "../../service-types.ts";
import { AwsError } from "../../../shared/aws-error.ts";
import { instanceTypeInfo } from "../catalog/api.ts";
import type { InstanceNetworkView } from "../network/api.ts";
import { isWellFormedId } from "../shared/ids.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import type { Tag } from "../shared/tags.ts";

/** Instance members we store as they are; state, network and block devices are computed when read. */
export type StoredInstance = Omit<
  Instance,
  | "LaunchTime" | "UsageOperationUpdateTime" | "State" | "StateReason" | "StateTransitionReason" | "Tags" | "InstanceId"
  | "NetworkInterfaces" | "SecurityGroups" | "PrivateIpAddress" | "PrivateDnsName" | "PublicIpAddress" | "PublicDnsName"
  | "VpcId" | "SubnetId" | "BlockDeviceMappings" | "SourceDestCheck"
>;

/** The state an instance entered at `since`; a transitional one becomes `next` at `settlesAt`. */
export interface Lifecycle {
  state: InstanceStateName;
  since: number;
  settlesAt?: number | undefined;
  next?: InstanceStateName | undefined;
  /** StateTransitionReason, e.g. "User initiated (2026-11-22 23:40:01 GMT)". */
  transitionReason: string;
  /** StateReason code/message (Client.UserInitiatedShutdown …); absent while running from launch. */
  reason?: { Code: string; Message: string } | undefined;
  /** Epoch ms of the last boot (launch, start or reboot), for console output and status checks. */
  bootedAt: number;
}

export interface InstanceRecord {
  InstanceId: string;
  ReservationId: string;
  OwnerId: string;
  RequesterId?: string | undefined;
  Tags: Tag[];
  /** ISO strings (the codec accepts them where the API says timestamp). */
  LaunchTime: string;
  UsageOperationUpdateTime: string;
  instance: StoredInstance;
  lifecycle: Lifecycle;
  userData?: string | undefined;
  disableApiTermination: boolean;
  disableApiStop: boolean;
  shutdownBehavior: "stop" | "terminate";
  sourceDestCheck: boolean;
  /** CpuCredits set at launch or by ModifyInstanceCreditSpecification (absent: the type's default). */
  cpuCredits?: string | undefined;
  /** The IAM instance profile association (iip-assoc-…) behind Instance.IamInstanceProfile. */
  iamAssociation?: { AssociationId: string; Timestamp: string } | undefined;
  /** Spot instances of a one-time request cannot be stopped. */
  oneTimeSpot?: boolean | undefined;
  /** Windows: the key pair's public key at launch (the password is encrypted with it) and the password once set. */
  launchPublicKey?: string | undefined;
  windowsPassword?: { data: string; at: number } | undefined;
  /** Network and block devices as they were when termination began (shown while shutting down). */
  final?: { network: InstanceNetworkView; blockDevices: InstanceBlockDeviceMapping[] } | undefined;
}

/** ClientToken → the reservation it launched (RunInstances idempotency). */
export interface ClientTokenRecord {
  token: string;
  fingerprint: string;
  ReservationId: string;
  instanceIds: string[];
}

export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export const instancesTable = (ctx: RequestContext) => ec2Table<InstanceRecord>(ctx, "instances");
export const clientTokensTable = (ctx: RequestContext) => ec2Table<ClientTokenRecord>(ctx, "instance-client-tokens");

/** "2026-11-22 23:40:01 GMT", as EC2 writes times inside StateTransitionReason. */
export const gmt = (epochMs: number): string => `${new Date(epochMs).toISOString().slice(0, 19).replace("T", " ")} GMT`;

/** The SDK types say Date where the wire carries a timestamp; records keep ISO strings, which the codec writes as they are. */
export const asDate = (iso: string): Date => iso as unknown as Date;

/** The lifecycle as of `now`: a transitional state whose time has come has become the next one. */
export function currentLifecycle(lifecycle: Lifecycle, now: number): Lifecycle {
  if (lifecycle.settlesAt !== undefined && lifecycle.next && now >= lifecycle.settlesAt) {
    const settled: Lifecycle = { ...lifecycle, state: lifecycle.next, since: lifecycle.settlesAt, settlesAt: undefined, next: undefined };
    // A running instance has no StateReason; stopped/terminated keep the one their call set.
    if (lifecycle.next === "running") settled.reason = undefined;
    return settled;
  }
  return lifecycle;
}

/** True once a terminated instance has been gone long enough that EC2 no longer shows it. */
export function isExpired(record: InstanceRecord, now: number): boolean {
  const lifecycle = currentLifecycle(record.lifecycle, now);
  return lifecycle.state === "terminated" && now - lifecycle.since >= instanceRunner().timings.terminatedRetentionMs;
}

const lastPurge = new Map<string, number>();

/** Drops terminated instances past their retention from the table (at most once a minute per scope, on writes). */
export function purgeExpired(ctx: RequestContext, now = Date.now()): void {
  const key = `${ctx.account}/${ctx.region}`;
  if (now - (lastPurge.get(key) ?? 0) < 60_000) return;
  lastPurge.set(key, now);
  const table = instancesTable(ctx);
  for (const record of table.list(scopeOf(ctx))) {
    if (isExpired(record, now)) table.delete(scopeOf(ctx), record.InstanceId);
  }
}

/** The instance's stored record with its lifecycle advanced to now, or undefined when unknown or expired. */
export function liveRecord(ctx: RequestContext, instanceId: string, now = Date.now()): InstanceRecord | undefined {
  const record = instancesTable(ctx).get(scopeOf(ctx), instanceId);
  if (!record || isExpired(record, now)) return undefined;
  const lifecycle = currentLifecycle(record.lifecycle, now);
  return lifecycle === record.lifecycle ? record : { ...record, lifecycle };
}

/** Every visible instance of the caller's account+region, lifecycle advanced to now. */
export function liveRecords(ctx: RequestContext, now = Date.now()): InstanceRecord[] {
  const out: InstanceRecord[] = [];
  for (const record of instancesTable(ctx).list(scopeOf(ctx))) {
    const lifecycle = currentLifecycle(record.lifecycle, now);
    if (lifecycle.state === "terminated" && now - lifecycle.since >= instanceRunner().timings.terminatedRetentionMs) continue;
    out.push(lifecycle === record.lifecycle ? record : { ...record, lifecycle });
  }
  return out;
}

/** Ids must be well formed (InvalidInstanceID.Malformed) and known (InvalidInstanceID.NotFound, all unknown ids named). */
export function requireInstances(ctx: RequestContext, ids: readonly string[], now = Date.now()): InstanceRecord[] {
  for (const id of ids) {
    if (!isWellFormedId(id, "i")) throw new AwsError("InvalidInstanceID.Malformed", `Invalid id: "${id}"`);
  }
  const found: InstanceRecord[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const record = liveRecord(ctx, id, now);
    if (record) found.push(record);
    else missing.push(id);
  }
  if (missing.length === 1) throw new AwsError("InvalidInstanceID.NotFound", `The instance ID '${missing[0]}' does not exist`);
  if (missing.length > 1) throw new AwsError("InvalidInstanceID.NotFound", `The instance IDs '${missing.join(", ")}' do not exist`);
  return found;
}

export function saveRecord(ctx: RequestContext, record: InstanceRecord): void {
  instancesTable(ctx).put(scopeOf(ctx), record.InstanceId, record);
}

export function specOf(record: InstanceRecord, network?: { privateIpAddress?: string | undefined; privateDnsName?: string | undefined }): InstanceSpec {
  return {
    instanceId: record.InstanceId,
    imageId: record.instance.ImageId ?? "",
    instanceType: record.instance.InstanceType ?? "",
    architecture: record.instance.Architecture ?? "x86_64",
    platform: record.instance.Platform,
    userData: record.userData,
    privateIpAddress: network?.privateIpAddress,
    privateDnsName: network?.privateDnsName,
    vCpus: (record.instance.CpuOptions?.CoreCount ?? 1) * (record.instance.CpuOptions?.ThreadsPerCore ?? 1),
    memoryMiB: instanceTypeInfo(record.instance.InstanceType ?? "")?.MemoryInfo?.SizeInMiB,
  };
}

export const stateOf = (lifecycle: Lifecycle) => ({ Code: STATE_CODES[lifecycle.state], Name: lifecycle.state });

export const stateReasonOf = (lifecycle: Lifecycle): StateReason | undefined => lifecycle.reason;
