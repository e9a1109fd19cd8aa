/** Decodes parsed XML elements into values of model shapes (restXml request bodies). */
import { AwsError } from "../shared/aws-error.ts";
import type { Value } from "./codec.ts";
import { isPrimitive } from "./model-registry.ts";
import type { LoadedModel } from "./model-registry.ts";
import type { ListShape, MapShape, MemberRef } from "./model-types.ts";
import { setOwn } from "./query-decoder.ts";
import type { XmlElement } from "./xml-reader.ts";
import { fromBase64, parseTimestamp } from "./values.ts";

interface ReadMember {
  name: string;
  ref: MemberRef;
  /** The member is a flattened list: each matching child element is one item. */
  flattenedList: ListShape | undefined;
  /** The member is a flattened map: each matching child element is one entry. */
  flattenedMap: MapShape | undefined;
}

interface ReadInfo {
  /** Child element local name → member. */
  elements: Map<string, ReadMember>;
  /** Attribute name → member. */
  attributes: Map<string, ReadMember>;
}

const localNameOf = (name: string): string => {
  const colon = name.indexOf(":");
  return colon === -1 ? name : name.slice(colon + 1);
};

/** Reads XML elements as shapes; unknown elements are ignored, values of the wrong type are `errorCode`. */
export class XmlShapeReader {
  private readonly model: LoadedModel;
  private readonly errorCode: string;
  private readonly infos: Map<string, ReadInfo>;

  constructor(model: LoadedModel, errorCode: string) {
    this.model = model;
    this.errorCode = errorCode;
    this.infos = model.memo("xml-reader:structures", () => new Map<string, ReadInfo>());
  }

  /** The members of structure `shapeName` found in `element` (HTTP-bound members are not looked for). */
  structure(shapeName: string, element: XmlElement): Record<string, Value> {
    const info = this.info(shapeName);
    const result: Record<string, Value> = {};
    for (const [attribute, text] of Object.entries(element.attributes)) {
      const member = info.attributes.get(attribute) ?? info.attributes.get(localNameOf(attribute));
      if (member !== undefined) result[member.name] = this.scalar(member.ref.t, text, member.name);
    }
    for (const child of element.children) {
      const member = info.elements.get(child.localName);
      if (member === undefined) continue;
      if (member.flattenedList !== undefined) {
        const item = this.value(member.flattenedList.member, child, member.name);
        const list = result[member.name];
        if (Array.isArray(list)) list.push(item);
        else result[member.name] = [item];
      } else if (member.flattenedMap !== undefined) {
        let map = result[member.name] as Record<string, Value> | undefined;
        if (map === undefined) {
          map = {};
          result[member.name] = map;
        }
        this.entry(member.flattenedMap, child, map, member.name);
      } else {
        result[member.name] = this.value(member.ref, child, member.name);
      }
    }
    return result;
  }

  /** One element as the value of `ref`. */
  value(ref: MemberRef, element: XmlElement, member: string): Value {
    const target = ref.t;
    if (isPrimitive(target)) return this.scalar(target, element.text, member);
    const shape = this.model.shape(target);
    if (shape === undefined) return undefined;
    if (shape.type === "structure") return this.structure(target, element);
    if (shape.type === "list") {
      // Items are the wrapper's children (named `member` or the list member's xmlName; any name is accepted).
      return element.children.map((child) => this.value(shape.member, child, member));
    }
    const map: Record<string, Value> = {};
    for (const entry of element.children) this.entry(shape, entry, map, member);
    return map;
  }

  private entry(shape: MapShape, entry: XmlElement, map: Record<string, Value>, member: string): void {
    const keyName = shape.key.xmlName ?? "key";
    const valueName = shape.value.xmlName ?? "value";
    let key: string | undefined;
    let valueElement: XmlElement | undefined;
    for (const child of entry.children) {
      if (child.localName === keyName) key = child.text;
      else if (child.localName === valueName) valueElement = child;
    }
    if (key === undefined || valueElement === undefined) return;
    setOwn(map, key, this.value(shape.value, valueElement, member));
  }

  private scalar(target: string, text: string, member: string): Value {
    switch (target) {
      case "string":
        return text;
      case "number":
      case "bigDecimal": {
        const trimmed = text.trim();
        if (trimmed === "NaN") return Number.NaN;
        if (trimmed === "Infinity") return Number.POSITIVE_INFINITY;
        if (trimmed === "-Infinity") return Number.NEGATIVE_INFINITY;
        const n = Number(trimmed);
        if (trimmed === "" || !Number.isFinite(n)) throw new AwsError(this.errorCode, `Invalid number for ${member}: ${text}`);
        return n;
      }
      case "bigInteger":
        try {
          return BigInt(text.trim());
        } catch {
          throw new AwsError(this.errorCode, `Invalid integer for ${member}: ${text}`);
        }
      case "boolean": {
        const lower = text.trim().toLowerCase();
        if (lower === "true") return true;
        if (lower === "false") return false;
        throw new AwsError(this.errorCode, `Invalid boolean for ${member}: ${text}`);
      }
      case "timestamp":
        return parseTimestamp(text, this.errorCode, member);
      case "blob":
      case "streamingBlob":
        return fromBase64(text, this.errorCode, member);
      default:
        return text;
    }
  }

  private info(shapeName: string): ReadInfo {
    let info = this.infos.get(shapeName);
    if (info !== undefined) return info;
    info = { elements: new Map(), attributes: new Map() };
    const shape = this.model.shape(shapeName);
    if (shape?.type === "structure") {
      for (const [name, ref] of Object.entries(shape.members)) {
        if (ref.location !== undefined) continue;
        const target = this.model.shape(ref.t);
        const flattened = ref.xmlFlattened === true || (target !== undefined && target.type !== "structure" && target.xmlFlattened === true);
        const member: ReadMember = {
          name,
          ref,
          flattenedList: flattened && target?.type === "list" ? target : undefined,
          flattenedMap: flattened && target?.type === "map" ? target : undefined,
        };
        const xmlName = ref.xmlName ?? name;
        if (ref.xmlAttribute === true) info.attributes.set(xmlName, member);
        else info.elements.set(localNameOf(xmlName), member);
      }
    }
    this.infos.set(shapeName, info);
    return info;
  }
}
