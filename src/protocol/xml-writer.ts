/** Serializes values to XML by walking model shapes (ec2, awsQuery and restXml bodies). */
import type { LoadedModel } from "./model-registry.ts";
import { isPrimitive } from "./model-registry.ts";
import type { MemberRef, Shape } from "./model-types.ts";
import { formatTimestamp, toBase64 } from "./values.ts";
import { isStable } from "../shared/stable-values.ts";

// AWS escapes & < > " and \r (a raw \r would be folded into \n by XML parsers); \n, \t and unicode pass
// as they are. Other C0 controls cannot appear raw in XML at all: they go out as character references,
// which the JS SDK decodes back.
const NEEDS_ESCAPE = /[&<>"\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const ESCAPE_ALL = /[&<>"\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const ENTITY: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;" };
const entity = (c: string): string => ENTITY[c] ?? `&#${c.charCodeAt(0)};`;

export function escapeXml(text: string): string {
  // A character loop beats a regular expression's call on the short strings most values are.
  if (text.length > 64) return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, entity) : text;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 ? c !== 0x09 && c !== 0x0a : c === 0x26 || c === 0x3c || c === 0x3e || c === 0x22) return text.replace(ESCAPE_ALL, entity);
  }
  return text;
}

export interface XmlWriterOptions {
  /** ec2: write `<groupSet/>` for list members a structure leaves out — real EC2 always sends its sets. */
  emptyListsForAbsent: boolean;
}

const SCALAR = 0;
const STRUCTURE = 1;
const LIST = 2;
const MAP = 3;
const NOTHING = 4;
type Kind = typeof SCALAR | typeof STRUCTURE | typeof LIST | typeof MAP | typeof NOTHING;

/**
 * One place a value is written — a structure member, list item or map value — with its tags and target
 * resolved once per model. `inner` (the target's own plan) is filled on first use: shapes may recurse.
 */
interface Slot {
  /** Property name in the structure value (members only). */
  name: string;
  ref: MemberRef;
  kind: Kind;
  /** `<name xmlns…` without the closing `>`: a structure may add attributes. */
  start: string;
  open: string;
  close: string;
  empty: string;
  /** A list or map written flattened (one element per item / entry). */
  flattened: boolean;
  inner: StructurePlan | ListPlan | MapPlan | undefined;
}

interface StructurePlan {
  elements: Slot[];
  /** Attribute members: `prefix` is ` name="`. */
  attributes: Array<{ name: string; ref: MemberRef; prefix: string }>;
  union: boolean;
}

interface ListPlan {
  item: Slot;
}

interface MapPlan {
  keyOpen: string;
  keyClose: string;
  value: Slot;
}

interface Plans {
  structures: Map<string, StructurePlan>;
}

/** Characters written before `settle` puts them aside. */
const CHUNK = 16_384;
/** Matching a regular expression flattens its subject (V8 matches on flat strings only). */
const FLATTEN = /^$/;

const EMPTY_PLAN: StructurePlan = { elements: [], attributes: [], union: false };

/** `"xsi http://…"` (prefix and URI, as the IR keeps it) or a bare URI → the xmlns attribute text. */
export function namespaceAttribute(namespace: string | undefined): string {
  if (namespace === undefined || namespace === "") return "";
  const space = namespace.indexOf(" ");
  if (space === -1) return ` xmlns="${escapeXml(namespace)}"`;
  return ` xmlns:${namespace.slice(0, space)}="${escapeXml(namespace.slice(space + 1))}"`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);

function kindOf(shape: Shape | undefined): Kind {
  switch (shape?.type) {
    case "structure":
      return STRUCTURE;
    case "list":
      return LIST;
    case "map":
      return MAP;
    default:
      return NOTHING;
  }
}

/** Text already written per stable value (see `fragment`). */
const fragments = new WeakMap<object, { slot: Slot; emptyLists: boolean; xml: string }>();

