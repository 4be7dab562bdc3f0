// The fixed-Huffman zlib writer of window histograms: node:zlib inflates whatever it writes
// back to the input (random bytes, long zero runs, runs at the 258-byte match limit, empty).
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zlibFixed } from '../../engine/monitor/zlib-fixed.js';

function data(n: number, kind: number, seed: number): Uint8Array {
  let x = seed;
  const rnd = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 0) d[i] = rnd() * 256;
    else if (kind === 1) d[i] = rnd() < 0.7 ? 0 : rnd() * 256;
    else d[i] = (i >> 7) & 0xff; // runs of 128
  }
  return d;
}

describe('zlibFixed', () => {
  it('inflates back to its input, with headroom left in front', () => {
    for (let t = 0; t < 3000; t++) {
      const n = (t * 7919) % 1200;
      const d = data(n, t % 3, t + 1);
      const z = zlibFixed(d, 0, n, 8);
      expect(Buffer.compare(inflateSync(z.subarray(8)), Buffer.from(d))).toBe(0);
    }
  });

  it('handles runs longer than one match, and a sub-range of its input', () => {
    const d = new Uint8Array(2000);
    d.fill(7, 100, 1900);
    for (const [from, to] of [[0, 2000], [100, 1900], [150, 420], [5, 5]]) {
      expect(Buffer.compare(inflateSync(zlibFixed(d, from, to)), Buffer.from(d.subarray(from, to)))).toBe(0);
    }
    expect(zlibFixed(d, 100, 1900).length).toBeLessThan(40);
  });
});
