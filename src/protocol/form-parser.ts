/** Parses application/x-www-form-urlencoded text (query/ec2 bodies and query strings) into a key trie in one pass. */
import { AwsError } from "../shared/aws-error.ts";

/**
 * One node of the trie: `Filter.1.Value.2=web` becomes root → "Filter" → "1" → "Value" → "2" (value "web").
 * A node may carry both a value and children (`Tags=` followed by nothing is a value-only node).
 */
export interface FormNode {
  value: string | undefined;
  children: Map<string, FormNode> | undefined;
}

export const newFormNode = (): FormNode => ({ value: undefined, children: undefined });

/**
 * Decodes one component. The JS SDK encodes a space as %20, botocore as '+': both mean space here
 * (a literal '+' always arrives as %2B). Bad percent-encoding is the caller's fault: MalformedInput.
 */
export function decodeFormComponent(text: string): string {
  let s = text;
  if (s.includes("+")) s = s.replaceAll("+", " ");
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw new AwsError("MalformedInput", `Invalid URL encoding in request: ${text.slice(0, 100)}`);
  }
}

/** Walks (creating as needed) the trie path of a dotted key and returns its node. */
function nodeFor(root: FormNode, key: string): FormNode {
  let node = root;
  let start = 0;
  for (;;) {
    const dot = key.indexOf(".", start);
    const part = dot === -1 ? key.slice(start) : key.slice(start, dot);
    let children = node.children;
    if (children === undefined) {
      children = new Map();
      node.children = children;
    }
    let child = children.get(part);
    if (child === undefined) {
      child = newFormNode();
      children.set(part, child);
    }
    node = child;
    if (dot === -1) return node;
    start = dot + 1;
  }
}

/**
 * Adds every `key=value` pair of `text` to the trie (a later duplicate key wins). Empty pairs
 * (`a=1&&b=2`, a trailing `&`) are skipped; a key without `=` gets the empty value.
 */
export function parseFormInto(root: FormNode, text: string): FormNode {
  const length = text.length;
  let start = 0;
  while (start < length) {
    let end = text.indexOf("&", start);
    if (end === -1) end = length;
    if (end > start) {
      const eq = text.indexOf("=", start);
      const hasValue = eq !== -1 && eq < end;
      const rawKey = hasValue ? text.slice(start, eq) : text.slice(start, end);
      if (rawKey !== "") {
        const node = nodeFor(root, decodeFormComponent(rawKey));
        node.value = hasValue ? decodeFormComponent(text.slice(eq + 1, end)) : "";
      }
    }
    start = end + 1;
  }
  return root;
}

export const parseForm = (text: string): FormNode => parseFormInto(newFormNode(), text);

/** The children of a node whose names are positive integers, ordered by index (`.1`, `.2`, … `.10`). */
export function indexedChildren(node: FormNode): FormNode[] {
  const children = node.children;
  if (children === undefined) return [];
  const indexed: [number, FormNode][] = [];
  let sorted = true;
  let previous = 0;
  for (const [name, child] of children) {
    const index = parseIndex(name);
    if (index === undefined) continue;
    if (index < previous) sorted = false;
    previous = index;
    indexed.push([index, child]);
  }
  if (!sorted) indexed.sort((a, b) => a[0] - b[0]);
  return indexed.map((entry) => entry[1]);
}

/** "1" → 1; anything but plain decimal digits (no sign, no leading zero trickery needed) → undefined. */
function parseIndex(name: string): number | undefined {
  const length = name.length;
  if (length === 0 || length > 9) return undefined;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const c = name.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n;
}
