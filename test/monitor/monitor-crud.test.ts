// Monitor definitions and selections on a real SQLite file (no probing).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SondeError } from '../../engine/index.js';
import { openMonitors, type MonitorHandle } from '../../engine/index.js';
import { createLoopbackTargets, monitorFixture, type MonitorFixture } from './helpers.js';

let fx: MonitorFixture;
let handle: MonitorHandle;

beforeEach(async () => {
  fx = await monitorFixture();
  handle = openMonitors({ dataDir: fx.dir });
});

afterEach(async () => {
  await handle.close();
  await fx.cleanup();
});

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SondeError);
    return (error as SondeError).field;
  }
  throw new Error('expected a SondeError');
}

describe('monitor definitions', () => {
  it('creates with defaults, lists, gets, updates and deletes', () => {
    const m = handle.service.create({ name: 'edge', selection: { labels: { site: 'eu' } } });
    expect(m).toMatchObject({ name: 'edge', probe: 'icmp', intervalMs: 1000, probes: 1, timeoutMs: 1000, size: 56, enabled: true });
    expect(handle.service.list().map((x) => x.id)).toEqual([m.id]);
    const u = handle.service.update(m.id, { intervalMs: 250, timeoutMs: 200, enabled: false });
    expect(u).toMatchObject({ id: m.id, intervalMs: 250, timeoutMs: 200, enabled: false, name: 'edge' });
    expect(u.updatedAtMs).toBeGreaterThan(m.updatedAtMs);
    expect(handle.service.get(m.id)).toEqual(u);
    expect(handle.service.delete(m.id)).toBe(true);
    expect(handle.service.delete(m.id)).toBe(false);
    expect(handle.service.get(m.id)).toBeNull();
  });

  it('names the field at fault and refuses duplicates', () => {
    const s = handle.service;
    expect(fieldOf(() => s.create({ name: 'x', selection: { labels: { site: 'eu' } }, intervalMs: 99 }))).toBe('intervalMs');
    expect(fieldOf(() => s.create({ name: '', selection: { labels: { a: 'b' } } }))).toBe('name');
    expect(fieldOf(() => s.create({ name: 'x', selection: { labels: {} } }))).toBe('selection.labels');
    expect(fieldOf(() => s.create({ name: 'x', selection: { ids: ['nope'] } }))).toBe('selection.ids[0]');
    expect(fieldOf(() => s.create({ name: 'x', selection: { labels: { a: 'b' } }, intervalMs: 200, timeoutMs: 500 }))).toBe('timeoutMs');
    expect(fieldOf(() => s.create({ name: 'x', selection: { labels: { a: 'b' } }, probe: 'udp' as never }))).toBe('probe');
    expect(fieldOf(() => s.create({ name: 'x', selection: { labels: { a: 'b' } }, extra: 1 } as never))).toBe('extra');
    s.create({ name: 'x', selection: { labels: { a: 'b' } } });
    let error: unknown;
    try {
      s.create({ name: 'x', selection: { labels: { a: 'c' } } });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ kind: 'conflict', field: 'name' });
    expect(() => s.update('0190c1a2-0000-7000-8000-000000000000', { probes: 2 })).toThrow(/not found/);
  });

  it('selects HOST targets by ids or by labels, and sees label changes made elsewhere', () => {
    const targets = createLoopbackTargets(fx.sonde, 6, (i) => ({ site: i < 3 ? 'eu.paris' : 'us', rack: `r${i % 2}` }));
    fx.sonde.targets.create({ kind: 'HTTP', address: 'http://127.0.0.1:9/', labels: { site: 'eu' } });
    const s = handle.service;
    const byLabel = s.create({ name: 'eu', selection: { labels: { site: 'eu' } } });
    const twoLabels = s.create({ name: 'eu-r0', selection: { labels: { site: 'eu', rack: 'r0' } } });
    const byIds = s.create({ name: 'ids', selection: { ids: [targets[5].id, targets[4].id, targets[4].id] } });
    expect(s.members(byLabel.id)).toEqual(targets.slice(0, 3).map((t) => t.id));
    expect(s.members(twoLabels.id)).toEqual([targets[0].id, targets[2].id]);
    expect(s.members(byIds.id)).toEqual([targets[4].id, targets[5].id]);
    // a label change through the Sonde's own connection moves targets in and out
    fx.sonde.targets.update(targets[0].id, { labels: { site: 'us' } });
    fx.sonde.targets.update(targets[4].id, { labels: { site: 'eu.berlin' } });
    expect(s.members(byLabel.id)).toEqual([targets[1].id, targets[2].id, targets[4].id]);
  });
});
