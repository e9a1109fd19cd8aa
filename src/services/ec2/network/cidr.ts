/** IPv4 arithmetic for VPC and subnet CIDR blocks and address allocation. */

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  /** Number of addresses in the block. */
  size: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(text: string): number | undefined {
  const match = IPV4.exec(text);
  if (!match) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export const formatIp = (value: number): string =>
  [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");

/** Parses `a.b.c.d/n`; host bits must be zero unless `lenient` (AWS normalises some inputs, rejects others). */
export function parseCidr(text: string, lenient = false): Cidr | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (ip === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = ip - (ip % size);
  if (base !== ip && !lenient) return undefined;
  return { base, prefix, size };
}

export const formatCidr = (cidr: Cidr): string => `${formatIp(cidr.base)}/${cidr.prefix}`;

export const cidrContains = (outer: Cidr, inner: Cidr): boolean =>
  inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;

export const cidrsOverlap = (a: Cidr, b: Cidr): boolean => a.base < b.base + b.size && b.base < a.base + a.size;

export const ipInCidr = (ip: number, cidr: Cidr): boolean => ip >= cidr.base && ip < cidr.base + cidr.size;

/** AWS reserves the first four addresses and the last one of every subnet. */
export const usableAddressCount = (cidr: Cidr): number => Math.max(0, cidr.size - 5);

export const isReservedInSubnet = (ip: number, cidr: Cidr): boolean => ip < cidr.base + 4 || ip === cidr.base + cidr.size - 1;

/** A dotted-quad IPv4 address. */
export const isValidIpv4 = (text: string): boolean => parseIp(text) !== undefined;