/** Appends XML for values of the model's shapes to `out`. One writer per response. */
export class XmlShapeWriter {
  /** The text being written; `done` holds earlier pieces, each already flat (see `settle`). */
  private text = "";
  private readonly done: string[] = [];
  private readonly model: LoadedModel;
  private readonly emptyLists: boolean;
  private readonly plans: Plans;
  private readonly stamps = new Map<unknown, string>();

  constructor(model: LoadedModel, options: XmlWriterOptions) {
    this.model = model;
    this.emptyLists = options.emptyListsForAbsent;
    this.plans = model.memo("xml-writer:plans", (): Plans => ({ structures: new Map() }));
  }

  /** The whole text (read once a response is complete: it joins the pieces). */
  get out(): string {
    if (this.done.length === 0) return this.text;
    this.done.push(this.text);
    this.text = this.done.join("");
    this.done.length = 0;
    return this.text;
  }

  /**
   * The whole text as UTF-8, encoded piece by piece: joining a large response into one string first
   * copies it once more and costs about as much as the encoding itself.
   */
  bytes(): Buffer {
    if (this.done.length === 0) return Buffer.from(this.text, "utf8");
    const parts = this.done.map((piece) => Buffer.from(piece, "utf8"));
    parts.push(Buffer.from(this.text, "utf8"));
    return Buffer.concat(parts);
  }

  set out(text: string) {
    this.text = text;
    this.done.length = 0;
  }

  /**
   * Puts a long text aside, flattened while its many small parts are young: a rope of a whole large
   * response flattened only at the end costs about as much as writing it, and its parts outlive the young
   * generation (10,000 instances: 45 MB of text, a million parts).
   */
  private settle(): void {
    if (this.text.length < CHUNK) return;
    FLATTEN.test(this.text);
    this.done.push(this.text);
    this.text = "";
  }

  /** Writes the members of structure `shapeName` without a wrapping element (the body of `<OpResult>`). */
  members(shapeName: string | undefined, value: unknown): void {
    if (shapeName === undefined || !isRecord(value)) return;
    this.memberElements(this.structurePlan(shapeName), value);
  }

  /** Writes `<name …>…</name>` for a whole structure, with extra attributes (a root's xmlns). */
  structureElement(shapeName: string, value: unknown, name: string, extraAttributes = ""): void {
    const record = isRecord(value) ? value : {};
    const plan = this.structurePlan(shapeName);
    this.text += `<${name}${extraAttributes}${this.attributes(plan, record)}>`;
    this.memberElements(plan, record);
    this.text += `</${name}>`;
  }

  /** Writes one value of member `ref` as element `name` (a flattened list writes one element per item). */
  element(ref: MemberRef, value: unknown, name: string, namespaceAttr = ""): void {
    this.write(this.slot(name, ref, name, namespaceAttr), value);
  }

  private write(slot: Slot, value: unknown): void {
    if (value === undefined || value === null) return;
    switch (slot.kind) {
      case SCALAR: {
        const target = slot.ref.t;
        const text =
          target === "string" && typeof value === "string" ? value : target === "timestamp" ? this.timestamp(slot.ref, value) : scalarText(target, slot.ref, value);
        if (text !== undefined) this.text += slot.open + escapeXml(text) + slot.close;
        return;
      }
      case STRUCTURE: {
        if (!isRecord(value)) return;
        if (isStable(value)) {
          this.text += this.fragment(slot, value);
          return;
        }
        const plan = (slot.inner ??= this.structurePlan(slot.ref.t)) as StructurePlan;
        this.text += plan.attributes.length === 0 ? slot.open : `${slot.start}${this.attributes(plan, value)}>`;
        this.memberElements(plan, value);
        this.text += slot.close;
        return;
      }
      case LIST:
        this.writeList(slot, value);
        return;
      case MAP:
        this.writeMap(slot, value);
        return;
      default:
        return;
    }
  }

