import { describe, expect, it } from 'vitest';
import { build } from 'hdr-histogram-js';
import { buildRttHistogram, hdrBucketIndex, HDR_SETTINGS, SparseHdrTable } from '../../engine/stats/sparse-hdr.js';
import { keptHdrStorage } from '../../engine/stats/hdr-storage-pool.js';

function xorshift(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('SparseHdrTable (hdr-histogram-js bucketing, sparse storage)', () => {
  it('computes the same bucket index as hdr-histogram-js countsArrayIndex', () => {
    const reference = build({ ...HDR_SETTINGS, bitBucketSize: 32, autoResize: true }) as unknown as { countsArrayIndex(v: number): number };
    const edges = [0, 1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 3.6e12, 2 ** 48];
    for (const v of edges) expect(hdrBucketIndex(v), `value ${v}`).toBe(reference.countsArrayIndex(v));
    const rnd = xorshift(7);
    for (let i = 0; i < 20_000; i++) {
      const v = Math.round(2 ** (rnd() * 44));
      if (hdrBucketIndex(v) !== reference.countsArrayIndex(v)) expect(hdrBucketIndex(v), `value ${v}`).toBe(reference.countsArrayIndex(v));
    }
  });

  it('reports the percentiles hdr-histogram-js getValueAtPercentile reports, per target', () => {
    const targets = 300;
    const table = new SparseHdrTable(16); // grows many times
    const references = Array.from({ length: targets }, () => buildRttHistogram());
    const rnd = xorshift(99);
    for (let i = 0; i < 60_000; i++) {
      const t = Math.floor(rnd() * rnd() * targets); // uneven sample counts per target
      const v = Math.round(10_000 + 5_000_000 * rnd() ** 4);
      table.record(t, v);
      references[t].recordValue(v);
    }
    const ps = [50, 90, 99, 99.9, 100];
    const got = table.percentiles(targets, ps);
    for (let t = 0; t < targets; t++) {
      for (let k = 0; k < ps.length; k++) {
        const want = references[t].totalCount === 0 ? NaN : references[t].getValueAtPercentile(ps[k]);
        if (!Object.is(got[t * ps.length + k], want)) expect(got[t * ps.length + k], `target ${t} p${ps[k]}`).toBe(want);
      }
    }
    expect(table.size).toBeGreaterThan(1000);
  });

  it('exports a target as a real hdr-histogram-js Histogram', () => {
    const table = new SparseHdrTable();
    const values = [20_000, 21_000, 21_001, 55_000, 1_000_000, 3_000_000_000];
    for (const v of values) table.record(4, v);
    table.record(5, 123);
    const h = table.histogram(4);
    expect(h.totalCount).toBe(values.length);
    const reference = buildRttHistogram();
    for (const v of values) reference.recordValue(v);
    for (const p of [10, 50, 90, 100]) expect(h.getValueAtPercentile(p)).toBe(reference.getValueAtPercentile(p));
  });

  it('clamps values to 1 ns .. MAX_TRACKED_VALUE', () => {
    const table = new SparseHdrTable();
    table.record(0, -5);
    table.record(0, 0.2);
    table.record(1, 1e20);
    const [p0, p1] = table.percentiles(2, [100]);
    expect(p0).toBe(1);
    expect(p1).toBeGreaterThanOrEqual(2 ** 48);
  });

  it('a released table hands its storage to the next table: a repeated job does not grow it again', () => {
    // Distinct (target, bucket) pairs well past the initial capacity, as a big job's are.
    const fill = (table: SparseHdrTable): void => {
      for (let t = 0; t < 4000; t++) for (let b = 0; b < 60; b++) table.record(t, 10_000 * 1.02 ** b);
    };
    const first = new SparseHdrTable(30_000);
    fill(first);
    const grown = first.capacity;
    expect(grown).toBeGreaterThan(240_000 / 0.75);
    const expected = first.percentiles(4000, [50, 99]);
    first.release();
    expect(keptHdrStorage()).toEqual({ count: 1, bytes: grown * 10 });
    expect(first.size).toBe(0);

    const second = new SparseHdrTable(30_000);
    expect(second.capacity).toBe(grown); // starts on the kept storage, cleared
    expect(second.size).toBe(0);
    expect(second.percentiles(4000, [50])[0]).toBeNaN();
    fill(second);
    expect(second.capacity).toBe(grown); // no growth, so no new arrays
    expect(second.percentiles(4000, [50, 99])).toEqual(expected);
    second.release();

    // A small table does not take (clear and scan) a storage many times its size.
    const small = new SparseHdrTable(16);
    expect(small.capacity).toBe(16);
  });
});
