/** Appending events as one batch row per call, reading a stream's events in order, and dropping what retention expired. */
import type { Scope, StateStore } from "../../state/state-store.ts";
import { batchKey, batchTable, streamKey, streamTable, type LogGroupRecord, type LogStreamRecord } from "./state.ts";

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

/**
 * The stream's events in [startTime, endTime) and not past retention, ordered by timestamp and then by arrival
 * (as GetLogEvents returns them). Batches usually arrive in time order, so the sort is skipped when already sorted.
 */
export function readStreamEvents(state: StateStore, scope: Scope, stream: LogStreamRecord, range: TimeRange, cutoff: number | undefined): StoredEvent[] {
  const batches = batchTable(state);
  const low = Math.max(range.startTime ?? Number.NEGATIVE_INFINITY, cutoff ?? Number.NEGATIVE_INFINITY);
  const high = range.endTime ?? Number.POSITIVE_INFINITY;
  const out: StoredEvent[] = [];
  let sorted = true;
  for (let n = stream.firstBatch; n < stream.nextBatch; n++) {
    const batch = batches.get(scope, batchKey(stream.logGroupName, stream.logStreamName, n));
    if (!batch || batch.maxTimestamp < low || batch.minTimestamp >= high) continue;
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
