// The smoke graph's pure parts (ui/views/target/): range and step, loss scale, series from a
// history answer, the live tail, the legend figures and the state timeline.
import { describe, expect, it } from 'vitest';
import { legendStats, formatLoss, formatMs } from '../../ui/views/target/legend-stats.js';
import { LiveTail, median } from '../../ui/views/target/live-tail.js';
import { lossBucket, lossColour } from '../../ui/views/target/loss-scale.js';
import { PERCENTILES_PARAM, SMOKE_PAIRS, seriesFromHistory, seriesTop, withTail, type HistoryPoint } from '../../ui/views/target/smoke-series.js';
import { statusSpans, type StateChange } from '../../ui/views/target/state-timeline.js';
import { chooseStep, historyWindow, parseInstant, RANGES } from '../../ui/views/target/time-range.js';

const MIN = 60_000;
const HOUR = 3_600_000;

function point(t: number, sent: number, received: number, p50: number | null): HistoryPoint {
  const p: HistoryPoint = { t, sent, received, loss: sent === 0 ? null : (100 * (sent - received)) / sent, min: p50 === null ? null : p50 / 2, max: p50 === null ? null : p50 * 2 };
  for (const [lo, hi] of SMOKE_PAIRS) {
    p[`p${lo}`] = p50 === null ? null : p50 - (50 - lo) / 100;
    p[`p${hi}`] = p50 === null ? null : p50 + (hi - 50) / 100;
  }
  p.p50 = p50;
  return p;
}

describe('time range', () => {
  it('picks SmokePing ranges with steps that are multiples of the window, hour multiples for 10 d and 1 y', () => {
    expect(chooseStep(RANGES['3h'], MIN)).toBe(MIN);
    expect(chooseStep(RANGES['30h'], MIN)).toBe(5 * MIN);
    expect(chooseStep(RANGES['10d'], MIN)).toBe(HOUR);
    expect(chooseStep(RANGES['1y'], MIN)).toBe(24 * HOUR);
    // a 1 s window allows finer steps on short spans
    expect(chooseStep(10 * MIN, 1000)).toBe(2000);
    // a 7 s window: no ladder step fits, so a multiple of it
    const odd = chooseStep(RANGES['3h'], 7000);
    expect(odd % 7000).toBe(0);
    expect(RANGES['3h'] / odd).toBeLessThanOrEqual(400);
  });

  it('aligns from down to the step, follows the clock for a range, and prefers an explicit from/to', () => {
    const now = Date.UTC(2026, 11, 6, 12, 34, 56);
    const w = historyWindow(new URLSearchParams('range=10d'), now, MIN);
    expect(w).toMatchObject({ toMs: now, stepMs: HOUR, live: true, range: '10d' });
    expect(w.fromMs % HOUR).toBe(0);
    expect(now - w.fromMs).toBeGreaterThanOrEqual(RANGES['10d']);
    expect(historyWindow(new URLSearchParams('range=bogus'), now, MIN).range).toBe('3h');
    const zoom = historyWindow(new URLSearchParams(`range=1y&from=${now - 2 * HOUR - 5}&to=${now}`), now, MIN);
    expect(zoom).toMatchObject({ toMs: now, stepMs: MIN, live: false, range: null });
    expect(zoom.fromMs % MIN).toBe(0);
    // from after to is not a zoom: the range applies
    expect(historyWindow(new URLSearchParams(`from=${now}&to=${now - 1}`), now, MIN).live).toBe(true);
    expect(parseInstant('2026-12-06T12:00:00Z')).toBe(Date.UTC(2026, 11, 6, 12));
    expect(parseInstant('yesterday')).toBeNull();
  });
});

describe('loss scale', () => {
  it('buckets as SmokePing: 0, ≤1, ≤5, ≤10, ≤25, ≤50, <100, 100 %', () => {
    const cases: [number | null, number][] = [[null, -1], [0, 0], [0.5, 1], [1, 1], [1.01, 2], [5, 2], [10, 3], [25, 4], [25.1, 5], [50, 5], [50.1, 6], [99.9, 6], [100, 7]];
    for (const [loss, bucket] of cases) expect(lossBucket(loss), `loss ${loss}`).toBe(bucket);
  });

  it('colours from the fleet palette (SmokePing defaults, or the colour-blind one)', () => {
    expect(lossColour(0, 'smokeping')).toBe('#26ff00');
    expect(lossColour(3, 'smokeping')).toBe('#0059ff');
    expect(lossColour(60, 'smokeping')).toBe('#ff0000');
    expect(lossColour(0, 'cb')).not.toBe(lossColour(0, 'smokeping'));
    expect(lossColour(null, 'cb')).toBeNull();
  });
});

