// One monitor's measurements for one window, in columnar typed arrays indexed by row (a
// monitor-lifetime index per target); no object per target, and recording allocates nothing.
//
// RTT samples are kept as HDR bucket indices in a fixed number of slots per row (the samples a
// window is expected to hold: window / interval × probes, plus a margin); a row that gets more
// spills into one open-addressing table of (row, bucket) → count. Why not only that table (the
// previous design): with ~30–60 distinct buckets per target and window, 50,000 targets filled
// millions of entries, and grouping them per row at seal time blocked the event loop once per
// window; slots cost 2 bytes per sample and need no sealing. Why not one hdr-histogram-js
// object per target: see engine/stats/sparse-hdr.ts. Figures:
// bench/README.md#design-window-table.
import { MONITOR_ERROR_KIND_COUNT as ERROR_KIND_COUNT } from './error-kinds.js';
import { pairSlot } from '../stats/pair-slot.js';
import { bucketOf, encodeBuckets } from './hdr-codec.js';
import type { WindowRow } from './window-store.js';

/** A sealed table's arrays, as posted to the window writer's thread (engine/monitor/
 *  window-writer.ts): the buffers are transferred, not copied. */
export interface WindowColumns {
  startMs: number;
  rows: number;
  slots: number;
  sent: Uint32Array<ArrayBuffer>;
  received: Uint32Array<ArrayBuffer>;
  duplicates: Uint32Array<ArrayBuffer>;
  late: Uint32Array<ArrayBuffer>;
  errors: Uint32Array<ArrayBuffer>;
  minNs: Float64Array<ArrayBuffer>;
  maxNs: Float64Array<ArrayBuffer>;
  sumNs: Float64Array<ArrayBuffer>;
  filled: Uint16Array<ArrayBuffer>;
  samples: Uint16Array<ArrayBuffer>;
  segStart: Uint32Array<ArrayBuffer>;
  pairs: Float64Array<ArrayBuffer>;
}

const TWO_32 = 4294967296;
/** Slots per row when the caller does not say (a 60 s window at 1 probe/s, and a margin). */
const DEFAULT_SLOTS = 64;
/** At most this many slots per row (more expected samples go to the spill table). */
const MAX_SLOTS = 1024;

/** A window still receiving probes (monitor-runner.ts fills it, live-state.ts reads its loss). */
export interface OpenWindow {
  table: WindowTable;
  /** http monitors: the connect, tls and ttfb phase histograms (same rows); null otherwise. */
  phases: WindowTable[] | null;
}

export class WindowTable {
  /** Window start, ms since the epoch. */
  startMs = 0;
  rows = 0;
  sent = new Uint32Array(0);
  received = new Uint32Array(0);
  duplicates = new Uint32Array(0);
  late = new Uint32Array(0);
  /** rows × ERROR_KIND_COUNT. */
  errors = new Uint32Array(0);
  minNs = new Float64Array(0);
  maxNs = new Float64Array(0);
  sumNs = new Float64Array(0);
  /** Samples per row kept in slots (the rest spill). */
  private slots = DEFAULT_SLOTS;
  private filled = new Uint16Array(0);
  /** rows × slots HDR bucket indices. */
  private samples = new Uint16Array(0);
  // the spill table: (row, bucket) → count, open addressing
  private cap = 0;
  private keyRow = new Int32Array(0);
  private keyBucket = new Uint16Array(0);
  private counts = new Uint32Array(0);
  private used = 0;
  /** After seal(): per-row segments of the spilled `pairs` (bucket * 2^32 + count). */
  private segStart = new Uint32Array(0);
  private pairs = new Float64Array(0);
  /** encodeRow's scratch: one row's buckets, and its (bucket, count) pairs. */
  private rowBuckets = new Uint16Array(0);
  private rowPairs = new Float64Array(0);

  /** `samplesPerRow`: how many RTT samples a row is expected to get in this window. */
  constructor(rows: number, startMs: number, samplesPerRow = DEFAULT_SLOTS) {
    this.reset(rows, startMs, samplesPerRow);
  }

  /** Empties the table for another window (reusing its arrays when large enough). */
  reset(rows: number, startMs: number, samplesPerRow = this.slots): void {
    this.startMs = startMs;
    this.rows = 0;
    const slots = Math.max(1, Math.min(MAX_SLOTS, Math.ceil(samplesPerRow)));
    if (slots !== this.slots) {
      this.slots = slots;
      this.samples = new Uint16Array(this.filled.length * slots);
    }
    this.ensureRows(rows);
    this.sent.fill(0);
    this.received.fill(0);
    this.duplicates.fill(0);
    this.late.fill(0);
    this.errors.fill(0);
    this.minNs.fill(Infinity);
    this.maxNs.fill(-Infinity);
    this.sumNs.fill(0);
    this.filled.fill(0);
    if (this.cap === 0 || this.used > 0) {
      // the spill table starts small and only grows for rows past their slots
      this.cap = 64;
      this.keyRow = new Int32Array(this.cap).fill(-1);
      this.keyBucket = new Uint16Array(this.cap);
      this.counts = new Uint32Array(this.cap);
    }
    this.used = 0;
    this.segStart = new Uint32Array(0);
    this.pairs = new Float64Array(0);
  }