  /**
   * The XML of a value marked stable, written once per value, slot and option: a listing that repeats
   * unchanged values (DescribeInstances) then copies their text instead of walking them again.
   */
  private fragment(slot: Slot, value: Record<string, unknown>): string {
    const known = fragments.get(value);
    if (known !== undefined && known.slot === slot && known.emptyLists === this.emptyLists) return known.xml;
    const text = this.text;
    const done = this.done.splice(0);
    this.text = "";
    const plan = (slot.inner ??= this.structurePlan(slot.ref.t)) as StructurePlan;
    this.text += plan.attributes.length === 0 ? slot.open : `${slot.start}${this.attributes(plan, value)}>`;
    this.memberElements(plan, value);
    this.text += slot.close;
    const xml = this.out;
    FLATTEN.test(xml);
    this.text = text;
    this.done.push(...done);
    fragments.set(value, { slot, emptyLists: this.emptyLists, xml });
    return xml;
  }

  /** Timestamps repeat (a batch launched together): each stored string or number is formatted once. */
  private timestamp(ref: MemberRef, value: unknown): string {
    const format = ref.timestampFormat ?? "date-time";
    const cacheable = format === "date-time" && (typeof value === "string" || typeof value === "number");
    if (cacheable) {
      const known = this.stamps.get(value);
      if (known !== undefined) return known;
    }
    const text = String(formatTimestamp(value, format));
    if (cacheable && this.stamps.size < 4096) this.stamps.set(value, text);
    return text;
  }

  private writeList(slot: Slot, value: unknown): void {
    if (!Array.isArray(value)) return;
    const item = ((slot.inner ??= this.listPlan(slot)) as ListPlan).item;
    if (slot.flattened) {
      // Flattened: each item is an element named like the member itself (`<Contents>` repeated).
      for (const entry of value) this.write(item, entry);
      return;
    }
    if (value.length === 0) {
      this.text += slot.empty;
      return;
    }
    this.text += slot.open;
    for (const entry of value) {
      this.write(item, entry);
      this.settle();
    }
    this.text += slot.close;
  }

  /** Maps: `<name><entry><key>k</key><value>v</value></entry>…</name>`, or flattened `<name><key/><value/></name>…`. */
  private writeMap(slot: Slot, value: unknown): void {
    const entries = mapEntries(value);
    if (entries === undefined) return;
    const plan = (slot.inner ??= this.mapPlan(slot)) as MapPlan;
    const flattened = slot.flattened;
    if (!flattened) this.text += slot.open;
    for (const [key, item] of entries) {
      if (item === undefined || item === null) continue;
      this.text += (flattened ? slot.open : "<entry>") + plan.keyOpen + escapeXml(key) + plan.keyClose;
      this.write(plan.value, item);
      this.text += flattened ? slot.close : "</entry>";
    }
    if (!flattened) this.text += slot.close;
  }

  private memberElements(plan: StructurePlan, value: Record<string, unknown>): void {
    const emptyLists = this.emptyLists && !plan.union;
    for (const slot of plan.elements) {
      const item = value[slot.name];
      if (item === undefined || item === null) {
        if (emptyLists && slot.kind === LIST) this.text += slot.empty;
        continue;
      }
      this.write(slot, item);
    }
  }

  private attributes(plan: StructurePlan, value: Record<string, unknown>): string {
    let text = "";
    for (const attribute of plan.attributes) {
      const item = value[attribute.name];
      if (item === undefined || item === null || !isPrimitive(attribute.ref.t)) continue;
      const scalar = scalarText(attribute.ref.t, attribute.ref, item);
      if (scalar !== undefined) text += `${attribute.prefix}${escapeXml(scalar)}"`;
    }
    // A prefixed attribute (S3's `xsi:type`) relies on the member's xmlNamespace declaring the prefix
    // on the same element (`<Grantee xmlns:xsi="…" xsi:type="CanonicalUser">`).
    return text;
  }

