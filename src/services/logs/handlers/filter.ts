/** FilterLogEvents: events of many streams in one time order, matched against a filter pattern, paged by an opaque token. */
import type { CloudwatchLogsOperations } from "../../../generated/cloudwatch-logs.ts";
import type { FilteredLogEvent } from "@aws-sdk/client-cloudwatch-logs";
import type { Scope } from "../../../state/state-store.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { constraint, invalidParameter, streamNotFound } from "../errors.ts";
import { messageBytes, retentionCutoff, scanStream, type Position, type StoredEvent } from "../event-store.ts";
import { compileFilterPattern } from "../filter-pattern.ts";
import { requireGroup, streamsOf } from "../state.ts";
import { checkLimit, decodeToken, encodeToken, resolveGroup } from "../validate.ts";
import { EVENT_OVERHEAD, MAX_PAGE_BYTES } from "./events.ts";

const scopeOf = (ctx: RequestContext): Scope => ({ account: ctx.account, region: ctx.region });

interface Found extends StoredEvent {
  stream: string;
}

/** Order across streams: timestamp, then stream name, then arrival within the stream. */
function compare(a: { timestamp: number; stream: string; seq: number }, b: { timestamp: number; stream: string; seq: number }): number {
  return a.timestamp - b.timestamp || (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0) || a.seq - b.seq;
}

interface Cursor {
  t: number;
  s: string;
  q: number;
}
const isCursor = (value: unknown): value is Cursor =>
  typeof value === "object" && value !== null && "t" in value && "s" in value && "q" in value && typeof value.t === "number" && typeof value.s === "string" && typeof value.q === "number";

/** A stable id of digits (as AWS's eventIds are): timestamp, a hash of the stream name, and the event's sequence. */
function eventId(event: Found): string {
  let hash = 2166136261;
  for (let i = 0; i < event.stream.length; i++) hash = Math.imul(hash ^ event.stream.charCodeAt(i), 16777619) >>> 0;
  return `${String(event.timestamp).padStart(15, "0")}${String(hash).padStart(10, "0")}${String(event.seq).padStart(12, "0")}`;
}

export const filterHandlers: HandlerTable<CloudwatchLogsOperations> = {
  FilterLogEvents(input, ctx) {
    const scope = scopeOf(ctx);
    const groupName = resolveGroup(scope, input);
    const limit = checkLimit(input.limit, 10_000, 10_000);
    if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
      throw invalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.");
    }
    if (input.logStreamNames !== undefined && (input.logStreamNames.length < 1 || input.logStreamNames.length > 100)) {
      throw constraint(`[${input.logStreamNames.length} names]`, "logStreamNames", "Member must have length between 1 and 100");
    }
    if (input.startTime !== undefined && input.endTime !== undefined && input.endTime < input.startTime) {
      throw invalidParameter("End time must not be before start time.");
    }
    const matches = compileFilterPattern(input.filterPattern);
    const cursor = input.nextToken === undefined ? undefined : decodeToken(input.nextToken, isCursor);
    const group = requireGroup(ctx.state, scope, groupName);
    const names = input.logStreamNames ? new Set(input.logStreamNames) : undefined;
    const streams = streamsOf(ctx.state, scope, groupName)
      .filter((stream) => (names === undefined || names.has(stream.logStreamName)) && (input.logStreamNamePrefix === undefined || stream.logStreamName.startsWith(input.logStreamNamePrefix)))
      .sort((a, b) => (a.logStreamName < b.logStreamName ? -1 : a.logStreamName > b.logStreamName ? 1 : 0));
    // A named stream that does not exist fails the call (as AWS answers FilterLogEvents, e.g. to RDS monitoring readers).
    if (names && streams.length < names.size) throw streamNotFound();
    const range = {
      ...(input.startTime !== undefined ? { startTime: input.startTime } : {}),
      ...(input.endTime !== undefined ? { endTime: input.endTime } : {}),
    };
    const cutoff = retentionCutoff(group);
    // Where each stream resumes after the cursor (timestamp, stream name, sequence); seq 0 sits before a timestamp's events.
    const resumeAt = (name: string): Position | undefined => {
      if (!cursor) return undefined;
      if (name < cursor.s) return { timestamp: cursor.t, seq: Number.MAX_SAFE_INTEGER };
      return { timestamp: cursor.t, seq: name === cursor.s ? cursor.q : 0 };
    };
    function* matching(events: Iterable<StoredEvent>, name: string): Generator<Found> {
      for (const event of events) if (matches(event.message)) yield { ...event, stream: name };
    }
    // Merge the streams' ordered scans lazily: a page reads only as far as it needs.
    const heads = streams.map((stream) => {
      const iterator = matching(scanStream(ctx.state, scope, stream, range, cutoff, "forward", resumeAt(stream.logStreamName)), stream.logStreamName);
      return { iterator, head: iterator.next() };
    });
    const page: Found[] = [];
    let bytes = 0;
    let more = false;
    for (;;) {
      let best: (typeof heads)[number] | undefined;
      for (const entry of heads) {
        if (entry.head.done) continue;
        if (!best || best.head.done || compare(entry.head.value, best.head.value) < 0) best = entry;
      }
      if (!best || best.head.done) break;
      const event = best.head.value;
      bytes += messageBytes(event.message) + EVENT_OVERHEAD;
      if (page.length >= limit || (bytes > MAX_PAGE_BYTES && page.length > 0)) {
        more = true;
        break;
      }
      page.push(event);
      best.head = best.iterator.next();
    }
    const last = page[page.length - 1];
    return {
      events: page.map(
        (event): FilteredLogEvent => ({
          logStreamName: event.stream,
          timestamp: event.timestamp,
          message: event.message,
          ingestionTime: event.ingestionTime,
          eventId: eventId(event),
        }),
      ),
      // Deprecated by AWS but still returned: every stream here is searched to the end in one call.
      searchedLogStreams: streams.map((stream) => ({ logStreamName: stream.logStreamName, searchedCompletely: true })),
      ...(more && last ? { nextToken: encodeToken({ t: last.timestamp, s: last.stream, q: last.seq }) } : {}),
    };
  },
};
