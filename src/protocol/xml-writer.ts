/** Serializes values to XML by walking model shapes (ec2, awsQuery and restXml bodies). */
import type { LoadedModel } from "./model-registry.ts";
import { isPrimitive } from "./model-registry.ts";
import type { MemberRef, StructureShape } from "./model-types.ts";
import { formatTimestamp, toBase64 } from "./values.ts";

// AWS escapes & < > " and \r (a raw \r would be folded into \n by XML parsers); \n, \t and unicode pass
// as they are. Other C0 controls cannot appear raw in XML at all: they go out as character references,
// which the JS SDK decodes back.
const NEEDS_ESCAPE = /[&<>"\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const ESCAPE_ALL = /[&<>"\r\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const ENTITY: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;" };

export function escapeXml(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(ESCAPE_ALL, (c) => ENTITY[c] ?? `&#${c.charCodeAt(0)};`);
}

export interface XmlWriterOptions {
  /** ec2: write `<groupSet/>` for list members a structure leaves out — real EC2 always sends its sets. */
  emptyListsForAbsent: boolean;
}

/** A structure member as it is written: element (or attribute) name and traits, precomputed per shape. */
interface XmlMember {
  name: string;
  element: string;
  ref: MemberRef;
  attribute: boolean;
  isList: boolean;
  /** ` xmlns="…"` / ` xmlns:p="…"` declared on the member's element. */
  namespaceAttr: string;
}

interface StructureInfo {
  elements: XmlMember[];
  attributes: XmlMember[];
  union: boolean;
}

const EMPTY_INFO: StructureInfo = { elements: [], attributes: [], union: false };

/** `"xsi http://…"` (prefix and URI, as the IR keeps it) or a bare URI → the xmlns attribute text. */
export function namespaceAttribute(namespace: string | undefined): string {
  if (namespace === undefined || namespace === "") return "";
  const space = namespace.indexOf(" ");
  if (space === -1) return ` xmlns="${escapeXml(namespace)}"`;
  return ` xmlns:${namespace.slice(0, space)}="${escapeXml(namespace.slice(space + 1))}"`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);

/** Appends XML for values of the model's shapes to `out`. One writer per response. */
export class XmlShapeWriter {
  out = "";
  private readonly model: LoadedModel;
  private readonly emptyLists: boolean;
  private readonly infos: Map<string, StructureInfo>;

  constructor(model: LoadedModel, options: XmlWriterOptions) {
    this.model = model;
    this.emptyLists = options.emptyListsForAbsent;
    this.infos = model.memo("xml-writer:structures", () => new Map<string, StructureInfo>());
  }

  /** Writes the members of structure `shapeName` without a wrapping element (the body of `<OpResult>`). */
  members(shapeName: string | undefined, value: unknown): void {
    if (shapeName === undefined || !isRecord(value)) return;
    const info = this.info(shapeName);
    this.memberElements(info, value);
  }

  /** Writes `<name …>…</name>` for a whole structure, with extra attributes (a root's xmlns). */
  structureElement(shapeName: string, value: unknown, name: string, extraAttributes = ""): void {
    const record = isRecord(value) ? value : {};
    const info = this.info(shapeName);
    this.out += `<${name}${extraAttributes}${this.attributes(info, record)}>`;
    this.memberElements(info, record);
    this.out += `</${name}>`;
  }

  /** Writes one value of member `ref` as element `name` (a flattened list writes one element per item). */
  element(ref: MemberRef, value: unknown, name: string, namespaceAttr = ""): void {
    if (value === undefined || value === null) return;
    const target = ref.t;
    if (isPrimitive(target)) {
      const text = scalarText(target, ref, value);
      if (text !== undefined) this.out += `<${name}${namespaceAttr}>${escapeXml(text)}</${name}>`;
      return;
    }
    const shape = this.model.shape(target);
    if (shape === undefined) return;
    if (shape.type === "structure") {
      if (!isRecord(value)) return;
      const info = this.info(target);
      this.out += `<${name}${namespaceAttr}${this.attributes(info, value)}>`;
      this.memberElements(info, value);
      this.out += `</${name}>`;
      return;
    }
    if (shape.type === "list") {
      if (!Array.isArray(value)) return;
      if (ref.xmlFlattened === true || shape.xmlFlattened === true) {
        // Flattened: each item is an element named like the member itself (`<Contents>` repeated).
        for (const item of value) this.element(shape.member, item, name, namespaceAttr);
        return;
      }
      if (value.length === 0) {
        this.out += `<${name}${namespaceAttr}/>`;
        return;
      }
      const itemName = shape.member.xmlName ?? "member";
      this.out += `<${name}${namespaceAttr}>`;
      for (const item of value) this.element(shape.member, item, itemName);
      this.out += `</${name}>`;
      return;
    }
    // Maps: `<name><entry><key>k</key><value>v</value></entry>…</name>`, or flattened `<name><key/><value/></name>…`.
    const entries = mapEntries(value);
    if (entries === undefined) return;
    const keyName = shape.key.xmlName ?? "key";
    const valueName = shape.value.xmlName ?? "value";
    const flattened = ref.xmlFlattened === true || shape.xmlFlattened === true;
    if (!flattened) this.out += `<${name}${namespaceAttr}>`;
    for (const [key, item] of entries) {
      if (item === undefined || item === null) continue;
      this.out += flattened ? `<${name}${namespaceAttr}>` : "<entry>";
      this.out += `<${keyName}>${escapeXml(key)}</${keyName}>`;
      this.element(shape.value, item, valueName);
      this.out += flattened ? `</${name}>` : "</entry>";
    }
    if (!flattened) this.out += `</${name}>`;
  }

  private memberElements(info: StructureInfo, value: Record<string, unknown>): void {
    for (const member of info.elements) {
      const item = value[member.name];
      if (item === undefined || item === null) {
        if (member.isList && this.emptyLists && !info.union) this.out += `<${member.element}${member.namespaceAttr}/>`;
        continue;
      }
      this.element(member.ref, item, member.element, member.namespaceAttr);
    }
  }

  private attributes(info: StructureInfo, value: Record<string, unknown>): string {
    let text = "";
    for (const member of info.attributes) {
      const item = value[member.name];
      if (item === undefined || item === null || !isPrimitive(member.ref.t)) continue;
      const scalar = scalarText(member.ref.t, member.ref, item);
      if (scalar !== undefined) text += ` ${member.element}="${escapeXml(scalar)}"`;
    }
    // A prefixed attribute (S3's `xsi:type`) relies on the member's xmlNamespace declaring the prefix
    // on the same element (`<Grantee xmlns:xsi="…" xsi:type="CanonicalUser">`).
    return text;
  }

  private info(shapeName: string): StructureInfo {
    let info = this.infos.get(shapeName);
    if (info !== undefined) return info;
    const shape = this.model.shape(shapeName);
    info = shape?.type === "structure" ? this.buildInfo(shape) : EMPTY_INFO;
    this.infos.set(shapeName, info);
    return info;
  }

  private buildInfo(shape: StructureShape): StructureInfo {
    const elements: XmlMember[] = [];
    const attributes: XmlMember[] = [];
    for (const [name, ref] of Object.entries(shape.members)) {
      // HTTP-bound members (headers, labels, status …) never go into an XML body.
      if (ref.location !== undefined) continue;
      const target = this.model.shape(ref.t);
      const member: XmlMember = {
        name,
        element: ref.xmlName ?? name,
        ref,
        attribute: ref.xmlAttribute === true,
        isList: target?.type === "list",
        namespaceAttr: namespaceAttribute(ref.xmlNamespace),
      };
      (member.attribute ? attributes : elements).push(member);
    }
    return { elements, attributes, union: shape.union === true };
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
