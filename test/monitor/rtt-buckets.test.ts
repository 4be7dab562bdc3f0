// The per-target RTT buckets behind /metrics: bounds 50 µs × 2ⁿ with Prometheus `le`
// semantics (a value on a bound belongs to that bucket), growth by itself, sums.
import { describe, expect, it } from 'vitest';
import { RTT_BOUNDS_NS, RTT_BOUND_COUNT, RTT_SLOTS, RttBuckets, rttBucket } from '../../engine/index.js';

/** The same rule written the slow, obvious way. */
function slowBucket(rttNs: number): number {
  for (let n = 0; n < RTT_BOUND_COUNT; n++) if (rttNs <= RTT_BOUNDS_NS[n]) return n;
  return RTT_BOUND_COUNT;
}

describe('RTT buckets', () => {
  it('has smokeping_prober bounds: 16 of them, 50 µs × 2ⁿ up to 1.6384 s, then +Inf', () => {
    expect(RTT_BOUNDS_NS).toHaveLength(16);
    expect(RTT_BOUNDS_NS[0]).toBe(50_000);
    expect(RTT_BOUNDS_NS[15]).toBe(1_638_400_000);
    for (let n = 1; n < 16; n++) expect(RTT_BOUNDS_NS[n]).toBe(2 * RTT_BOUNDS_NS[n - 1]);
    expect(RTT_SLOTS).toBe(17);
  });

  it('puts a value on a bound into that bucket and one above it into the next', () => {
    for (let n = 0; n < 16; n++) {
      expect(rttBucket(RTT_BOUNDS_NS[n])).toBe(n);
      expect(rttBucket(RTT_BOUNDS_NS[n] + 1)).toBe(n + 1);
      expect(rttBucket(RTT_BOUNDS_NS[n] + 0.5)).toBe(n + 1);
    }
    expect(rttBucket(0)).toBe(0);
    expect(rttBucket(1)).toBe(0);
    expect(rttBucket(60e9)).toBe(16);
    expect(rttBucket(Number.MAX_SAFE_INTEGER)).toBe(16);
  });

  it('agrees with the obvious loop on 100,000 random RTTs over 9 decades', () => {
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const wrong: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const v = 10 ** (rand() * 9 + 1); // 10 ns … 10 s
      if (rttBucket(v) !== slowBucket(v)) wrong.push(v);
    }
    expect(wrong).toEqual([]);
  });

  it('grows to any row, keeps earlier counts, and sums per row', () => {
    const b = new RttBuckets();
    b.record(3, 40_000);
    b.record(3, 70_000);
    b.record(3, 5e9);
    b.record(1000, 120_000);
    expect(b.rows).toBeGreaterThan(1000);
    expect(b.count(3)).toBe(3);
    expect(b.count(1000)).toBe(1);
    expect(b.count(2)).toBe(0);
    expect(b.count(5000)).toBe(0);
    expect(Array.from(b.counts.subarray(3 * RTT_SLOTS, 4 * RTT_SLOTS))).toEqual([1, 1, ...new Array<number>(14).fill(0), 1]);
    expect(b.counts[1000 * RTT_SLOTS + 2]).toBe(1);
    expect(b.sumNs[3]).toBe(40_000 + 70_000 + 5e9);
  });
});
