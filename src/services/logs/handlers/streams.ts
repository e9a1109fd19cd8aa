/** Log streams: create, describe (prefix, order, direction, paging) and delete. */
import type { CloudwatchLogsOperations } from "../../../generated/cloudwatch-logs.ts";
import type { Scope } from "../../../state/state-store.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { alreadyExists, constraint, invalidParameter } from "../errors.ts";
import { deleteStreamRows, newStream, requireGroup, requireStream, streamKey, streamsOf, streamTable, type LogStreamRecord } from "../state.ts";
import { checkGroupName, checkLimit, checkStreamName, paginate, resolveGroup } from "../validate.ts";
import { streamView } from "../views.ts";

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

/** Sort keys: by name, or by last event time (streams without events count as 0) with the name breaking ties. */
const byName = (stream: LogStreamRecord): string => stream.logStreamName;
const byLastEvent = (stream: LogStreamRecord): string => `${String(stream.lastEventTimestamp ?? 0).padStart(16, "0")}:${stream.logStreamName}`;

export const streamHandlers: HandlerTable<CloudwatchLogsOperations> = {
  CreateLogStream(input, ctx) {
    const group = checkGroupName(input.logGroupName);
    const name = checkStreamName(input.logStreamName);
    requireGroup(ctx.state, scopeOf(ctx), group);
    const streams = streamTable(ctx.state);
    if (streams.has(scopeOf(ctx), streamKey(group, name))) throw alreadyExists("The specified log stream already exists");
    streams.put(scopeOf(ctx), streamKey(group, name), newStream(group, name));
    return {};
  },

  DescribeLogStreams(input, ctx) {
    const scope = scopeOf(ctx);
    const group = resolveGroup(scope, input);
    const limit = checkLimit(input.limit, 50, 50);
    const orderBy = input.orderBy ?? "LogStreamName";
    if (orderBy !== "LogStreamName" && orderBy !== "LastEventTime") {
      throw constraint(orderBy, "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]");
    }
    const prefix = input.logStreamNamePrefix;
    if (prefix !== undefined && orderBy === "LastEventTime") throw invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.");
    requireGroup(ctx.state, scope, group);
    const key = orderBy === "LastEventTime" ? byLastEvent : byName;
    const descending = input.descending ?? false;
    const streams = streamsOf(ctx.state, scope, group)
      .filter((stream) => prefix === undefined || stream.logStreamName.startsWith(prefix))
      .map((stream) => ({ stream, sortKey: key(stream) }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0) * (descending ? -1 : 1))
      .map(({ stream }) => stream);
    const page = paginate(streams, key, input.nextToken, limit, descending);
    return { logStreams: page.items.map((stream) => streamView(scope, stream)), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
  },

  DeleteLogStream(input, ctx) {
    const scope = scopeOf(ctx);
    const group = checkGroupName(input.logGroupName);
    const name = checkStreamName(input.logStreamName);
    requireGroup(ctx.state, scope, group);
    const stream = requireStream(ctx.state, scope, group, name);
    ctx.state.transaction(() => deleteStreamRows(ctx.state, scope, stream));
    return {};
  },
};
