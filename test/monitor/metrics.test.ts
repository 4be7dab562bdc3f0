// GET /metrics over real uWS servers while a monitor probes loopback targets on the real
// engine: the body parses with parse-prometheus-text-format (families, types, counters)
// and with the strict reader of prom-text.ts (every line; the labelled histograms);
// counters grow between scrapes; per-target buckets are cumulative and end at their count;
// metrics.perTarget=false and a perTargetMaxTargets below the fleet drop the per-target
// series; metrics.auth asks for a key.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openDaemon, RttBuckets, type Daemon, type Engine } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { renderWithRtt } from '../../server/metrics/rtt-text.js';
import { builtWorker, canRaw4, loopbackTargets } from '../engine/helpers.js';
import { sleep } from './helpers.js';
import { waitFor } from '../wait-for.js';
import { histogramSeries, parseExposition, type Family } from './prom-text.js';
import { localResolver } from '../setup/local-resolver.js';

const ENGINE_COUNTERS = [
  'sonde_engine_probes_sent_total', 'sonde_engine_replies_received_total', 'sonde_engine_timeouts_total', 'sonde_engine_errors_total',
  'sonde_engine_duplicates_total', 'sonde_engine_late_replies_total', 'sonde_engine_kernel_drops_total',
];
const LE = ['5e-05', '0.0001', '0.0002', '0.0004', '0.0008', '0.0016', '0.0032', '0.0064', '0.0128', '0.0256', '0.0512', '0.1024', '0.2048', '0.4096', '0.8192', '1.6384', '+Inf'];

interface Scrape {
  text: string;
  lib: Map<string, ParsedFamily>;
  strict: Map<string, Family>;
}

