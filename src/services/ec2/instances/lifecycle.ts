/** StartInstances, StopInstances, RebootInstances and TerminateInstances: the state machine EC2 documents. */
import type { InstanceStateChange, InstanceStateName } from "@aws-sdk/client-ec2";
import { instanceRunner } from "../../../engine/instance-runner.ts";
import { AwsError } from "../../../shared/aws-error.ts";
import type { RequestContext } from "../../service-types.ts";
import { releaseFromHost } from "../family/api.ts";
import { onInstanceStateChange, releaseInstanceNetwork } from "../network/api.ts";
import { checkDryRun } from "../shared/errors.ts";
import { releaseInstanceVolumes } from "../storage/api.ts";
import { gmt, requireInstances, saveRecord, specOf, stateOf, type InstanceRecord, type Lifecycle } from "./state.ts";
import { blockDevicesOf, networkOf } from "./view.ts";

const USER_SHUTDOWN = { Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown" };

const incorrectState = (id: string, verb: string): AwsError =>
  new AwsError("IncorrectInstanceState", `The instance '${id}' is not in a state from which it can be ${verb}.`);

function change(record: InstanceRecord, next: Lifecycle | undefined): InstanceStateChange {
  return { InstanceId: record.InstanceId, PreviousState: stateOf(record.lifecycle), CurrentState: stateOf(next ?? record.lifecycle) };
}

function transitional(state: InstanceStateName, next: InstanceStateName, now: number, durationMs: number, base: Lifecycle, extra: Partial<Lifecycle>): Lifecycle {
  return { ...base, state, since: now, settlesAt: now + durationMs, next, ...extra };
}

/** Runs `plan` over the instances; `plan` returns the new lifecycle (or undefined for "no change") and may throw first. */
function transition(
  ctx: RequestContext,
  ids: readonly string[],
  dryRun: boolean | undefined,
  check: (record: InstanceRecord) => "change" | "same",
  apply: (record: InstanceRecord, now: number) => InstanceRecord,
): InstanceStateChange[] {
  const now = Date.now();
  const records = requireInstances(ctx, ids, now);
  const decisions = records.map((record) => ({ record, decision: check(record) }));
  checkDryRun({ DryRun: dryRun });
  return ctx.state.transaction(() =>
    decisions.map(({ record, decision }) => {
      if (decision === "same") return change(record, undefined);
      const updated = apply(record, now);
      saveRecord(ctx, updated);
      return change(record, updated.lifecycle);
    }),
  );
}

export function startInstances(ctx: RequestContext, ids: readonly string[], dryRun?: boolean): InstanceStateChange[] {
  const { runner } = instanceRunner();
  return transition(
    ctx,
    ids,
    dryRun,
    (r) => {
      const state = r.lifecycle.state;
      if (state === "pending" || state === "running") return "same";
      if (state !== "stopped") throw incorrectState(r.InstanceId, "started");
      return "change";
    },
    (r, now) => {
      // The network assigns a fresh auto-assigned public IP when the instance starts again.
      onInstanceStateChange(ctx, r.InstanceId, "running");
      const { durationMs } = runner.start(specOf(r));
      const lifecycle = transitional("pending", "running", now, durationMs, r.lifecycle, {
        transitionReason: "",
        reason: { Code: "pending", Message: "pending" },
        bootedAt: now,
      });
      return { ...r, lifecycle };
    },
  );
}

export function stopInstances(ctx: RequestContext, ids: readonly string[], options: { dryRun?: boolean | undefined; force: boolean }): InstanceStateChange[] {
  const { runner } = instanceRunner();
  return transition(
    ctx,
    ids,
    options.dryRun,
    (r) => {
      const state = r.lifecycle.state;
      if (state === "stopping" || state === "stopped") return "same";
      if (state !== "running") throw incorrectState(r.InstanceId, "stopped");
      if (r.oneTimeSpot) {
        throw new AwsError(
          "UnsupportedOperation",
          `You can't stop the Spot Instance '${r.InstanceId}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`,
        );
      }
      if (r.instance.RootDeviceType === "instance-store") {
        throw new AwsError("UnsupportedOperation", `The instance '${r.InstanceId}' does not have an 'ebs' root device type and cannot be stopped.`);
      }
      if (r.disableApiStop) {
        throw new AwsError("OperationNotPermitted", `The instance '${r.InstanceId}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`);
      }
      return "change";
    },
    (r, now) => {
      // The auto-assigned public IP is released when the instance stops (an Elastic IP stays).
      onInstanceStateChange(ctx, r.InstanceId, "stopped");
      const { durationMs } = runner.stop(specOf(r), { force: options.force });
      const lifecycle = transitional("stopping", "stopped", now, durationMs, r.lifecycle, {
        transitionReason: `User initiated (${gmt(now)})`,
        reason: USER_SHUTDOWN,
      });
      return { ...r, lifecycle };
    },
  );
}

export function rebootInstances(ctx: RequestContext, ids: readonly string[], dryRun?: boolean): void {
  const { runner } = instanceRunner();
  transition(
    ctx,
    ids,
    dryRun,
    (r) => {
      const state = r.lifecycle.state;
      if (state !== "running" && state !== "pending") throw incorrectState(r.InstanceId, "rebooted");
      return "change";
    },
    (r, now) => {
      runner.reboot(specOf(r));
      // A reboot is not a state change: the instance stays running, only its boot time moves.
      return { ...r, lifecycle: { ...r.lifecycle, bootedAt: now } };
    },
  );
}

export function terminateInstances(ctx: RequestContext, ids: readonly string[], dryRun?: boolean): InstanceStateChange[] {
  const { runner } = instanceRunner();
  return transition(
    ctx,
    ids,
    dryRun,
    (r) => {
      const state = r.lifecycle.state;
      if (state === "terminated" || state === "shutting-down") return "same";
      if (r.disableApiTermination) {
        throw new AwsError("OperationNotPermitted", `The instance '${r.InstanceId}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`);
      }
      return "change";
    },
    (r, now) => {
      // What it looked like as termination began stays visible while it shuts down; then its
      // interfaces, volumes (per DeleteOnTermination) and host slot are released.
      const final = { network: networkOf(ctx, r), blockDevices: blockDevicesOf(ctx, r) };
      releaseInstanceNetwork(ctx, r.InstanceId);
      releaseInstanceVolumes(ctx, r.InstanceId);
      releaseFromHost(ctx, r.InstanceId);
      const { durationMs } = runner.terminate(specOf(r));
      const lifecycle = transitional("shutting-down", "terminated", now, durationMs, r.lifecycle, {
        transitionReason: `User initiated (${gmt(now)})`,
        reason: USER_SHUTDOWN,
      });
      return { ...r, final, lifecycle };
    },
  );
}
