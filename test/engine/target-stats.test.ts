import { describe, expect, it } from 'vitest';
import { TargetStatsTable } from '../../engine/stats/target-stats.js';
import { decodeTargetSummary, unprobedTargetSummary } from '../../engine/stats/summary-codec.js';
import { ErrorKindIndex } from '../../engine/stats/error-kinds.js';

describe('TargetStatsTable', () => {
  for (const size of [2, 10_000]) {
    it(`summarises counts, min/avg/max/stddev and percentiles (${size} targets)`, () => {
      const stats = new TargetStatsTable(size);
      const rtts = [10_000, 20_000, 30_000, 40_000, 1_000_000];
      for (const r of rtts) {
        stats.sent[1]++;
        stats.recordRtt(1, r);
      }
      stats.sent[1] += 5;
      stats.duplicates[1] = 2;
      stats.late[1] = 1;
      stats.recordError(1, ErrorKindIndex.UNREACHABLE);
      stats.recordError(1, ErrorKindIndex.UNREACHABLE);
      stats.recordError(1, ErrorKindIndex.TIME_EXCEEDED);
      const s = decodeTargetSummary(stats.pack(), 1, 'host', '127.0.0.1');
      const mean = rtts.reduce((a, b) => a + b) / rtts.length;
      const sd = Math.sqrt(rtts.reduce((a, r) => a + (r - mean) ** 2, 0) / rtts.length);
      expect(s).toMatchObject({ target: 'host', address: '127.0.0.1', sent: 10, received: 5, duplicates: 2, late: 1, lossPercent: 50 });
      expect(s.errors).toEqual({ unreachable: 2, 'time-exceeded': 1 });
      expect(s.minMs).toBeCloseTo(0.01, 9);
      expect(s.maxMs).toBeCloseTo(1, 9);
      expect(s.avgMs).toBeCloseTo(mean / 1e6, 9);
      expect(s.stddevMs).toBeCloseTo(sd / 1e6, 9);
      // HDR buckets with 2 significant digits: a percentile is its bucket's top, within 1 %.
      expect(s.p50Ms).toBeGreaterThanOrEqual(0.03);
      expect(s.p50Ms).toBeLessThanOrEqual(0.0303);
      expect(s.p90Ms).toBeGreaterThanOrEqual(1);
      expect(s.p99Ms).toBeLessThanOrEqual(1.01);
      const empty = decodeTargetSummary(stats.pack(), 0, 'other', '127.0.0.2');
      expect(empty).toMatchObject({ sent: 0, received: 0, lossPercent: 0, errors: {} });
      expect(empty.minMs).toBeNaN();
      expect(empty.p99Ms).toBeNaN();
      const h = stats.histogram(1)!;
      expect(h.totalCount).toBe(5);
      expect(h.getValueAtPercentile(50) / 1e6).toBe(s.p50Ms);
      expect(stats.histogram(0)).toBeUndefined();
    });
  }

  it('describes unprobed targets', () => {
    expect(unprobedTargetSummary('nope.example', undefined, 'did not resolve')).toMatchObject({ target: 'nope.example', error: 'did not resolve', sent: 0, lossPercent: 100 });
    expect(unprobedTargetSummary('127.0.0.1', '127.0.0.1')).not.toHaveProperty('error');
  });
});
