/** VPC flow logs as records (CreateFlowLogs, DescribeFlowLogs, DeleteFlowLogs): no traffic is captured locally. */
import type { FlowLog, UnsuccessfulItem } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { checkDryRun, ec2Error, invalidParameterValue } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { newEc2Id } from "../shared/ids.ts";
import { paginate } from "../shared/paging.ts";
import { ec2Table, scopeOf } from "../shared/scope.ts";
import { checkTagSpecificationTypes, registerTaggable, tagsFor } from "../shared/tags.ts";
import { idempotent } from "./idempotency.ts";
import type { Net } from "./state.ts";
import { timestamp } from "./state.ts";
import { networkFor } from "./vpcs.ts";

const KIND = "flow-logs";

registerTaggable({ prefix: "fl", kind: KIND, resourceType: "vpc-flow-log", idField: "FlowLogId", notFoundCode: "InvalidFlowLogId.NotFound", noun: "flow log" });

/** AWS's default record format (version 2 fields). */
const DEFAULT_FORMAT = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";

function resourceExists(n: Net, type: string, id: string): boolean {
  if (type === "VPC") return n.vpcs.has(id);
  if (type === "Subnet") return n.subnets.has(id);
  if (type === "NetworkInterface") return n.enis.has(id);
  return false;
}

export const flowLogHandlers: HandlerTable<Ec2Operations> = {
  CreateFlowLogs: idempotent("CreateFlowLogs", (input, ctx) => {
    const n = networkFor(ctx);
    const resourceType = input.ResourceType ?? "";
    if (!["VPC", "Subnet", "NetworkInterface"].includes(resourceType)) {
      throw invalidParameterValue(`Value (${resourceType}) for parameter resourceType is invalid. Supported: VPC, Subnet, NetworkInterface.`);
    }
    const destinationType = input.LogDestinationType ?? "cloud-watch-logs";
    if (destinationType === "cloud-watch-logs") {
      if (!input.LogGroupName && !input.LogDestination) throw ec2Error("InvalidParameter", "LogDestination or LogGroupName is required when the destination type is cloud-watch-logs.");
      if (!input.DeliverLogsPermissionArn) throw ec2Error("InvalidParameter", "DeliverLogsPermissionArn is required when the destination type is cloud-watch-logs.");
    } else if (!input.LogDestination) {
      throw ec2Error("InvalidParameter", `LogDestination is required when the destination type is ${destinationType}.`);
    }
    if (input.MaxAggregationInterval !== undefined && input.MaxAggregationInterval !== 60 && input.MaxAggregationInterval !== 600) {
      throw invalidParameterValue("MaxAggregationInterval must be 60 or 600.");
    }
    checkTagSpecificationTypes(input.TagSpecifications, ["vpc-flow-log"]);
    const tags = tagsFor(input.TagSpecifications, "vpc-flow-log");
    checkDryRun(input);
    const table = ec2Table<FlowLog>(ctx, KIND);
    const ids: string[] = [];
    const unsuccessful: UnsuccessfulItem[] = [];
    ctx.state.transaction(() => {
      for (const resourceId of input.ResourceIds ?? []) {
        if (!resourceExists(n, resourceType, resourceId)) {
          unsuccessful.push({ ResourceId: resourceId, Error: { Code: "InvalidParameter", Message: `${resourceType} ${resourceId} does not exist` } });
          continue;
        }
        const id = newEc2Id("fl");
        const logGroup = input.LogGroupName ?? (destinationType === "cloud-watch-logs" ? input.LogDestination?.split(":log-group:")[1] : undefined);
        table.put(scopeOf(ctx), id, {
          CreationTime: timestamp(),
          DeliverLogsPermissionArn: input.DeliverLogsPermissionArn,
          DeliverLogsStatus: "SUCCESS",
          FlowLogId: id,
          FlowLogStatus: "ACTIVE",
          ...(logGroup ? { LogGroupName: logGroup } : {}),
          ResourceId: resourceId,
          TrafficType: input.TrafficType ?? "ALL",
          LogDestinationType: destinationType,
          LogDestination: input.LogDestination ?? `arn:aws:logs:${ctx.region}:${ctx.account}:log-group:${logGroup ?? ""}`,
          LogFormat: input.LogFormat ?? DEFAULT_FORMAT,
          Tags: tags,
          MaxAggregationInterval: input.MaxAggregationInterval ?? 600,
          ...(input.DestinationOptions ? { DestinationOptions: input.DestinationOptions } : {}),
        });
        ids.push(id);
      }
    });
    return { FlowLogIds: ids, Unsuccessful: unsuccessful, ClientToken: input.ClientToken };
  }),

  DescribeFlowLogs: (input, ctx) => {
    const table = ec2Table<FlowLog>(ctx, KIND);
    let logs = table.list(scopeOf(ctx));
    if (input.FlowLogIds && input.FlowLogIds.length > 0) {
      const ids = new Set(input.FlowLogIds);
      logs = logs.filter((l) => ids.has(l.FlowLogId ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      logs,
      input.Filter,
      {
        "deliver-log-status": (l) => l.DeliverLogsStatus,
        "log-destination-type": (l) => l.LogDestinationType,
        "flow-log-id": (l) => l.FlowLogId,
        "log-group-name": (l) => l.LogGroupName,
        "resource-id": (l) => l.ResourceId,
        "traffic-type": (l) => l.TrafficType,
      },
      (l) => l.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 1, max: 1000 });
    return { FlowLogs: page.items, NextToken: page.nextToken };
  },

  DeleteFlowLogs: (input, ctx) => {
    checkDryRun(input);
    const table = ec2Table<FlowLog>(ctx, KIND);
    const unsuccessful: UnsuccessfulItem[] = [];
    ctx.state.transaction(() => {
      for (const id of input.FlowLogIds ?? []) {
        if (!table.delete(scopeOf(ctx), id)) {
          unsuccessful.push({ ResourceId: id, Error: { Code: "InvalidFlowLogId.NotFound", Message: `Flow log ID '${id}' does not exist` } });
        }
      }
    });
    return { Unsuccessful: unsuccessful };
  },
};
