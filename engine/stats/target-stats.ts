// Per-target counters and RTT statistics of one job shard, kept in columnar typed arrays
// and one sparse HDR table (no object per target), packed into a Float64Array when the
// shard finishes.
import type { Histogram } from 'hdr-histogram-js';
import { ERROR_KIND_COUNT } from './error-kinds.js';
import { SparseHdrTable } from './sparse-hdr.js';
import { Summary, SUMMARY_STRIDE } from './summary-codec.js';

const PERCENTILES = [50, 90, 99] as const;

export class TargetStatsTable {
  readonly size: number;
  readonly sent: Uint32Array;
  readonly received: Uint32Array;
  readonly duplicates: Uint32Array;
  readonly late: Uint32Array;
  /** size × ERROR_KIND_COUNT, row-major. */
  readonly errors: Uint32Array;
  private readonly minNs: Float64Array;
  private readonly maxNs: Float64Array;
  private readonly meanNs: Float64Array;
  private readonly m2: Float64Array;
  /** null: no percentiles (a continuous job, whose caller keeps its own distributions). */
  private readonly distribution: SparseHdrTable | null;

  /** `samplesPerTarget` (the job's count) only sizes the distribution table up front;
   *  `percentiles` false keeps no distribution (a job that never ends would grow it forever). */
  constructor(size: number, samplesPerTarget = 4, percentiles = true) {
    this.size = size;
    this.sent = new Uint32Array(size);
    this.received = new Uint32Array(size);
    this.duplicates = new Uint32Array(size);
    this.late = new Uint32Array(size);
    this.errors = new Uint32Array(size * ERROR_KIND_COUNT);
    this.minNs = new Float64Array(size).fill(Infinity);
    this.maxNs = new Float64Array(size).fill(-Infinity);
    this.meanNs = new Float64Array(size);
    this.m2 = new Float64Array(size);
    this.distribution = !percentiles ? null : new SparseHdrTable(Math.min(1 << 22, Math.max(64, size * Math.min(samplesPerTarget, 8) * 1.4)));
  }

  /** An in-time reply with round-trip time `rttNs`. */
  recordRtt(t: number, rttNs: number): void {
    const n = ++this.received[t];
    const delta = rttNs - this.meanNs[t];
    this.meanNs[t] += delta / n;
    this.m2[t] += delta * (rttNs - this.meanNs[t]);
    if (rttNs < this.minNs[t]) this.minNs[t] = rttNs;
    if (rttNs > this.maxNs[t]) this.maxNs[t] = rttNs;
    this.distribution?.record(t, rttNs);
  }

  recordError(t: number, kindIndex: number): void {
    this.errors[t * ERROR_KIND_COUNT + kindIndex]++;
  }

  /** Target t's RTT distribution (ns) as an hdr-histogram-js Histogram, or undefined. */
  histogram(t: number): Histogram | undefined {
    return this.received[t] === 0 || this.distribution === null ? undefined : this.distribution.histogram(t);
  }

  /** Hands the distribution's storage back to the thread's pool (after pack(); the
   *  distribution is empty afterwards). */
  release(): void {
    this.distribution?.release();
  }

  /** Packs every target's summary (SUMMARY_STRIDE values each, ms for times). */
  pack(): Float64Array {
    const out = new Float64Array(this.size * SUMMARY_STRIDE);
    const pct = this.distribution?.percentiles(this.size, PERCENTILES) ?? null;
    for (let t = 0; t < this.size; t++) {
      const o = t * SUMMARY_STRIDE;
      out[o + Summary.SENT] = this.sent[t];
      out[o + Summary.RECEIVED] = this.received[t];
      out[o + Summary.DUPLICATES] = this.duplicates[t];
      out[o + Summary.LATE] = this.late[t];
      for (let k = 0; k < ERROR_KIND_COUNT; k++) {
        out[o + Summary.ERRORS + k] = this.errors[t * ERROR_KIND_COUNT + k];
      }
      const n = this.received[t];
      if (n === 0) {
        for (let k = Summary.MIN; k <= Summary.P99; k++) out[o + k] = NaN;
        continue;
      }
      out[o + Summary.MIN] = this.minNs[t] / 1e6;
      out[o + Summary.AVG] = this.meanNs[t] / 1e6;
      out[o + Summary.MAX] = this.maxNs[t] / 1e6;
      out[o + Summary.STDDEV] = Math.sqrt(this.m2[t] / n) / 1e6;
      out[o + Summary.P50] = pct === null ? NaN : pct[t * 3] / 1e6;
      out[o + Summary.P90] = pct === null ? NaN : pct[t * 3 + 1] / 1e6;
      out[o + Summary.P99] = pct === null ? NaN : pct[t * 3 + 2] / 1e6;
    }
    return out;
  }
}
