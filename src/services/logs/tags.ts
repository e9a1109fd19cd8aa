/** Log group tags: validation as Logs does it (50 per resource, aws: reserved) and merging. */
import { AwsError } from "../../shared/aws-error.ts";
import { constraint, invalidParameter } from "./errors.ts";

const MAX_TAGS = 50;
const KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Checks `incoming` and returns `existing` with it merged; over 50 tags is TooManyTagsException on TagResource, else InvalidParameter. */
export function checkTagMap(incoming: Record<string, string> | undefined, existing: Record<string, string>, tooMany: "TooManyTags" | "InvalidParameter" = "InvalidParameter"): Record<string, string> {
  const merged = { ...existing };
  for (const [key, value] of Object.entries(incoming ?? {})) {
    if (key.length < 1 || key.length > 128) throw constraint(key, "tags", "Map keys must have length between 1 and 128");
    if (!KEY.test(key)) throw constraint(key, "tags", "Map keys must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$");
    if (key.toLowerCase().startsWith("aws:")) throw invalidParameter("Tag keys prefixed with 'aws:' are reserved for AWS use.");
    if (value.length > 256) throw constraint(value, "tags", "Map values must have length less than or equal to 256");
    if (!VALUE.test(value)) throw constraint(value, "tags", "Map values must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$");
    merged[key] = value;
  }
  if (Object.keys(merged).length > MAX_TAGS) {
    const message = `A resource can have no more than ${MAX_TAGS} tags.`;
    throw tooMany === "TooManyTags" ? new AwsError("TooManyTagsException", message) : invalidParameter(message);
  }
  return merged;
}

export function removeTagKeys(existing: Record<string, string>, keys: string[] | undefined): Record<string, string> {
  const drop = new Set(keys ?? []);
  return Object.fromEntries(Object.entries(existing).filter(([key]) => !drop.has(key)));
}
