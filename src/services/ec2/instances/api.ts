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

/** The instance's user data as text (stored base64 as RunInstances takes it), or undefined; for ECS's agent config (ECS_CLUSTER=…). */
export function instanceUserData(ctx: RequestContext, instanceId: string): string | undefined {
  const data = liveRecord(ctx, instanceId)?.userData;
  return data ? Buffer.from(data, "base64").toString("utf8") : undefined;
}
