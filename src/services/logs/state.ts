/** CloudWatch Logs' stored records (groups, streams, event batches), their keys, ARNs and the lookups handlers share. */
import type { LogGroupClass } from "@aws-sdk/client-cloudwatch-logs";
import type { Scope, StateStore, Table } from "../../state/state-store.ts";
import { groupNotFound, streamNotFound } from "./errors.ts";

export const SERVICE = "cloudwatch-logs";

export interface LogGroupRecord {
  logGroupName: string;
  creationTime: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  logGroupClass: LogGroupClass;
  deletionProtectionEnabled?: boolean;
  tags: Record<string, string>;
}

export interface LogStreamRecord {
  logGroupName: string;
  logStreamName: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  /** Message bytes held (reported as the group's storedBytes; AWS reports 0 per stream since 2019). */
  storedBytes: number;
  /** The stream's events live in batch rows numbered firstBatch … nextBatch-1 (older ones may be pruned). */
  firstBatch: number;
  nextBatch: number;
  /** The sequence number of the next event: orders events that share a timestamp, and feeds the tokens. */
  nextSeq: number;
}

/** One PutLogEvents call's accepted events: a row per call, so appending never rewrites old events. */
export interface EventBatchRecord {
  ingestionTime: number;
  /** Sequence number of events[0]; the rest follow consecutively. */
  firstSeq: number;
  minTimestamp: number;
  maxTimestamp: number;
  /** [timestamp, message], in chronological order. */
  events: Array<[number, string]>;
}

export const groupTable = (state: StateStore): Table<LogGroupRecord> => state.table<LogGroupRecord>(SERVICE, "log-groups");
export const streamTable = (state: StateStore): Table<LogStreamRecord> => state.table<LogStreamRecord>(SERVICE, "log-streams");
export const batchTable = (state: StateStore): Table<EventBatchRecord> => state.table<EventBatchRecord>(SERVICE, "event-batches");

/** Group names cannot contain ':' and stream names cannot either, so ':' separates the parts of a key. */
export const streamKey = (group: string, stream: string): string => `${group}:${stream}`;
export const batchKey = (group: string, stream: string, batch: number): string => `${group}:${stream}:${batch}`;

export function partition(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The log group ARN as DescribeLogGroups' logGroupArn and the tagging APIs use it (no `:*`). */
export const groupArn = (scope: Scope, name: string): string => `arn:${partition(scope.region)}:logs:${scope.region}:${scope.account}:log-group:${name}`;
export const streamArn = (scope: Scope, group: string, stream: string): string => `${groupArn(scope, group)}:log-stream:${stream}`;

export function requireGroup(state: StateStore, scope: Scope, name: string): LogGroupRecord {
  const group = groupTable(state).get(scope, name);
  if (!group) throw groupNotFound();
  return group;
}

export function requireStream(state: StateStore, scope: Scope, group: string, stream: string): LogStreamRecord {
  const record = streamTable(state).get(scope, streamKey(group, stream));
  if (!record) throw streamNotFound();
  return record;
}

export const streamsOf = (state: StateStore, scope: Scope, group: string): LogStreamRecord[] =>
  streamTable(state)
    .list(scope)
    .filter((stream) => stream.logGroupName === group);

export function newGroup(name: string, fields: Partial<LogGroupRecord> = {}): LogGroupRecord {
  return { logGroupName: name, creationTime: Date.now(), logGroupClass: "STANDARD", tags: {}, ...fields };
}

export function newStream(group: string, name: string): LogStreamRecord {
  return { logGroupName: group, logStreamName: name, creationTime: Date.now(), storedBytes: 0, firstBatch: 0, nextBatch: 0, nextSeq: 1 };
}

/** Removes a stream and every batch row of its events. */
export function deleteStreamRows(state: StateStore, scope: Scope, stream: LogStreamRecord): void {
  const batches = batchTable(state);
  for (let n = stream.firstBatch; n < stream.nextBatch; n++) batches.delete(scope, batchKey(stream.logGroupName, stream.logStreamName, n));
  streamTable(state).delete(scope, streamKey(stream.logGroupName, stream.logStreamName));
}