async function scrape(url: string, key?: string): Promise<Scrape> {
  const res = await fetch(`${url}/metrics`, key === undefined ? {} : { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  const lib = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  const strict = parseExposition(text);
  // both readers see the same families with the same types
  expect([...lib.keys()].sort()).toEqual([...strict.keys()].sort());
  for (const [name, f] of strict) expect(lib.get(name)!.type, name).toBe(f.type.toUpperCase());
  return { text, lib, strict };
}

/** The value of an unlabelled counter or gauge, as parse-prometheus-text-format read it. */
function scalar(s: Scrape, name: string): number {
  const f = s.lib.get(name);
  if (f === undefined) throw new Error(`no family ${name}`);
  expect(f.metrics).toHaveLength(1);
  return Number(f.metrics[0].value);
}

function byLabel(s: Scrape, name: string, label: string): Map<string, number> {
  const f = s.lib.get(name);
  if (f === undefined) throw new Error(`no family ${name}`);
  return new Map(f.metrics.map((m) => [m.labels![label], Number(m.value)]));
}

describe.skipIf(!canRaw4 || !builtWorker)('GET /metrics', () => {
  let dataDir: string;
  let engine: Engine;
  let sonde: Daemon;
  let server: SondeServer;
  let noPerTarget: SondeServer;
  let capped: SondeServer;
  let monitorId: string;
  const targets = new Map<string, string>();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sonde-metrics-'));
    engine = createEngine({ threads: 1 });
    sonde = await openDaemon({ dataDir, engine, monitoring: { windowMs: 1000, rollupMs: 10_000, tickMs: 20, reconcileMs: 100 }, agent: { resolver: localResolver } });
    const logger = pino({ level: 'silent' });
    server = await startServer({ daemon: sonde, logger, host: '127.0.0.1', port: 0 });
    noPerTarget = await startServer({ daemon: sonde, logger, host: '127.0.0.1', port: 0, metrics: { perTarget: false } });
    capped = await startServer({ daemon: sonde, logger, host: '127.0.0.1', port: 0, metrics: { perTargetMaxTargets: 4, auth: true } });
    for (const address of loopbackTargets(5)) targets.set(sonde.targets.create({ kind: 'HOST', address, labels: { role: 'metrics' } }).id, address);
    monitorId = sonde.monitors.create({ name: 'metrics', selection: { labels: { role: 'metrics' } }, intervalMs: 100, timeoutMs: 90 }).id;
  });

  afterAll(async () => {
    await Promise.all([server?.close(500), noPerTarget?.close(500), capped?.close(500)]);
    await sonde?.close();
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exposes engine counters that grow, monitor figures, process metrics and per-target RTT histograms', async () => {
    // scraped once the monitor has written a window, then again once every counter below moved
    const windows = (s: Scrape) => byLabel(s, 'sonde_monitor_windows_written_total', 'monitor').get(monitorId) ?? 0;
    const first = await waitFor(async () => {
      const s = await scrape(server.url);
      return scalar(s, 'sonde_engine_probes_sent_total') > 0 && windows(s) > 0 && s;
    }, { timeoutMs: 15_000, intervalMs: 250, message: 'probes sent and a window written' });
    const second = await waitFor(async () => {
      const s = await scrape(server.url);
      return scalar(s, 'sonde_engine_probes_sent_total') > scalar(first, 'sonde_engine_probes_sent_total')
        && scalar(s, 'sonde_engine_replies_received_total') > scalar(first, 'sonde_engine_replies_received_total')
        && windows(s) > windows(first) && s;
    }, { timeoutMs: 15_000, intervalMs: 250, message: 'more probes, replies and windows than the first scrape' });

    for (const name of ENGINE_COUNTERS) expect(first.lib.get(name)?.type, name).toBe('COUNTER');
    for (const name of ['sonde_engine_probes_in_flight', 'sonde_engine_queue_depth', 'sonde_engine_worker_threads']) {
      expect(second.lib.get(name)?.type, name).toBe('GAUGE');
    }
    // the monitor probes all along: sent and received grow, and nothing was lost on loopback
    expect(scalar(first, 'sonde_engine_probes_sent_total')).toBeGreaterThan(0);
    expect(scalar(second, 'sonde_engine_probes_sent_total')).toBeGreaterThan(scalar(first, 'sonde_engine_probes_sent_total'));
    expect(scalar(second, 'sonde_engine_replies_received_total')).toBeGreaterThan(scalar(first, 'sonde_engine_replies_received_total'));
    expect(scalar(second, 'sonde_engine_worker_threads')).toBe(1);
    expect(scalar(second, 'sonde_engine_queue_depth')).toBe(0);

    // process metrics and event-loop delay from prom-client's default metrics
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(second.lib.has(name), name).toBe(true);
    }
    expect(scalar(second, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // monitor figures
    expect(byLabel(second, 'sonde_monitor_targets', 'monitor').get(monitorId)).toBe(5);
    const info = second.lib.get('sonde_monitor_info')!.metrics.find((m) => m.labels!.monitor === monitorId);
    expect(info?.labels).toEqual({ monitor: monitorId, name: 'metrics', running: 'true' });
    const states = second.lib.get('sonde_monitor_targets_by_status')!.metrics.filter((m) => m.labels!.monitor === monitorId);
    expect(states.map((m) => m.labels!.status).sort()).toEqual(['degraded', 'down', 'unknown', 'up']);
    expect(states.reduce((n, m) => n + Number(m.value), 0)).toBe(5);
    expect(Number(states.find((m) => m.labels!.status === 'up')!.value)).toBeGreaterThanOrEqual(4);
    expect(byLabel(second, 'sonde_monitor_batches_total', 'monitor').get(monitorId)).toBeGreaterThanOrEqual(1);
    expect(byLabel(second, 'sonde_monitor_windows_written_total', 'monitor').get(monitorId)).toBeGreaterThan(
      byLabel(first, 'sonde_monitor_windows_written_total', 'monitor').get(monitorId)!);
    const [p50, p99, max] = ['p50', 'p99', 'max'].map((q) => {
      const name = `sonde_monitor_schedule_drift_${q}_seconds`;
      expect(second.lib.get(name)?.type, name).toBe('GAUGE');
      return byLabel(second, name, 'monitor').get(monitorId)!;
    });
    // (no p99 <= max: the percentiles are HdrHistogram bucket bounds, the maximum is exact)
    expect(p50).toBeGreaterThanOrEqual(0);
    expect(p50).toBeLessThanOrEqual(p99);
    expect(max).toBeGreaterThanOrEqual(0);
    expect(scalar(second, 'sonde_metrics_per_target_enabled')).toBe(1);

    // per-target RTT histograms: one series per target, smokeping_prober's buckets,
    // cumulative, ending at the count, and growing between the scrapes
    const perTarget = (s: Scrape): Map<string, ReturnType<typeof histogramSeries>[number]> =>
      new Map(histogramSeries(s.strict.get('sonde_probe_rtt_seconds')!).map((h) => [h.labels.target, h]));
    const before = perTarget(first);
    const after = perTarget(second);
    expect([...after.keys()].sort()).toEqual([...targets.keys()].sort());
    for (const [id, h] of after) {
      expect(h.labels).toEqual({ monitor: monitorId, target: id, address: targets.get(id) });
      expect(h.buckets.map(([le]) => le)).toEqual(LE.map((le) => (le === '+Inf' ? Infinity : Number(le))));
      expect(h.count).toBeGreaterThan(before.get(id)!.count);
      for (let b = 0; b < h.buckets.length; b++) expect(h.buckets[b][1]).toBeGreaterThanOrEqual(before.get(id)!.buckets[b][1]);
      expect(h.sum).toBeGreaterThan(0);
      // loopback answers well under a second: nothing beyond the last finite bucket
      expect(h.buckets[15][1]).toBe(h.count);
      expect(h.sum / h.count).toBeLessThan(0.1);
    }
    // the text as written: le values as smokeping_prober's, in order
    const firstId = [...targets.keys()][0];
    const les = [...second.text.matchAll(new RegExp(`^sonde_probe_rtt_seconds_bucket\\{monitor="${monitorId}",target="${firstId}",address="[^"]+",le="([^"]+)"\\}`, 'gm'))].map((m) => m[1]);
    expect(les).toEqual(LE);

    // the monitor-wide histogram is the sum of its targets' (same scrape)
    const [monitorWide] = histogramSeries(second.strict.get('sonde_monitor_rtt_seconds')!).filter((h) => h.labels.monitor === monitorId);
    expect(monitorWide.count).toBe([...after.values()].reduce((n, h) => n + h.count, 0));
    for (let b = 0; b < 17; b++) expect(monitorWide.buckets[b][1]).toBe([...after.values()].reduce((n, h) => n + h.buckets[b][1], 0));
    expect(monitorWide.sum).toBeCloseTo([...after.values()].reduce((n, h) => n + h.sum, 0), 9);
  });

  it('metrics.perTarget=false and a cap below the fleet leave the per-target series out; metrics.auth asks for a key', async () => {
    const off = await scrape(noPerTarget.url);
    expect(off.strict.has('sonde_probe_rtt_seconds')).toBe(false);
    expect(off.text).not.toContain('sonde_probe_rtt_seconds');
    expect(off.strict.has('sonde_monitor_rtt_seconds')).toBe(true);
    expect(histogramSeries(off.strict.get('sonde_monitor_rtt_seconds')!)[0].count).toBeGreaterThan(0);
    expect(scalar(off, 'sonde_metrics_per_target_enabled')).toBe(0);
    expect(off.lib.has('sonde_engine_probes_sent_total')).toBe(true);

    const refused = await fetch(`${capped.url}/metrics`);
    expect(refused.status).toBe(401);
    const wrongScope = sonde.keys.create('jobs-only', ['job:read']).secret;
    expect((await fetch(`${capped.url}/metrics`, { headers: { authorization: `Bearer ${wrongScope}` } })).status).toBe(403);
    const reader = sonde.keys.create('prometheus', ['targets:read']).secret;
    const cappedScrape = await scrape(capped.url, reader);
    expect(cappedScrape.strict.has('sonde_probe_rtt_seconds')).toBe(false);
    expect(scalar(cappedScrape, 'sonde_metrics_per_target_enabled')).toBe(0);

    // /metrics is in the OpenAPI document, open on the default server
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { security?: unknown[] } }> };
    expect(doc.paths['/metrics']?.get).toBeDefined();
  });
});

