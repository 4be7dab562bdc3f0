// Reference implementations of the 24 h history merge, for bench/history.ts to time against
// the engine's queryHistory in the same run:
// - `baselineHistory`: the engine's code before 2026-12-01 03:30 UTC (node:zlib inflateSync
//   per window, a callback per bucket into a Float64Array accumulator), kept verbatim in
//   spirit so "before" is measured on the same data and machine as "after";
// - `hdrJsHistory`: what the obvious code does (one hdr-histogram-js Histogram decoded per
//   window and added up); also the equality check of the bench.
import { inflateSync } from 'node:zlib';
import { build, decodeFromCompressedBase64 } from 'hdr-histogram-js';
import type { HistoryRow } from '../../engine/monitor/window-store.js';
import { HDR_SETTINGS, hdrBucketTop } from '../../engine/stats/sparse-hdr.js';

export interface Point {
  t: number;
  sent: number;
  received: number;
  /** ns, NaN when nothing was received. */
  pcts: number[];
}

const V2_COOKIE = 0x1c849303 | 0x10;
const HEADER_BYTES = 40;

function decodeOld(blob: Uint8Array, add: (bucket: number, count: number) => void): void {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const payload = inflateSync(b.subarray(8, 8 + b.readInt32BE(4)));
  if (payload.readInt32BE(0) !== V2_COOKIE) throw new Error('not an HdrHistogram V2 payload');
  const end = HEADER_BYTES + payload.readInt32BE(4);
  let pos = HEADER_BYTES;
  let index = 0;
  while (pos < end) {
    let zz = 0;
    let scale = 1;
    for (let k = 0; k < 9; k++) {
      const byte = payload[pos++];
      if (k === 8) {
        zz += byte * scale;
        break;
      }
      zz += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) break;
    }
    const value = zz % 2 === 1 ? -(zz + 1) / 2 : zz / 2;
    if (value < 0) index -= value;
    else {
      if (value > 0) add(index, value);
      index++;
    }
  }
}

function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  const ulp = fp === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(fp))) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}

class OldAccumulator {
  private readonly counts = new Float64Array(65536);
  private readonly used: number[] = [];
  total = 0;
  readonly add = (bucket: number, count: number): void => {
    if (this.counts[bucket] === 0) this.used.push(bucket);
    this.counts[bucket] += count;
    this.total += count;
  };

  clear(): void {
    for (const b of this.used) this.counts[b] = 0;
    this.used.length = 0;
    this.total = 0;
  }

  percentiles(percentiles: readonly number[]): number[] {
    const out = percentiles.map(() => NaN);
    if (this.total === 0) return out;
    this.used.sort((a, b) => a - b);
    percentiles.forEach((p, k) => {
      const want = countAtPercentile(p, this.total);
      let cumulative = 0;
      for (const b of this.used) {
        cumulative += this.counts[b];
        if (cumulative >= want) {
          out[k] = p === 0 ? (b === 0 ? 0 : hdrBucketTop(b - 1) + 1) : hdrBucketTop(b);
          break;
        }
      }
    });
    return out;
  }
}

function walk(rows: HistoryRow[], fromMs: number, toMs: number, stepMs: number, point: (t: number, part: HistoryRow[]) => Point): Point[] {
  const out: Point[] = [];
  let i = 0;
  for (let t = fromMs; t < toMs; t += stepMs) {
    const start = i;
    while (i < rows.length && rows[i][0] < t + stepMs) i++;
    out.push(point(t, rows.slice(start, i)));
  }
  return out;
}

export function baselineHistory(rows: HistoryRow[], fromMs: number, toMs: number, stepMs: number, percentiles: number[]): Point[] {
  const acc = new OldAccumulator();
  return walk(rows, fromMs, toMs, stepMs, (t, part) => {
    acc.clear();
    let sent = 0;
    let received = 0;
    for (const r of part) {
      sent += r[2];
      received += r[3];
      if (r[6] !== null) decodeOld(r[6], acc.add);
    }
    return { t, sent, received, pcts: acc.percentiles(percentiles) };
  });
}

export function hdrJsHistory(rows: HistoryRow[], fromMs: number, toMs: number, stepMs: number, percentiles: number[]): Point[] {
  return walk(rows, fromMs, toMs, stepMs, (t, part) => {
    const h = build({ ...HDR_SETTINGS, autoResize: true, highestTrackableValue: 2, useWebAssembly: false });
    let sent = 0;
    let received = 0;
    for (const r of part) {
      sent += r[2];
      received += r[3];
      if (r[6] !== null) {
        const w = decodeFromCompressedBase64(r[6].toString('base64'), 32, false);
        h.add(w);
        w.destroy();
      }
    }
    const pcts = percentiles.map((p) => (h.totalCount === 0 ? NaN : h.getValueAtPercentile(p)));
    h.destroy();
    return { t, sent, received, pcts };
  });
}