  /** Makes room for rows [0, n) (a target joined the monitor). */
  ensureRows(n: number): void {
    if (n <= this.rows) return;
    if (n > this.sent.length) {
      const size = Math.max(n, Math.ceil(this.sent.length * 1.5), 16);
      this.sent = grow(this.sent, size, 0);
      this.received = grow(this.received, size, 0);
      this.duplicates = grow(this.duplicates, size, 0);
      this.late = grow(this.late, size, 0);
      const errors = new Uint32Array(size * ERROR_KIND_COUNT);
      errors.set(this.errors);
      this.errors = errors;
      this.minNs = growF(this.minNs, size, Infinity);
      this.maxNs = growF(this.maxNs, size, -Infinity);
      this.sumNs = growF(this.sumNs, size, 0);
      const filled = new Uint16Array(size);
      filled.set(this.filled);
      this.filled = filled;
      const samples = new Uint16Array(size * this.slots);
      samples.set(this.samples);
      this.samples = samples;
    }
    this.rows = n;
  }

  recordRtt(row: number, rttNs: number): void {
    this.sent[row]++;
    this.received[row]++;
    if (rttNs < this.minNs[row]) this.minNs[row] = rttNs;
    if (rttNs > this.maxNs[row]) this.maxNs[row] = rttNs;
    this.sumNs[row] += rttNs;
    const k = this.filled[row];
    if (k < this.slots) {
      this.samples[row * this.slots + k] = bucketOf(rttNs);
      this.filled[row] = k + 1;
    } else {
      this.add(row, bucketOf(rttNs));
    }
  }

  recordDuplicate(row: number): void {
    this.duplicates[row]++;
  }

  recordLate(row: number): void {
    this.late[row]++;
  }

  recordTimeout(row: number): void {
    this.sent[row]++;
  }

  recordError(row: number, kindIndex: number): void {
    this.sent[row]++;
    this.errors[row * ERROR_KIND_COUNT + kindIndex]++;
  }

  /** Groups the spilled histogram entries by row (call once, when no more samples come;
   *  nothing to do unless a row got more samples than its slots). */
  seal(): void {
    const rows = this.rows;
    const start = new Uint32Array(rows + 1);
    if (this.used === 0) {
      this.segStart = start;
      this.pairs = new Float64Array(0);
      return;
    }
    const cap = this.cap;
    const keyRow = this.keyRow;
    for (let h = 0; h < cap; h++) {
      const r = keyRow[h];
      if (r >= 0) start[r + 1]++;
    }
    for (let r = 0; r < rows; r++) start[r + 1] += start[r];
    const fill = start.slice(0, rows);
    const pairs = new Float64Array(start[rows]);
    for (let h = 0; h < cap; h++) {
      const r = keyRow[h];
      if (r >= 0) pairs[fill[r]++] = this.keyBucket[h] * TWO_32 + this.counts[h];
    }
    this.segStart = start;
    this.pairs = pairs;
  }

  /** Row r's histogram as a counts blob (hdr-codec.ts; after seal), or null without samples. */
  encodeRow(r: number): Buffer | null {
    const k = this.filled[r];
    const spillFrom = this.segStart[r];
    const spillTo = this.segStart[r + 1];
    if (k === 0 && spillFrom === spillTo) return null;
    if (this.rowBuckets.length < k) this.rowBuckets = new Uint16Array(this.slots);
    const need = k + (spillTo - spillFrom);
    if (this.rowPairs.length < need) this.rowPairs = new Float64Array(Math.max(need, 2 * this.rowPairs.length));
    const buckets = this.rowBuckets.subarray(0, k);
    buckets.set(this.samples.subarray(r * this.slots, r * this.slots + k));
    buckets.sort();
    const pairs = this.rowPairs;
    let n = 0;
    for (let i = 0; i < k;) {
      const b = buckets[i];
      let j = i + 1;
      while (j < k && buckets[j] === b) j++;
      pairs[n++] = b * TWO_32 + (j - i);
      i = j;
    }
    for (let i = spillFrom; i < spillTo; i++) pairs[n++] = this.pairs[i];
    if (spillTo > spillFrom) {
      // the same bucket may be both in the slots and in the spill table: sum them
      pairs.subarray(0, n).sort();
      let m = 0;
      for (let i = 0; i < n; i++) {
        if (m > 0 && Math.floor(pairs[m - 1] / TWO_32) === Math.floor(pairs[i] / TWO_32)) pairs[m - 1] += pairs[i] % TWO_32;
        else pairs[m++] = pairs[i];
      }
      n = m;
    }
    return encodeBuckets(pairs, 0, n);
  }

