/** A small dependency-free XML parser for request bodies (restXml): elements, attributes, text, CDATA. */
import { AwsError } from "../shared/aws-error.ts";

export interface XmlElement {
  /** Qualified name as written (`xsi:type`, `Tagging`). */
  name: string;
  /** The name without its prefix, which is what member names are matched against. */
  localName: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside the element (entities decoded). */
  text: string;
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Thrown for anything that is not well-formed; the code is the protocol's (S3: MalformedXML). */
class Malformed extends Error {}

const isNameChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 46 || c === 58 || c > 127;

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

const localNameOf = (name: string): string => {
  const colon = name.indexOf(":");
  return colon === -1 ? name : name.slice(colon + 1);
};

/** Replaces entity and character references; an unknown entity (no DTDs here) is malformed. */
function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  let out = "";
  let start = 0;
  for (;;) {
    const amp = text.indexOf("&", start);
    if (amp === -1) return out + text.slice(start);
    const semi = text.indexOf(";", amp);
    if (semi === -1 || semi - amp > 12) throw new Malformed("bad entity reference");
    out += text.slice(start, amp);
    const ref = text.slice(amp + 1, semi);
    if (ref.startsWith("#")) {
      const code = ref.startsWith("#x") ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!Number.isInteger(code) || code < 1 || code > 0x10ffff || !/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(ref)) {
        throw new Malformed("bad character reference");
      }
      out += String.fromCodePoint(code);
    } else {
      const value = PREDEFINED[ref];
      if (value === undefined) throw new Malformed(`unknown entity &${ref};`);
      out += value;
    }
    start = semi + 1;
  }
}

class Parser {
  private readonly x: string;
  private i = 0;

  constructor(text: string) {
    this.x = text;
  }

  document(): XmlElement {
    this.misc();
    if (this.x.charCodeAt(this.i) !== 60 /* < */) throw new Malformed("no root element");
    const root = this.element();
    this.misc();
    if (this.i < this.x.length) throw new Malformed("content after the root element");
    return root;
  }

  /** Whitespace, comments, processing instructions and the XML declaration around the root. DTDs are
   *  refused: S3 rejects them too, and they are the door to entity-expansion attacks. */
  private misc(): void {
    const x = this.x;
    for (;;) {
      while (this.i < x.length && isSpace(x.charCodeAt(this.i))) this.i++;
      if (x.startsWith("<?", this.i)) this.skipTo("?>");
      else if (x.startsWith("<!--", this.i)) this.skipTo("-->");
      else if (x.startsWith("<!", this.i)) throw new Malformed("DTDs are not allowed");
      else return;
    }
  }

  private skipTo(end: string): void {
    const at = this.x.indexOf(end, this.i);
    if (at === -1) throw new Malformed(`unterminated construct, expected ${end}`);
    this.i = at + end.length;
  }

  private name(): string {
    const start = this.i;
    const x = this.x;
    while (this.i < x.length && isNameChar(x.charCodeAt(this.i))) this.i++;
    if (this.i === start) throw new Malformed("expected a name");
    return x.slice(start, this.i);
  }

  private spaces(): boolean {
    const start = this.i;
    while (this.i < this.x.length && isSpace(this.x.charCodeAt(this.i))) this.i++;
    return this.i > start;
  }

  /** Parses `<name attrs>content</name>` or `<name attrs/>` starting at `<`; iterative over children
   *  through an explicit stack so deeply nested input cannot overflow the call stack. */
  private element(): XmlElement {
    const x = this.x;
    const stack: XmlElement[] = [];
    let root: XmlElement | undefined;
    for (;;) {
      // At '<' of a start tag.
      this.i++;
      const el: XmlElement = { name: "", localName: "", attributes: {}, children: [], text: "" };
      el.name = this.name();
      el.localName = localNameOf(el.name);
      let selfClosing = false;
      for (;;) {
        const hadSpace = this.spaces();
        const c = x.charCodeAt(this.i);
        if (c === 62 /* > */) {
          this.i++;
          break;
        }
        if (c === 47 /* / */ && x.charCodeAt(this.i + 1) === 62) {
          this.i += 2;
          selfClosing = true;
          break;
        }
        if (!hadSpace) throw new Malformed(`bad start tag <${el.name}>`);
        const attr = this.name();
        this.spaces();
        if (x.charCodeAt(this.i) !== 61 /* = */) throw new Malformed(`attribute ${attr} without value`);
        this.i++;
        this.spaces();
        const quote = x[this.i];
        if (quote !== '"' && quote !== "'") throw new Malformed(`unquoted attribute ${attr}`);
        const end = x.indexOf(quote, this.i + 1);
        if (end === -1) throw new Malformed("unterminated attribute value");
        const raw = x.slice(this.i + 1, end);
        if (raw.includes("<")) throw new Malformed("'<' in attribute value");
        if (Object.hasOwn(el.attributes, attr)) throw new Malformed(`duplicate attribute ${attr}`);
        Object.defineProperty(el.attributes, attr, { value: decodeEntities(raw), enumerable: true, writable: true, configurable: true });
        this.i = end + 1;
      }
      const parent = stack.at(-1);
      if (parent !== undefined) parent.children.push(el);
      else root = el;
      if (!selfClosing) stack.push(el);
      // Content until the next start tag (descend) or end tag (ascend).
      for (;;) {
        const current = stack.at(-1);
        if (current === undefined) {
          if (root === undefined) throw new Malformed("no root element");
          return root;
        }
        const lt = x.indexOf("<", this.i);
        if (lt === -1) throw new Malformed(`missing </${current.name}>`);
        if (lt > this.i) current.text += decodeEntities(x.slice(this.i, lt));
        this.i = lt;
        if (x.startsWith("</", lt)) {
          this.i += 2;
          const name = this.name();
          this.spaces();
          if (name !== current.name || x.charCodeAt(this.i) !== 62) throw new Malformed(`mismatched </${name}> for <${current.name}>`);
          this.i++;
          stack.pop();
        } else if (x.startsWith("<![CDATA[", lt)) {
          const end = x.indexOf("]]>", lt + 9);
          if (end === -1) throw new Malformed("unterminated CDATA");
          current.text += x.slice(lt + 9, end);
          this.i = end + 3;
        } else if (x.startsWith("<!--", lt)) {
          this.skipTo("-->");
        } else if (x.startsWith("<?", lt)) {
          this.skipTo("?>");
        } else if (x.startsWith("<!", lt)) {
          throw new Malformed("markup declaration inside an element");
        } else {
          break; // a child start tag
        }
      }
    }
  }
}

/**
 * Parses a whole document into its root element. Line endings are normalised (`\r\n` → `\n`) as XML
 * requires; an escaped `&#13;` survives as `\r`. Throws AwsError(errorCode) for malformed input.
 */
export function parseXml(text: string, errorCode = "MalformedXML"): XmlElement {
  const normalised = text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
  try {
    return new Parser(normalised.charCodeAt(0) === 0xfeff ? normalised.slice(1) : normalised).document();
  } catch (error) {
    if (error instanceof Malformed) {
      throw new AwsError(errorCode, `The XML you provided was not well-formed or did not validate against our published schema: ${error.message}`);
    }
    throw error;
  }
}

/** The first child element with this local name. */
export function childNamed(element: XmlElement, localName: string): XmlElement | undefined {
  for (const child of element.children) if (child.localName === localName) return child;
  return undefined;
}
