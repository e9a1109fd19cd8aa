/** What other services (Lambda, ECS, …) call in-process to write CloudWatch Logs, without touching its tables. */
import type { Scope, StateStore } from "../../state/state-store.ts";
import { appendBatch } from "./event-store.ts";
import { groupTable, newGroup, newStream, streamKey, streamTable, type LogGroupRecord } from "./state.ts";
import { checkGroupName, checkStreamName } from "./validate.ts";

/** One PutLogEvents call may carry at most this many events; larger appends are split into several batch rows. */
const MAX_BATCH_EVENTS = 10_000;

/**
 * Creates the log group (STANDARD class, no retention) when it does not exist yet. Names are checked as CreateLogGroup
 * checks them (an AwsError InvalidParameterException otherwise).
 */
export function ensureLogGroup(state: StateStore, scope: Scope, name: string): void {
  ensureGroup(state, scope, checkGroupName(name));
}

/** Whether the log group exists (ECS fails a task whose awslogs group is missing when it may not create it). */
export function logGroupExists(state: StateStore, scope: Scope, name: string): boolean {
  return groupTable(state).has(scope, name);
}

function ensureGroup(state: StateStore, scope: Scope, name: string): LogGroupRecord {
  const groups = groupTable(state);
  return groups.get(scope, name) ?? groups.put(scope, name, newGroup(name));
}

/**
 * Appends events to a stream, creating the group and the stream when missing (as Lambda's service role does on AWS).
 * Events are stored in timestamp order; the write is on disk when this returns. Unlike PutLogEvents nothing is rejected
 * for age or batch size (the caller is Stratus itself); names are checked as the API checks them.
 */
export function appendLogEvents(
  state: StateStore,
  scope: Scope,
  logGroupName: string,
  logStreamName: string,
  events: Array<{ timestamp: number; message: string }>,
): void {
  checkGroupName(logGroupName);
  checkStreamName(logStreamName);
  state.transaction(() => {
    const group = ensureGroup(state, scope, logGroupName);
    const streams = streamTable(state);
    const key = streamKey(logGroupName, logStreamName);
    let stream = streams.get(scope, key) ?? streams.put(scope, key, newStream(logGroupName, logStreamName));
    const ordered = events
      .map((event, index) => ({ event, index }))
      .sort((a, b) => a.event.timestamp - b.event.timestamp || a.index - b.index)
      .map(({ event }): [number, string] => [event.timestamp, event.message]);
    for (let start = 0; start < ordered.length; start += MAX_BATCH_EVENTS) {
      stream = appendBatch(state, scope, stream, ordered.slice(start, start + MAX_BATCH_EVENTS), group);
    }
  });
}
