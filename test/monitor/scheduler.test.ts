// The monitor schedule as pure logic (the engine replaced by a recorder of the batches it
// is handed): targets spread evenly over the interval, every target once per round, slots
// planned at exact multiples, slots more than an interval late skipped, membership changes.
import { describe, expect, it } from 'vitest';
import type { Engine, PingRequest, PingSummary } from '../../engine/index.js';
import type { StoredMonitor } from '../../engine/monitor/monitor-repo.js';
import { MonitorRunner } from '../../engine/monitor/monitor-runner.js';
import type { Member } from '../../engine/monitor/selection.js';

function recorder(): { engine: Engine; batches: string[][] } {
  const batches: string[][] = [];
  const engine: Engine = {
    ping(request: PingRequest): Promise<PingSummary> {
      batches.push([...request.targets]);
      return Promise.resolve({ targets: [], cancelled: false, startedAtMs: 0, finishedAtMs: 0 });
    },
    stats: () => Promise.reject(new Error('not used')),
    close: () => Promise.resolve(),
  };
  return { engine, batches };
}

const def = (intervalMs: number): StoredMonitor => ({
  seq: 1, id: 'm', name: 'm', selection: { labels: { a: 'b' } }, probe: 'icmp', intervalMs, probes: 1, timeoutMs: 100,
  size: 56, enabled: true, createdAtMs: 0, updatedAtMs: 0,
});

const members = (n: number, from = 0): Member[] => Array.from({ length: n }, (_, i) => ({ seq: from + i + 1, id: `t${from + i}`, address: `127.0.0.${from + i + 1}` }));

describe('monitor schedule', () => {
  it('spreads targets evenly over the interval and probes each once per round', () => {
    const { engine, batches } = recorder();
    const runner = new MonitorRunner(def(1000), engine, 60_000, 100);
    runner.setMembers(members(25));
    const t0 = 1_800_000_000_000; // a round boundary
    runner.dispatchDue(t0 - 1); // first call: the schedule starts at the next slot
    expect(batches).toHaveLength(0);
    for (let t = t0; t < t0 + 2000; t += 100) {
      expect(runner.nextPlannedMs(t)).toBe(t);
      runner.dispatchDue(t);
      expect(runner.nextPlannedMs(t)).toBe(t + 100);
    }
    expect(batches).toHaveLength(20);
    expect(batches.map((b) => b.length).sort()).toEqual([...Array(10).fill(2), ...Array(10).fill(3)].sort());
    const round1 = batches.slice(0, 10).flat().sort();
    expect(round1).toEqual(members(25).map((m) => m.address).sort());
    expect(batches.slice(10)).toEqual(batches.slice(0, 10));
  });

  it('catches up on late ticks, but skips slots more than an interval late', () => {
    const { engine, batches } = recorder();
    const runner = new MonitorRunner(def(1000), engine, 60_000, 100);
    runner.setMembers(members(10));
    const t0 = 1_800_000_000_000;
    runner.dispatchDue(t0);
    runner.dispatchDue(t0 + 450); // 4 more slots due at once
    expect(batches).toHaveLength(5);
    runner.dispatchDue(t0 + 3450); // 30 slots due, 20 of them more than an interval late
    expect(batches).toHaveLength(15);
    expect(runner.skippedSlots).toBe(20);
  });

  it('takes joining targets into the schedule and drops leaving ones', () => {
    const { engine, batches } = recorder();
    const runner = new MonitorRunner(def(1000), engine, 60_000, 100);
    runner.setMembers(members(10));
    const t0 = 1_800_000_000_000;
    for (let t = t0; t < t0 + 1000; t += 100) runner.dispatchDue(t);
    runner.setMembers([...members(9, 1), ...members(1, 20)]);
    batches.length = 0;
    for (let t = t0 + 1000; t < t0 + 2000; t += 100) runner.dispatchDue(t);
    const probed = batches.flat().sort();
    expect(probed).toEqual([...members(9, 1), ...members(1, 20)].map((m) => m.address).sort());
    expect(runner.rowSeq).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 21]);
  });
});
