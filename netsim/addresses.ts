// Addresses of the simulator: its ranges, its own local addresses, the default router
// addresses for time-exceeded replies, and 16-byte address slots (IPv4 in bytes 0..3, as in
// native-bindings/layout.ts). Parsing and formatting use ipaddr.js and run at setup time only.
import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

/** The only destinations the simulator answers for (network-safety rule, ARCHITECTURE.md). */
export const SIM_RANGE_V4 = '198.18.0.0/15';
export const SIM_RANGE_V6 = '2001:db8::/32';
/** The namespace's own addresses on the TUN device: every reply goes to one of these. */
export const LOCAL_V4 = '198.19.255.254';
export const LOCAL_V6 = '2001:db8:ffff::fe';
/** Default router for hop h (time exceeded): 198.19.254.h and 2001:db8:fffe::h. */
export const ROUTER_BASE_V4 = '198.19.254.0';
export const ROUTER_BASE_V6 = '2001:db8:fffe::';

export interface Prefix {
  family: Family;
  /** 16 bytes; IPv4 in bytes 0..3. */
  bytes: Uint8Array;
  length: number;
  /** Canonical text, e.g. "198.18.0.0/24" or "2001:db8::1/128". */
  text: string;
}

export class NetsimInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'NetsimInputError';
  }
}

/** Parses "198.18.0.1", "198.18.0.0/24", "2001:db8::1" or "2001:db8::/48". */
export function parsePrefix(text: string, field = 'address'): Prefix {
  const [addrText, lenText, extra] = String(text).split('/');
  if (extra !== undefined || !ipaddr.isValid(addrText)) {
    throw new NetsimInputError(field, `${field} "${text}" is not an IPv4/IPv6 address or prefix; use e.g. 198.18.0.1, 198.18.0.0/24 or 2001:db8::/48`);
  }
  let addr = ipaddr.parse(addrText);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  const family: Family = addr.kind() === 'ipv4' ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  const length = lenText === undefined ? max : Number(lenText);
  if (!Number.isInteger(length) || length < 0 || length > max || (lenText !== undefined && !/^\d+$/.test(lenText))) {
    throw new NetsimInputError(field, `${field} "${text}": prefix length must be an integer 0..${max}`);
  }
  const bytes = new Uint8Array(16);
  bytes.set(addr.toByteArray());
  maskInPlace(bytes, family, length);
  const text2 = `${formatAddress(family, bytes, 0)}${length === max ? '' : `/${length}`}`;
  return { family, bytes, length, text: text2 };
}

/** Parses a single address (no prefix length) into a 16-byte slot. */
export function parseAddress(text: string, field = 'address'): { family: Family; bytes: Uint8Array } {
  if (String(text).includes('/')) throw new NetsimInputError(field, `${field} "${text}" must be a single address, not a prefix`);
  const p = parsePrefix(text, field);
  return { family: p.family, bytes: p.bytes };
}

function maskInPlace(bytes: Uint8Array, family: Family, length: number): void {
  const total = family === 4 ? 4 : 16;
  for (let i = 0; i < total; i++) {
    const keep = Math.max(0, Math.min(8, length - i * 8));
    bytes[i] &= (0xff << (8 - keep)) & 0xff;
  }
}

/** True when addr (at buf[offset..]) lies in the prefix. */
export function prefixContains(prefix: Prefix, family: Family, buf: Uint8Array, offset: number): boolean {
  if (prefix.family !== family) return false;
  let bits = prefix.length;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((buf[offset + i] & mask) !== prefix.bytes[i]) return false;
  }
  return true;
}

const rangeV4 = parsePrefix(SIM_RANGE_V4);
const rangeV6 = parsePrefix(SIM_RANGE_V6);

/** True when the address is inside the simulator's ranges. */
export function inSimRange(family: Family, buf: Uint8Array, offset: number): boolean {
  return prefixContains(family === 4 ? rangeV4 : rangeV6, family, buf, offset);
}

/** True when the prefix lies entirely inside the simulator's ranges. */
export function prefixInSimRange(prefix: Prefix): boolean {
  const range = prefix.family === 4 ? rangeV4 : rangeV6;
  return prefix.length >= range.length && prefixContains(range, prefix.family, prefix.bytes, 0);
}

export function formatAddress(family: Family, buf: Uint8Array, offset: number): string {
  if (family === 4) return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
  return ipaddr.fromByteArray(Array.from(buf.subarray(offset, offset + 16))).toString();
}

/** The default router address for hop `hop` (1..255). */
export function defaultRouter(family: Family, hop: number): Uint8Array {
  const bytes = parseAddress(family === 4 ? ROUTER_BASE_V4 : ROUTER_BASE_V6).bytes;
  bytes[family === 4 ? 3 : 15] = hop & 0xff;
  return bytes;
}

/** i-th address of a prefix (e.g. host i of 198.18.0.0/15): for generating many hosts. */
export function nthAddress(prefixText: string, index: number): string {
  const p = parsePrefix(prefixText, 'prefix');
  const bytes = Uint8Array.from(p.bytes);
  let carry = index;
  for (let i = (p.family === 4 ? 3 : 15); i >= 0 && carry > 0; i--) {
    const v = bytes[i] + (carry % 256);
    bytes[i] = v & 0xff;
    carry = Math.floor(carry / 256) + (v >> 8);
  }
  if (!prefixContains(p, p.family, bytes, 0)) {
    throw new NetsimInputError('index', `address #${index} does not fit in ${prefixText}`);
  }
  return formatAddress(p.family, bytes, 0);
}
