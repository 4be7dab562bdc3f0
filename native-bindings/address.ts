// 16-byte address slots (layout.ts ADDR_BYTES) to and from strings. IPv4 uses bytes 0..3
// and leaves the rest zero. IPv6 zone ids (fe80::1%eth0) are not carried.
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import type ipaddrModule from 'ipaddr.js';
import { ADDR_BYTES } from './layout.js';

let ipaddrLoaded: typeof ipaddrModule | null = null;

/** ipaddr.js, required on the first IPv6 address: every thread that loads the addon pays
 *  an ES-module import of it (~15 ms of start-up), and IPv4 needs none of it. */
function ipaddr(): typeof ipaddrModule {
  ipaddrLoaded ??= createRequire(import.meta.url)('ipaddr.js') as typeof ipaddrModule;
  return ipaddrLoaded;
}

/** 4 or 6 for a literal IP address, 0 for anything else (names included). */
export function addressFamily(address: string): 0 | 4 | 6 {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return 0;
}

/** Writes `address` into the slot at `offset`; returns its family. Throws on a non-address. */
export function writeAddress(slot: Uint8Array, offset: number, address: string): 4 | 6 {
  if (offset < 0 || offset + ADDR_BYTES > slot.length) {
    throw new RangeError(`writeAddress: offset ${offset} leaves no ${ADDR_BYTES}-byte slot in a ${slot.length}-byte buffer`);
  }
  slot.fill(0, offset, offset + ADDR_BYTES);
  if (isIPv4(address)) {
    const parts = address.split('.');
    for (let i = 0; i < 4; i++) slot[offset + i] = Number(parts[i]);
    return 4;
  }
  if (isIPv6(address)) {
    const bytes = ipaddr().IPv6.parse(address).toByteArray();
    for (let i = 0; i < 16; i++) slot[offset + i] = bytes[i];
    return 6;
  }
  throw new TypeError(`'${address}' is not an IPv4 or IPv6 address`);
}

/** Reads the slot at `offset` as a `family` address in its canonical text form. */
export function readAddress(slot: Uint8Array, offset: number, family: 4 | 6): string {
  if (family === 4) return `${slot[offset]}.${slot[offset + 1]}.${slot[offset + 2]}.${slot[offset + 3]}`;
  const bytes: number[] = new Array<number>(16);
  for (let i = 0; i < 16; i++) bytes[i] = slot[offset + i];
  return (ipaddr().fromByteArray(bytes) as ipaddrModule.IPv6).toRFC5952String();
}

/** A new 16-byte slot holding `address`. */
export function addressSlot(address: string): Buffer {
  const slot = Buffer.alloc(ADDR_BYTES);
  writeAddress(slot, 0, address);
  return slot;
}

/** Whether two 16-byte slots hold the same address (no string conversion). */
export function addressSlotsEqual(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): boolean {
  for (let i = 0; i < ADDR_BYTES; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}
