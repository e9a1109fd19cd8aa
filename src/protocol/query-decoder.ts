/** Decodes a form trie into an operation input by walking the model (shared by the ec2 and awsQuery codecs). */
import { AwsError } from "../shared/aws-error.ts";
import type { Value } from "./codec.ts";
import { indexedChildren } from "./form-parser.ts";
import type { FormNode } from "./form-parser.ts";
import { isPrimitive } from "./model-registry.ts";
import type { LoadedModel } from "./model-registry.ts";
import type { ListShape, MapShape, MemberRef } from "./model-types.ts";
import { fromBase64, parseTimestamp } from "./values.ts";

/**
 * The two form dialects differ in member keys and list layout:
 * - ec2: key = ec2QueryName, else capitalised xmlName, else member name; lists are always `Key.N`.
 * - awsQuery: key = xmlName, else member name; lists `Key.member.N` (the list member's xmlName renames
 *   `member`; flattened lists have no `.member`), maps `Key.entry.N.key/.value`.
 */
export type QueryDialect = "ec2" | "awsQuery";

interface MemberSlot {
  name: string;
  ref: MemberRef;
}

/** Per-structure key → member tables, built lazily once per model and dialect. */
type KeyTables = Map<string, Map<string, MemberSlot>>;

const capitalise = (s: string): string => (s === "" ? s : s.charAt(0).toUpperCase() + s.slice(1));

/** The error code AWS uses for a value of the wrong type: EC2 says InvalidParameterValue; the query
 *  services answer such deserialization failures as MalformedInput (the codec contract's code). */
const valueErrorCode = (dialect: QueryDialect): string => (dialect === "ec2" ? "InvalidParameterValue" : "MalformedInput");

export class QueryDecoder {
  private readonly model: LoadedModel;
  private readonly dialect: QueryDialect;
  private readonly errorCode: string;
  private readonly tables: KeyTables;

  constructor(model: LoadedModel, dialect: QueryDialect) {
    this.model = model;
    this.dialect = dialect;
    this.errorCode = valueErrorCode(dialect);
    this.tables = model.memo(`query-decoder:${dialect}`, (): KeyTables => new Map());
  }

  /** Decodes the input structure `shapeName` from the root of the trie; unknown keys (Action, Version,
   *  members added by SDK customizations) are ignored. */
  decodeInput(shapeName: string | undefined, root: FormNode): Record<string, Value> {
    if (shapeName === undefined) return {};
    return this.structure(shapeName, root);
  }

  private keyTable(shapeName: string): Map<string, MemberSlot> {
    let table = this.tables.get(shapeName);
    if (table !== undefined) return table;
    table = new Map();
    const shape = this.model.shape(shapeName);
    if (shape?.type === "structure") {
      for (const [name, ref] of Object.entries(shape.members)) {
        const key = this.dialect === "ec2" ? (ref.ec2QueryName ?? capitalise(ref.xmlName ?? name)) : (ref.xmlName ?? name);
        table.set(key, { name, ref });
      }
    }
    this.tables.set(shapeName, table);
    return table;
  }

  private structure(shapeName: string, node: FormNode): Record<string, Value> {
    const result: Record<string, Value> = {};
    const children = node.children;
    if (children === undefined) return result;
    const table = this.keyTable(shapeName);
    for (const [key, child] of children) {
      const slot = table.get(key);
      if (slot === undefined) continue;
      const value = this.value(slot.ref, child, slot.name);
      if (value !== undefined) result[slot.name] = value;
    }
    return result;
  }

  /** Decodes one node for a member reference; undefined means "absent" (the member is left out). */
  private value(ref: MemberRef, node: FormNode, member: string): Value {
    const target = ref.t;
    if (isPrimitive(target)) {
      if (target === "document") return formToPlain(node);
      const raw = node.value;
      return raw === undefined ? undefined : this.scalar(target, raw, member);
    }
    const shape = this.model.shape(target);
    if (shape === undefined) return undefined;
    if (shape.type === "structure") return this.structure(target, node);
    if (shape.type === "list") return this.list(shape, ref, node, member);
    return this.map(shape, ref, node, member);
  }

