// Statistics of one step's RTT distribution, read from its HDR bucket counts (the bucketing of
// engine/stats/sparse-hdr.ts: 1 ns, 2 significant digits). Percentiles follow hdr-histogram-js's
// getValueAtPercentile (a bucket's highest equivalent value), so the report's figures are the
// ones `sonde` prints everywhere else.
import { hdrBucketTop } from '../../stats/sparse-hdr.js';

/** Non-empty buckets in ascending order and their counts (same length). Values are in ns. */
export interface BucketCounts {
  readonly buckets: readonly number[];
  readonly counts: readonly number[];
}

const tops = new Map<number, number>();

/** The highest value (ns) bucket `b` holds: what a percentile landing in it reports. */
export function bucketTopNs(b: number): number {
  let v = tops.get(b);
  if (v === undefined) {
    v = hdrBucketTop(b);
    tops.set(b, v);
  }
  return v;
}

/** The lowest value (ns) bucket `b` holds. */
export function bucketLowNs(b: number): number {
  return b === 0 ? 0 : bucketTopNs(b - 1) + 1;
}

export function totalCount(h: BucketCounts): number {
  let n = 0;
  for (const c of h.counts) n += c;
  return n;
}

/** hdr-histogram-js's count at a percentile (rounded up, ≥ 1). */
function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  const ulp = fp === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(fp))) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}

/** The index into h.buckets holding the percentile, -1 for an empty histogram. */
function bucketAtPercentile(h: BucketCounts, percentile: number, total: number): number {
  if (total === 0) return -1;
  const want = countAtPercentile(percentile, total);
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i];
    if (seen >= want) return i;
  }
  return h.counts.length - 1;
}

/** Value (ns) at `percentile` (0..100), as hdr-histogram-js reports it; null when empty. */
export function valueAtPercentileNs(h: BucketCounts, percentile: number, total = totalCount(h)): number | null {
  const i = bucketAtPercentile(h, percentile, total);
  return i < 0 ? null : bucketTopNs(h.buckets[i]);
}

/** Fraction of the samples ≤ x ns (the empirical CDF at x); 0 for an empty histogram. */
export function cdfAt(h: BucketCounts, xNs: number, total = totalCount(h)): number {
  if (total === 0) return 0;
  let seen = 0;
  for (let i = 0; i < h.buckets.length && bucketTopNs(h.buckets[i]) <= xNs; i++) seen += h.counts[i];
  return seen / total;
}

export interface DistributionSummary {
  count: number;
  /** ms; null when there is no sample. */
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

const NS_PER_MS = 1e6;
const ms = (ns: number | null): number | null => (ns === null ? null : ns / NS_PER_MS);

/** Count, min, mean (at bucket midpoints), percentiles and max, in ms. */
export function summarize(h: BucketCounts): DistributionSummary {
  const count = totalCount(h);
  if (count === 0) return { count, min: null, mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
  let sum = 0;
  for (let i = 0; i < h.buckets.length; i++) sum += ((bucketLowNs(h.buckets[i]) + bucketTopNs(h.buckets[i])) / 2) * h.counts[i];
  return {
    count,
    min: ms(bucketLowNs(h.buckets[0])),
    mean: sum / count / NS_PER_MS,
    p50: ms(valueAtPercentileNs(h, 50, count)),
    p90: ms(valueAtPercentileNs(h, 90, count)),
    p99: ms(valueAtPercentileNs(h, 99, count)),
    p999: ms(valueAtPercentileNs(h, 99.9, count)),
    max: ms(bucketTopNs(h.buckets[h.buckets.length - 1])),
  };
}

/** A Tukey box plot, in ms: whiskers at the most extreme bucket within 1.5 × IQR of the box. */
export interface BoxPlot {
  whiskerLow: number;
  q1: number;
  median: number;
  q3: number;
  whiskerHigh: number;
  /** Samples beyond the whiskers. */
  outliers: number;
}

export function boxPlot(h: BucketCounts): BoxPlot | null {
  const total = totalCount(h);
  if (total === 0) return null;
  const q1 = valueAtPercentileNs(h, 25, total)!;
  const median = valueAtPercentileNs(h, 50, total)!;
  const q3 = valueAtPercentileNs(h, 75, total)!;
  const iqr = q3 - q1;
  const lowFence = q1 - 1.5 * iqr;
  const highFence = q3 + 1.5 * iqr;
  let whiskerLow = q1;
  let whiskerHigh = q3;
  let outliers = 0;
  for (let i = 0; i < h.buckets.length; i++) {
    const top = bucketTopNs(h.buckets[i]);
    if (top < lowFence || top > highFence) {
      outliers += h.counts[i];
      continue;
    }
    if (top < whiskerLow) whiskerLow = top;
    if (top > whiskerHigh) whiskerHigh = top;
  }
  return { whiskerLow: whiskerLow / NS_PER_MS, q1: q1 / NS_PER_MS, median: median / NS_PER_MS, q3: q3 / NS_PER_MS, whiskerHigh: whiskerHigh / NS_PER_MS, outliers };
}

/** Sum of several histograms (e.g. the steps of a run, or two runs' step for a pooled threshold). */
export function mergeCounts(parts: readonly BucketCounts[]): BucketCounts {
  const byBucket = new Map<number, number>();
  for (const p of parts) for (let i = 0; i < p.buckets.length; i++) byBucket.set(p.buckets[i], (byBucket.get(p.buckets[i]) ?? 0) + p.counts[i]);
  const buckets = [...byBucket.keys()].sort((a, b) => a - b);
  return { buckets, counts: buckets.map((b) => byBucket.get(b)!) };
}
