/** Shape-aware comparison of an expected and an actual decoded value, reporting each difference with its path. */
import { isDeepStrictEqual } from "node:util";
import { isPrimitive } from "../../src/protocol/model-registry.ts";
import type { MemberRef, ServiceModel } from "../../src/protocol/model-types.ts";

/** Identifies a structure member for the rules: the structure's shape name, the member name and its ref. */
export interface MemberSite {
  struct: string;
  member: string;
  ref: MemberRef;
  /** True for members of the operation's top-level input/output structure. */
  top: boolean;
}

export interface CompareRules {
  model: ServiceModel;
  /** An expected empty collection (or a structure holding only empty ones) may be absent, and vice versa. */
  emptyMayBeAbsent(site: MemberSite): boolean;
  /** The actual value may carry this member (with this value) although the expected one does not (SDK-filled). */
  mayAdd?(site: MemberSite, actual: unknown): boolean;
  /** The member is not compared at all. */
  ignore?(site: MemberSite): boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);

/** Short printable form of a value for a difference report. */
export function show(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Date(NaN)" : `Date(${value.toISOString()})`;
  if (value instanceof Uint8Array) return `bytes(${Buffer.from(value).toString("hex")})`;
  if (value === undefined) return "undefined";
  const text = JSON.stringify(value, (_key, inner: unknown) => (inner instanceof Uint8Array ? `bytes(${Buffer.from(inner).toString("hex")})` : inner));
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

/** Differences between expected and actual for the structure `structName`; empty when they agree. */
export function compareStructure(structName: string | undefined, expected: unknown, actual: unknown, rules: CompareRules): string[] {
  const diffs: string[] = [];
  if (!structName) {
    if (isRecord(actual) && Object.values(actual).some((value) => value !== undefined)) diffs.push(`$: unexpected ${show(actual)}`);
    return diffs;
  }
  new Comparer(rules, diffs).target(structName, expected, actual, "$", true);
  return diffs;
}

class Comparer {
  private readonly rules: CompareRules;
  private readonly diffs: string[];

  constructor(rules: CompareRules, diffs: string[]) {
    this.rules = rules;
    this.diffs = diffs;
  }

  target(target: string, expected: unknown, actual: unknown, path: string, top: boolean): void {
    if (expected === undefined && actual === undefined) return;
    if (isPrimitive(target)) {
      this.primitive(target, expected, actual, path);
      return;
    }
    const shape = this.rules.model.shapes[target];
    if (!shape) {
      this.diffs.push(`${path}: unknown shape ${target}`);
      return;
    }
    if (shape.type === "list") {
      if (!Array.isArray(expected) || !Array.isArray(actual)) {
        this.diffs.push(`${path}: expected list ${show(expected)}, got ${show(actual)}`);
        return;
      }
      if (expected.length !== actual.length) {
        this.diffs.push(`${path}: expected ${expected.length} items ${show(expected)}, got ${actual.length} ${show(actual)}`);
        return;
      }
      expected.forEach((item, i) => this.target(shape.member.t, item, actual[i], `${path}[${i}]`, false));
      return;
    }
    if (!isRecord(expected) || !isRecord(actual)) {
      this.diffs.push(`${path}: expected ${shape.type} ${show(expected)}, got ${show(actual)}`);
      return;
    }
    if (shape.type === "map") {
      const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
      for (const key of keys) {
        if (!Object.hasOwn(expected, key)) this.diffs.push(`${path}[${key}]: unexpected ${show(actual[key])}`);
        else if (!Object.hasOwn(actual, key)) this.diffs.push(`${path}[${key}]: missing, expected ${show(expected[key])}`);
        else this.target(shape.value.t, expected[key], actual[key], `${path}[${JSON.stringify(key)}]`, false);
      }
      return;
    }
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const member of keys) {
      const exp = expected[member];
      const act = actual[member];
      if (exp === undefined && act === undefined) continue;
      const memberPath = `${path}.${member}`;
      const ref = Object.hasOwn(shape.members, member) ? shape.members[member] : undefined;
      if (!ref) {
        this.diffs.push(`${memberPath}: not a member of ${target}, got ${show(act)}`);
        continue;
      }
      const site: MemberSite = { struct: target, member, ref, top };
      if (this.rules.ignore?.(site)) continue;
      if (act === undefined) {
        if (this.isEmpty(ref.t, exp) && this.rules.emptyMayBeAbsent(site)) continue;
        this.diffs.push(`${memberPath}: missing, expected ${show(exp)}`);
      } else if (exp === undefined) {
        if (this.rules.mayAdd?.(site, act)) continue;
        if (this.isEmpty(ref.t, act) && this.rules.emptyMayBeAbsent(site)) continue;
        this.diffs.push(`${memberPath}: unexpected ${show(act)}`);
      } else if (this.isEmpty(ref.t, exp) && this.isEmpty(ref.t, act) && this.rules.emptyMayBeAbsent(site)) {
        continue;
      } else {
        this.target(ref.t, exp, act, memberPath, false);
      }
    }
  }

  /** An empty list or map, or a structure whose members are all empty collections. */
  private isEmpty(target: string, value: unknown): boolean {
    if (isPrimitive(target)) return false;
    const shape = this.rules.model.shapes[target];
    if (!shape) return false;
    if (shape.type === "list") return Array.isArray(value) && value.length === 0;
    if (!isRecord(value)) return false;
    if (shape.type === "map") return Object.keys(value).length === 0;
    return Object.entries(value).every(([member, inner]) => {
      const ref = shape.members[member];
      return inner === undefined || (ref !== undefined && this.isEmpty(ref.t, inner));
    });
  }

  private primitive(type: string, expected: unknown, actual: unknown, path: string): void {
    switch (type) {
      case "timestamp": {
        const same = expected instanceof Date && actual instanceof Date && expected.getTime() === actual.getTime();
        if (!same) this.diffs.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
        return;
      }
      case "blob":
      case "streamingBlob": {
        const same =
          expected instanceof Uint8Array && actual instanceof Uint8Array && Buffer.from(expected).equals(Buffer.from(actual));
        if (!same) this.diffs.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
        return;
      }
      case "document":
        if (!isDeepStrictEqual(expected, actual)) this.diffs.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
        return;
      default: {
        // JSON-valued strings (Pricing's PriceList) come back as the SDK's boxed LazyJsonString.
        const value = actual instanceof String ? actual.toString() : actual;
        if (expected !== value) this.diffs.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
      }
    }
  }
}
