// RTT distributions of every target of a job in ONE sparse table of HDR buckets.
//
// Bucketing is hdr-histogram-js's (lowest discernible value 1 ns, 2 significant digits:
// bucket index = countsArrayIndex of a JsHistogram with those settings, verified in tests),
// and percentiles follow its getValueAtPercentile exactly. Only the storage differs: a
// job-wide open-addressing hash of (target, bucket) → count in typed arrays.
//
// Why: per-target hdr-histogram-js objects are either large (Int32 counts) or slow to record
// into and to query ('packed'). Here a record is one hash probe, memory grows only with the
// distinct (target, bucket) pairs, and the summaries of all targets take one pass plus a
// small sort per target (figures: bench/README.md#design-sparse-hdr).
// `histogram(t)` rebuilds a real hdr-histogram-js Histogram for export.
//
// Two significant digits (values within 1 %, 0.4 % typical; 30 µs ± 0.3 µs) rather than
// three: with 3 digits a target's samples spread over RTTs of 10 µs–10 ms land in nearly
// distinct buckets, so a long job keeps about one entry per probe; with 2 digits there are
// ~10× fewer buckets to fill (bench/README.md#design-sparse-hdr).
// min / avg / max / stddev are exact in any case (TargetStatsTable).
import type { Histogram } from 'hdr-histogram-js';
import { createRequire } from 'node:module';
import type Int32HistogramModule from 'hdr-histogram-js/dist/Int32Histogram.js';

import { giveHdrStorage, hdrScratch, takeHdrStorage, type HdrStorage } from './hdr-storage-pool.js';
import { pairSlot } from './pair-slot.js';

// The class alone, not the package index: the index also loads the WebAssembly build, the
// log codecs and pako, which every probe thread would pay for at start-up and never use.
// Required, not imported: the module is CommonJS with its class on `exports.default`, which
// Node's and vitest's ES-module interop hand over differently.
const { default: Int32Histogram } = createRequire(import.meta.url)('hdr-histogram-js/dist/Int32Histogram.js') as typeof Int32HistogramModule;

const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 7; // 2 significant digits: 256 sub-buckets
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SUB_BUCKET_MASK = 2 * SUB_BUCKET_HALF_COUNT - 1;
/** Values are clamped here (≈ 78 hours in ns) so bucket indices stay below 65,536. */
export const MAX_TRACKED_VALUE = 2 ** 48;
const TWO_32 = 4294967296;

/** hdr-histogram-js settings whose bucketing this module reproduces. */
export const HDR_SETTINGS = {
  lowestDiscernibleValue: 1,
  numberOfSignificantValueDigits: 2,
} as const;

/** A JsHistogram with HDR_SETTINGS: used for bucket boundaries and for exports. */
export function buildRttHistogram(): Histogram {
  // What build({ ...HDR_SETTINGS, bitBucketSize: 32, autoResize: true, highestTrackableValue: 2 }) makes.
  const histogram = new Int32Histogram(HDR_SETTINGS.lowestDiscernibleValue, 2, HDR_SETTINGS.numberOfSignificantValueDigits);
  histogram.autoResize = true;
  return histogram as unknown as Histogram;
}

const template = buildRttHistogram() as Histogram & {
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
};

/** hdr-histogram-js countsArrayIndex(value) for HDR_SETTINGS; value is an integer ≥ 0. */
export function hdrBucketIndex(value: number): number {
  let bucket: number;
  let sub: number;
  if (value < 2147483648) {
    bucket = 31 - Math.clz32(value | SUB_BUCKET_MASK) - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
    sub = value >>> bucket;
  } else {
    bucket = Math.floor(Math.log2(value)) - SUB_BUCKET_HALF_COUNT_MAGNITUDE;
    sub = Math.floor(value / 2 ** bucket);
  }
  return ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub - SUB_BUCKET_HALF_COUNT;
}

/** The value getValueAtPercentile reports for a bucket (its highest equivalent value). */
export function hdrBucketTop(index: number): number {
  return template.highestEquivalentValue(template.valueFromIndex(index));
}

/** hdr-histogram-js's count at percentile (rounded up, ≥ 1). */
function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  return Math.max(Math.ceil(fp - ulp(fp)), 1);
}

function ulp(x: number): number {
  return x === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(x))) - 52);
}

export class SparseHdrTable {
  private cap: number;
  private keyTarget: Int32Array;
  private keyBucket: Uint16Array;
  private counts: Uint32Array;
  private storage: HdrStorage;
  private used = 0;

  /** The storage may come from the thread's pool (see hdr-storage-pool.ts): call release()
   *  when done with the table. */
  constructor(initialCapacity = 1024) {
    this.storage = takeHdrStorage(Math.max(16, Math.ceil(initialCapacity)));
    this.cap = this.storage.capacity;
    this.keyTarget = this.storage.keyTarget;
    this.keyBucket = this.storage.keyBucket;
    this.counts = this.storage.counts;
  }

