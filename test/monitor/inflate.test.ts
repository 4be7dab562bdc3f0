// engine/monitor/inflate.ts against node:zlib: whatever zlib deflates (every level and
// strategy, stored/fixed/dynamic blocks, several blocks, long back-references) inflates to the
// same bytes; a corrupt or truncated stream throws instead of returning garbage.
import { constants, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflated, inflateZlib } from '../../engine/monitor/inflate.js';

function random(n: number, seed: number, alphabet = 256): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = (x >>> 16) % alphabet;
  }
  return b;
}

function inflate(z: Buffer): Buffer {
  const n = inflateZlib(z, 0, z.length);
  return Buffer.from(inflated().subarray(0, n));
}

const inputs: [string, Buffer][] = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from([7])],
  ['small, skewed', random(100, 1, 6)],
  ['random bytes (stored blocks)', random(70_000, 2)],
  ['long runs (far back-references)', Buffer.concat([random(300, 3, 4), Buffer.alloc(40_000, 9), random(5000, 4, 16), Buffer.alloc(300, 1)])],
  ['text-like, 200 KB (several dynamic blocks)', random(200_000, 5, 30)],
];

describe('inflateZlib', () => {
  for (const [name, input] of inputs) {
    it(`equals node:zlib for ${name}`, () => {
      for (const level of [0, 1, 6, 9]) {
        for (const strategy of [constants.Z_DEFAULT_STRATEGY, constants.Z_FIXED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE]) {
          const z = deflateSync(input, { level, strategy });
          expect(inflate(z).equals(input), `level ${level} strategy ${strategy}`).toBe(true);
        }
      }
    });
  }

  it('reads only [from, to) of a larger buffer', () => {
    const input = random(500, 6, 10);
    const z = deflateSync(input);
    const padded = Buffer.concat([Buffer.from([1, 2, 3]), z, Buffer.from([4, 5])]);
    const n = inflateZlib(padded, 3, 3 + z.length);
    expect(Buffer.from(inflated().subarray(0, n)).equals(input)).toBe(true);
  });

  it('throws on a bad header, a wrong checksum, a truncated stream and a corrupt body', () => {
    const z = deflateSync(random(2000, 7, 20));
    const header = Buffer.from(z);
    header[0] = 0x79;
    expect(() => inflate(header)).toThrow(/zlib header/);
    const sum = Buffer.from(z);
    sum[sum.length - 1] ^= 1;
    expect(() => inflate(sum)).toThrow(/Adler-32/);
    expect(() => inflate(z.subarray(0, z.length - 30))).toThrow(/corrupt zlib stream/);
    // flipping body bits: every outcome is an error, never a silent wrong answer
    for (let i = 2; i < z.length - 4; i += 7) {
      const bad = Buffer.from(z);
      bad[i] ^= 0x5a;
      expect(() => inflate(bad)).toThrow(/corrupt zlib stream/);
    }
  });
});
