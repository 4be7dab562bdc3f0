// tcp, http and dns monitors over IPv6 loopback: a TCP listener and a closed port on ::1, an
// HTTP server on ::1 reached as http://[::1]:port/ (the brackets stripped for the connect,
// kept in the Host header), and the dgram DNS server of the dns suite on a udp6 socket — asked
// both as the target (address ::1) and as dns.server "::1". Each window holds exactly its
// planned probes, by error kind, as over IPv4.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openMonitors, type Engine, type MonitorHandle, type Target } from '../../engine/index.js';
import { builtWorker, NOT_BUILT } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { startDnsServer, type DnsServer } from './dns-server.js';
import { monitorFixture, type MonitorFixture } from './helpers.js';
import { acceptingListener, closedPort, type Listener } from './socket-servers.js';

const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === '::1') ?? false);
const skip = !builtWorker || !hasIpv6Loopback;
if (skip) console.warn(`IPv6 monitor suite skipped: ${!builtWorker ? NOT_BUILT : 'no ::1 on the loopback interface'}`);

const WINDOW_MS = 1000;
const INTERVAL_MS = 250;
const TIMEOUT_MS = 240;
const PER_WINDOW = WINDOW_MS / INTERVAL_MS;

describe.skipIf(skip)('tcp, http and dns monitors on ::1', () => {
  let fx: MonitorFixture;
  let engine: Engine;
  let handle: MonitorHandle;
  let listener: Listener;
  let server: http.Server;
  let dns: DnsServer;
  let requestHost = '';
  const t: Record<'accepting' | 'refusing' | 'ok' | 'status' | 'dnsServer' | 'okName' | 'missingName', Target> = {} as never;
  const monitors: Record<'tcp' | 'http' | 'dnsAsked' | 'dnsNames', string> = {} as never;
  let firstFull = 0;

  beforeAll(async () => {
    fx = await monitorFixture();
    listener = await acceptingListener('::1');
    const refusedPort = await closedPort('::1');
    server = http.createServer((req, res) => {
      requestHost = req.headers.host ?? '';
      if (req.url === '/ok') res.end('hello');
      else res.writeHead(503).end('unavailable');
    });
    await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
    const httpPort = (server.address() as AddressInfo).port;
    dns = await startDnsServer({ a: { 'ok.test': ['127.0.0.7'] }, mx: {}, servfail: [], silent: [] }, '::1');

    t.accepting = fx.sonde.targets.create({ kind: 'TCP', address: '::1', port: listener.port, labels: { v6: 'tcp' } });
    t.refusing = fx.sonde.targets.create({ kind: 'TCP', address: '::1', port: refusedPort, labels: { v6: 'tcp' } });
    t.ok = fx.sonde.targets.create({ kind: 'HTTP', address: `http://[::1]:${httpPort}/ok`, labels: { v6: 'http' } });
    t.status = fx.sonde.targets.create({ kind: 'HTTP', address: `http://[::1]:${httpPort}/status`, labels: { v6: 'http' } });
    t.dnsServer = fx.sonde.targets.create({ kind: 'HOST', address: '::1', labels: { v6: 'dns-server' } });
    t.okName = fx.sonde.targets.create({ kind: 'HOST', address: 'ok.test', labels: { v6: 'dns-names' } });
    t.missingName = fx.sonde.targets.create({ kind: 'HOST', address: 'missing.test', labels: { v6: 'dns-names' } });

    engine = createEngine({ threads: 1 });
    handle = openMonitors({ dataDir: fx.dir, engine, windowMs: WINDOW_MS, rollupMs: 2 * WINDOW_MS, tickMs: 20, reconcileMs: 100 });
    const started = Date.now();
    const every = { intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS };
    monitors.tcp = handle.service.create({ name: 'tcp6', probe: 'tcp', selection: { labels: { v6: 'tcp' } }, ...every }).id;
    monitors.http = handle.service.create({ name: 'http6', probe: 'http', selection: { labels: { v6: 'http' } }, ...every, http: { keepAlive: false } }).id;
    monitors.dnsAsked = handle.service.create({
      name: 'dns6-server', probe: 'dns', selection: { labels: { v6: 'dns-server' } }, ...every, dns: { name: 'ok.test', port: dns.port, expect: '127.0.0.7' },
    }).id;
    monitors.dnsNames = handle.service.create({
      name: 'dns6-names', probe: 'dns', selection: { labels: { v6: 'dns-names' } }, ...every, dns: { server: '::1', port: dns.port },
    }).id;
    firstFull = Math.ceil((started + 500) / WINDOW_MS) * WINDOW_MS;
    await waitFor(
      () => Object.values(t).every((target) => totals(target).length === 3),
      { timeoutMs: 20_000, intervalMs: 100, message: 'three whole windows of each IPv6 target' },
    );
  }, 30_000);

  afterAll(async () => {
    await handle?.close();
    await engine?.close();
    server?.closeAllConnections();
    server?.close();
    await listener?.close();
    await dns?.close();
    await fx?.cleanup();
  });

  const totals = (target: Target) => handle.service.windows(target.id, firstFull, firstFull + 3 * WINDOW_MS).filter((w) => w.phase === 'total');

  it('connects over IPv6: the listener answers every probe, the closed port refuses every one', () => {
    const stats = handle.service.stats().find((s) => s.monitorId === monitors.tcp)!;
    expect(stats).toMatchObject({ targets: 2, failedBatches: 0, lastError: null });
    for (const w of totals(t.accepting)) expect(w).toMatchObject({ monitorId: monitors.tcp, probe: 'tcp', sent: PER_WINDOW, received: PER_WINDOW, errors: {} });
    for (const w of totals(t.refusing)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: { refused: PER_WINDOW } });
    expect(listener.accepted()).toBeGreaterThanOrEqual(3 * PER_WINDOW);
  });

  it('asks http://[::1]:port/ over IPv6 with the bracketed Host header, each phase in its series', () => {
    for (const w of totals(t.ok)) expect(w).toMatchObject({ monitorId: monitors.http, probe: 'http', sent: PER_WINDOW, received: PER_WINDOW, errors: {} });
    for (const w of totals(t.status)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: { 'http-status': PER_WINDOW } });
    expect(requestHost).toMatch(/^\[::1\]:\d+$/);
    // a fresh connection per probe: every answered probe connected, none shook hands (plain http)
    const all = handle.service.windows(t.ok.id, firstFull, firstFull + 3 * WINDOW_MS);
    expect(all.filter((w) => w.phase === 'connect').map((w) => w.received)).toEqual([PER_WINDOW, PER_WINDOW, PER_WINDOW]);
    expect(all.filter((w) => w.phase === 'ttfb').map((w) => w.received)).toEqual([PER_WINDOW, PER_WINDOW, PER_WINDOW]);
    expect(all.some((w) => w.phase === 'tls')).toBe(false);
  });

  it('queries a DNS server on ::1 over udp6, as the target and as dns.server', () => {
    for (const w of totals(t.dnsServer)) expect(w).toMatchObject({ monitorId: monitors.dnsAsked, probe: 'dns', sent: PER_WINDOW, received: PER_WINDOW, errors: {} });
    for (const w of totals(t.okName)) expect(w).toMatchObject({ monitorId: monitors.dnsNames, sent: PER_WINDOW, received: PER_WINDOW, errors: {} });
    for (const w of totals(t.missingName)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: { 'name-not-found': PER_WINDOW } });
    expect(dns.queries()).toBeGreaterThanOrEqual(9 * PER_WINDOW);
  });

  it('keeps statuses and history of IPv6 targets like any other', async () => {
    await waitFor(() => handle.service.summary(monitors.tcp).counts.down === 1, { message: 'the refusing ::1 port down' });
    const summary = handle.service.summary(monitors.tcp);
    expect(summary.targets.find((s) => s.targetId === t.accepting.id)).toMatchObject({ address: '::1', status: 'up' });
    const points = handle.service.history(t.ok.id, { fromMs: firstFull, toMs: firstFull + 3 * WINDOW_MS, monitorId: monitors.http });
    expect(points.map((p) => p.sent)).toEqual([PER_WINDOW, PER_WINDOW, PER_WINDOW]);
    expect(points.every((p) => p.loss === 0 && p.percentiles.p50 !== null)).toBe(true);
  });
});
