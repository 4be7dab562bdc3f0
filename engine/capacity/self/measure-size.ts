// One size of `sonde capacity self`: N loopback targets (127.1.0.0 onwards, 127.0.0.0/8 only)
// in a temp data directory, monitored at 1 probe/s by `sonde serve` in its own process, measured
// as bench:monitor measures them: after a warm-up, for `measureS` seconds, the daemon's CPU
// (utime + stime, all threads) and RSS from /proc, the schedule drift of the period (the stats'
// cumulative drift histogram at its end minus its start), GET /v1/monitors/{id}/summary to its
// last byte about once a second with a plain client, and — after SIGTERM, which writes the last
// windows — loss and the RTT histogram from the stored windows lying wholly inside the period.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { openSonde } from '../../daemon/open-sonde.js';
import { startServeChild, type ServeChild } from '../../daemon/serve-child.js';
import { BucketAccumulator } from '../../monitor/hdr-codec.js';
import type { ProbeErrorKind } from '../../types.js';
import { driftBetween, goalVerdicts, type MonitoringFigures, type MonitoringGoal } from './monitoring-goals.js';
import { cpuSeconds, memory } from './proc-stat.js';

export interface SizeOptions {
  /** The CLI script that runs `sonde serve` (process.argv[1] of `sonde capacity self`). */
  entry: string;
  warmupS: number;
  measureS: number;
  /** monitoring.windowSeconds of the daemon: short, so that whole windows fit the period. */
  windowS: number;
  /** Progress lines (about every 10 s). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

export interface SizeResult extends MonitoringFigures {
  targets: number;
  startedAt: number;
  endedAt: number;
  measuredS: number;
  /** From the stored windows wholly inside the period. */
  windows: number;
  sent: number;
  received: number;
  duplicates: number;
  errors: Partial<Record<ProbeErrorKind, number>>;
  /** Probes/s the stored windows account for (sent over their span). */
  achievedRate: number;
  /** RTT counts blob of those windows (engine/monitor/hdr-codec.ts). */
  hdr: Uint8Array;
  rttNs: { min: number; p50: number; p90: number; p99: number; max: number; mean: number } | null;
  driftMaxMs: number | null;
  summaryP50Ms: number;
  summaryBytes: number;
  skippedSlots: number;
  verdicts: Record<MonitoringGoal, boolean>;
  meetsGoals: boolean;
  /** Set when the size was not measured to its end (Ctrl-C). */
  stopped: boolean;
}

/** Resolves after ms, or at once when signal aborts (no listener is left behind). */
const sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise((resolve) => {
  const done = (): void => {
    clearTimeout(t);
    signal?.removeEventListener('abort', done);
    resolve();
  };
  const t = setTimeout(done, ms);
  signal?.addEventListener('abort', done, { once: true });
});

/** 127.1.0.0, 127.1.0.1, … (never 127.0.0.x, which other tools on the host may use). */
export function loopbackTargets(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`127.${1 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`);
  return out;
}

interface Timed { status: number; ms: number; bytes: number; body: string }

/** GET with node:http, no Accept-Encoding; the body is kept only when `keep` (the summary at
 *  50,000 targets is ~10 MB: counted, not decoded). */
