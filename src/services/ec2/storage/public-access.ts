/** Block public access for AMIs and for EBS snapshots (per account and region): the settings and the checks sharing obeys. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";

type SnapshotBlockState = "block-all-sharing" | "block-new-sharing" | "unblocked";

interface PublicAccessSettings {
  Image: "block-new-sharing" | "unblocked";
  Snapshot: SnapshotBlockState;
}

// Stratus starts unblocked so that sharing works out of the box; AWS blocks new public AMI sharing in newer accounts.
const DEFAULTS: PublicAccessSettings = { Image: "unblocked", Snapshot: "unblocked" };
const table = (ctx: RequestContext) => ec2Table<PublicAccessSettings>(ctx, "block-public-access");
const settingsOf = (ctx: RequestContext): PublicAccessSettings => table(ctx).get(scopeOf(ctx), "default") ?? DEFAULTS;
const save = (ctx: RequestContext, settings: PublicAccessSettings): PublicAccessSettings => table(ctx).put(scopeOf(ctx), "default", settings);

/** ModifyImageAttribute adding group "all" fails while block public access for AMIs is on. */
export function checkImagePublicSharing(ctx: RequestContext, imageId: string): void {
  if (settingsOf(ctx).Image === "block-new-sharing") {
    throw ec2Error("OperationNotPermitted", `You can't publicly share ${imageId} because block public access for AMIs is enabled for this account in this Region. Disable it with DisableImageBlockPublicAccess to share publicly.`);
  }
}

/** ModifySnapshotAttribute adding group "all" fails while block public access for snapshots is on. */
export function checkSnapshotPublicSharing(ctx: RequestContext, snapshotId: string): void {
  if (settingsOf(ctx).Snapshot !== "unblocked") {
    throw ec2Error("OperationNotPermitted", `You can't publicly share ${snapshotId} because block public access for snapshots is enabled for this account in this Region.`);
  }
}

/** With block-all-sharing, the account's public snapshots are not public any more. */
export const snapshotsPubliclyVisible = (ctx: RequestContext, ownerAccount: string): boolean =>
  settingsOf({ ...ctx, account: ownerAccount }).Snapshot !== "block-all-sharing";

export const publicAccessHandlers: HandlerTable<Ec2Operations> = {
  GetImageBlockPublicAccessState: (input, ctx) => {
    checkDryRun(input);
    return { ImageBlockPublicAccessState: settingsOf(ctx).Image, ManagedBy: "account" };
  },
  EnableImageBlockPublicAccess: (input, ctx) => {
    if (input.ImageBlockPublicAccessState !== "block-new-sharing") {
      throw invalidParameterValue(`Value (${String(input.ImageBlockPublicAccessState)}) for parameter ImageBlockPublicAccessState is invalid. Valid values: block-new-sharing`);
    }
    checkDryRun(input);
    save(ctx, { ...settingsOf(ctx), Image: "block-new-sharing" });
    return { ImageBlockPublicAccessState: "block-new-sharing" };
  },
  DisableImageBlockPublicAccess: (input, ctx) => {
    checkDryRun(input);
    save(ctx, { ...settingsOf(ctx), Image: "unblocked" });
    return { ImageBlockPublicAccessState: "unblocked" };
  },
  GetSnapshotBlockPublicAccessState: (input, ctx) => {
    checkDryRun(input);
    return { State: settingsOf(ctx).Snapshot, ManagedBy: "account" };
  },
  EnableSnapshotBlockPublicAccess: (input, ctx) => {
    const state = input.State;
    if (state !== "block-all-sharing" && state !== "block-new-sharing") {
      throw invalidParameterValue(`Value (${String(state)}) for parameter State is invalid. Valid values: block-all-sharing, block-new-sharing`);
    }
    checkDryRun(input);
    return { State: save(ctx, { ...settingsOf(ctx), Snapshot: state }).Snapshot };
  },
  DisableSnapshotBlockPublicAccess: (input, ctx) => {
    checkDryRun(input);
    save(ctx, { ...settingsOf(ctx), Snapshot: "unblocked" });
    return { State: "unblocked" };
  },
};
