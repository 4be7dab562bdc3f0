// 16-byte address slots <-> strings (no privileges needed).
import { describe, expect, it } from 'vitest';
import { addressFamily, addressSlot, addressSlotsEqual, readAddress, writeAddress } from '../../native-bindings/index.js';

describe('address slots', () => {
  it('round-trips IPv4 and IPv6 in canonical form and zero-fills the rest of the slot', () => {
    const buf = Buffer.alloc(40, 0xee);
    expect(writeAddress(buf, 4, '127.0.0.2')).toBe(4);
    expect([...buf.subarray(4, 20)]).toEqual([127, 0, 0, 2, ...Array(12).fill(0)]);
    expect(readAddress(buf, 4, 4)).toBe('127.0.0.2');
    expect(buf[3]).toBe(0xee);
    expect(buf[20]).toBe(0xee);
    expect(writeAddress(buf, 8, '2001:DB8:0:0:0:0:0:5')).toBe(6);
    expect(readAddress(buf, 8, 6)).toBe('2001:db8::5');
    expect(readAddress(addressSlot('::1'), 0, 6)).toBe('::1');
  });

  it('compares slots and classifies strings', () => {
    expect(addressSlotsEqual(addressSlot('198.18.0.1'), 0, addressSlot('198.18.0.1'), 0)).toBe(true);
    expect(addressSlotsEqual(addressSlot('198.18.0.1'), 0, addressSlot('198.18.0.2'), 0)).toBe(false);
    expect(addressFamily('10.1.2.3')).toBe(4);
    expect(addressFamily('::ffff:1.2.3.4')).toBe(6);
    expect(addressFamily('example.com')).toBe(0);
    expect(addressFamily('127.1')).toBe(0);
  });

  it('rejects what is not an address, and slots that do not fit, with messages that say so', () => {
    expect(() => writeAddress(Buffer.alloc(16), 0, '256.0.0.1')).toThrow("'256.0.0.1' is not an IPv4 or IPv6 address");
    expect(() => writeAddress(Buffer.alloc(16), 0, 'localhost')).toThrow(/not an IPv4 or IPv6 address/);
    expect(() => writeAddress(Buffer.alloc(20), 8, '::1')).toThrow(/offset 8 leaves no 16-byte slot in a 20-byte buffer/);
  });
});
