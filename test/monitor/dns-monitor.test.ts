// dns monitors against a DNS server written here (node:dgram on 127.0.0.1; no other resolver
// is ever asked): answered, NXDOMAIN, SERVFAIL, never answered and a wrong answer each land in
// the windows as exactly the probes planned, by error kind; the target can be the server asked
// or the name asked; the options are validated naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openMonitors, type Engine, type MonitorHandle, type Target } from '../../engine/index.js';
import { SondeError } from '../../engine/errors.js';
import { builtWorker, NOT_BUILT } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { startDnsServer, type DnsServer } from './dns-server.js';
import { monitorFixture, type MonitorFixture } from './helpers.js';

if (!builtWorker) console.warn(`dns monitor suite skipped: ${NOT_BUILT}`);

const WINDOW_MS = 1000;
const INTERVAL_MS = 250;
const PER_WINDOW = WINDOW_MS / INTERVAL_MS;

describe.skipIf(!builtWorker)('dns monitors against a loopback DNS server', () => {
  let fx: MonitorFixture;
  let engine: Engine;
  let handle: MonitorHandle;
  let server: DnsServer;
  const names = ['ok.test', 'missing.test', 'broken.test', 'silent.test', 'other.test'] as const;
  const byName = new Map<string, Target>();
  let asServer: Target;
  let byNameId = '';
  let asServerId = '';
  let firstFull = 0;

  beforeAll(async () => {
    fx = await monitorFixture();
    server = await startDnsServer({
      a: { 'ok.test': ['127.0.0.7'], 'other.test': ['127.0.0.8'] },
      mx: { 'mail.test': [[10, 'mx1.mail.test'], [20, 'mx2.mail.test']] },
      servfail: ['broken.test'],
      silent: ['silent.test'],
    });
    for (const name of names) byName.set(name, fx.sonde.targets.create({ kind: 'HOST', address: name, labels: { grp: 'names' } }));
    asServer = fx.sonde.targets.create({ kind: 'HOST', address: '127.0.0.1', labels: { grp: 'servers' } });
    engine = createEngine({ threads: 1 });
    handle = openMonitors({ dataDir: fx.dir, engine, windowMs: WINDOW_MS, rollupMs: 2 * WINDOW_MS, tickMs: 20, reconcileMs: 100 });
    const started = Date.now();
    byNameId = handle.service.create({
      name: 'names', probe: 'dns', selection: { labels: { grp: 'names' } }, intervalMs: INTERVAL_MS, timeoutMs: 200,
      dns: { server: '127.0.0.1', port: server.port, type: 'A', expect: '127.0.0.7' },
    }).id;
    asServerId = handle.service.create({
      name: 'servers', probe: 'dns', selection: { labels: { grp: 'servers' } }, intervalMs: INTERVAL_MS, timeoutMs: 200,
      dns: { name: 'mail.test', port: server.port, type: 'MX', expect: '20 mx2.mail.test.' },
    }).id;
    firstFull = Math.ceil((started + 500) / WINDOW_MS) * WINDOW_MS;
    await waitFor(
      () => [...byName.values(), asServer].every((t) => handle.service.windows(t.id, firstFull, firstFull + 3 * WINDOW_MS).length === 3),
      { timeoutMs: 15_000, intervalMs: 100, message: 'three whole windows of each dns target' },
    );
  }, 20_000);

  afterAll(async () => {
    await handle?.close();
    await engine?.close();
    await server?.close();
    await fx?.cleanup();
  });

  const windowsOf = (t: Target) => handle.service.windows(t.id, firstFull, firstFull + 3 * WINDOW_MS);

  it('counts answers, NXDOMAIN, SERVFAIL, silence and wrong answers per window', () => {
    const stats = handle.service.stats().find((s) => s.monitorId === byNameId)!;
    expect(stats).toMatchObject({ targets: 5, skippedSlots: 0, failedBatches: 0 });
    for (const w of windowsOf(byName.get('ok.test')!)) {
      expect(w).toMatchObject({ monitorId: byNameId, probe: 'dns', sent: PER_WINDOW, received: PER_WINDOW, errors: {} });
      expect(w.minNs).toBeGreaterThan(0);
    }
    for (const w of windowsOf(byName.get('missing.test')!)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: { 'name-not-found': PER_WINDOW } });
    for (const w of windowsOf(byName.get('broken.test')!)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: { 'dns-failure': PER_WINDOW } });
    for (const w of windowsOf(byName.get('silent.test')!)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: {} });
    for (const w of windowsOf(byName.get('other.test')!)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: { 'wrong-answer': PER_WINDOW } });
  });

  it('asks a target that is a server for the name given, and checks an MX answer', () => {
    for (const w of windowsOf(asServer)) expect(w).toMatchObject({ monitorId: asServerId, sent: PER_WINDOW, received: PER_WINDOW, errors: {} });
  });

  it('keeps statuses: the answering name up, the failing ones down', async () => {
    await waitFor(() => handle.service.summary(byNameId).counts.down === 4, { message: 'four failing names down' });
    expect(handle.service.summary(byNameId).targets.find((t) => t.targetId === byName.get('ok.test')!.id)).toMatchObject({ status: 'up' });
  });

  it('rejects bad dns options naming the field', () => {
    const selection = { labels: { grp: 'x' } };
    const fieldOf = (input: object): string | undefined => {
      try {
        handle.service.create({ name: 'bad', selection, probe: 'dns', ...input });
      } catch (error) {
        expect(error).toBeInstanceOf(SondeError);
        return (error as SondeError).field;
      }
      return 'accepted';
    };
    expect(fieldOf({})).toBe('dns');
    expect(fieldOf({ dns: {} })).toBe('dns.name');
    expect(fieldOf({ dns: { name: 'ok.test', type: 'SRV' } })).toBe('dns.type');
    expect(fieldOf({ dns: { server: 'resolver.example' } })).toBe('dns.server');
    expect(fieldOf({ dns: { name: 'a..b' } })).toBe('dns.name');
    expect(fieldOf({ dns: { name: 'ok.test', port: 0 } })).toBe('dns.port');
  });
});
