// The report's statistics: percentiles as hdr-histogram-js reports them, CDF and box plots from
// bucket counts, and the two-sample tests `sonde capacity compare` decides with.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../../bench/lib/synthetic-capacity-run.js';
import { cdfAtPoints, cdfGrid } from '../../engine/capacity/report/chart-data.js';
import { compareRuns, type ReportRun } from '../../engine/capacity/report/index.js';
import { boxPlot, bucketTopNs, cdfAt, mergeCounts, totalCount, valueAtPercentileNs, type BucketCounts } from '../../engine/capacity/report/histogram-stats.js';
import { kolmogorovQ, ksTest, normalUpperTail, twoProportionTest } from '../../engine/capacity/report/two-sample-tests.js';
import { buildRttHistogram, hdrBucketIndex } from '../../engine/stats/sparse-hdr.js';

function countsOf(values: readonly number[]): BucketCounts {
  const m = new Map<number, number>();
  for (const v of values) m.set(hdrBucketIndex(v), (m.get(hdrBucketIndex(v)) ?? 0) + 1);
  const buckets = [...m.keys()].sort((a, b) => a - b);
  return { buckets, counts: buckets.map((b) => m.get(b)!) };
}

/** RTTs in ns from 1 µs to 1 s. */
const rtts = fc.array(fc.integer({ min: 1_000, max: 1_000_000_000 }), { minLength: 1, maxLength: 300 });
const histogram = rtts.map(countsOf);

/** Every value of the histogram multiplied by `factor` (a slower path). */
function scaled(h: BucketCounts, factor: number): BucketCounts {
  const m = new Map<number, number>();
  h.buckets.forEach((b, i) => {
    const nb = hdrBucketIndex(Math.round(bucketTopNs(b) * factor));
    m.set(nb, (m.get(nb) ?? 0) + h.counts[i]);
  });
  const buckets = [...m.keys()].sort((a, b) => a - b);
  return { buckets, counts: buckets.map((b) => m.get(b)!) };
}

describe('histogram statistics', () => {
  it('percentiles equal hdr-histogram-js getValueAtPercentile', () => {
    fc.assert(fc.property(rtts, fc.double({ min: 0.001, max: 100, noNaN: true }), (values, p) => {
      // (percentile 0 is the minimum, which hdr-histogram-js reports as the recorded value itself)
      const reference = buildRttHistogram();
      for (const v of values) reference.recordValue(v);
      expect(valueAtPercentileNs(countsOf(values), p)).toBe(reference.getValueAtPercentile(p));
    }));
  });

  it('the CDF rises from 0 to 1 and counts the values at or below x', () => {
    fc.assert(fc.property(rtts, (values) => {
      const h = countsOf(values);
      const grid = cdfGrid([h], 50);
      const cdf = cdfAtPoints(h, grid);
      for (let i = 1; i < cdf.length; i++) expect(cdf[i]).toBeGreaterThanOrEqual(cdf[i - 1]);
      expect(cdfAtPoints(h, [bucketTopNs(h.buckets[h.buckets.length - 1])])[0]).toBe(1);
      grid.forEach((x, i) => {
        expect(cdf[i]).toBe(cdfAt(h, x));
        // Every raw value at or below x lies in a bucket whose top is at or below x, and back.
        const raw = values.filter((v) => bucketTopNs(hdrBucketIndex(v)) <= x).length / values.length;
        expect(cdf[i]).toBeCloseTo(raw, 12);
      });
    }));
  });

  it('box plots are ordered and their whiskers lie within the data', () => {
    fc.assert(fc.property(histogram, (h) => {
      const b = boxPlot(h)!;
      const max = bucketTopNs(h.buckets[h.buckets.length - 1]) / 1e6;
      expect(b.whiskerLow).toBeLessThanOrEqual(b.q1);
      expect(b.q1).toBeLessThanOrEqual(b.median);
      expect(b.median).toBeLessThanOrEqual(b.q3);
      expect(b.q3).toBeLessThanOrEqual(b.whiskerHigh);
      expect(b.whiskerHigh).toBeLessThanOrEqual(max);
      expect(b.outliers).toBeLessThanOrEqual(totalCount(h));
    }));
  });
});

