// Names of monitored targets, resolved in the background (pure logic: the resolver is a
// function the test controls), and 'localhost' through the real resolver on a running monitor.
import { describe, expect, it } from 'vitest';
import { createEngine, openMonitors, type Engine } from '../../engine/index.js';
import { NameCache } from '../../engine/monitor/name-cache.js';
import { builtWorker, canRaw4 } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { monitorFixture } from './helpers.js';

function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('name cache', () => {
  it('gives literals as they are, names as resolved, and looks them up again after the TTL', async () => {
    const answers = new Map<string, string>([['a.test', '192.0.2.1']]);
    const asked: string[] = [];
    let changes = 0;
    const cache = new NameCache({
      ttlMs: 1000, retryMs: 500, onChange: () => changes++,
      resolve: (name) => {
        asked.push(name);
        const a = answers.get(name);
        return a === undefined ? Promise.reject(new Error('NXDOMAIN')) : Promise.resolve(a);
      },
    });
    expect(cache.addressOf('127.0.0.1')).toBe('127.0.0.1');
    expect(cache.addressOf('::1')).toBe('::1');
    expect(cache.addressOf('a.test', 0)).toBe('a.test'); // not resolved yet: the name
    await flush();
    expect(changes).toBe(1);
    expect(cache.addressOf('a.test', 10)).toBe('192.0.2.1');
    expect(asked).toEqual(['a.test']);
    answers.set('a.test', '192.0.2.2');
    cache.refreshExpired(Date.now() + 2000); // past the TTL
    await flush();
    expect(changes).toBe(2);
    expect(cache.addressOf('a.test', 10)).toBe('192.0.2.2');
    // a name that does not resolve stays a name, marked failed (a change: its probes now fail)
    expect(cache.addressOf('nx.test')).toBe('nx.test');
    expect(cache.failed('nx.test')).toBe(false);
    await flush();
    expect(cache.addressOf('nx.test')).toBe('nx.test');
    expect(cache.failed('nx.test')).toBe(true);
    expect(changes).toBe(3);
    cache.refreshExpired(Date.now() + 1000); // fails again: no further change
    await flush();
    expect(changes).toBe(3);
    cache.retain(new Set(['nx.test']));
    expect(cache.addressOf('a.test')).toBe('a.test'); // forgotten, asked again
  });
});

describe.skipIf(!canRaw4 || !builtWorker)('a monitored target named localhost', () => {
  it('is probed at its resolved address after the first lookup, and shown by its name', async () => {
    const fx = await monitorFixture();
    const real = createEngine({ threads: 1 });
    const jobs: string[][] = [];
    const engine: Engine = {
      ping: (request, onProbe) => {
        jobs.push([...request.targets]);
        return real.ping(request, onProbe);
      },
      stats: () => real.stats(),
      health: () => real.health(),
      onWorkerFault: (listener) => real.onWorkerFault(listener),
      close: () => real.close(),
    };
    const handle = openMonitors({ dataDir: fx.dir, engine, windowMs: 1000, rollupMs: 10_000, tickMs: 20, reconcileMs: 100 });
    try {
      const t = fx.sonde.targets.create({ kind: 'HOST', address: 'localhost', labels: { n: 'l' } });
      const m = handle.service.create({ name: 'named', selection: { labels: { n: 'l' } }, intervalMs: 200, timeoutMs: 150 });
      await waitFor(() => handle.service.summary(m.id).targets[0]?.status === 'up', { message: 'the named target up' });
      // not probed until its lookup answered, then one job on the resolved address
      expect(jobs).toEqual([['127.0.0.1']]);
      const s = handle.service.summary(m.id);
      expect(s.targets).toMatchObject([{ targetId: t.id, address: 'localhost', status: 'up' }]);
    } finally {
      await handle.close();
      await real.close();
      await fx.cleanup();
    }
  }, 20_000);
});
