/** PutLogEvents (ordering, batch limits, rejected events) and GetLogEvents (both directions, f/ and b/ tokens). */
import type { CloudwatchLogsOperations } from "../../../generated/cloudwatch-logs.ts";
import type { OutputLogEvent, RejectedLogEventsInfo } from "@aws-sdk/client-cloudwatch-logs";
import type { Scope } from "../../../state/state-store.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { constraint, invalidParameter, invalidToken } from "../errors.ts";
import { appendBatch, messageBytes, retentionCutoff, scanStream, type Position, type StoredEvent } from "../event-store.ts";
import { requireGroup, requireStream } from "../state.ts";
import { checkGroupName, checkLimit, checkStreamName, resolveGroup } from "../validate.ts";
import { sequenceToken } from "../views.ts";

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** PutLogEvents quotas: events per call, bytes per call (message bytes plus 26 per event), and the accepted time window. */
const MAX_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD = 26;
const MAX_PAST_MS = 14 * DAY_MS;
const MAX_FUTURE_MS = 2 * HOUR_MS;
const MAX_SPAN_MS = DAY_MS;
/** GetLogEvents/FilterLogEvents answer at most 1 MB of messages per page. */
export const MAX_PAGE_BYTES = 1_048_576;

/** A position between events, (timestamp, sequence), written as digits like AWS's `f/…` and `b/…` tokens. */
const positionDigits = (position: Position): string => `${String(position.timestamp).padStart(15, "0")}${String(position.seq).padStart(12, "0")}`;
const START: Position = { timestamp: 0, seq: 0 };

function parseToken(token: string): { direction: "f" | "b"; position: Position } {
  const match = /^([fb])\/(\d{15})(\d{12})$/.exec(token);
  if (!match) throw invalidToken();
  return { direction: match[1] === "f" ? "f" : "b", position: { timestamp: Number(match[2]), seq: Number(match[3]) } };
}

/** Up to `limit` events and about 1 MB of them (always at least one), in the order the scan yields them. */
function take(events: Iterable<StoredEvent>, limit: number): StoredEvent[] {
  const page: StoredEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    if (page.length >= limit) break;
    bytes += messageBytes(event.message) + EVENT_OVERHEAD;
    if (bytes > MAX_PAGE_BYTES && page.length > 0) break;
    page.push(event);
  }
  return page;
}

const outputEvent = (event: StoredEvent): OutputLogEvent => ({ timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime });

export const eventHandlers: HandlerTable<CloudwatchLogsOperations> = {
  PutLogEvents(input, ctx) {
    const scope = scopeOf(ctx);
    const groupName = checkGroupName(input.logGroupName);
    const streamName = checkStreamName(input.logStreamName);
    const events = input.logEvents ?? [];
    if (events.length < 1) throw constraint("[]", "logEvents", "Member must have length greater than or equal to 1");
    if (events.length > MAX_EVENTS) throw constraint(`[${events.length} events]`, "logEvents", `Member must have length less than or equal to ${MAX_EVENTS}`);
    let bytes = 0;
    const batch: Array<[number, string]> = [];
    events.forEach((event, index) => {
      const { timestamp, message } = event;
      if (timestamp === undefined || !Number.isInteger(timestamp) || timestamp < 0) {
        throw constraint(timestamp, `logEvents.${index + 1}.member.timestamp`, "Member must have value greater than or equal to 0");
      }
      if (message === undefined || message.length < 1) {
        throw constraint(message, `logEvents.${index + 1}.member.message`, "Member must have length greater than or equal to 1");
      }
      const previous = batch[batch.length - 1];
      if (previous && previous[0] > timestamp) throw invalidParameter("Log events in a single PutLogEvents request must be in chronological order.");
      bytes += messageBytes(message) + EVENT_OVERHEAD;
      batch.push([timestamp, message]);
    });
    if (bytes > MAX_BATCH_BYTES) throw invalidParameter(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
    const first = batch[0]?.[0] ?? 0;
    const last = batch[batch.length - 1]?.[0] ?? 0;
    if (last - first > MAX_SPAN_MS) throw invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");

    const group = requireGroup(ctx.state, scope, groupName);
    const stream = requireStream(ctx.state, scope, groupName, streamName);
    // Out-of-window events are dropped and reported rather than failing the call (the batch is in time order, so
    // too-old and expired events form a prefix and too-new ones a suffix). sequenceToken is ignored, as AWS now does.
    const now = Date.now();
    const cutoff = retentionCutoff(group, now);
    const countWhile = (test: (timestamp: number) => boolean): number => {
      let n = 0;
      while (n < batch.length && test(batch[n]?.[0] ?? 0)) n++;
      return n;
    };
    const tooOldEnd = countWhile((timestamp) => timestamp < now - MAX_PAST_MS);
    const expiredEnd = cutoff === undefined ? 0 : countWhile((timestamp) => timestamp < cutoff);
    let tooNewStart = batch.length;
    while (tooNewStart > 0 && (batch[tooNewStart - 1]?.[0] ?? 0) > now + MAX_FUTURE_MS) tooNewStart--;
    const accepted = batch.slice(Math.max(tooOldEnd, expiredEnd), Math.max(tooNewStart, Math.max(tooOldEnd, expiredEnd)));
    const updated = appendBatch(ctx.state, scope, stream, accepted, group, now);
    const rejected: RejectedLogEventsInfo = {
      ...(tooNewStart < batch.length ? { tooNewLogEventStartIndex: tooNewStart } : {}),
      ...(tooOldEnd > 0 ? { tooOldLogEventEndIndex: tooOldEnd } : {}),
      ...(expiredEnd > 0 ? { expiredLogEventEndIndex: expiredEnd } : {}),
    };
    return {
      nextSequenceToken: sequenceToken(updated.nextSeq),
      ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
    };
  },

  GetLogEvents(input, ctx) {
    const scope = scopeOf(ctx);
    const groupName = resolveGroup(scope, input);
    const streamName = checkStreamName(input.logStreamName);
    const limit = checkLimit(input.limit, MAX_EVENTS, MAX_EVENTS);
    const token = input.nextToken === undefined ? undefined : parseToken(input.nextToken);
    const group = requireGroup(ctx.state, scope, groupName);
    const stream = requireStream(ctx.state, scope, groupName, streamName);
    const range = {
      ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
      ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
    };
    const scan = (direction: "forward" | "backward", from?: Position): Iterable<StoredEvent> =>
      scanStream(ctx.state, scope, stream, range, retentionCutoff(group), direction, from);

    let page: StoredEvent[];
    if (token?.direction === "f") page = take(scan("forward", token.position), limit);
    else if (token?.direction === "b") page = take(scan("backward", token.position), limit).reverse();
    // Without a token AWS starts at the oldest events when startFromHead is true, else with the newest page.
    else if (input.startFromHead) page = take(scan("forward"), limit);
    else page = take(scan("backward"), limit).reverse();

    const firstEvent = page[0];
    const lastEvent = page[page.length - 1];
    if (firstEvent && lastEvent) {
      return {
        events: page.map(outputEvent),
        nextForwardToken: `f/${positionDigits(lastEvent)}`,
        nextBackwardToken: `b/${positionDigits(firstEvent)}`,
      };
    }
    // Nothing (more) in this direction: the same token comes back, which is how clients know they reached the end.
    const at = token?.position ?? START;
    return {
      events: [],
      nextForwardToken: token?.direction === "f" ? input.nextToken : `f/${positionDigits(token ? { ...at, seq: Math.max(0, at.seq - 1) } : at)}`,
      nextBackwardToken: token?.direction === "b" ? input.nextToken : `b/${positionDigits(token ? { ...at, seq: at.seq + 1 } : at)}`,
    };
  },
};
