// IP literals <-> the 16-byte address slots of the native record layouts (ADDR_BYTES):
// IPv4 in bytes 0..3 (rest zero), IPv6 in all 16. Used when a job is set up and when an
// ICMP error's sender is shown, never per probe on the hot path.
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type ipaddrModule from 'ipaddr.js';
import { ADDR_BYTES } from '../../../native-bindings/layout.js';

let ipaddrLoaded: typeof ipaddrModule | null = null;

/** ipaddr.js, required on the first IPv6 literal: imported as an ES module it cost ~30 ms
 *  of every `sonde ping`'s start-up (main thread and each probe thread), IPv4 needs none of it. */
function ipaddr(): typeof ipaddrModule {
  ipaddrLoaded ??= createRequire(import.meta.url)('ipaddr.js') as typeof ipaddrModule;
  return ipaddrLoaded;
}

export type AddressFamily = 4 | 6;

export interface ParsedAddress {
  family: AddressFamily;
  /** Canonical text (IPv4-mapped IPv6 becomes IPv4, IPv6 is RFC 5952 compressed). */
  text: string;
  bytes: Uint8Array;
}

/** Parses a strict IP literal (dotted quad or IPv6 without a zone). Returns null otherwise. */
export function parseIpLiteral(text: string): ParsedAddress | null {
  const v4 = parseDottedQuad(text);
  if (v4 !== null) return v4;
  const kind = isIP(text);
  if (kind === 0 || text.includes('%')) return null;
  let addr = ipaddr().parse(text);
  if (addr.kind() === 'ipv6' && (addr as ipaddrModule.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddrModule.IPv6).toIPv4Address();
  }
  const bytes = new Uint8Array(ADDR_BYTES);
  bytes.set(addr.toByteArray());
  return addr.kind() === 'ipv4'
    ? { family: 4, text: addr.toString(), bytes }
    : { family: 6, text: (addr as ipaddrModule.IPv6).toRFC5952String(), bytes };
}

/** Fast path for the common case (10,000-target jobs are mostly dotted quads). */
function parseDottedQuad(text: string): ParsedAddress | null {
  const n = text.length;
  if (n < 7 || n > 15) return null;
  const bytes = new Uint8Array(ADDR_BYTES);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? text.charCodeAt(i) : 46; // '.' ends the last part
    if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return null; // no leading zeros (isIP rejects them too)
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return null;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return null;
      bytes[part++] = value;
      value = 0;
      digits = 0;
    } else {
      return null;
    }
  }
  return part === 4 ? { family: 4, text, bytes } : null;
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
  return (ipaddr().fromByteArray(bytes) as ipaddrModule.IPv6).toRFC5952String();
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