  /** Hands the storage back to the thread's pool; the table is empty afterwards. */
  release(): void {
    const old = this.storage;
    this.storage = { capacity: 16, keyTarget: new Int32Array(16).fill(-1), keyBucket: new Uint16Array(16), counts: new Uint32Array(16) };
    this.cap = 16;
    this.keyTarget = this.storage.keyTarget;
    this.keyBucket = this.storage.keyBucket;
    this.counts = this.storage.counts;
    this.used = 0;
    giveHdrStorage(old);
  }

  /** Distinct (target, bucket) entries. */
  get size(): number {
    return this.used;
  }

  get capacity(): number {
    return this.cap;
  }

  /** Records one value (ns, rounded; clamped to 1..MAX_TRACKED_VALUE) for target t. */
  record(t: number, valueNs: number): void {
    const v = valueNs < 1 ? 1 : valueNs > MAX_TRACKED_VALUE ? MAX_TRACKED_VALUE : Math.round(valueNs);
    this.add(t, hdrBucketIndex(v), 1);
  }

  /**
   * Percentiles (ns, as getValueAtPercentile would report) of every target: out[t * P + k]
   * for percentiles[k], P = percentiles.length; NaN for targets with no values.
   */
  percentiles(targets: number, percentiles: readonly number[]): Float64Array {
    const P = percentiles.length;
    const out = new Float64Array(targets * P).fill(NaN);
    // Group entries by target (counting sort), each packed as bucket * 2^32 + count so a
    // numeric sort of a target's segment orders it by bucket.
    const start = new Uint32Array(targets + 1);
    const cap = this.cap;
    for (let h = 0; h < cap; h++) {
      const t = this.keyTarget[h];
      if (t >= 0 && t < targets) start[t + 1]++;
    }
    for (let t = 0; t < targets; t++) start[t + 1] += start[t];
    const fill = start.slice(0, targets);
    const packed = hdrScratch(start[targets]);
    for (let h = 0; h < cap; h++) {
      const t = this.keyTarget[h];
      if (t >= 0 && t < targets) packed[fill[t]++] = this.keyBucket[h] * TWO_32 + this.counts[h];
    }
    for (let t = 0; t < targets; t++) {
      const from = start[t];
      const to = start[t + 1];
      if (from === to) continue;
      const segment = packed.subarray(from, to);
      segment.sort();
      let total = 0;
      for (let i = 0; i < segment.length; i++) total += segment[i] % TWO_32;
      let k = 0;
      let want = countAtPercentile(percentiles[0], total);
      let cumulative = 0;
      for (let i = 0; i < segment.length && k < P; i++) {
        cumulative += segment[i] % TWO_32;
        while (k < P && cumulative >= want) {
          out[t * P + k] = hdrBucketTop(Math.floor(segment[i] / TWO_32));
          k++;
          if (k < P) want = countAtPercentile(percentiles[k], total);
        }
      }
    }
    return out;
  }

  /** Target t's distribution as an hdr-histogram-js Histogram (for export); O(capacity). */
  histogram(t: number): Histogram {
    const h = buildRttHistogram();
    const valueFromIndex = (template as unknown as { valueFromIndex(i: number): number }).valueFromIndex.bind(template);
    const cap = this.cap;
    for (let i = 0; i < cap; i++) {
      if (this.keyTarget[i] === t) h.recordValueWithCount(valueFromIndex(this.keyBucket[i]), this.counts[i]);
    }
    return h;
  }

  private add(t: number, bucket: number, n: number): void {
    let h = pairSlot(t, bucket, this.cap);
    const keyTarget = this.keyTarget;
    for (;;) {
      const kt = keyTarget[h];
      if (kt === -1) break;
      if (kt === t && this.keyBucket[h] === bucket) {
        this.counts[h] += n;
        return;
      }
      if (++h === this.cap) h = 0;
    }
    keyTarget[h] = t;
    this.keyBucket[h] = bucket;
    this.counts[h] = n;
    // Load factor 0.5–0.75 (growth × 1.5): 13–20 bytes per distinct (target, bucket).
    if (++this.used * 4 > this.cap * 3) this.grow();
  }

  private grow(): void {
    const oldTarget = this.keyTarget;
    const oldBucket = this.keyBucket;
    const oldCounts = this.counts;
    // The outgrown storage is left to the GC, not kept (see hdr-storage-pool.ts).
    this.storage = takeHdrStorage(Math.ceil(this.cap * 1.5));
    this.cap = this.storage.capacity;
    this.keyTarget = this.storage.keyTarget;
    this.keyBucket = this.storage.keyBucket;
    this.counts = this.storage.counts;
    this.used = 0;
    for (let i = 0; i < oldTarget.length; i++) {
      if (oldTarget[i] >= 0) this.add(oldTarget[i], oldBucket[i], oldCounts[i]);
    }
  }
}
