/** Space-delimited filter patterns: `[ip, user, ..., status = 4*, size > 1000]` over fields split at spaces ("…" and […] are one field). */
import { invalidParameter } from "./errors.ts";

type FieldTest = (field: string) => boolean;
type PatternField = { kind: "ellipsis" } | { kind: "field"; test: FieldTest };

const NUMBER = /^-?\d+(\.\d+)?$/;

/** The message's fields: runs of non-spaces, or whole "quoted" and [bracketed] runs without their delimiters. */
export function splitFields(message: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i < message.length) {
    const c = message[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    const close = c === '"' ? '"' : c === "[" ? "]" : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      if (end > 0) {
        fields.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let end = i;
    while (end < message.length && message[end] !== " " && message[end] !== "\t") end++;
    fields.push(message.slice(i, end));
    i = end;
  }
  return fields;
}

/** Splits at `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"' && text[i - 1] !== "\\") quoted = !quoted;
    else if (!quoted && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function condition(text: string): FieldTest {
  const match = /^\s*[\w$.-]+\s*(!=|<=|>=|=|<|>)\s*(.+?)\s*$/s.exec(text);
  if (!match) throw invalidParameter(`Invalid filter pattern: cannot read condition '${text.trim()}'`);
  const op = match[1] ?? "=";
  let raw = match[2] ?? "";
  const quoted = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2;
  if (quoted) raw = raw.slice(1, -1);
  if (!quoted && NUMBER.test(raw)) {
    const target = Number(raw);
    const compare: Record<string, (n: number) => boolean> = {
      "=": (n) => n === target,
      "!=": (n) => n !== target,
      "<": (n) => n < target,
      ">": (n) => n > target,
      "<=": (n) => n <= target,
      ">=": (n) => n >= target,
    };
    const check = compare[op] ?? (() => false);
    return (field) => NUMBER.test(field) && check(Number(field));
  }
  if (op !== "=" && op !== "!=") throw invalidParameter(`Invalid filter pattern: ${op} compares numbers only`);
  const regex = new RegExp(`^${raw.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "s");
  return op === "=" ? (field) => regex.test(field) : (field) => !regex.test(field);
}

/** `a = 1 && a != 2 || a = 5*`: && binds tighter than ||, as in the JSON syntax. */
function fieldTest(text: string): FieldTest {
  if (!/[=<>]/.test(text)) return () => true;
  const alternatives = splitOutsideQuotes(text, "||").map((alternative) => splitOutsideQuotes(alternative, "&&").map(condition));
  return (field) => alternatives.some((all) => all.every((test) => test(field)));
}

export function compileDelimited(text: string): (message: string) => boolean {
  if (!text.endsWith("]")) throw invalidParameter("Invalid filter pattern: a space-delimited pattern ends with ']'");
  const inner = text.slice(1, -1).trim();
  const pattern: PatternField[] = inner === "" ? [] : splitOutsideQuotes(inner, ",").map((part) => (part.trim() === "..." ? { kind: "ellipsis" } : { kind: "field", test: fieldTest(part) }));

  const match = (p: number, fields: string[], f: number): boolean => {
    const spec = pattern[p];
    if (!spec) return f === fields.length;
    if (spec.kind === "ellipsis") {
      for (let skip = f; skip <= fields.length; skip++) if (match(p + 1, fields, skip)) return true;
      return false;
    }
    const field = fields[f];
    return field !== undefined && spec.test(field) && match(p + 1, fields, f + 1);
  };
  return (message) => match(0, splitFields(message), 0);
}
