/** Deterministic pseudo-random values for model shapes (inputs and outputs), shaped by where each member travels. */
import { isPrimitive } from "../../src/protocol/model-registry.ts";
import type { MemberRef, OperationModel, ServiceModel, Shape, StructureShape } from "../../src/protocol/model-types.ts";

/** mulberry32: a small seeded PRNG. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
}

/** FNV-1a of a string: the seed of one operation and direction, independent of test order. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Where a value travels, which limits its characters: `header` printable ASCII without commas or quotes
 * (lists in headers are comma-joined; XML attributes too), `label` a non-empty URI segment, `greedy` a label that may hold '/',
 * `dns` a host label or bucket name, `key` a map key, `body` anything (a body, a query string or form value),
 * `payload` anything but empty (a whole HTTP body).
 */
export type ValueContext = "body" | "payload" | "header" | "label" | "greedy" | "dns" | "key" | "prefixKey";

export interface GenerateOptions {
  direction: "input" | "output";
  /** Nesting depth after which only required members are generated and collections stay empty. */
  maxDepth?: number;
  /** The success status of the operation, for an output member bound to the HTTP status code. */
  successStatus?: number;
  /** Probability of generating each optional member (default 0.7 at the top, 0.6 below). */
  density?: number;
  /** Members that must not be generated (e.g. SDK-computed S3 checksums). */
  omit?: (struct: string, member: string) => boolean;
  /** Members always generated although the model leaves them optional: `Shape.member`. */
  require?: ReadonlySet<string>;
  /** Fixed candidate values for members, keyed `Shape.member` or `*.member` (enum values the SDK acts on). */
  choices?: ReadonlyMap<string, readonly string[]>;
}

const BODY_PIECES = [
  "alpha", "Beta", "x y", "a&b=c", "p+q", "50%", "%2F", "é", "日本", "😀", "<tag>", "]]>", "&amp;", "\"q\"", "it's",
  "a/b", "?#", "~.-_", "0", " lead", "trail ", "line\nbreak", "tab\t", "cr\rlf\r\n", "back\\slash", "{\"j\":1}",
];
const HEADER_PIECES = ["alpha", "Beta", "x-y", "a=b", "p+q", "v1.2", "z_9", "a:b", "k/v", "~", "%20", "(x)", "a;b", "*!"];
const LABEL_PIECES = ["alpha", "Beta", "x y", "a:b", "p+q", "v1.2", "z_9", "é", "a=b", "c@d", "%2F", "😀", "!*'()", "a&b", "$,;"];
const DNS_PIECES = ["alpha", "beta", "x1", "zz", "web", "data"];

/** True when a value carries a scalar somewhere (an empty list, map or structure does not). */
function hasContent(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasContent);
  if (typeof value === "object" && value !== null && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return Object.values(value).some(hasContent);
  }
  return value !== undefined;
}

/** Generates values for one service model. */
export class ShapeValues {
  private readonly model: ServiceModel;
  private readonly rng: Prng;
  private readonly options: GenerateOptions;
  private readonly maxDepth: number;
  /** Labels of the operation's URI template, and those of them that are greedy. */
  private uriLabels = new Set<string>();
  private greedy = new Set<string>();

  constructor(model: ServiceModel, seed: number, options: GenerateOptions) {
    this.model = model;
    this.rng = new Prng(seed);
    this.options = options;
    this.maxDepth = options.maxDepth ?? 4;
  }

