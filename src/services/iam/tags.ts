/** IAM resource tags: validation, merging (keys are case-insensitive in IAM) and the List…Tags page. */
import type { Tag } from "@aws-sdk/client-iam";
import { constraintViolation, invalidInput, limitExceeded } from "./errors.ts";
import { paginate, sortByKey } from "./paging.ts";
import type { TagRecord } from "./state.ts";

const MAX_TAGS = 50;
const KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function checkTags(tags: Tag[] | undefined): TagRecord[] {
  if (!tags) return [];
  if (tags.length > MAX_TAGS) throw constraintViolation(`[${tags.length} tags]`, "tags", `Member must have length less than or equal to ${MAX_TAGS}`);
  const seen = new Set<string>();
  return tags.map((tag, index) => {
    const member = `tags.${index + 1}.member`;
    const key = tag.Key;
    const value = tag.Value;
    if (key === undefined) throw constraintViolation(undefined, `${member}.key`, "Member must not be null");
    if (value === undefined) throw constraintViolation(undefined, `${member}.value`, "Member must not be null");
    if (key.length < 1 || key.length > 128) throw constraintViolation(key, `${member}.key`, "Member must have length less than or equal to 128");
    if (!KEY_PATTERN.test(key)) throw constraintViolation(key, `${member}.key`, "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
    if (value.length > 256) throw constraintViolation(value, `${member}.value`, "Member must have length less than or equal to 256");
    if (!VALUE_PATTERN.test(value)) throw constraintViolation(value, `${member}.value`, "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
    const folded = key.toLowerCase();
    if (seen.has(folded)) throw invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    seen.add(folded);
    return { Key: key, Value: value };
  });
}

/** Adds or replaces tags; `resource` names the quota (`Role` → TagsPerRole). */
export function mergeTags(existing: TagRecord[], incoming: TagRecord[], resource: string): TagRecord[] {
  const merged = [...existing];
  for (const tag of incoming) {
    const at = merged.findIndex((old) => old.Key.toLowerCase() === tag.Key.toLowerCase());
    if (at >= 0) merged[at] = tag;
    else merged.push(tag);
  }
  if (merged.length > MAX_TAGS) throw limitExceeded(`Cannot exceed quota for TagsPer${resource}: ${MAX_TAGS}`);
  return merged;
}

export function removeTags(existing: TagRecord[], keys: string[] | undefined): TagRecord[] {
  const drop = new Set((keys ?? []).map((key) => key.toLowerCase()));
  return existing.filter((tag) => !drop.has(tag.Key.toLowerCase()));
}

/** The response form: IAM leaves Tags out of a resource that has none. */
export const tagsView = (tags: TagRecord[]): Tag[] | undefined => (tags.length > 0 ? tags.map((tag) => ({ ...tag })) : undefined);

export function tagPage(tags: TagRecord[], marker: string | undefined, maxItems: number | undefined): { Tags: Tag[]; IsTruncated: boolean; Marker?: string } {
  const key = (tag: TagRecord): string => tag.Key.toLowerCase();
  const page = paginate(sortByKey(tags, key), key, marker, maxItems);
  return { Tags: page.items.map((tag) => ({ ...tag })), IsTruncated: page.IsTruncated, ...(page.Marker ? { Marker: page.Marker } : {}) };
}
