/** Appending events as one batch row per call, reading a stream's events in order, and dropping what retention expired. */
import type { Scope, StateStore } from "../../state/state-store.ts";
import { batchKey, batchTable, streamKey, streamTable, type EventBatchRecord, type LogGroupRecord, type LogStreamRecord } from "./state.ts";

export interface StoredEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
  seq: number;
}

export interface TimeRange {
  /** Inclusive, epoch ms. */
  startTime?: number;
  /** Exclusive, epoch ms (AWS: events at or after endTime are not included). */
  endTime?: number;
}

const DAY_MS = 86_400_000;

/** Events older than this are past the group's retention: no longer returned, and pruned on the next write. */
export const retentionCutoff = (group: LogGroupRecord | undefined, now = Date.now()): number | undefined =>
  group?.retentionInDays === undefined ? undefined : now - group.retentionInDays * DAY_MS;

/** UTF-8 bytes of a message, the size AWS counts (plus 26 bytes per event for batch limits). */
export const messageBytes = (message: string): number => Buffer.byteLength(message, "utf8");

/**
 * Stores `events` (already in chronological order) as one new batch row and updates the stream, atomically and on disk
 * before returning. Returns the updated stream.
 */
export function appendBatch(
  state: StateStore,
  scope: Scope,
  stream: LogStreamRecord,
  events: Array<[number, string]>,
  group: LogGroupRecord | undefined,
  now = Date.now(),
): LogStreamRecord {
  if (events.length === 0) return stream;
  const first = events[0];
  const last = events[events.length - 1];
  if (!first || !last) return stream;
  return state.transaction(() => {
    let current = pruneExpired(state, scope, stream, retentionCutoff(group, now));
    let bytes = 0;
    for (const [, message] of events) bytes += messageBytes(message);
    batchTable(state).put(scope, batchKey(current.logGroupName, current.logStreamName, current.nextBatch), {
      ingestionTime: now,
      firstSeq: current.nextSeq,
      minTimestamp: first[0],
      maxTimestamp: last[0],
      events,
    });
    current = {
      ...current,
      firstEventTimestamp: Math.min(current.firstEventTimestamp ?? first[0], first[0]),
      lastEventTimestamp: Math.max(current.lastEventTimestamp ?? last[0], last[0]),
      lastIngestionTime: now,
      storedBytes: current.storedBytes + bytes,
      nextBatch: current.nextBatch + 1,
      nextSeq: current.nextSeq + events.length,
    };
    streamTable(state).put(scope, streamKey(current.logGroupName, current.logStreamName), current);
    return current;
  });
}

/** Deletes the leading batch rows whose every event is older than the cutoff (the caller writes the stream back). */
function pruneExpired(state: StateStore, scope: Scope, stream: LogStreamRecord, cutoff: number | undefined): LogStreamRecord {
  if (cutoff === undefined) return stream;
  const batches = batchTable(state);
  let firstBatch = stream.firstBatch;
  let storedBytes = stream.storedBytes;
  while (firstBatch < stream.nextBatch) {
    const key = batchKey(stream.logGroupName, stream.logStreamName, firstBatch);
    const batch = batches.get(scope, key);
    if (batch && batch.maxTimestamp >= cutoff) break;
    if (batch) {
      for (const [, message] of batch.events) storedBytes -= messageBytes(message);
      batches.delete(scope, key);
    }
    firstBatch++;
  }
  return firstBatch === stream.firstBatch ? stream : { ...stream, firstBatch, storedBytes: Math.max(0, storedBytes) };
}

/** A place in a stream's order: (timestamp, sequence). Sequences start at 1, so seq 0 sits before a timestamp's events. */
export interface Position {
  timestamp: number;
  seq: number;
}

export const isBefore = (a: Position, b: Position): boolean => a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);

/** The stream's batch rows that overlap [low, high), in arrival order. */
function batchesIn(state: StateStore, scope: Scope, stream: LogStreamRecord, low: number, high: number): EventBatchRecord[] {
  const table = batchTable(state);
  const out: EventBatchRecord[] = [];
  for (let n = stream.firstBatch; n < stream.nextBatch; n++) {
    const batch = table.get(scope, batchKey(stream.logGroupName, stream.logStreamName, n));
    if (batch && batch.maxTimestamp >= low && batch.minTimestamp < high) out.push(batch);
  }
  return out;
}

const bounds = (range: TimeRange, cutoff: number | undefined): [number, number] => [
  Math.max(range.startTime ?? Number.NEGATIVE_INFINITY, cutoff ?? Number.NEGATIVE_INFINITY),
  range.endTime ?? Number.POSITIVE_INFINITY,
];

/**
 * The stream's events in [startTime, endTime) and not past retention, ordered by timestamp and then by arrival
 * (as GetLogEvents returns them).
 */
export function readStreamEvents(state: StateStore, scope: Scope, stream: LogStreamRecord, range: TimeRange, cutoff: number | undefined): StoredEvent[] {
  const [low, high] = bounds(range, cutoff);
  const out: StoredEvent[] = [];
  let sorted = true;
  for (const batch of batchesIn(state, scope, stream, low, high)) {
    batch.events.forEach(([timestamp, message], index) => {
      if (timestamp < low || timestamp >= high) return;
      const previous = out[out.length - 1];
      if (previous && previous.timestamp > timestamp) sorted = false;
      out.push({ timestamp, message, ingestionTime: batch.ingestionTime, seq: batch.firstSeq + index });
    });
  }
  if (!sorted) out.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
  return out;
}

/**
 * The stream's events in order after `from` (forward) or before it, newest first (backward), expanded lazily: a
 * busy stream's batches usually arrive in time order, and then only the batches a page needs are read. Batches that
 * overlap in time fall back to sorting the whole range.
 */
export function* scanStream(
  state: StateStore,
  scope: Scope,
  stream: LogStreamRecord,
  range: TimeRange,
  cutoff: number | undefined,
  direction: "forward" | "backward",
  from?: Position,
): Generator<StoredEvent> {
  const [low, high] = bounds(range, cutoff);
  const batches = batchesIn(state, scope, stream, low, high);
  const inOrder = batches.every((batch, i) => i === 0 || batch.minTimestamp >= (batches[i - 1]?.maxTimestamp ?? Number.NEGATIVE_INFINITY));
  const wanted = (event: Position): boolean => from === undefined || (direction === "forward" ? isBefore(from, event) : isBefore(event, from));
  if (!inOrder) {
    const events = readStreamEvents(state, scope, stream, range, cutoff);
    if (direction === "backward") events.reverse();
    for (const event of events) if (wanted(event)) yield event;
    return;
  }
  const forward = direction === "forward";
  for (let b = forward ? 0 : batches.length - 1; forward ? b < batches.length : b >= 0; b += forward ? 1 : -1) {
    const batch = batches[b];
    if (!batch) continue;
    // Skip whole batches on the wrong side of `from` without expanding them.
    if (from !== undefined && (forward ? batch.maxTimestamp < from.timestamp : batch.minTimestamp > from.timestamp)) continue;
    const count = batch.events.length;
    for (let k = forward ? 0 : count - 1; forward ? k < count : k >= 0; k += forward ? 1 : -1) {
      const entry = batch.events[k];
      if (!entry) continue;
      const [timestamp, message] = entry;
      if (timestamp < low || timestamp >= high) continue;
      const event = { timestamp, message, ingestionTime: batch.ingestionTime, seq: batch.firstSeq + k };
      if (wanted(event)) yield event;
    }
  }
}
