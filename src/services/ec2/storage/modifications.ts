/** Elastic Volumes: ModifyVolume and DescribeVolumesModifications (modifying → optimizing → completed, lazily by time). */
import type { VolumeModification, VolumeModificationState, VolumeType } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { snapshotMs, volumeTransitionMs } from "./timings.ts";
import { requireVolume, resolveVolumeSpec, saveVolume } from "./volume-store.ts";

interface ModificationRecord {
  VolumeId: string;
  StartTime: string;
  OriginalSize: number;
  OriginalVolumeType: VolumeType;
  OriginalIops?: number;
  OriginalThroughput?: number;
  OriginalMultiAttachEnabled: boolean;
  TargetSize: number;
  TargetVolumeType: VolumeType;
  TargetIops?: number;
  TargetThroughput?: number;
  TargetMultiAttachEnabled: boolean;
  /** Epoch ms of the end of "modifying" and of "optimizing". */
  OptimizingAt: number;
  CompletedAt: number;
  /** Start times (epoch ms) of the volume's modifications in the last 24 hours. */
  History?: number[];
}

/** Since January 2026 EBS allows four modifications per volume in a rolling 24 hours (before: one per 6 hours). */
const MODIFICATIONS_PER_DAY = 4;
const DAY_MS = 24 * 60 * 60 * 1000;

/** One row per volume: its latest modification. */
const modificationTable = (ctx: RequestContext) => ec2Table<ModificationRecord>(ctx, "volume-modifications");

function modificationView(record: ModificationRecord, now = Date.now()): VolumeModification {
  const { OptimizingAt, CompletedAt, History: _history, ...rest } = record;
  const state: VolumeModificationState = now >= CompletedAt ? "completed" : now >= OptimizingAt ? "optimizing" : "modifying";
  const progress = state === "completed" ? 100 : Math.min(99, Math.floor(((now - Date.parse(rest.StartTime)) / (CompletedAt - Date.parse(rest.StartTime))) * 100));
  const view: VolumeModification = { ...rest, StartTime: rest.StartTime as unknown as Date, ModificationState: state, Progress: progress };
  if (state === "completed") view.EndTime = new Date(CompletedAt).toISOString() as unknown as Date;
  return view;
}

/** The state of the volume's latest modification now, if it has one. */
export function modificationStateOf(ctx: RequestContext, volumeId: string): VolumeModificationState | undefined {
  const record = modificationTable(ctx).get(scopeOf(ctx), volumeId);
  return record ? modificationView(record).ModificationState : undefined;
}

export const modificationHandlers: HandlerTable<Ec2Operations> = {
  ModifyVolume: (input, ctx) => {
    const volume = requireVolume(ctx, input.VolumeId ?? "");
    const previous = modificationTable(ctx).get(scopeOf(ctx), volume.VolumeId);
    if (previous && Date.now() < previous.CompletedAt) {
      const state = modificationView(previous).ModificationState ?? "modifying";
      throw ec2Error("IncorrectModificationState", `Volume ${volume.VolumeId} cannot be modified in modification state ${state.toUpperCase()}`);
    }
    const history = [...(previous?.History ?? []), ...(previous && !previous.History ? [Date.parse(previous.StartTime)] : [])].filter((at) => Date.now() - at < DAY_MS);
    if (history.length >= MODIFICATIONS_PER_DAY) {
      throw ec2Error("VolumeModificationRateExceeded", `You've reached the maximum modification rate per volume limit. A volume can be modified ${MODIFICATIONS_PER_DAY} times in a rolling 24-hour window.`);
    }
    if (input.Size === undefined && input.VolumeType === undefined && input.Iops === undefined && input.Throughput === undefined && input.MultiAttachEnabled === undefined) {
      throw ec2Error("MissingParameter", "At least one of size, volumeType, iops, throughput or multiAttachEnabled must be specified.");
    }
    if (input.Size !== undefined && input.Size < volume.Size) {
      throw invalidParameterValue(`New size cannot be smaller than existing size (${volume.Size}GiB).`);
    }
    const type = input.VolumeType ?? volume.VolumeType;
    const keepsType = type === volume.VolumeType;
    const spec = resolveVolumeSpec({
      VolumeType: type,
      Size: input.Size ?? volume.Size,
      // IOPS/throughput carry over when the type keeps them; gp2's reported IOPS are derived, never carried.
      Iops: input.Iops ?? (keepsType && type !== "gp2" ? volume.Iops : undefined),
      Throughput: input.Throughput ?? (keepsType ? volume.Throughput : undefined),
    });
    const multiAttach = input.MultiAttachEnabled ?? volume.MultiAttachEnabled;
    if (multiAttach && spec.VolumeType !== "io1" && spec.VolumeType !== "io2") throw invalidParameterValue("Multi-Attach is supported only for io1 and io2 volumes.");
    checkDryRun(input);
    const now = Date.now();
    const record: ModificationRecord = {
      VolumeId: volume.VolumeId,
      StartTime: new Date(now).toISOString(),
      OriginalSize: volume.Size,
      OriginalVolumeType: volume.VolumeType,
      OriginalMultiAttachEnabled: volume.MultiAttachEnabled,
      TargetSize: spec.Size,
      TargetVolumeType: spec.VolumeType,
      TargetMultiAttachEnabled: multiAttach,
      OptimizingAt: now + volumeTransitionMs(),
      CompletedAt: now + volumeTransitionMs() + snapshotMs(),
      History: [...history, now],
    };
    if (volume.Iops !== undefined) record.OriginalIops = volume.Iops;
    if (volume.Throughput !== undefined) record.OriginalThroughput = volume.Throughput;
    if (spec.Iops !== undefined) record.TargetIops = spec.Iops;
    if (spec.Throughput !== undefined) record.TargetThroughput = spec.Throughput;
    // The new size and performance are in effect once the modification starts (as DescribeVolumes shows on AWS).
    const { Iops: _iops, Throughput: _throughput, ...base } = volume;
    ctx.state.transaction(() => {
      modificationTable(ctx).put(scopeOf(ctx), volume.VolumeId, record);
      saveVolume(ctx, { ...base, ...spec, MultiAttachEnabled: multiAttach });
    });
    return { VolumeModification: modificationView(record, now) };
  },

  DescribeVolumesModifications: (input, ctx) => {
    checkDryRun(input);
    const ids = input.VolumeIds ?? [];
    for (const id of ids) requireVolume(ctx, id);
    const records = modificationTable(ctx).list(scopeOf(ctx)).filter((record) => ids.length === 0 || ids.includes(record.VolumeId));
    const filtered = applyFilters(records.map((record) => modificationView(record)), input.Filters, {
      "modification-state": (m) => m.ModificationState,
      "original-iops": (m) => m.OriginalIops,
      "original-size": (m) => m.OriginalSize,
      "original-volume-type": (m) => m.OriginalVolumeType,
      "original-multi-attach-enabled": (m) => m.OriginalMultiAttachEnabled,
      "start-time": (m) => String(m.StartTime),
      "target-iops": (m) => m.TargetIops,
      "target-size": (m) => m.TargetSize,
      "target-volume-type": (m) => m.TargetVolumeType,
      "target-throughput": (m) => m.TargetThroughput,
      "target-multi-attach-enabled": (m) => m.TargetMultiAttachEnabled,
      "volume-id": (m) => m.VolumeId,
    });
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 500 });
    return { VolumesModifications: page.items, NextToken: page.nextToken };
  },
};
