// The per-second figures (SecondStats) and the status state machine (status-tracker.ts) on
// a real LiveState, probe outcomes fed through ok()/failed() as the runner does.
import { describe, expect, it } from 'vitest';
import { LiveState } from '../../engine/monitor/live-state.js';
import { SECOND_SAMPLES } from '../../engine/monitor/second-stats.js';
import { evaluateStatus, type StatusSettings } from '../../engine/monitor/status-tracker.js';
import { TARGET_STATUSES } from '../../engine/index.js';

const S: StatusSettings = { downAfter: 3, upAfter: 2, degradedLossPercent: 5 };

/** One target: feed outcomes ('o' answered, 'x' failed), evaluate after each; returns the changes. */
function run(pattern: string, settings = S): { changes: string[]; status: string } {
  const live = new LiveState();
  live.ensureRows(1);
  const changes: string[] = [];
  let t = 0;
  for (const c of pattern) {
    if (c === 'o') live.ok(0, 20_000, t);
    else live.failed(0, t);
    t += 1000;
    live.second.rotate(t - 1000);
    evaluateStatus(live, [0], settings, (_k, _row, from, to) => changes.push(`${from}>${to}`));
  }
  return { changes, status: TARGET_STATUSES[live.status[0]] };
}

describe('status with hysteresis', () => {
  it('first status: up is silent, degraded and down are reported', () => {
    expect(run('o')).toEqual({ changes: [], status: 'up' });
    expect(run('x')).toEqual({ changes: ['unknown>degraded'], status: 'degraded' });
  });

  it('up → degraded on a failure → down after downAfter failures in a row', () => {
    // 20 answers first, so the 3 lost probes of 23 are not the loss-degraded case on their own
    expect(run(`${'o'.repeat(20)}xxx`).changes).toEqual(['up>degraded', 'degraded>down']);
    expect(run(`${'o'.repeat(20)}xx`).status).toBe('degraded');
  });

  it('down stays down until upAfter answers in a row, then up with a clean loss period', () => {
    expect(run('oxxxo').status).toBe('down');
    expect(run('oxxxoxo').status).toBe('down');
    expect(run('oxxxoo').changes).toEqual(['up>degraded', 'degraded>down', 'down>up']);
    expect(run('oxxxoo').status).toBe('up');
  });

  it('degraded → up after upAfter answers when the loss is under the threshold', () => {
    // 1 loss in 41 probes = 2.4 %
    expect(run(`${'o'.repeat(40)}xoo`).changes).toEqual(['up>degraded', 'degraded>up']);
    // 1 loss in 4 = 25 %: answers alone are not enough
    expect(run('oxoo').changes).toEqual(['up>degraded']);
  });

  it('up → degraded when the loss of the last minutes passes the threshold without a failure streak', () => {
    // every 10th probe lost (10 %): degraded at the first loss and it never recovers
    expect(run('oooooooooxoooooooooxooooooooox').status).toBe('degraded');
    // the same with a 20 % threshold recovers after each loss
    expect(run('oooooooooxoooooooooxoo', { ...S, degradedLossPercent: 20 }).changes).toEqual(['up>degraded', 'degraded>up', 'up>degraded', 'degraded>up']);
  });
});

describe('per-second figures', () => {
  it('counts, max and the median of a second; a new second starts empty', () => {
    const live = new LiveState();
    live.ensureRows(3);
    for (const us of [30, 10, 20, 50, 40]) live.ok(1, us * 1000, 0);
    live.failed(1, 0);
    live.failed(2, 0);
    live.second.rotate(1000);
    const s = live.second;
    expect([s.lastSent[1], s.lastReceived[1], s.lastP50Ns[1], s.lastMaxNs[1]]).toEqual([6, 5, 30_000, 50_000]);
    expect([s.lastSent[2], s.lastReceived[2], s.lastP50Ns[2], s.lastMaxNs[2]]).toEqual([1, 0, NaN, NaN]);
    expect([s.lastSent[0], s.lastReceived[0]]).toEqual([0, 0]);
    live.second.rotate(2000);
    expect([s.lastSent[1], s.lastReceived[1], s.lastP50Ns[1]]).toEqual([0, 0, NaN]);
    expect(s.lastStartMs).toBe(2000);
  });

  it('beyond SECOND_SAMPLES answers the median comes from a uniform sample and the max stays exact', () => {
    const live = new LiveState();
    live.ensureRows(1);
    const n = SECOND_SAMPLES * 50;
    for (let i = 1; i <= n; i++) live.ok(0, i * 1000, 0);
    live.second.rotate(0);
    expect(live.second.lastReceived[0]).toBe(n);
    expect(live.second.lastMaxNs[0]).toBe(n * 1000);
    // a sample of 16 from 1..800: its median is far from the ends
    expect(live.second.lastP50Ns[0]).toBeGreaterThan(n * 1000 * 0.1);
    expect(live.second.lastP50Ns[0]).toBeLessThan(n * 1000 * 0.9);
  });

  it('keeps the loss of the last 5 minutes: a minute leaves the sums 6 minutes later', () => {
    const live = new LiveState();
    live.ensureRows(1);
    live.failed(0, 0);
    live.second.rotate(0);
    expect([live.second.lossSent[0], live.second.lossReceived[0]]).toEqual([1, 0]);
    for (let m = 1; m <= 5; m++) {
      live.ok(0, 1000, m * 60_000);
      live.second.rotate(m * 60_000);
    }
    expect([live.second.lossSent[0], live.second.lossReceived[0]]).toEqual([6, 5]);
    live.second.rotate(6 * 60_000);
    expect([live.second.lossSent[0], live.second.lossReceived[0]]).toEqual([5, 5]);
  });
});