describe('series from the history answer', () => {
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % MIN);
  const answer = { targetId: 'x', step: MIN, points: [point(t0, 60, 60, 1.5), point(t0 + MIN, 60, 57, 2.5), point(t0 + 2 * MIN, 0, 0, null)] };

  it('asks for every percentile of the pairs and the median', () => {
    expect(PERCENTILES_PARAM).toBe('5,10,20,30,40,50,60,70,80,90,95');
  });

  it('takes p50 as the median and each pair as a band, nulls kept where nothing answered', () => {
    const s = seriesFromHistory(answer);
    expect(s.t).toEqual([t0, t0 + MIN, t0 + 2 * MIN]);
    expect(s.median).toEqual([1.5, 2.5, null]);
    expect(s.loss).toEqual([0, 5, null]);
    expect(s.bands.map((b) => b.pair)).toEqual(SMOKE_PAIRS);
    expect(s.bands[0]!.lo[0]).toBeCloseTo(1.05);
    expect(s.bands[0]!.hi[1]).toBeCloseTo(2.95);
    expect(s.bands[4]!.hi[2]).toBeNull();
    expect(seriesTop(s)).toBeCloseTo(2.95);
  });

  it('fills an unsealed step from the live tail and appends later ones, never overwriting stored data', () => {
    const s = seriesFromHistory(answer);
    const tail = [
      { t: t0 + MIN, sent: 10, received: 10, median: 99 },
      { t: t0 + 2 * MIN, sent: 10, received: 8, median: 3 },
      { t: t0 + 3 * MIN, sent: 5, received: 5, median: 4 },
    ];
    const m = withTail(s, tail);
    expect(m.median).toEqual([1.5, 2.5, 3, 4]);
    expect(m.loss).toEqual([0, 5, 20, 0]);
    expect(m.bands[0]!.hi[3]).toBeNull();
    expect(s.median).toEqual([1.5, 2.5, null]);
  });
});

describe('live tail', () => {
  it('gathers this target\'s seconds into steps aligned on the history origin', () => {
    const origin = 1_000_000 * MIN;
    const tail = new LiveTail('a', MIN, origin, null);
    const e = (t: number, targetId: string, rtt: number | null, received = 1) => ({ t, targetId, monitorId: 'm', sent: 1, received, rttP50Ms: rtt });
    expect(tail.add([e(origin + 1000, 'b', 5)])).toBe(false);
    tail.add([e(origin + 1000, 'a', 1), e(origin + 1000, 'b', 5)]);
    tail.add([e(origin + 2000, 'a', 3)]);
    tail.add([e(origin + 3000, 'a', null, 0)]);
    tail.add([e(origin + MIN + 500, 'a', 7)]);
    expect(tail.points()).toEqual([
      { t: origin, sent: 3, received: 2, median: 2 },
      { t: origin + MIN, sent: 1, received: 1, median: 7 },
    ]);
    tail.dropBefore(origin + MIN);
    expect(tail.points().map((p) => p.t)).toEqual([origin + MIN]);
    const only = new LiveTail('a', MIN, origin, 'm2');
    expect(only.add([e(origin, 'a', 1)])).toBe(false);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([])).toBeNull();
  });
});

describe('legend', () => {
  it('gives median/avg/max/min/now/sd of the median RTT and loss avg/max/now', () => {
    const t0 = 0;
    const s = seriesFromHistory({ targetId: 'x', step: MIN, points: [point(t0, 10, 10, 1), point(MIN, 10, 5, 3), point(2 * MIN, 10, 9, 2), point(3 * MIN, 0, 0, null)] });
    const l = legendStats(s);
    expect(l).toMatchObject({ median: 2, avg: 2, max: 3, min: 1, now: 2, steps: 3, lossMax: 50, lossNow: 10 });
    expect(l.sd).toBeCloseTo(Math.sqrt(2 / 3));
    expect(l.lossAvg).toBeCloseTo(20);
    const none = legendStats(seriesFromHistory({ targetId: 'x', step: MIN, points: [point(0, 0, 0, null)] }));
    expect(none).toMatchObject({ median: null, avg: null, sd: null, lossAvg: null, lossNow: null });
    expect(formatMs(0.0213)).toBe('21.3 µs');
    expect(formatMs(12.345)).toBe('12.3 ms');
    expect(formatMs(null)).toBe('—');
    expect(formatLoss(0)).toBe('0 %');
    expect(formatLoss(2.5)).toBe('2.50 %');
  });
});

describe('state timeline', () => {
  const change = (id: number, atMs: number, from: StateChange['from'], to: StateChange['to']): StateChange => ({ id, monitorId: 'm', targetId: 't', address: '127.0.0.1', from, to, atMs, reason: '' });

  it('covers the range with the status each change set, starting from the first change\'s from', () => {
    expect(statusSpans([change(2, 50, 'degraded', 'down'), change(1, 20, 'up', 'degraded'), change(3, 80, 'down', 'up')], 0, 100)).toEqual([
      { fromMs: 0, toMs: 20, status: 'up' },
      { fromMs: 20, toMs: 50, status: 'degraded' },
      { fromMs: 50, toMs: 80, status: 'down' },
      { fromMs: 80, toMs: 100, status: 'up' },
    ]);
    // changes before the range set the starting status; after it are ignored
    expect(statusSpans([change(1, 5, 'up', 'down'), change(2, 200, 'down', 'up')], 10, 100)).toEqual([{ fromMs: 10, toMs: 100, status: 'down' }]);
    expect(statusSpans([], 0, 10, 'up')).toEqual([{ fromMs: 0, toMs: 10, status: 'up' }]);
  });
});