function get(url: string, path: string, key: string, keep: boolean): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(`${url}${path}`, { headers: { authorization: `Bearer ${key}` }, timeout: 30_000 }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => { bytes += c.length; if (keep) chunks.push(c); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, bytes, body: keep ? Buffer.concat(chunks).toString('utf8') : '' }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} took over 30 s`)));
    req.on('error', reject);
    req.end();
  });
}

async function post(url: string, path: string, key: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

const quantile = (sorted: number[], q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);

interface MonitorStats { targets: number; batches: number; driftHistogram: string | null; skippedSlots: number }

const ERROR_COLUMNS: [string, ProbeErrorKind][] = [
  ['err_unreachable', 'unreachable'], ['err_time_exceeded', 'time-exceeded'], ['err_param_problem', 'param-problem'],
  ['err_packet_too_big', 'packet-too-big'], ['err_send_failed', 'send-failed'], ['err_other', 'other'],
];

/** Windows wholly inside [t0, t1]: sums, errors by kind, and their RTT histograms merged. */
function storedWindows(dir: string, windowMs: number, t0: number, t1: number) {
  const db = new Database(join(dir, 'sonde.db'), { readonly: true });
  try {
    const rows = db.prepare(`SELECT start_at, sent, received, duplicates, sum_ns, hist, ${ERROR_COLUMNS.map(([c]) => c).join(', ')}
      FROM latency_windows WHERE span_ms = ? AND start_at >= ? AND start_at + ? <= ?`).iterate(windowMs, t0, windowMs, t1) as IterableIterator<Record<string, number | Buffer | null>>;
    const hist = new BucketAccumulator();
    const errors: Partial<Record<ProbeErrorKind, number>> = {};
    const starts = new Set<number>();
    let count = 0;
    let sent = 0;
    let received = 0;
    let duplicates = 0;
    let sumNs = 0;
    for (const r of rows) {
      count++;
      starts.add(r.start_at as number);
      sent += r.sent as number;
      received += r.received as number;
      duplicates += r.duplicates as number;
      sumNs += r.sum_ns as number;
      if (r.hist !== null) hist.addBlob(r.hist as Buffer);
      for (const [column, kind] of ERROR_COLUMNS) if ((r[column] as number) > 0) errors[kind] = (errors[kind] ?? 0) + (r[column] as number);
    }
    return { count, spanS: (starts.size * windowMs) / 1000, sent, received, duplicates, sumNs, hist, errors };
  } finally {
    db.close();
  }
}

export async function measureSize(n: number, o: SizeOptions): Promise<SizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-capacity-self-'));
  let daemon: ServeChild | undefined;
  const line = o.onLine ?? (() => undefined);
  try {
    const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
    const imported = sonde.targets.bulkImport(loopbackTargets(n).map((address) => ({ kind: 'HOST', address, labels: { capacity: 'self' } })));
    await sonde.close();
    if (imported.created !== n) throw new Error(`capacity self: imported ${imported.created} of ${n} loopback targets into ${dir}`);
    // no config file of the caller's (SONDE_CONFIG ''): the defaults are what is measured
    daemon = await startServeChild({
      entry: o.entry, dataDir: dir, host: '127.0.0.1', label: 'sonde serve (for capacity self)',
      env: { SONDE_CONFIG: '', SONDE_MONITORING_WINDOW_SECONDS: String(o.windowS) },
    });
    const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    const created = await post(daemon.url, '/v1/monitors', key, { name: 'capacity self', selection: { labels: { capacity: 'self' } }, intervalMs: 1000, timeoutMs: 1000 });
    if (created.status !== 201) throw new Error(`capacity self: POST /v1/monitors answered ${created.status}: ${created.text}`);
    const id = (JSON.parse(created.text) as { id: string }).id;
    const url = daemon.url;
    const stats = async (): Promise<MonitorStats> => {
      const r = await get(url, `/v1/monitors/${id}/stats`, key, true);
      if (r.status !== 200) throw new Error(`capacity self: GET /v1/monitors/${id}/stats answered ${r.status}: ${r.body}`);
      return JSON.parse(r.body) as MonitorStats;
    };
    const readyBy = Date.now() + 60_000 + n;
    for (let s = await stats(); s.targets < n || s.batches === 0; s = await stats()) {
      if (Date.now() > readyBy) throw new Error(`capacity self: the monitor of ${n} targets did not start within ${(60_000 + n) / 1000} s`);
      await sleep(250, o.signal);
    }
    const path = `/v1/monitors/${id}/summary`;
    // the warm-up polls the summary as the measurement does: its first answers (the daemon
    // building its summary path) are not what a dashboard open for a while sees
    for (const warmEnd = Date.now() + o.warmupS * 1000; Date.now() < warmEnd && o.signal?.aborted !== true;) {
      const tick = Date.now();
      await get(url, path, key, false).catch(() => null);
      await sleep(Math.max(0, tick + 1000 - Date.now()), o.signal);
    }
    const pid = daemon.pid;
    const t0 = Date.now();
    const cpu0 = cpuSeconds(pid);
    const stats0 = await stats();
    const summaryMs: number[] = [];
    let summaryBytes = 0;
    let rssPeak = 0;
    let nextLine = t0 + 10_000;
    for (const end = t0 + o.measureS * 1000; Date.now() < end && o.signal?.aborted !== true;) {
      const tick = Date.now();
      if (daemon.exited()) throw new Error(`capacity self: sonde serve (pid ${pid}) ended during the measurement of ${n} targets`);
      const r = await get(url, path, key, false).catch((e: Error): Timed => ({ status: 0, ms: NaN, bytes: 0, body: e.message }));
      if (r.status === 200) {
        summaryMs.push(r.ms);
        summaryBytes = r.bytes;
      }
      rssPeak = Math.max(rssPeak, memory(pid).rssBytes);
      if (Date.now() >= nextLine) {
        nextLine += 10_000;
        const elapsed = (Date.now() - t0) / 1000;
        line(`  ${n} targets, ${elapsed.toFixed(0)} s: CPU ${((cpuSeconds(pid) - cpu0) / elapsed).toFixed(2)} cores, RSS ${(rssPeak / 1048576).toFixed(0)} MB, summary last ${r.ms.toFixed(1)} ms`);
      }
      await sleep(Math.max(0, tick + 1000 - Date.now()), o.signal);
    }
    const t1 = Date.now();
    const cpu = cpuSeconds(pid) - cpu0;
    const stats1 = await stats();
    const drift = driftBetween(stats0.driftHistogram, stats1.driftHistogram);
    await daemon.stop();
    daemon = undefined;
    const w = storedWindows(dir, o.windowS * 1000, t0, t1);
    const sorted = [...summaryMs].sort((a, b) => a - b);
    const [min, p50, p90, p99, max] = w.hist.percentiles([0, 50, 90, 99, 100]);
    const figures: MonitoringFigures = {
      // no whole window inside the period (a period shorter than two windows): not measured
      lossPercent: w.sent > 0 ? (100 * (w.sent - w.received)) / w.sent : NaN,
      driftP99Ms: drift?.p99Ms ?? null,
      cpuCores: cpu / ((t1 - t0) / 1000),
      rssPeakMB: rssPeak / 1048576,
      summaryP99Ms: quantile(sorted, 0.99),
    };
    const verdicts = goalVerdicts(figures);
    if (Number.isNaN(figures.lossPercent)) verdicts.lossPercent = false;
    return {
      ...figures, targets: n, startedAt: t0, endedAt: t1, measuredS: (t1 - t0) / 1000,
      windows: w.count, sent: w.sent, received: w.received, duplicates: w.duplicates, errors: w.errors,
      achievedRate: w.spanS > 0 ? w.sent / w.spanS : 0,
      hdr: w.hist.encode() ?? new Uint8Array([0x01]),
      rttNs: w.received === 0 ? null : { min, p50, p90, p99, max, mean: w.sumNs / w.received },
      driftMaxMs: drift?.maxMs ?? null, summaryP50Ms: quantile(sorted, 0.5), summaryBytes, skippedSlots: stats1.skippedSlots - stats0.skippedSlots,
      verdicts, meetsGoals: Object.values(verdicts).every(Boolean), stopped: o.signal?.aborted === true,
    };
  } finally {
    if (daemon !== undefined) await daemon.stop().catch(() => null);
    rmSync(dir, { recursive: true, force: true });
  }
}
