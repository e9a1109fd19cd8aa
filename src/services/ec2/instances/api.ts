/** What other EC2 families may ask about instances (CreateImage, ENI/volume attachment checks …), without touching the instances table. */
import type { Instance } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { liveRecord, liveRecords } from "./state.ts";
import { instanceOf, InstanceViews } from "./view.ts";

/** The instance as DescribeInstances shows it now (state advanced), or undefined when unknown or gone. */
export function findInstance(ctx: RequestContext, instanceId: string): Instance | undefined {
  const record = liveRecord(ctx, instanceId);
  return record ? instanceOf(record, new InstanceViews(ctx)) : undefined;
}

/** Every visible instance of the caller's account and region (terminated ones until they disappear). */
export function listInstances(ctx: RequestContext): Instance[] {
  const views = new InstanceViews(ctx);
  return liveRecords(ctx).map((record) => instanceOf(record, views));
}