  private list(shape: ListShape, ref: MemberRef, node: FormNode, member: string): Value {
    // `Key=` with nothing under it is how awsQuery clients send an empty list.
    if (node.children === undefined) return node.value === "" ? [] : undefined;
    let source = node;
    if (this.dialect === "awsQuery" && !(ref.xmlFlattened === true || shape.xmlFlattened === true)) {
      // Non-flattened lists nest under `member` (or the list member's xmlName); `Key.N` is accepted too.
      source = node.children.get(shape.member.xmlName ?? "member") ?? node;
    }
    const items: Value[] = [];
    for (const child of indexedChildren(source)) {
      const item = this.value(shape.member, child, member);
      if (item !== undefined) items.push(item);
    }
    return items;
  }

  private map(shape: MapShape, ref: MemberRef, node: FormNode, member: string): Value {
    if (node.children === undefined) return node.value === "" ? {} : undefined;
    // Non-flattened maps nest their entries under `entry`; accept the flattened layout `Key.N.key` as well.
    const source = ref.xmlFlattened === true || shape.xmlFlattened === true ? node : (node.children.get("entry") ?? node);
    const keyName = shape.key.xmlName ?? "key";
    const valueName = shape.value.xmlName ?? "value";
    const result: Record<string, Value> = {};
    for (const entry of indexedChildren(source)) {
      const key = entry.children?.get(keyName)?.value;
      const valueNode = entry.children?.get(valueName);
      if (key === undefined || valueNode === undefined) continue;
      const value = this.value(shape.value, valueNode, member);
      if (value !== undefined) setOwn(result, key, value);
    }
    return result;
  }

  private scalar(target: string, raw: string, member: string): Value {
    switch (target) {
      case "string":
        return raw;
      case "number":
        return this.number(raw, member);
      case "boolean": {
        const lower = raw.toLowerCase();
        if (lower === "true") return true;
        if (lower === "false") return false;
        throw new AwsError(this.errorCode, `Value (${raw}) for parameter ${member} is invalid. Expected: 'Boolean'.`);
      }
      case "timestamp":
        return parseTimestamp(raw, this.errorCode, member);
      case "blob":
      case "streamingBlob":
        return fromBase64(raw, this.errorCode, member);
      case "bigInteger":
        if (!/^-?\d+$/.test(raw.trim())) throw this.numberError(raw, member);
        return BigInt(raw.trim());
      case "bigDecimal":
        this.number(raw, member);
        return raw.trim();
      default:
        return raw;
    }
  }

  /** Numbers as the SDKs write them: integers, decimals, exponents, and NaN/Infinity for floats. */
  private number(raw: string, member: string): number {
    const text = raw.trim();
    if (text === "NaN") return Number.NaN;
    if (text === "Infinity") return Number.POSITIVE_INFINITY;
    if (text === "-Infinity") return Number.NEGATIVE_INFINITY;
    const n = text === "" ? Number.NaN : Number(text);
    // Number() also accepts "0x10", "0b1" and "Infinity" spellings the SDKs never send; reject those.
    if (!Number.isFinite(n) || !NUMERIC.test(text)) throw this.numberError(raw, member);
    return n;
  }

  private numberError(raw: string, member: string): AwsError {
    return new AwsError(this.errorCode, `Value (${raw}) for parameter ${member} is invalid. Expected: 'Number'.`);
  }
}

const NUMERIC = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Assigns an own property even for the key "__proto__" (map keys come from the caller). */
export function setOwn(target: Record<string, Value>, key: string, value: Value): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** A document member has no query encoding of its own: expose the sub-tree as plain values. */
function formToPlain(node: FormNode): Value {
  if (node.children === undefined) return node.value;
  const result: Record<string, Value> = {};
  for (const [key, child] of node.children) setOwn(result, key, formToPlain(child));
  return result;
}

/** One decoder per model and dialect (the decoder itself is stateless per request). */
export function queryDecoderFor(model: LoadedModel, dialect: QueryDialect): QueryDecoder {
  return model.memo(`query-decoder-instance:${dialect}`, () => new QueryDecoder(model, dialect));
}
