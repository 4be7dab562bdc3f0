// IP literals <-> the 16-byte address slots of the native record layouts (ADDR_BYTES):
// IPv4 in bytes 0..3 (rest zero), IPv6 in all 16. Used when a job is set up and when an
// ICMP error's sender is shown, never per probe on the hot path.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ADDR_BYTES } from '../../native-bindings/layout.js';

export type AddressFamily = 4 | 6;

export interface ParsedAddress {
  family: AddressFamily;
  /** Canonical text (IPv4-mapped IPv6 becomes IPv4, IPv6 is RFC 5952 compressed). */
  text: string;
  bytes: Uint8Array;
}

/** Parses a strict IP literal (dotted quad or IPv6 without a zone). Returns null otherwise. */
export function parseIpLiteral(text: string): ParsedAddress | null {
  const kind = isIP(text);
  if (kind === 0 || text.includes('%')) return null;
  let addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  const bytes = new Uint8Array(ADDR_BYTES);
  bytes.set(addr.toByteArray());
  return addr.kind() === 'ipv4'
    ? { family: 4, text: addr.toString(), bytes }
    : { family: 6, text: (addr as ipaddr.IPv6).toRFC5952String(), bytes };
}

/** Writes `parsed` into the slot at `offset` of `slots` (zero-filling unused bytes). */
export function writeAddressSlot(slots: Uint8Array, offset: number, parsed: ParsedAddress): void {
  slots.set(parsed.bytes, offset);
}

/** Text of the address in the slot at `offset`. */
export function formatAddressSlot(slots: Uint8Array, offset: number, family: AddressFamily): string {
  if (family === 4) {
    return `${slots[offset]}.${slots[offset + 1]}.${slots[offset + 2]}.${slots[offset + 3]}`;
  }
  const bytes = Array.from(slots.subarray(offset, offset + ADDR_BYTES));
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

/**
 * Compares two address slots given as 32-bit word views (slot word index = byte offset / 4).
 * IPv4 compares the first word only, so stray bytes after it never matter.
 */
export function addressSlotsEqual(
  a: Uint32Array, aWord: number, b: Uint32Array, bWord: number, family: AddressFamily,
): boolean {
  if (a[aWord] !== b[bWord]) return false;
  if (family === 4) return true;
  return a[aWord + 1] === b[bWord + 1] && a[aWord + 2] === b[bWord + 2] && a[aWord + 3] === b[bWord + 3];
}