describe('RTT histogram text', () => {
  it('escapes label values, writes counts beyond 2^32 exactly, and sums per monitor', async () => {
    const buckets = new RttBuckets();
    for (let i = 0; i < 5; i++) buckets.record(0, 40_000); // le 5e-05
    buckets.record(0, 3e9); // +Inf only
    buckets.counts[2 * 17 + 3] = 4_294_967_295; // row 2, le 0.0004
    buckets.record(2, 700_000); // le 0.0008: the cumulative count passes 2^32
    const views = [{ monitorId: 'm"1\\x\ny', rows: [0, 2, 7], ids: ['a', 'b', 'c'], addresses: ['127.0.0.1', '::1', 'host"name'], buckets }];
    const text = (await renderWithRtt('# TYPE up gauge\nup 1\n', views, true)).toString();
    const families = parseExposition(text);
    expect([...families.keys()]).toEqual(['up', 'sonde_monitor_rtt_seconds', 'sonde_probe_rtt_seconds']);
    const series = histogramSeries(families.get('sonde_probe_rtt_seconds')!);
    expect(series.map((h) => h.labels)).toEqual([
      { monitor: 'm"1\\x\ny', target: 'a', address: '127.0.0.1' },
      { monitor: 'm"1\\x\ny', target: 'b', address: '::1' },
      { monitor: 'm"1\\x\ny', target: 'c', address: 'host"name' },
    ]);
    expect(series[0].buckets.map(([, n]) => n)).toEqual([...new Array<number>(16).fill(5), 6]);
    expect(series[0].sum).toBeCloseTo(5 * 40e-6 + 3, 12);
    expect(series[1].count).toBe(4_294_967_296);
    expect(series[1].buckets[2][1]).toBe(0);
    expect(series[1].buckets[3][1]).toBe(4_294_967_295);
    expect(series[1].buckets[4][1]).toBe(4_294_967_296);
    expect(series[2].count).toBe(0); // a row never recorded (beyond the table) is all zeros
    const [all] = histogramSeries(families.get('sonde_monitor_rtt_seconds')!);
    expect(all.count).toBe(4_294_967_296 + 6);
    expect((await renderWithRtt('', views, false)).toString()).not.toContain('sonde_probe_rtt_seconds');
  });
});

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');

