/** EC2 Describe* filters: named fields, `tag:<key>`, `tag-key`, `tag-value`, and `*`/`?` wildcards. */
import { AwsError } from "../../../shared/aws-error.ts";

export interface Filter {
  Name?: string | undefined;
  Values?: string[] | undefined;
}

export interface TagLike {
  Key?: string | undefined;
  Value?: string | undefined;
}

/** A field's value(s) for an item; undefined means the item has no such field (never matches). */
export type FieldReader<T> = (item: T) => string | number | boolean | undefined | ReadonlyArray<string | number | boolean | undefined>;

const patternCache = new Map<string, RegExp>();

/** EC2 wildcards: `*` any run, `?` one character; `\` escapes them. Matching is case-sensitive. */
function matcher(value: string): RegExp {
  let regex = patternCache.get(value);
  if (!regex) {
    let source = "";
    for (let i = 0; i < value.length; i++) {
      const char = value[i] as string;
      if (char === "\\" && i + 1 < value.length) source += (value[++i] as string).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      else if (char === "*") source += "[\\s\\S]*";
      else if (char === "?") source += "[\\s\\S]";
      else source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    regex = new RegExp(`^${source}$`);
    if (patternCache.size > 5000) patternCache.clear();
    patternCache.set(value, regex);
  }
  return regex;
}

function anyMatches(actual: ReturnType<FieldReader<unknown>>, wanted: string[]): boolean {
  const values = Array.isArray(actual) ? actual : [actual];
  for (const value of values) {
    if (value === undefined) continue;
    const text = String(value);
    for (const pattern of wanted) {
      if (pattern === text || matcher(pattern).test(text)) return true;
    }
  }
  return false;
}

/**
 * Keeps the items matching every filter (AND across filters, OR across a filter's values).
 * `fields` maps each supported filter name to a reader; `tags` reads an item's tags for the tag filters.
 * An unknown filter name answers `InvalidParameterValue` as EC2 does.
 */
export function applyFilters<T>(
  items: readonly T[],
  filters: readonly Filter[] | undefined,
  fields: Readonly<Record<string, FieldReader<T>>>,
  tags?: (item: T) => readonly TagLike[] | undefined,
): T[] {
  if (!filters || filters.length === 0) return [...items];
  const checks = filters.map((filter) => {
    const name = filter.Name ?? "";
    const wanted = filter.Values ?? [];
    if (tags && name.startsWith("tag:")) {
      const key = name.slice(4);
      return (item: T) => anyMatches((tags(item) ?? []).filter((t) => t.Key === key).map((t) => t.Value ?? ""), wanted);
    }
    if (tags && name === "tag-key") return (item: T) => anyMatches((tags(item) ?? []).map((t) => t.Key), wanted);
    if (tags && name === "tag-value") return (item: T) => anyMatches((tags(item) ?? []).map((t) => t.Value), wanted);
    const reader = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!reader) throw new AwsError("InvalidParameterValue", `The filter '${name}' is invalid`);
    return (item: T) => anyMatches(reader(item), wanted);
  });
  return items.filter((item) => checks.every((check) => check(item)));
}
