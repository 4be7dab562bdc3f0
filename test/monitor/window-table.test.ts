// A window's per-row RTT samples (slots, and the spill table past them) encode to exactly the
// histogram hdr-histogram-js builds from the same raw values; counters and reuse by reset().
import { build, decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { toV2Compressed } from '../../engine/monitor/hdr-codec.js';
import { WindowTable } from '../../engine/monitor/window-table.js';

const PCTS = [0, 10, 50, 90, 99, 100];

function values(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, (_, i) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return i % 5 === 0 ? 30_000 : 10_000 + (x % 5_000_000);
  });
}

function expectSameHistogram(blob: Buffer | null, raw: number[]): void {
  const ref = build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2, autoResize: true, highestTrackableValue: 2, useWebAssembly: false });
  for (const v of raw) ref.recordValue(v);
  expect(blob).not.toBeNull();
  const decoded = decodeFromCompressedBase64(toV2Compressed(blob!).toString('base64'));
  expect(decoded.totalCount).toBe(raw.length);
  for (const p of PCTS) expect(decoded.getValueAtPercentile(p)).toBe(ref.getValueAtPercentile(p));
}

describe('window table', () => {
  it('encodes rows within their slots, past them (spilled), and empty rows', () => {
    const t = new WindowTable(4, 60_000, 8);
    const within = values(8, 1);
    const past = values(200, 2); // 8 in slots, 192 spilled, buckets shared between both
    within.forEach((v) => t.recordRtt(0, v));
    past.forEach((v) => t.recordRtt(2, v));
    t.recordTimeout(1);
    t.recordError(3, 2);
    t.seal();
    expectSameHistogram(t.encodeRow(0), within);
    expectSameHistogram(t.encodeRow(2), past);
    expect(t.encodeRow(1)).toBeNull();
    expect(t.encodeRow(3)).toBeNull();
    expect([...t.sent.subarray(0, 4)]).toEqual([8, 1, 200, 1]);
    expect([...t.received.subarray(0, 4)]).toEqual([8, 0, 200, 0]);
    expect(t.minNs[2]).toBe(Math.min(...past));
    expect([0, 1, 2, 3].map((r) => t.active(r))).toEqual([true, true, true, true]);
  });

  it('starts empty after reset, also with more rows and another slot count', () => {
    const t = new WindowTable(2, 0, 4);
    values(50, 3).forEach((v) => t.recordRtt(1, v));
    t.seal();
    t.reset(5, 60_000, 16);
    expect(t.rows).toBe(5);
    const fresh = values(20, 4);
    fresh.forEach((v) => t.recordRtt(4, v));
    t.recordRtt(1, 42_000);
    t.seal();
    expectSameHistogram(t.encodeRow(4), fresh);
    expectSameHistogram(t.encodeRow(1), [42_000]);
    expect(t.active(0)).toBe(false);
  });

  it('keeps samples of existing rows when rows are added mid-window', () => {
    const t = new WindowTable(1, 0, 4);
    const first = values(3, 5);
    first.forEach((v) => t.recordRtt(0, v));
    t.ensureRows(100);
    t.recordRtt(99, 77_000);
    t.seal();
    expectSameHistogram(t.encodeRow(0), first);
    expectSameHistogram(t.encodeRow(99), [77_000]);
  });
});
