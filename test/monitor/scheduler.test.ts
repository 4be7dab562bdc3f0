// The monitor schedule as pure logic: the workers' SchedulePacer (targets on a wall-clock
// grid, each once per round in planned order, probes more than a period late skipped, several
// probes per round spaced), and the runner's one job per membership (the engine replaced by
// a recorder of the jobs it is handed).
import { describe, expect, it } from 'vitest';
import type { Engine, PingRequest, PingSummary } from '../../engine/index.js';
import { SchedulePacer } from '../../engine/icmp/worker/schedule-pacer.js';
import type { StoredMonitor } from '../../engine/monitor/monitor-repo.js';
import { MonitorRunner } from '../../engine/monitor/monitor-runner.js';
import type { Member } from '../../engine/monitor/selection.js';

/** Sends everything due at each ms from `from` to `to`; returns [ms, target, seq] per probe. */
function drive(pacer: SchedulePacer, from: number, to: number): Array<[number, number, number]> {
  const sent: Array<[number, number, number]> = [];
  for (let now = from; now < to; now++) {
    while (pacer.due(now)) {
      sent.push([now, pacer.target, pacer.round]);
      pacer.take(now);
    }
  }
  return sent;
}

const spread = (n: number, period: number): Float64Array => Float64Array.from({ length: n }, (_, j) => (j * period) / n);

describe('schedule pacer', () => {
  it('sends each target once per round at its planned ms, in planned order', () => {
    const pacer = new SchedulePacer({ baseMs: 0, periodMs: 1000, offsetsMs: spread(25, 1000), count: 1, spacingMs: 1000 }, 0);
    const sent = drive(pacer, 0, 3000);
    expect(sent).toHaveLength(75);
    for (const [ms, t, seq] of sent) expect(ms).toBe(seq * 1000 + t * 40);
    expect(sent.map(([ms]) => ms)).toEqual([...sent.map(([ms]) => ms)].sort((a, b) => a - b));
    expect(pacer.nextDueMs()).toBe(3000);
  });

  it('starts at the first probe planned at or after now (no burst for the past of the grid)', () => {
    const pacer = new SchedulePacer({ baseMs: 0, periodMs: 1000, offsetsMs: spread(10, 1000), count: 1, spacingMs: 1000 }, 5450);
    const [first] = drive(pacer, 5450, 5451 + 1000);
    expect(first).toEqual([5500, 5, 5]);
  });

  it('skips probes more than a period late and counts them, then keeps the grid', () => {
    const pacer = new SchedulePacer({ baseMs: 0, periodMs: 1000, offsetsMs: spread(10, 1000), count: 1, spacingMs: 1000 }, 0);
    drive(pacer, 0, 1000);
    // a 3.45 s stall: what was planned before 2450 is skipped, 2500…3400 go at once
    const late = drive(pacer, 3450, 3451);
    expect(pacer.skipped).toBe(15);
    expect(late.map(([, t, seq]) => seq * 10 + t)).toEqual([25, 26, 27, 28, 29, 30, 31, 32, 33, 34]);
    expect(pacer.nextDueMs()).toBe(3500);
  });

  it('spaces the probes of a round and numbers them round·count + k', () => {
    const pacer = new SchedulePacer({ baseMs: 0, periodMs: 1000, offsetsMs: spread(4, 1000), count: 3, spacingMs: 100 }, 0);
    const sent = drive(pacer, 0, 1000);
    expect(sent).toHaveLength(12);
    for (const [ms, t, seq] of sent) expect(ms).toBe(t * 250 + (seq % 3) * 100);
    expect(sent.filter(([, t]) => t === 1).map(([, , seq]) => seq)).toEqual([0, 1, 2]);
  });
});

function recorder(): { engine: Engine; jobs: PingRequest[] } {
  const jobs: PingRequest[] = [];
  const engine: Engine = {
    ping(request: PingRequest): Promise<PingSummary> {
      jobs.push(request);
      return new Promise((resolve) => request.signal?.addEventListener('abort', () => resolve({ targets: [], cancelled: true, startedAtMs: 0, finishedAtMs: 0 })));
    },
    stats: () => Promise.reject(new Error('not used')),
    health: () => { throw new Error('not used'); },
    onWorkerFault: () => () => undefined,
    close: () => Promise.resolve(),
  };
  return { engine, jobs };
}

const def = (intervalMs: number): StoredMonitor => ({
  seq: 1, id: 'm', name: 'm', selection: { labels: { a: 'b' } }, probe: 'icmp', intervalMs, probes: 1, timeoutMs: 100,
  size: 56, enabled: true, createdAtMs: 0, updatedAtMs: 0,
});

const members = (n: number, from = 0): Member[] => Array.from({ length: n }, (_, i) => ({ seq: from + i + 1, id: `t${from + i}`, address: `127.0.0.${from + i + 1}` }));

describe('monitor runner', () => {
  it('runs one job on an even grid, restarted only when the membership changes', async () => {
    const { engine, jobs } = recorder();
    const runner = new MonitorRunner(def(1000), engine, 60_000);
    runner.setMembers(members(10));
    expect(jobs).toHaveLength(1);
    const job = jobs[0];
    expect(job.schedule?.originMs).toBe(Math.floor(job.schedule!.originMs / 1000) * 1000);
    expect(Array.from(job.schedule!.offsetsMs)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    runner.setMembers(members(10));
    expect(jobs).toHaveLength(1);
    runner.setMembers([...members(9, 1), ...members(1, 20)]);
    expect(jobs).toHaveLength(2);
    expect(jobs[0].signal?.aborted).toBe(true);
    expect(jobs[1].targets).toEqual([...members(9, 1), ...members(1, 20)].map((m) => m.address));
    expect(runner.rowSeq).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21]);
    await runner.stop();
    expect(jobs[1].signal?.aborted).toBe(true);
  });
});
