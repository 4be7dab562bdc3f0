// One monitor's measurements for one window, in columnar typed arrays indexed by row (a
// monitor-lifetime index per target) and one open-addressing table of (row, HDR bucket) →
// count, as engine/stats/sparse-hdr.ts does for jobs: recording allocates nothing and there
// is no object per target. Why not one hdr-histogram-js object per target: measured in
// sparse-hdr.ts (26 KB each with Int32 counts, or ~0.7 µs per record 'packed').
import { ERROR_KIND_COUNT } from '../stats/error-kinds.js';
import { bucketOf, encodeBuckets } from './hdr-codec.js';

const TWO_32 = 4294967296;

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
  private cap = 0;
  private keyRow = new Int32Array(0);
  private keyBucket = new Uint16Array(0);
  private counts = new Uint32Array(0);
  private used = 0;
  /** After seal(): per-row segments of `pairs` (bucket * 2^32 + count). */
  private segStart = new Uint32Array(0);
  private pairs = new Float64Array(0);

  constructor(rows: number, startMs: number) {
    this.reset(rows, startMs);
  }

  /** Empties the table for another window (reusing its arrays when large enough). */
  reset(rows: number, startMs: number): void {
    this.startMs = startMs;
    this.rows = 0;
    this.ensureRows(rows);
    this.sent.fill(0);
    this.received.fill(0);
    this.duplicates.fill(0);
    this.late.fill(0);
    this.errors.fill(0);
    this.minNs.fill(Infinity);
    this.maxNs.fill(-Infinity);
    this.sumNs.fill(0);
    const cap = Math.max(64, rows * 8);
    if (this.cap < cap) {
      this.cap = cap;
      this.keyRow = new Int32Array(cap);
      this.keyBucket = new Uint16Array(cap);
      this.counts = new Uint32Array(cap);
    }
    this.keyRow.fill(-1);
    this.used = 0;
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
    }
    this.rows = n;
  }

  recordRtt(row: number, rttNs: number): void {
    this.sent[row]++;
    this.received[row]++;
    if (rttNs < this.minNs[row]) this.minNs[row] = rttNs;
    if (rttNs > this.maxNs[row]) this.maxNs[row] = rttNs;
    this.sumNs[row] += rttNs;
    this.add(row, bucketOf(rttNs));
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

  /** Groups the histogram entries by row (call once, when no more samples come). */
  seal(): void {
    const rows = this.rows;
    const start = new Uint32Array(rows + 1);
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

  /** Row r's histogram as a V2 compressed blob (after seal), or null without samples. */
  encodeRow(r: number): Buffer | null {
    const from = this.segStart[r];
    const to = this.segStart[r + 1];
    if (from === to) return null;
    this.pairs.subarray(from, to).sort();
    return encodeBuckets(this.pairs, from, to);
  }

  /** True when row r saw anything in this window. */
  active(r: number): boolean {
    return this.sent[r] > 0 || this.duplicates[r] > 0 || this.late[r] > 0;
  }

  private add(row: number, bucket: number): void {
    let h = (Math.imul(row, 0x9e3779b1) ^ Math.imul(bucket + 1, 0x85ebca77)) >>> 0;
    h = ((h ^ (h >>> 15)) >>> 0) % this.cap;
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
      let h = (Math.imul(oldRow[i], 0x9e3779b1) ^ Math.imul(oldBucket[i] + 1, 0x85ebca77)) >>> 0;
      h = ((h ^ (h >>> 15)) >>> 0) % cap;
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