describe('two-sample tests', () => {
  it('KS: D of a histogram with itself (or a multiple of it) is 0; D is symmetric and in [0, 1]', () => {
    fc.assert(fc.property(histogram, histogram, fc.integer({ min: 2, max: 50 }), (a, b, k) => {
      expect(ksTest(a, a)).toMatchObject({ d: 0, p: 1 });
      expect(ksTest(a, { buckets: a.buckets, counts: a.counts.map((c) => c * k) }).d).toBeCloseTo(0, 12);
      const ab = ksTest(a, b);
      const ba = ksTest(b, a);
      expect(ab.d).toBeCloseTo(ba.d, 12);
      expect(ab.dSlower).toBeCloseTo(ba.dFaster, 12);
      expect(ab.d).toBeGreaterThanOrEqual(0);
      expect(ab.d).toBeLessThanOrEqual(1);
      expect(ab.p).toBeGreaterThanOrEqual(0);
      expect(ab.p).toBeLessThanOrEqual(1);
    }));
  });

  it('KS: D is the largest gap between the two empirical CDFs at the bucket tops', () => {
    fc.assert(fc.property(histogram, histogram, (a, b) => {
      const tops = mergeCounts([a, b]).buckets.map(bucketTopNs);
      const gaps = tops.map((x) => Math.abs(cdfAt(a, x) - cdfAt(b, x)));
      expect(ksTest(a, b).d).toBeCloseTo(Math.max(...gaps), 12);
    }));
  });

  it('KS: a slower copy lies to the right (dSlower > dFaster)', () => {
    fc.assert(fc.property(histogram, (a) => {
      const r = ksTest(a, scaled(a, 3));
      expect(r.dSlower).toBeGreaterThan(0);
      expect(r.dFaster).toBe(0);
    }));
  });

  it('the Kolmogorov distribution and the normal tail give the textbook critical values', () => {
    expect(kolmogorovQ(1.3581)).toBeCloseTo(0.05, 3);
    expect(kolmogorovQ(1.6276)).toBeCloseTo(0.01, 3);
    expect(kolmogorovQ(0.1)).toBe(1);
    expect(normalUpperTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalUpperTail(2.575829)).toBeCloseTo(0.005, 6);
    expect(normalUpperTail(-1)).toBeCloseTo(1 - normalUpperTail(1), 9);
  });

  it('two-proportion z-test: symmetric, p in [0, 1], no evidence from equal shares', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
      (na, nb, fa, fb) => {
        const xa = Math.round(na * fa);
        const xb = Math.round(nb * fb);
        const ab = twoProportionTest(xa, na, xb, nb);
        const ba = twoProportionTest(xb, nb, xa, na);
        expect(ab.p).toBeCloseTo(ba.p, 9);
        expect(ab.z).toBeCloseTo(-ba.z, 9);
        expect(ab.p).toBeGreaterThanOrEqual(0);
        expect(ab.p).toBeLessThanOrEqual(1);
        expect(twoProportionTest(xa, na, xa, na).p).toBe(1);
      }));
    // 0.1 % against 1 % of 100,000: far beyond noise.
    expect(twoProportionTest(100, 100_000, 1000, 100_000).p).toBeLessThan(1e-100);
  });
});

/** A small run of `steps` steps from generated histograms and losses. */
const smallRun = fc.array(fc.record({ h: histogram, lost: fc.integer({ min: 0, max: 50 }) }), { minLength: 1, maxLength: 6 }).map((steps): ReportRun => {
  const run = syntheticRun({ steps: steps.length, seed: 7 });
  return {
    ...run,
    steps: run.steps.map((s, i) => {
      const received = totalCount(steps[i].h);
      return { ...s, rtt: steps[i].h, received, sent: received + steps[i].lost };
    }),
  };
});

describe('compareRuns', () => {
  it('a run compared with itself: no change', () => {
    fc.assert(fc.property(smallRun, (run) => {
      const c = compareRuns(run, run);
      expect(c.verdict).toBe('no change');
      expect(c.summary).toBe('no change');
      expect(c.steps.every((s) => s.verdict === 'no change')).toBe(true);
    }));
  });

  it('names exactly the steps made slower (with enough samples to tell)', () => {
    const base = syntheticRun({ steps: 12, seed: 11, kneeStep: 100 });
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 5 }), fc.double({ min: 1.5, max: 10, noNaN: true }), (slow, factor) => {
      const b: ReportRun = { ...base, id: 'b', steps: base.steps.map((s) => (slow.includes(s.index) ? { ...s, rtt: scaled(s.rtt, factor) } : s)) };
      const c = compareRuns(base, b);
      expect(c.verdict).toBe('worse');
      expect(c.steps.filter((s) => s.verdict === 'worse').map((s) => s.index).sort((x, y) => x - y)).toEqual([...slow].sort((x, y) => x - y));
      expect(c.summary).toContain(`worse at step`);
    }), { numRuns: 15 });
  });

  it('two independent samples of the same campaign: no change (noise is not news)', () => {
    for (const seed of [2, 3, 4, 5]) {
      const c = compareRuns(syntheticRun({ seed: 1 }), syntheticRun({ seed }));
      expect(c.summary, `seed ${seed}`).toBe('no change');
    }
  });

  it('more loss beyond the threshold is worse; the steps beyond the shorter run are not compared', () => {
    const a = syntheticRun({ steps: 5, kneeStep: 100 });
    const b: ReportRun = { ...a, id: 'b', steps: a.steps.map((s) => (s.index === 2 ? { ...s, received: Math.round(s.sent * 0.99) } : s)) };
    const c = compareRuns(a, b);
    expect(c.steps[2].loss?.change).toBe('worse');
    expect(c.summary).toBe('worse at step 3');
    const shorter = compareRuns(a, { ...a, steps: a.steps.slice(0, 3) });
    expect(shorter.steps.slice(3).map((s) => s.verdict)).toEqual(['not comparable', 'not comparable']);
  });
});
