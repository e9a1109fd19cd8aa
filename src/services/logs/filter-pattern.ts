/** CloudWatch Logs filter patterns compiled to matchers: terms ("quoted", ?or, -not, %regex%), JSON `{ … }` and space-delimited `[ … ]`. */
import { invalidParameter } from "./errors.ts";
import { compileDelimited } from "./filter-delimited.ts";

export type Matcher = (message: string) => boolean;

export const badPattern = (reason: string): Error => invalidParameter(`Invalid filter pattern: ${reason}`);

/** A `*` wildcard string (as JSON and space-delimited patterns compare strings) as an anchored regular expression. */
export function wildcard(value: string): RegExp {
  const escaped = value.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "s");
}

export function compileFilterPattern(pattern: string | undefined): Matcher {
  const text = (pattern ?? "").trim();
  if (text === "" || text === '""') return () => true;
  if (text.startsWith("{")) return compileJson(text);
  if (text.startsWith("[")) return compileDelimited(text);
  return compileTerms(text);
}

/* ---------- term patterns: terms AND-ed, ?terms OR-ed, -terms excluded; matching is case-sensitive substring ---------- */

interface Term {
  kind: "all" | "any" | "none";
  test: (message: string) => boolean;
}

function compileTerms(text: string): Matcher {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    let kind: Term["kind"] = "all";
    if (c === "?") kind = "any";
    else if (c === "-") kind = "none";
    if (kind !== "all") i++;
    let value: string;
    if (text[i] === '"') {
      const end = findClosingQuote(text, i);
      value = text.slice(i + 1, end).replace(/\\(.)/g, "$1");
      i = end + 1;
    } else if (text[i] === "%") {
      const end = text.indexOf("%", i + 1);
      if (end < 0) throw badPattern("unterminated %regex%");
      const source = text.slice(i + 1, end);
      i = end + 1;
      let regex: RegExp;
      try {
        regex = new RegExp(source);
      } catch {
        throw badPattern(`bad regular expression %${source}%`);
      }
      terms.push({ kind, test: (message) => regex.test(message) });
      continue;
    } else {
      let end = i;
      while (end < text.length && text[end] !== " " && text[end] !== "\t") end++;
      value = text.slice(i, end);
      i = end;
    }
    if (value === "") continue;
    terms.push({ kind, test: (message) => message.includes(value) });
  }
  const all = terms.filter((term) => term.kind === "all");
  const any = terms.filter((term) => term.kind === "any");
  const none = terms.filter((term) => term.kind === "none");
  return (message) =>
    all.every((term) => term.test(message)) && none.every((term) => !term.test(message)) && (any.length === 0 || any.some((term) => term.test(message)));
}

export function findClosingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i;
  }
  throw badPattern("unterminated quoted string");
}

/* ---------- JSON patterns: { $.a.b[0] = "x*" && ($.n > 5 || $.c NOT EXISTS) } ---------- */

type Token = { type: "sym"; value: string } | { type: "selector"; path: PathStep[] } | { type: "string"; value: string } | { type: "bare"; value: string };
type PathStep = string | number | "*all*";

