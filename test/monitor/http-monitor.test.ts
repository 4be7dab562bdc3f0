// http monitors against real loopback servers: an HTTPS server with a self-signed certificate
// made here by openssl (expiring in 5 days: the "certificate expires" state change fires) that
// answers right, slowly, with the wrong status and with the wrong body; a plain HTTP server
// for kept-alive connections. Windows hold exactly the planned probes by error kind, each phase
// has its own series (history ?phase=), the phases of every probe add up, /metrics has phase
// labels, and a monitor changed from tcp to http keeps its histories apart.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openMonitors, type Engine, type MonitorHandle, type Target } from '../../engine/index.js';
import { SondeError } from '../../engine/errors.js';
import { HttpProber } from '../../engine/monitor/http-prober.js';
import { OUTCOME_OK, SocketBudget, SocketJob, type Flight } from '../../engine/monitor/socket-job.js';
import { renderWithRtt } from '../../server/metrics/rtt-text.js';
import { builtWorker, NOT_BUILT } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { monitorFixture, type MonitorFixture } from './helpers.js';
import { acceptingListener, type Listener } from './socket-servers.js';

if (!builtWorker) console.warn(`http monitor suite skipped: ${NOT_BUILT}`);

// generous timeouts: a TLS handshake on a loaded 2-core machine can take tens of ms
const WINDOW_MS = 2000;
const INTERVAL_MS = 500;
const TIMEOUT_MS = 450;
const PER_WINDOW = WINDOW_MS / INTERVAL_MS;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  switch (req.url) {
    case '/ok': res.end('hello world'); return;
    case '/status': res.writeHead(503).end('hello, but unavailable'); return;
    case '/body': res.end('error: broken'); return;
    case '/slow': {
      const timer = setTimeout(() => res.end('hello, late'), 3 * TIMEOUT_MS);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    default: res.writeHead(404).end();
  }
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe.skipIf(!builtWorker)('http monitors on loopback', () => {
  let fx: MonitorFixture;
  let engine: Engine;
  let handle: MonitorHandle;
  let certDir: string;
  let secure: https.Server;
  let plain: http.Server;
  let tcpListener: Listener;
  const t: Record<'ok' | 'slow' | 'status' | 'body' | 'plain', Target> = {} as never;
  let httpsId = '';
  let plainId = '';
  let firstFull = 0;

  beforeAll(async () => {
    fx = await monitorFixture();
    certDir = mkdtempSync(join(tmpdir(), 'sonde-http-monitor-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(certDir, 'k.pem'), '-out', join(certDir, 'c.pem'), '-days', '5', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    secure = https.createServer({ key: readFileSync(join(certDir, 'k.pem')), cert: readFileSync(join(certDir, 'c.pem')) }, handler);
    plain = http.createServer({ keepAliveTimeout: 60_000 }, handler);
    const securePort = await listen(secure);
    const plainPort = await listen(plain);
    tcpListener = await acceptingListener();
    for (const path of ['ok', 'slow', 'status', 'body'] as const) {
      t[path] = fx.sonde.targets.create({ kind: 'HTTP', address: `https://127.0.0.1:${securePort}/${path}`, labels: { grp: 'https' } });
    }
    t.plain = fx.sonde.targets.create({ kind: 'HTTP', address: `http://127.0.0.1:${plainPort}/ok`, labels: { grp: 'plain' } });
    engine = createEngine({ threads: 1 });
    handle = openMonitors({ dataDir: fx.dir, engine, windowMs: WINDOW_MS, rollupMs: 2 * WINDOW_MS, tickMs: 20, reconcileMs: 100 });
    const started = Date.now();
    httpsId = handle.service.create({
      name: 'https', probe: 'http', selection: { labels: { grp: 'https' } }, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS,
      http: { verifyTls: false, keepAlive: false, bodyMatch: '^hello', certExpiryDays: 7 },
    }).id;
    plainId = handle.service.create({ name: 'plain', probe: 'http', selection: { labels: { grp: 'plain' } }, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS }).id;
    firstFull = Math.ceil((started + 500) / WINDOW_MS) * WINDOW_MS;
    await waitFor(
      () => Object.values(t).every((target) => handle.service.windows(target.id, firstFull, firstFull + 3 * WINDOW_MS).filter((w) => w.phase === 'total').length === 3),
      { timeoutMs: 25_000, intervalMs: 100, message: 'three whole windows of each http target' },
    );
  }, 30_000);

  afterAll(async () => {
    await handle?.close();
    await engine?.close();
    secure?.closeAllConnections();
    plain?.closeAllConnections();
    secure?.close();
    plain?.close();
    await tcpListener?.close();
    if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
    await fx?.cleanup();
  });

  const totals = (target: Target) => handle.service.windows(target.id, firstFull, firstFull + 3 * WINDOW_MS).filter((w) => w.phase === 'total');

  it('counts answers, timeouts, wrong statuses and wrong bodies per window', () => {
    const stats = handle.service.stats().find((s) => s.monitorId === httpsId)!;
    expect(stats).toMatchObject({ targets: 4, skippedSlots: 0, failedBatches: 0 });
    for (const w of totals(t.ok)) expect(w).toMatchObject({ monitorId: httpsId, probe: 'http', sent: PER_WINDOW, received: PER_WINDOW, errors: {} });
    for (const w of totals(t.slow)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: {} });
    for (const w of totals(t.status)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: { 'http-status': PER_WINDOW } });
    for (const w of totals(t.body)) expect(w).toMatchObject({ sent: PER_WINDOW, received: 0, errors: { body: PER_WINDOW } });
  });

  it('keeps each phase in its own series: a fresh connection connects and shakes hands every probe', () => {
    for (const phase of ['connect', 'tls', 'ttfb'] as const) {
      const ws = handle.service.windows(t.ok.id, firstFull, firstFull + 3 * WINDOW_MS).filter((w) => w.phase === phase);
      expect(ws.map((w) => w.received)).toEqual([PER_WINDOW, PER_WINDOW, PER_WINDOW]);
      const points = handle.service.history(t.ok.id, { fromMs: firstFull, toMs: firstFull + 3 * WINDOW_MS, monitorId: httpsId, phase });
      expect(points.map((p) => p.received)).toEqual([PER_WINDOW, PER_WINDOW, PER_WINDOW]);
      expect(points.every((p) => p.percentiles.p50 !== null && p.percentiles.p50 > 0)).toBe(true);
    }
    const total = handle.service.history(t.ok.id, { fromMs: firstFull, toMs: firstFull + WINDOW_MS, monitorId: httpsId });
    const ttfb = handle.service.history(t.ok.id, { fromMs: firstFull, toMs: firstFull + WINDOW_MS, monitorId: httpsId, phase: 'ttfb' });
    expect(ttfb[0].min!).toBeLessThanOrEqual(total[0].min!);
    expect(ttfb[0].max!).toBeLessThanOrEqual(total[0].max!);
  });

  it('reuses a kept-alive connection: connect only for the connections opened', () => {
    const all = handle.service.windows(t.plain.id, 0, Date.now() + 60_000);
    const answered = all.filter((w) => w.phase === 'total').reduce((n, w) => n + w.received, 0);
    const connects = all.filter((w) => w.phase === 'connect').reduce((n, w) => n + w.received, 0);
    expect(answered).toBeGreaterThanOrEqual(3 * PER_WINDOW);
    // at most KEEPALIVE_SOCKETS connections were opened, each connected once
    expect(connects).toBeLessThanOrEqual(2);
    expect(all.some((w) => w.phase === 'tls')).toBe(false);
  });

  it('degrades a target whose certificate expires in fewer than certExpiryDays, saying so', async () => {
    await waitFor(() => handle.service.events(httpsId, { fromMs: 0 }).some((e) => e.targetId === t.ok.id), { message: 'a state change of the ok target' });
    const change = handle.service.events(httpsId, { fromMs: 0 }).find((e) => e.targetId === t.ok.id)!;
    expect(change).toMatchObject({ to: 'degraded' });
    expect(change.reason).toMatch(/^the TLS certificate expires in (4\.\d|5\.0) days \(< 7 days: http\.certExpiryDays\)$/);
    expect(handle.service.events(plainId, { fromMs: 0 })).toEqual([]);
  });

  it('writes the phases and the certificate expiry to /metrics', async () => {
    const text = (await renderWithRtt('', handle.service.rttViews(), true)).toString();
    for (const phase of ['connect', 'tls', 'ttfb', 'total']) {
      expect(text).toMatch(new RegExp(`sonde_monitor_http_duration_seconds_count\\{monitor="${httpsId}",phase="${phase}"\\} [1-9]`));
    }
    expect(text).toContain(`sonde_probe_http_duration_seconds_bucket{monitor="${httpsId}",target="${t.ok.id}"`);
    const expiry = new RegExp(`sonde_probe_ssl_earliest_cert_expiry\\{monitor="${httpsId}",target="${t.ok.id}",address="[^"]+"\\} (\\d+)`).exec(text);
    expect(Number(expiry?.[1]) - Date.now() / 1000).toBeGreaterThan(4 * 86_400);
    expect(Number(expiry?.[1]) - Date.now() / 1000).toBeLessThan(5 * 86_400 + 60);
  });

  it('keeps the histories of a monitor changed from tcp to http apart', async () => {
    const tcpTarget = fx.sonde.targets.create({ kind: 'TCP', address: '127.0.0.1', port: tcpListener.port, labels: { grp: 'both' } });
    const httpTarget = fx.sonde.targets.create({ kind: 'HTTP', address: t.plain.address, labels: { grp: 'both' } });
    const m = handle.service.create({ name: 'both', probe: 'tcp', selection: { labels: { grp: 'both' } }, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
    expect(handle.service.members(m.id)).toEqual([tcpTarget.id]);
    await waitFor(() => handle.service.windows(tcpTarget.id, 0, Date.now()).some((w) => w.monitorId === m.id && w.received > 0), { message: 'a tcp window' });
    handle.service.update(m.id, { probe: 'http', http: { keepAlive: false } });
    expect(handle.service.members(m.id)).toEqual([httpTarget.id]);
    await waitFor(() => handle.service.windows(httpTarget.id, 0, Date.now()).some((w) => w.monitorId === m.id && w.received > 0), { message: 'an http window' });
    const tcpWindows = handle.service.windows(tcpTarget.id, 0, Date.now() + 60_000).filter((w) => w.monitorId === m.id);
    expect(new Set(tcpWindows.map((w) => w.probe))).toEqual(new Set(['tcp']));
    const now = Math.ceil(Date.now() / WINDOW_MS) * WINDOW_MS;
    const from = now - 30 * WINDOW_MS;
    const sent = (points: { sent: number }[]): number => points.reduce((n, p) => n + p.sent, 0);
    // the monitor's history is of its current kind; the tcp one is asked for by name
    expect(sent(handle.service.history(tcpTarget.id, { fromMs: from, toMs: now, monitorId: m.id }))).toBe(0);
    expect(sent(handle.service.history(tcpTarget.id, { fromMs: from, toMs: now, monitorId: m.id, probe: 'tcp' }))).toBe(tcpWindows.reduce((n, w) => n + w.sent, 0));
    expect(() => handle.service.history(tcpTarget.id, { fromMs: from, toMs: now, monitorId: m.id, probe: 'tcp', phase: 'tls' })).toThrow(SondeError);
  });
});

describe('the phases of one http probe', () => {
  let secure: https.Server;
  let certDir: string;
  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'sonde-http-phases-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(certDir, 'k.pem'), '-out', join(certDir, 'c.pem'), '-days', '30', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    secure = https.createServer({ key: readFileSync(join(certDir, 'k.pem')), cert: readFileSync(join(certDir, 'c.pem')) }, handler);
    await listen(secure);
  });
  afterAll(() => {
    secure?.closeAllConnections();
    secure?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('add up: connect + tls ≤ ttfb ≤ total, for every probe on a fresh connection', async () => {
    const port = (secure.address() as AddressInfo).port;
    const n = 10;
    const url = new URL(`https://127.0.0.1:${port}/ok`);
    const prober = new HttpProber(Array.from({ length: n }, () => ({ url, address: '127.0.0.1' })), { verifyTls: false, keepAlive: false });
    const seen: { connect: number; tls: number; ttfb: number; total: number; ok: boolean }[] = [];
    const job = new SocketJob(prober, {
      targets: n, originMs: Math.floor(Date.now() / 1000) * 1000, periodMs: 500, offsetsMs: Float64Array.from({ length: n }, (_, j) => (j * 500) / n),
      count: 1, spacingMs: 500, timeoutMs: 450,
    }, new SocketBudget(), (f: Flight) => seen.push({ connect: f.connectNs, tls: f.tlsNs, ttfb: f.ttfbNs, total: f.rttNs, ok: f.status === OUTCOME_OK }));
    const controller = new AbortController();
    const running = job.run(controller.signal);
    await waitFor(() => seen.length >= 20, { message: '20 probes' });
    controller.abort();
    await running;
    for (const p of seen) {
      expect(p.ok).toBe(true);
      expect(p.connect).toBeGreaterThan(0);
      expect(p.tls).toBeGreaterThan(0);
      expect(p.connect + p.tls).toBeLessThanOrEqual(p.ttfb);
      expect(p.ttfb).toBeLessThanOrEqual(p.total);
    }
  });

  it('rejects bad http options naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-http-options-'));
    const h = openMonitors({ dataDir: dir });
    try {
      const fieldOf = (options: object): string | undefined => {
        try {
          h.service.create({ name: 'bad', selection: { labels: { a: 'b' } }, probe: 'http', http: options });
        } catch (error) {
          return (error as SondeError).field;
        }
        return 'accepted';
      };
      expect(fieldOf({ expectStatus: [200, 700] })).toBe('http.expectStatus[1]');
      expect(fieldOf({ bodyMatch: '(' })).toBe('http.bodyMatch');
      expect(fieldOf({ method: 'TRACE' })).toBe('http.method');
      expect(fieldOf({ path: 'healthz' })).toBe('http.path');
      expect(fieldOf({ headers: { 'x-a': 'b\r\nc: d' } })).toBe('http.headers.x-a');
      expect(fieldOf({ maxBodyBytes: 2_000_000 })).toBe('http.maxBodyBytes');
      expect(fieldOf({ certExpiryDays: -1 })).toBe('http.certExpiryDays');
      expect(fieldOf({ keepAlive: 'yes' })).toBe('http.keepAlive');
    } finally {
      void h.close().then(() => rmSync(dir, { recursive: true, force: true }));
    }
  });
});
