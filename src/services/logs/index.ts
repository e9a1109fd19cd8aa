/** CloudWatch Logs: log groups and streams, retention, tags, PutLogEvents, GetLogEvents and FilterLogEvents. */
// Gaps: metric and subscription filters, Logs Insights queries, export/import tasks, destinations, resource and
// account policies, anomaly detection, deliveries, transformers and the other newer APIs answer NotImplemented;
// StartLiveTail is an event stream and is not served.
import type { CloudwatchLogsOperations } from "../../generated/cloudwatch-logs.ts";
import { defineService, type ServiceDefinition } from "../service-types.ts";
import { eventHandlers } from "./handlers/events.ts";
import { filterHandlers } from "./handlers/filter.ts";
import { groupHandlers } from "./handlers/groups.ts";
import { streamHandlers } from "./handlers/streams.ts";
import { taggingHandlers } from "./handlers/tagging.ts";

export const logsService: ServiceDefinition = defineService<CloudwatchLogsOperations>("cloudwatch-logs", {
  ...groupHandlers,
  ...streamHandlers,
  ...eventHandlers,
  ...filterHandlers,
  ...taggingHandlers,
});