function tokenizeJson(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? "";
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      const end = findClosingQuote(text, i);
      tokens.push({ type: "string", value: text.slice(i + 1, end).replace(/\\(.)/g, "$1") });
      i = end + 1;
    } else if (text.startsWith("&&", i) || text.startsWith("||", i) || text.startsWith("!=", i) || text.startsWith("<=", i) || text.startsWith(">=", i)) {
      tokens.push({ type: "sym", value: text.slice(i, i + 2) });
      i += 2;
    } else if ("{}()=<>".includes(c)) {
      tokens.push({ type: "sym", value: c });
      i++;
    } else if (c === "$") {
      const match = /^\$((?:\.[^\s.[\]=!<>(){}&|]+|\[(?:\d+|\*)\])*)/.exec(text.slice(i));
      if (!match || match[0] === "$") throw badPattern("a selector must look like $.field");
      const path: PathStep[] = [];
      for (const step of (match[1] ?? "").matchAll(/\.([^.[\]]+)|\[(\d+|\*)\]/g)) {
        if (step[1] !== undefined) path.push(step[1] === "*" ? "*all*" : step[1]);
        else path.push(step[2] === "*" ? "*all*" : Number(step[2]));
      }
      tokens.push({ type: "selector", path });
      i += match[0].length;
    } else {
      let end = i;
      while (end < text.length && !/[\s(){}=!<>&|]/.test(text[end] ?? "")) end++;
      if (end === i) throw badPattern(`unexpected '${c}'`);
      tokens.push({ type: "bare", value: text.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}

type JsonTest = (root: unknown) => boolean;

function select(root: unknown, path: PathStep[]): unknown[] {
  let current: unknown[] = [root];
  for (const step of path) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step === "*all*") {
        if (Array.isArray(value)) next.push(...(value as unknown[]));
        else if (typeof value === "object" && value !== null) next.push(...Object.values(value));
      } else if (typeof step === "number") {
        if (Array.isArray(value) && step < value.length) next.push((value as unknown[])[step]);
      } else if (typeof value === "object" && value !== null && !Array.isArray(value) && Object.hasOwn(value, step)) {
        next.push((value as Record<string, unknown>)[step]);
      }
    }
    current = next;
  }
  return current;
}

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function comparison(path: PathStep[], op: string, value: Token): JsonTest {
  const values = (root: unknown): unknown[] => select(root, path);
  if (value.type === "bare" && NUMBER.test(value.value)) {
    const target = Number(value.value);
    const check = {
      "=": (n: number) => n === target,
      "!=": (n: number) => n !== target,
      "<": (n: number) => n < target,
      ">": (n: number) => n > target,
      "<=": (n: number) => n <= target,
      ">=": (n: number) => n >= target,
    }[op];
    if (!check) throw badPattern(`unknown operator ${op}`);
    return (root) => values(root).some((found) => typeof found === "number" && check(found));
  }
  if (value.type !== "string" && value.type !== "bare") throw badPattern("a comparison needs a value");
  if (op !== "=" && op !== "!=") throw badPattern(`${op} compares numbers only`);
  const regex = wildcard(value.value);
  const equal = (found: unknown): boolean => (typeof found === "string" || typeof found === "number" || typeof found === "boolean") && regex.test(String(found));
  return op === "=" ? (root) => values(root).some(equal) : (root) => values(root).some((found) => found !== undefined && !equal(found));
}

function compileJson(text: string): Matcher {
  const tokens = tokenizeJson(text);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isSym = (token: Token | undefined, value: string): boolean => token?.type === "sym" && token.value === value;
  const isWord = (token: Token | undefined, word: string): boolean => token?.type === "bare" && token.value.toUpperCase() === word;
  const expect = (value: string): void => {
    if (!isSym(peek(), value)) throw badPattern(`expected '${value}'`);
    at++;
  };

  const parseOr = (): JsonTest => {
    let left = parseAnd();
    while (isSym(peek(), "||")) {
      at++;
      const a = left;
      const b = parseAnd();
      left = (root) => a(root) || b(root);
    }
    return left;
  };
  const parseAnd = (): JsonTest => {
    let left = parseUnary();
    while (isSym(peek(), "&&")) {
      at++;
      const a = left;
      const b = parseUnary();
      left = (root) => a(root) && b(root);
    }
    return left;
  };
  const parseUnary = (): JsonTest => {
    const token = peek();
    if (isSym(token, "(")) {
      at++;
      const inner = parseOr();
      expect(")");
      return inner;
    }
    if (token?.type !== "selector") throw badPattern("expected a $.selector");
    at++;
    const path = token.path;
    const next = peek();
    if (isWord(next, "IS")) {
      at++;
      const what = peek();
      at++;
      if (isWord(what, "NULL")) return (root) => select(root, path).some((found) => found === null);
      if (isWord(what, "TRUE")) return (root) => select(root, path).some((found) => found === true);
      if (isWord(what, "FALSE")) return (root) => select(root, path).some((found) => found === false);
      throw badPattern("IS takes NULL, TRUE or FALSE");
    }
    if (isWord(next, "EXISTS")) {
      at++;
      return (root) => select(root, path).some((found) => found !== undefined);
    }
    if (isWord(next, "NOT")) {
      at++;
      if (!isWord(peek(), "EXISTS")) throw badPattern("NOT must be followed by EXISTS");
      at++;
      return (root) => !select(root, path).some((found) => found !== undefined);
    }
    if (next?.type !== "sym" || !["=", "!=", "<", ">", "<=", ">="].includes(next.value)) throw badPattern("expected a comparison operator");
    at++;
    const value = peek();
    if (!value) throw badPattern("a comparison needs a value");
    at++;
    return comparison(path, next.value, value);
  };

  expect("{");
  const test = parseOr();
  expect("}");
  if (at !== tokens.length) throw badPattern("unexpected text after '}'");
  return (message) => {
    let root: unknown;
    try {
      root = JSON.parse(message);
    } catch {
      return false;
    }
    return typeof root === "object" && root !== null && test(root);
  };
}