  /** A slot writing values of `ref` as element `element`; flattened lists/maps also by the target's trait. */
  private slot(name: string, ref: MemberRef, element: string, namespaceAttr: string): Slot {
    const shape = isPrimitive(ref.t) ? undefined : this.model.shape(ref.t);
    const kind = isPrimitive(ref.t) ? SCALAR : kindOf(shape);
    const flattened = ref.xmlFlattened === true || (shape !== undefined && "xmlFlattened" in shape && shape.xmlFlattened === true);
    const start = `<${element}${namespaceAttr}`;
    return { name, ref, kind, start, open: `${start}>`, close: `</${element}>`, empty: `${start}/>`, flattened, inner: undefined };
  }

  private structurePlan(shapeName: string): StructurePlan {
    let plan = this.plans.structures.get(shapeName);
    if (plan !== undefined) return plan;
    const shape = this.model.shape(shapeName);
    plan = EMPTY_PLAN;
    if (shape?.type === "structure") {
      plan = { elements: [], attributes: [], union: shape.union === true };
      for (const [name, ref] of Object.entries(shape.members)) {
        // HTTP-bound members (headers, labels, status …) never go into an XML body.
        if (ref.location !== undefined) continue;
        const element = ref.xmlName ?? name;
        if (ref.xmlAttribute === true) plan.attributes.push({ name, ref, prefix: ` ${element}="` });
        else plan.elements.push(this.slot(name, ref, element, namespaceAttribute(ref.xmlNamespace)));
      }
    }
    this.plans.structures.set(shapeName, plan);
    return plan;
  }

  private listPlan(slot: Slot): ListPlan {
    const shape = this.model.shape(slot.ref.t);
    if (shape?.type !== "list") return { item: { ...slot, kind: NOTHING } };
    // A flattened list's items carry the member's own tags; otherwise `<member>` (or the item's xmlName).
    if (slot.flattened) return { item: { ...this.slot(slot.name, shape.member, "", ""), start: slot.start, open: slot.open, close: slot.close, empty: slot.empty } };
    const itemName = shape.member.xmlName ?? "member";
    return { item: this.slot(itemName, shape.member, itemName, "") };
  }

  private mapPlan(slot: Slot): MapPlan {
    const shape = this.model.shape(slot.ref.t);
    if (shape?.type !== "map") return { keyOpen: "", keyClose: "", value: { ...slot, kind: NOTHING } };
    const keyName = shape.key.xmlName ?? "key";
    const valueName = shape.value.xmlName ?? "value";
    return { keyOpen: `<${keyName}>`, keyClose: `</${keyName}>`, value: this.slot(valueName, shape.value, valueName, "") };
  }
}

function mapEntries(value: unknown): Iterable<[string, unknown]> | undefined {
  if (value instanceof Map) {
    const entries: [string, unknown][] = [];
    for (const [key, item] of value) entries.push([String(key), item]);
    return entries;
  }
  return isRecord(value) ? Object.entries(value) : undefined;
}

/** Text of a scalar, lenient about the JS type a handler used (a number for a string member, etc.). */
export function scalarText(target: string, ref: MemberRef, value: unknown): string | undefined {
  switch (target) {
    case "string":
      return typeof value === "string" ? value : scalarFallback(value);
    case "number":
      return typeof value === "number" ? String(value) : scalarFallback(value);
    case "boolean":
      if (typeof value === "boolean") return value ? "true" : "false";
      return typeof value === "string" ? value : undefined;
    case "timestamp":
      return String(formatTimestamp(value, ref.timestampFormat ?? "date-time"));
    case "blob":
    case "streamingBlob":
      return typeof value === "string" || value instanceof Uint8Array ? toBase64(value) : undefined;
    case "document":
      return JSON.stringify(value);
    default:
      return scalarFallback(value);
  }
}

function scalarFallback(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    default:
      return undefined;
  }
}
