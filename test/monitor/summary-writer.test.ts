// Summary entries written as bytes from the live state equal the objects LiveState.states
// builds (times rounded to the µs, loss to 0.001 %, no trailing zeros), nulls and escaping included.
import { describe, expect, it } from 'vitest';
import { LiveState } from '../../engine/monitor/live-state.js';
import { SummaryWriter } from '../../engine/monitor/summary-writer.js';
import { TARGET_STATUSES, type TargetStatus } from '../../engine/monitor/types.js';

describe('summary writer', () => {
  it('writes what LiveState.states builds, as JSON', () => {
    const live = new LiveState();
    live.ensureRows(5);
    live.ok(0, 25_438, 1_796_000_000_123.4);
    live.ok(1, 1_234_567_891, 1_796_000_000_500);
    live.failed(1, 1_796_000_001_500);
    live.ok(3, 999, 7);
    live.status.set([0, 1, 2, 0, 3]);
    const sums = { sent: Float64Array.from([10, 3, 0, 300, 1]), received: Float64Array.from([10, 2, 0, 299, 0]) };
    const rows = [3, 0, 1, 2, 4];
    const ids = ['t3', 't0', 'a"quoted\\id', 't2', 'ü-t4'];
    const addresses = ['127.0.0.4', '127.0.0.1', 'host.example', '::1', '127.0.0.5'];
    const w = new SummaryWriter();
    w.raw(Buffer.from('['));
    rows.forEach((_, k) => w.entry(live, sums, ids, addresses, rows, k, k === 0));
    w.raw(Buffer.from(']'));
    const text = w.view().toString('utf8');
    // numbers as JSON.stringify writes them: no trailing zeros
    expect(text).toContain('"lastRttMs":0.025,');
    expect(text).toContain('"lastRttMs":1234.568,');
    expect(text).toContain('"lossPercent":0}');
    expect(text).toContain('"lossPercent":0.333}');
    expect(text).not.toMatch(/\.\d*0[,}]/);
    const written = JSON.parse(text) as TargetStatus[];
    const built: TargetStatus[] = [];
    live.states(rows, ids, addresses, sums, 0, rows.length, new Float64Array(TARGET_STATUSES.length), TARGET_STATUSES.map(() => true), built);
    const round = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);
    expect(written).toEqual(built.map((t) => ({ ...t, lastRttMs: round(t.lastRttMs), lossPercent: round(t.lossPercent) })));
    expect(written[3]).toMatchObject({ lastRttMs: null, lastProbeAtMs: null, lossPercent: null, status: 'down' });
  });
});
