// The window blob codec against hdr-histogram-js itself: what we encode from bucket counts
// decodes (decodeFromCompressedBase64) to the histogram hdr-histogram-js builds from the
// same raw values, and merging blobs equals recording everything into one histogram.
import { build, decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { BucketAccumulator, bucketOf, decodeBuckets, encodeBuckets } from '../../engine/monitor/hdr-codec.js';

const TWO_32 = 4294967296;
const PCTS = [0, 1, 10, 50, 90, 99, 99.9, 100];

function samples(n: number, seed: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    // 10 µs .. ~3 s, log-spread, plus some exact repeats
    out.push(i % 7 === 0 ? 25_000 : Math.round(10_000 * Math.exp((x / 2 ** 32) * 12.6)));
  }
  return out;
}

function encodeValues(values: number[]): Buffer {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(bucketOf(v), (counts.get(bucketOf(v)) ?? 0) + 1);
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const pairs = Float64Array.from(keys, (b) => b * TWO_32 + counts.get(b)!);
  return encodeBuckets(pairs, 0, pairs.length);
}

function reference(values: number[]) {
  const h = build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2, autoResize: true, highestTrackableValue: 2, useWebAssembly: false });
  for (const v of values) h.recordValue(v);
  return h;
}

describe('HdrHistogram V2 blobs', () => {
  it('decode in hdr-histogram-js to the histogram of the raw values', () => {
    const values = samples(5000, 7);
    const decoded = decodeFromCompressedBase64(encodeValues(values).toString('base64'));
    const ref = reference(values);
    expect(decoded.totalCount).toBe(values.length);
    for (const p of PCTS) expect(decoded.getValueAtPercentile(p)).toBe(ref.getValueAtPercentile(p));
    // Exact min/max live in the window's counters; the histogram keeps their buckets.
    expect(bucketOf(decoded.maxValue)).toBe(bucketOf(ref.maxValue));
    expect(bucketOf(decoded.minNonZeroValue)).toBe(bucketOf(ref.minNonZeroValue));
  });

  it('merged (decode + accumulate + re-encode) equal one histogram of all values', () => {
    const parts = [samples(300, 1), samples(1, 2), samples(2000, 3), [1, 1, 2 ** 40]];
    const acc = new BucketAccumulator();
    for (const p of parts) decodeBuckets(encodeValues(p), acc.add);
    const all = parts.flat();
    const ref = reference(all);
    expect(acc.total).toBe(all.length);
    expect(acc.percentiles(PCTS)).toEqual(PCTS.map((p) => ref.getValueAtPercentile(p)));
    const again = decodeFromCompressedBase64(acc.encode()!.toString('base64'));
    for (const p of PCTS) expect(again.getValueAtPercentile(p)).toBe(ref.getValueAtPercentile(p));
  });

  it('reports percentiles as getValueAtPercentile does, 0 and 100 included', () => {
    const values = samples(500, 9).map((v) => v + 777);
    const acc = new BucketAccumulator();
    decodeBuckets(encodeValues(values), acc.add);
    const ref = reference(values);
    expect(acc.percentiles(PCTS)).toEqual(PCTS.map((p) => ref.getValueAtPercentile(p)));
  });

  it('addBlob merges of random windows equal hdr-histogram-js decoding and adding the same blobs', () => {
    let x = 99;
    const next = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x / 2 ** 32;
    };
    for (let trial = 0; trial < 30; trial++) {
      const windows = 1 + Math.floor(next() * 40);
      const acc = new BucketAccumulator();
      const viaCallback = new BucketAccumulator();
      const ref = reference([]);
      for (let w = 0; w < windows; w++) {
        // each window: its own base RTT (1 µs .. ~10 s) and spread, 0..300 samples
        const base = 1000 * Math.exp(next() * 16);
        const values = Array.from({ length: Math.floor(next() * 300) }, () => Math.max(1, Math.round(base * Math.exp(next() * next() * 6 - 1))));
        if (values.length === 0) continue;
        const blob = encodeValues(values);
        acc.addBlob(blob);
        decodeBuckets(blob, viaCallback.add);
        ref.add(decodeFromCompressedBase64(blob.toString('base64')));
      }
      expect(acc.total).toBe(ref.totalCount);
      expect(viaCallback.total).toBe(ref.totalCount);
      if (ref.totalCount === 0) continue;
      const want = PCTS.map((p) => ref.getValueAtPercentile(p));
      expect(acc.percentiles(PCTS)).toEqual(want);
      expect(viaCallback.percentiles(PCTS)).toEqual(want);
      const again = decodeFromCompressedBase64(acc.encode()!.toString('base64'));
      expect(PCTS.map((p) => again.getValueAtPercentile(p))).toEqual(want);
    }
  });

  it('rejects what is not a V2 compressed blob, saying so', () => {
    expect(() => decodeBuckets(Buffer.from('not a histogram'), () => {})).toThrow(/V2 compressed/);
  });
});
