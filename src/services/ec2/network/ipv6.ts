/** IPv6 CIDR blocks for VPCs (/56 from the documentation range) and subnets (/64 inside them). */
import { crypto } from "../../../shared/builtins.ts";

export interface Cidr6 {
  base: bigint;
  prefix: number;
}

const BITS = 128n;

function parseAddress(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split("::").length > 2) return undefined;
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

/** Parses `2001:db8:1234:5600::/56`; host bits must be zero. */
export function parseCidr6(text: string): Cidr6 | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const base = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (base === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 128) return undefined;
  const hostMask = (1n << (BITS - BigInt(prefix))) - 1n;
  if ((base & hostMask) !== 0n) return undefined;
  return { base, prefix };
}

/** The canonical (compressed, lower-case) text AWS shows. */
export function formatCidr6(cidr: Cidr6): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((cidr.base >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (length ≥ 2) into "::".
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const text = bestStart < 0 ? groups.join(":") : `${groups.slice(0, bestStart).join(":")}::${groups.slice(bestStart + bestLength).join(":")}`;
  return `${text}/${cidr.prefix}`;
}

const size = (cidr: Cidr6): bigint => 1n << (BITS - BigInt(cidr.prefix));

export const cidr6Contains = (outer: Cidr6, inner: Cidr6): boolean => inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);

export const cidr6Overlap = (a: Cidr6, b: Cidr6): boolean => a.base < b.base + size(b) && b.base < a.base + size(a);

/**
 * An "Amazon-provided" /56 for a VPC. It comes from 2001:db8::/32 (RFC 3849, documentation only) so
 * that nothing a test prints is a routable address, as with the IPv4 public ranges.
 */
export function amazonIpv6Block(): string {
  // A non-zero fourth group keeps the block's text in the familiar xxxx:xx00::/56 form.
  const bits = crypto.randomBytes(3).readUIntBE(0, 3) | 0x01;
  const base = (0x20010db8n << 96n) | (BigInt(bits) << 72n);
  return formatCidr6({ base, prefix: 56 });
}
