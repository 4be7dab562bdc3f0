// Per-target RTT bucket counts for the Prometheus histogram on /metrics, recorded per probe
// without allocating: one typed array of rows × BUCKET_COUNT counts, plus a sum per row.
// The bounds are smokeping_prober's: 50 µs × 2ⁿ (50 µs … 1.6384 s), then +Inf.
// Counts only ever grow (a row is the same target for the life of a monitor's runner), so
// the exposed series are Prometheus counters; they start again at 0 with a new runner.

/** Finite upper bounds: 16 of them, 50 µs × 2ⁿ for n = 0..15 (seconds 5e-05 … 1.6384). */
export const RTT_BOUND_COUNT = 16;
export const RTT_BASE_NS = 50_000;
/** Upper bound of bucket n in ns (n < RTT_BOUND_COUNT); bucket RTT_BOUND_COUNT is +Inf. */
export const RTT_BOUNDS_NS: readonly number[] = Array.from({ length: RTT_BOUND_COUNT }, (_, n) => RTT_BASE_NS * 2 ** n);
/** Slots per row: the finite buckets and the +Inf one. */
export const RTT_SLOTS = RTT_BOUND_COUNT + 1;
/** 2^(RTT_BOUND_COUNT-1) as a literal: `2 ** n` in the hot path is a Math.pow call (10× the cost). */
const TOP_MULTIPLE = 32_768;

/**
 * The bucket an RTT falls in: the first n with rttNs ≤ 50 µs × 2ⁿ (Prometheus `le`), or
 * RTT_BOUND_COUNT (+Inf only). Integer arithmetic, exact at the bounds.
 */
export function rttBucket(rttNs: number): number {
  // rttNs ≤ B·2ⁿ ⇔ ⌈rttNs/B⌉ ≤ 2ⁿ (2ⁿ is an integer)
  const k = Math.ceil(rttNs / RTT_BASE_NS);
  if (!(k > 1)) return 0; // also NaN and negatives: the lowest bucket
  if (k > TOP_MULTIPLE) return RTT_BOUND_COUNT;
  return 32 - Math.clz32(k - 1);
}

export class RttBuckets {
  /** Per row RTT_SLOTS counts, not cumulative (the renderer adds them up). */
  counts = new Uint32Array(0);
  /** Per row sum of the recorded RTTs, ns. */
  sumNs = new Float64Array(0);
  private capacity = 0;

  get rows(): number {
    return this.capacity;
  }

  /** One answered probe of row. Allocates only when row is beyond every row seen before. */
  record(row: number, rttNs: number): void {
    if (row >= this.capacity) this.grow(row + 1);
    this.counts[row * RTT_SLOTS + rttBucket(rttNs)]++;
    this.sumNs[row] += rttNs;
  }

  /** Answered probes of row (the sum of its buckets). */
  count(row: number): number {
    if (row >= this.capacity) return 0;
    let n = 0;
    const base = row * RTT_SLOTS;
    for (let b = 0; b < RTT_SLOTS; b++) n += this.counts[base + b];
    return n;
  }

  private grow(n: number): void {
    const size = Math.max(n, Math.ceil(this.capacity * 1.5), 16);
    const counts = new Uint32Array(size * RTT_SLOTS);
    counts.set(this.counts);
    const sum = new Float64Array(size);
    sum.set(this.sumNs);
    this.counts = counts;
    this.sumNs = sum;
    this.capacity = size;
  }
}