  /**
   * Hands the sealed table's arrays over (to be transferred to another thread): the table
   * is left empty and gets new arrays at its next reset().
   */
  takeColumns(): { columns: WindowColumns; transfer: ArrayBuffer[] } {
    const columns: WindowColumns = {
      startMs: this.startMs, rows: this.rows, slots: this.slots,
      sent: this.sent, received: this.received, duplicates: this.duplicates, late: this.late, errors: this.errors,
      minNs: this.minNs, maxNs: this.maxNs, sumNs: this.sumNs, filled: this.filled, samples: this.samples,
      segStart: this.segStart, pairs: this.pairs,
    };
    const transfer = Object.values(columns).filter((v): v is Uint8Array => ArrayBuffer.isView(v)).map((a) => a.buffer as ArrayBuffer);
    this.sent = new Uint32Array(0);
    this.received = new Uint32Array(0);
    this.duplicates = new Uint32Array(0);
    this.late = new Uint32Array(0);
    this.errors = new Uint32Array(0);
    this.minNs = new Float64Array(0);
    this.maxNs = new Float64Array(0);
    this.sumNs = new Float64Array(0);
    this.filled = new Uint16Array(0);
    this.samples = new Uint16Array(0);
    this.segStart = new Uint32Array(0);
    this.pairs = new Float64Array(0);
    this.rows = 0;
    return { columns, transfer };
  }

  /** A sealed table around columns taken from another (read-only use: encodeRow, rowAt). */
  static fromColumns(c: WindowColumns): WindowTable {
    // the columns carry exactly the fields (private ones included) that make a sealed table
    return Object.assign(new WindowTable(0, c.startMs, c.slots), c);
  }

  /** Row r as a stored window of target `targetSeq` (after seal; encodes its histogram). */
  rowAt(r: number, targetSeq: number, monitorSeq: number, spanMs: number): WindowRow {
    const errors = new Array<number>(ERROR_KIND_COUNT);
    for (let k = 0; k < ERROR_KIND_COUNT; k++) errors[k] = this.errors[r * ERROR_KIND_COUNT + k];
    const hasRtt = this.received[r] > 0;
    return {
      targetSeq, monitorSeq, spanMs, startMs: this.startMs,
      sent: this.sent[r], received: this.received[r], duplicates: this.duplicates[r], late: this.late[r], errors,
      minNs: hasRtt ? this.minNs[r] : null, maxNs: hasRtt ? this.maxNs[r] : null, sumNs: this.sumNs[r],
      hist: this.encodeRow(r),
    };
  }

  /** True when row r saw anything in this window. */
  active(r: number): boolean {
    return this.sent[r] > 0 || this.duplicates[r] > 0 || this.late[r] > 0;
  }

  private add(row: number, bucket: number): void {
    let h = pairSlot(row, bucket, this.cap);
    const keyRow = this.keyRow;
    for (;;) {
      const k = keyRow[h];
      if (k === -1) break;
      if (k === row && this.keyBucket[h] === bucket) {
        this.counts[h]++;
        return;
      }
      if (++h === this.cap) h = 0;
    }
    keyRow[h] = row;
    this.keyBucket[h] = bucket;
    this.counts[h] = 1;
    if (++this.used * 4 > this.cap * 3) this.rehash(Math.ceil(this.cap * 1.5));
  }

  private rehash(cap: number): void {
    const oldRow = this.keyRow;
    const oldBucket = this.keyBucket;
    const oldCounts = this.counts;
    this.cap = cap;
    this.keyRow = new Int32Array(cap).fill(-1);
    this.keyBucket = new Uint16Array(cap);
    this.counts = new Uint32Array(cap);
    this.used = 0;
    for (let i = 0; i < oldRow.length; i++) {
      if (oldRow[i] < 0) continue;
      let h = pairSlot(oldRow[i], oldBucket[i], cap);
      while (this.keyRow[h] !== -1) if (++h === cap) h = 0;
      this.keyRow[h] = oldRow[i];
      this.keyBucket[h] = oldBucket[i];
      this.counts[h] = oldCounts[i];
      this.used++;
    }
  }
}

function grow(a: Uint32Array, size: number, fill: number): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(size).fill(fill);
  out.set(a);
  return out;
}

function growF(a: Float64Array, size: number, fill: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(size).fill(fill);
  out.set(a);
  return out;
}