  /** The top-level input or output structure of an operation (an empty object when it has none). */
  forOperation(operation: OperationModel): Record<string, unknown> {
    const name = this.options.direction === "input" ? operation.input : operation.output;
    if (!name) return {};
    const uri = operation.http?.[1] ?? "";
    this.uriLabels = new Set([...uri.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] ?? ""));
    this.greedy = new Set([...uri.matchAll(/\{([^}+]+)\+\}/g)].map((match) => match[1] ?? ""));
    return this.forStructure(name);
  }

  /** A top-level structure by name (an operation's input or output, or an error shape). */
  forStructure(name: string): Record<string, unknown> {
    const shape = this.model.shapes[name];
    if (shape?.type !== "structure") return {};
    return this.structure(name, shape, 0, true);
  }

  private shape(name: string): Shape {
    const shape = this.model.shapes[name];
    if (!shape) throw new Error(`unknown shape ${name}`);
    return shape;
  }

  private structure(name: string, shape: StructureShape, depth: number, top: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const names = Object.keys(shape.members).filter((member) => !this.skipped(name, member, shape.members[member]));
    if (shape.union) {
      const choice = names.length > 0 ? this.rng.pick(names) : undefined;
      const ref = choice === undefined ? undefined : shape.members[choice];
      if (choice !== undefined && ref) out[choice] = this.value(ref, depth + 1, this.contextOf(choice, ref, top));
      return out;
    }
    const required = new Set(shape.required ?? []);
    for (const member of names) if (this.options.require?.has(`${name}.${member}`)) required.add(member);
    const deep = depth >= this.maxDepth;
    for (const member of names) {
      const ref = shape.members[member];
      if (!ref) continue;
      const statusBound = ref.location === "statusCode" && top;
      if (!required.has(member) && !statusBound && (deep || !this.rng.chance(this.options.density ?? (top ? 0.7 : 0.6)))) continue;
      out[member] = statusBound ? this.statusCode() : this.value(ref, depth + 1, this.contextOf(member, ref, top), `${name}.${member}`);
    }
    // A structure holding nothing but empty collections leaves no trace on the wire (query, ec2, XML):
    // give it one member that does.
    if (!hasContent(out) && !top && names.length > 0) {
      const scalars = names.filter((member) => isPrimitive(shape.members[member]?.t ?? ""));
      const structures = names.filter((member) => this.model.shapes[shape.members[member]?.t ?? ""]?.type === "structure");
      const member = this.rng.pick(scalars.length > 0 ? scalars : structures.length > 0 ? structures : names);
      const ref = shape.members[member];
      if (ref) out[member] = this.value(ref, depth + 1, this.contextOf(member, ref, top), `${name}.${member}`, true);
    }
    return out;
  }

  /** Members never generated: event streams and those the caller asked to omit. */
  private skipped(structName: string, member: string, ref: MemberRef | undefined): boolean {
    if (!ref || this.options.omit?.(structName, member) === true) return true;
    const target = isPrimitive(ref.t) ? undefined : this.model.shapes[ref.t];
    return target?.type === "structure" && target.streaming === true;
  }

  private statusCode(): number {
    const status = this.options.successStatus ?? 200;
    return this.rng.pick([status, 202]);
  }

  private contextOf(member: string, ref: MemberRef, top: boolean): ValueContext {
    // The SDK writes CR and LF raw into XML attributes, where XML turns them into plain line feeds.
    if (ref.xmlAttribute) return "header";
    if (!top) return "body";
    if (ref.hostLabel) return "dns";
    switch (ref.location) {
      case "payload":
        // An empty string payload is an empty body: the same as none.
        return "payload";
      case "header":
      case "prefixHeaders":
        return "header";
      case "label":
        // A label missing from the URI is bound to the endpoint (S3 Bucket): keep it a DNS name.
        if (!this.uriLabels.has(member)) return "dns";
        return this.greedy.has(member) ? "greedy" : "label";
      default:
        return "body";
    }
  }

  /** A value for a member; `filled` asks for a collection with at least one entry. */
  private value(ref: MemberRef, depth: number, context: ValueContext, path = "", filled = false): unknown {
    const choices = this.choicesFor(path);
    if (choices) return this.rng.pick(choices);
    if (isPrimitive(ref.t)) return this.primitive(ref.t, context, path);
    const shape = this.shape(ref.t);
    const deep = depth >= this.maxDepth;
    if (shape.type === "structure") return this.structure(ref.t, shape, depth, false);
    // Now and then a collection of 11, so that positions 1, 2 … 10, 11 must keep their order (not "1, 10, 11, 2").
    const count = filled ? 1 : deep ? 0 : this.rng.chance(0.03) ? 11 : this.rng.int(0, 2);
    if (shape.type === "list") {
      const items: unknown[] = [];
      for (let i = 0; i < count; i++) items.push(this.value(shape.member, depth + 1, context === "label" ? "body" : context, "", filled));
      return items;
    }
    const map: Record<string, unknown> = {};
    const keyContext: ValueContext = ref.location === "prefixHeaders" ? "prefixKey" : "key";
    for (let i = 0; i < count; i++) {
      const key = this.string(keyContext, "");
      map[key] = this.value(shape.value, depth + 1, context === "label" ? "body" : context, "", filled);
    }
    return map;
  }

  private choicesFor(path: string): readonly string[] | undefined {
    const choices = this.options.choices;
    if (!choices || path === "") return undefined;
    const member = path.slice(path.indexOf(".") + 1);
    return choices.get(path) ?? choices.get(`*.${member}`);
  }

  private primitive(type: string, context: ValueContext, path: string): unknown {
    switch (type) {
      case "string":
        return this.string(context, path);
      case "number":
      case "bigInteger":
      case "bigDecimal":
        return this.rng.int(0, 1000);
      case "boolean":
        return this.rng.chance(0.5);
      case "timestamp":
        return new Date(this.rng.int(946_684_800, 1_893_456_000) * 1000);
      case "blob":
      case "streamingBlob": {
        const bytes = new Uint8Array(this.rng.int(1, 8));
        for (let i = 0; i < bytes.length; i++) bytes[i] = this.rng.int(0, 255);
        return bytes;
      }
      case "document":
        return this.rng.pick([
          { k: this.string("body", ""), n: this.rng.int(0, 9), list: [true, "x", { deep: null }] },
          [this.rng.int(0, 9), "y"],
          this.string("body", ""),
          this.rng.int(0, 9),
          this.rng.chance(0.5),
        ]);
      default:
        throw new Error(`unknown primitive ${type}`);
    }
  }

  private string(context: ValueContext, path: string): string {
    const rng = this.rng;
    const join = (pieces: readonly string[], count: number, sep: string): string =>
      Array.from({ length: count }, () => rng.pick(pieces)).join(sep);
    switch (context) {
      case "header":
        return `${join(HEADER_PIECES, rng.int(1, 2), " ")}${rng.int(0, 99)}`;
      case "label":
        return `${rng.pick(DNS_PIECES)}${join(LABEL_PIECES, rng.int(0, 2), "")}`;
      case "greedy":
        return `${Array.from({ length: rng.int(1, 3) }, () => `${rng.pick(DNS_PIECES)}${rng.pick(LABEL_PIECES)}`).join(rng.pick(["/", "//"]))}${rng.pick(["", "/"])}`;
      case "dns":
        return `${rng.pick(DNS_PIECES)}-${rng.int(100, 999)}`;
      case "key":
        return `${rng.pick(DNS_PIECES)}${rng.int(0, 99)}`;
      case "prefixKey":
        return `${rng.pick(DNS_PIECES)}-${rng.int(0, 99)}`;
      default:
        if (path !== "" && context === "body" && rng.chance(0.05)) return "";
        if (path !== "" && rng.chance(0.05)) return "  ";
        return join(BODY_PIECES, rng.int(1, 3), rng.pick(["", " ", "-"]));
    }
  }
}
