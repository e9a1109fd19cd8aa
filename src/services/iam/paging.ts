/** IAM's Marker/MaxItems paging over a sorted list, with an opaque marker that survives inserts and deletes. */
import { encodeToken, readToken } from "../page-tokens.ts";
import { constraintViolation, invalidInput } from "./errors.ts";

export interface Page<T> {
  items: T[];
  IsTruncated: boolean;
  Marker?: string;
}

/** IAM's default page size. */
const DEFAULT_MAX_ITEMS = 100;

export function checkMaxItems(maxItems: number | undefined): number {
  if (maxItems === undefined) return DEFAULT_MAX_ITEMS;
  if (!Number.isInteger(maxItems) || maxItems < 1) throw constraintViolation(maxItems, "maxItems", "Member must have value greater than or equal to 1");
  if (maxItems > 1000) throw constraintViolation(maxItems, "maxItems", "Member must have value less than or equal to 1000");
  return maxItems;
}

/** Orders items by a unique key (the same order the marker is resolved in). */
export function sortByKey<T>(items: T[], key: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, sortKey: key(item) }))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map((entry) => entry.item);
}

/**
 * Returns one page of `sorted` (ordered by `key`). The marker names the first item of the next
 * page by its key, so a page boundary stays put when earlier items are deleted.
 */
export function paginate<T>(sorted: T[], key: (item: T) => string, marker: string | undefined, maxItems: number | undefined): Page<T> {
  const limit = checkMaxItems(maxItems);
  let start = 0;
  if (marker !== undefined) {
    const from = decodeMarker(marker);
    start = sorted.findIndex((item) => key(item) >= from);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + limit);
  const next = sorted[start + limit];
  return next === undefined ? { items, IsTruncated: false } : { items, IsTruncated: true, Marker: encodeMarker(key(next)) };
}

const encodeMarker = (key: string): string => encodeToken({ from: key });

const isMarker = (value: unknown): value is { from: string } =>
  typeof value === "object" && value !== null && "from" in value && typeof value.from === "string";

function decodeMarker(marker: string): string {
  const value = readToken(marker, isMarker);
  if (!value) throw invalidInput("Invalid Marker.");
  return value.from;
}
