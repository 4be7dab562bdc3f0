import { describe, expect, it } from 'vitest';
import { ProbePacer } from '../../engine/icmp/worker/probe-pacer.js';

/** Drives a pacer on a 1 ms tick; returns [timeMs, target, round] of every send. */
function drive(pacer: ProbePacer, untilMs: number, tickMs = 1): Array<[number, number, number]> {
  const sends: Array<[number, number, number]> = [];
  for (let now = 0; now <= untilMs && !pacer.done; now += tickMs) {
    while (pacer.due(now)) {
      sends.push([now, pacer.target, pacer.round]);
      pacer.take(now);
    }
  }
  return sends;
}

describe('ProbePacer (fping -p / -i semantics)', () => {
  it('sends round robin, count rounds, each target once per period', () => {
    const sends = drive(new ProbePacer(3, 4, 100, 0), 1000);
    expect(sends).toHaveLength(12);
    expect(sends.slice(0, 3)).toEqual([[0, 0, 0], [0, 1, 0], [0, 2, 0]]);
    expect(sends.filter(([, t]) => t === 1).map(([ms, , r]) => [ms, r])).toEqual([[0, 0], [100, 1], [200, 2], [300, 3]]);
  });

  it('keeps at least the send interval between any two sends', () => {
    const sends = drive(new ProbePacer(4, 2, 0, 10), 1000);
    expect(sends).toHaveLength(8);
    for (let i = 1; i < sends.length; i++) expect(sends[i][0] - sends[i - 1][0]).toBeGreaterThanOrEqual(10);
  });

  it('honours both: the period per target and the gap between sends', () => {
    const sends = drive(new ProbePacer(2, 3, 50, 30), 1000);
    expect(sends.map(([ms, t]) => [ms, t])).toEqual([[0, 0], [30, 1], [60, 0], [90, 1], [120, 0], [150, 1]]);
  });

  it('sends everything at once with period 0 and no gap', () => {
    const pacer = new ProbePacer(1, 1000, 0, 0);
    expect(drive(pacer, 0)).toHaveLength(1000);
    expect(pacer.done).toBe(true);
  });

  it('holds sub-tick gaps on average (a few sends per tick, no drift)', () => {
    const sends = drive(new ProbePacer(1, 1000, 0, 0.25), 10_000);
    expect(sends).toHaveLength(1000);
    const last = sends[sends.length - 1][0];
    expect(last).toBeGreaterThanOrEqual(249);
    expect(last).toBeLessThanOrEqual(251);
  });

  it('does not drift when the tick is late, and catches up by at most one millisecond', () => {
    const pacer = new ProbePacer(1, 100, 10, 0);
    const sends = drive(pacer, 10_000, 3); // a 3 ms tick: each send is up to 2 ms late
    expect(sends).toHaveLength(100);
    expect(sends[99][0]).toBeGreaterThanOrEqual(990);
    expect(sends[99][0]).toBeLessThanOrEqual(1000);
  });

  it('stops at once', () => {
    const pacer = new ProbePacer(2, 10, 100, 0);
    drive(pacer, 0);
    pacer.stop();
    expect(pacer.done).toBe(true);
    expect(pacer.due(10_000)).toBe(false);
    expect(pacer.nextDueMs()).toBe(Infinity);
  });
});