/** `sonde serve` on a free port with these variables; stopped when `use` returns. */
async function withDaemon(env: Record<string, string>, use: (url: string, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-metrics-serve-'));
  const child = spawn(process.execPath, [cli, 'serve', '--data', dir, '--port', '0', '--log-level', 'silent', '--threads', '1'], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while ((url = /listening on (http:\/\/\S+)/.exec(out)?.[1]) === undefined) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sonde serve did not start: ${out}`);
      await sleep(20);
    }
    await use(url, dir);
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!existsSync(cli))('sonde serve: the metrics.* keys', () => {
  it('serves /metrics openly by default; SONDE_METRICS_PER_TARGET=false and SONDE_METRICS_AUTH=true take effect', async () => {
    await withDaemon({}, async (url) => {
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      const families = parseExposition(await res.text());
      expect(families.get('sonde_metrics_per_target_enabled')?.samples[0].value).toBe(1);
      expect(families.has('sonde_engine_probes_sent_total')).toBe(true);
    });
    await withDaemon({ SONDE_METRICS_PER_TARGET: 'false', SONDE_METRICS_AUTH: 'true' }, async (url, dir) => {
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const admin = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(200);
      expect(parseExposition(await res.text()).get('sonde_metrics_per_target_enabled')?.samples[0].value).toBe(0);
    });
  }, 60_000);
});
