// The window blob codec against hdr-histogram-js itself: what we encode from bucket counts,
// in its standard V2 compressed form, decodes (decodeFromCompressedBase64) to the histogram
// hdr-histogram-js builds from the same raw values; merging blobs equals recording everything
// into one histogram; blobs stored in the V2 compressed form by earlier builds still merge.
import { build, decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { BucketAccumulator, bucketOf, decodeBuckets, encodeBuckets, toV2Compressed } from '../../engine/monitor/hdr-codec.js';

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

/** hdr-histogram-js's decoding of a stored blob, through its standard form. */
function decoded(blob: Buffer) {
  return decodeFromCompressedBase64(toV2Compressed(blob).toString('base64'));
}

function reference(values: number[]) {
  const h = build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2, autoResize: true, highestTrackableValue: 2, useWebAssembly: false });
  for (const v of values) h.recordValue(v);
  return h;
}

describe('HdrHistogram counts blobs', () => {
  it('decode in hdr-histogram-js to the histogram of the raw values', () => {
    const values = samples(5000, 7);
    const h = decoded(encodeValues(values));
    const ref = reference(values);
    expect(h.totalCount).toBe(values.length);
    for (const p of PCTS) expect(h.getValueAtPercentile(p)).toBe(ref.getValueAtPercentile(p));
    // Exact min/max live in the window's counters; the histogram keeps their buckets.
    expect(bucketOf(h.maxValue)).toBe(bucketOf(ref.maxValue));
    expect(bucketOf(h.minNonZeroValue)).toBe(bucketOf(ref.minNonZeroValue));
  });

  it('merged (decode + accumulate + re-encode) equal one histogram of all values', () => {
    const parts = [samples(300, 1), samples(1, 2), samples(2000, 3), [1, 1, 2 ** 40]];
    const acc = new BucketAccumulator();
    for (const p of parts) decodeBuckets(encodeValues(p), acc.add);
    const all = parts.flat();
    const ref = reference(all);
    expect(acc.total).toBe(all.length);
    expect(acc.percentiles(PCTS)).toEqual(PCTS.map((p) => ref.getValueAtPercentile(p)));
    const again = decoded(acc.encode()!);
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
        ref.add(decoded(blob));
      }
      expect(acc.total).toBe(ref.totalCount);
      expect(viaCallback.total).toBe(ref.totalCount);
      if (ref.totalCount === 0) continue;
      const want = PCTS.map((p) => ref.getValueAtPercentile(p));
      expect(acc.percentiles(PCTS)).toEqual(want);
      expect(viaCallback.percentiles(PCTS)).toEqual(want);
      const again = decoded(acc.encode()!);
      expect(PCTS.map((p) => again.getValueAtPercentile(p))).toEqual(want);
    }
  });

  it('are smaller than the V2 compressed form of the same 60-sample window', () => {
    // ~40 µs with a 15 % spread (a loopback target): 48 against 73 bytes
    const window = samples(60, 5).map((v, i) => Math.round(40_000 * Math.exp(0.15 * Math.sin(v + i))));
    const blob = encodeValues(window);
    expect(blob.length).toBeLessThan(toV2Compressed(blob).length - 20);
  });

  it('merge with blobs stored in the V2 compressed form (rows of earlier builds)', () => {
    const older = samples(400, 11);
    const newer = samples(300, 12);
    const legacy = toV2Compressed(encodeValues(older));
    expect(legacy.readUInt32BE(0)).toBe(0x1c849314);
    expect(toV2Compressed(legacy)).toEqual(legacy);
    const acc = new BucketAccumulator();
    acc.addBlob(legacy);
    acc.addBlob(encodeValues(newer));
    const ref = reference([...older, ...newer]);
    expect(acc.total).toBe(700);
    expect(acc.percentiles(PCTS)).toEqual(PCTS.map((p) => ref.getValueAtPercentile(p)));
  });

  it('rejects what is not a histogram blob and counts cut off inside a number, saying so', () => {
    expect(() => decodeBuckets(Buffer.from('not a histogram'), () => {})).toThrow(/not an HdrHistogram counts blob or V2 compressed blob/);
    expect(() => decodeBuckets(Buffer.of(0x01, 0x81), () => {})).toThrow(/cut off inside a number/);
    expect(() => new BucketAccumulator().addBlob(Buffer.of(0x01, 0xff, 0xff))).toThrow(/cut off inside a number/);
  });
});
