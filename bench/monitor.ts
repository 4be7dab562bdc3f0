// npm run bench:monitor — issue 6's capacity goal: N loopback targets (127.0.0.0/8 only)
// monitored at 1 probe/s by `sonde serve` running as a real child process (dist build, temp
// data directory, default configuration but for the window length if --window-seconds is
// given). For each N, after a warm-up, for --minutes:
//   - loss %: sent vs received of the stored windows that lie wholly inside the measured
//     period (read from the SQLite file after SIGTERM); the monitor summary's figure as well;
//   - schedule drift p99 over the measured period (GET /v1/monitors/{id}/stats at its start
//     and end: the cumulative drift histogram at the end minus the one at the start);
//   - sonde CPU in cores: utime + stime of the daemon (all threads) from /proc/<pid>/stat over
//     the period; RSS peak and end from /proc/<pid>/status, sampled every second;
//   - GET /v1/monitors/{id}/summary latency (request to last body byte) polled about once a
//     second throughout, in turn with fetch (which asks for gzip, as a browser does) and with
//     node:http on a thread of its own (no Accept-Encoding; the goal figure: a lean client whose
//     timings no GC of this process's 10 MB decodes pauses): p50/p99, and the body size;
//   - bytes on disk per target-minute: growth of the database (pages in use after a WAL
//     checkpoint) over the target-minutes probed (received + lost, at 60 probes a minute);
//   - event-loop delay p99/max over the period, from GET /metrics when the daemon exposes it.
// Then a table with PASS/FAIL per goal and the largest N meeting all of them; JSON goes to
// bench/results/monitor-*.json.
//
//   node dist/bench/monitor.js [--sizes 10000,25000,50000,100000] [--minutes 5] [--warmup-seconds 60]
//                              [--window-seconds 60] [--threads 0] [--no-save]
//   node dist/bench/monitor.js --probe tcp|http|dns [--http-fresh-tls] [--sizes …] [--minutes …]
//     the other probe kinds: see lib/probe-bench.ts (a monitor of that kind — or, with
//     --engine-probes, the engine's one-off probes — in a process of its own against loopback
//     servers in another)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import Table from 'cli-table3';
import { Command, InvalidArgumentError } from 'commander';
import { openSonde } from '../engine/index.js';
import { setThreadNice } from '../engine/thread-priority.js';
import { driftBetween as driftOfPeriod, goalVerdicts, MONITORING_GOALS } from '../engine/capacity/self/monitoring-goals.js';
import { freePort, startDaemon, type DaemonProcess } from './lib/daemon-process.js';
import { PlainPoller } from './lib/plain-poller.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { cpuSeconds, memory } from './lib/proc-stat.js';
import { runProbeBench, type BenchProbe } from './lib/probe-bench.js';
import { saveResult } from './lib/results.js';
import { quantile } from './lib/stats.js';

const GOALS = MONITORING_GOALS;

function sizes(v: string): number[] {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) throw new InvalidArgumentError('a comma-separated list of target counts, 1..1000000');
  return out;
}

function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('a positive number');
  return n;
}

function niceValue(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < -20 || n > 19) throw new InvalidArgumentError('an integer -20..19');
  return n;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('an integer ≥ 0');
  return n;
}

const opts = new Command('bench:monitor')
  .description('N loopback targets at 1 probe/s, monitored by sonde serve as a child process')
  .option('--sizes <list>', 'target counts to run, one after the other', sizes, [10_000, 25_000, 50_000, 100_000])
  .option('--minutes <m>', 'measured minutes per size (after the warm-up)', positive, 5)
  .option('--warmup-seconds <s>', 'seconds between the first probes and the start of the measurement (the summary is polled already)', positive, 60)
  .option('--window-seconds <s>', 'monitoring.windowSeconds of the daemon (default: its own, 60)', count, 0)
  .option('--threads <n>', 'probe worker threads of the daemon (0: its default, one per core)', count, 0)
  .option('--client-nice <n>', 'nice value of this process\'s measuring threads (fetch, node:http poller) while a daemon runs (-10: the probe threads\' own, so they do not delay the client; needs root)', niceValue, 0)
  .option('--probe <kind>', 'icmp (the daemon\'s monitors), or tcp | http | dns (the engine\'s probes against loopback servers, lib/probe-bench.ts)', probeKind, 'icmp')
  .option('--http-fresh-tls', '--probe http: https with a fresh TLS connection each probe instead of keep-alive http', false)
  .option('--engine-probes', '--probe tcp|http|dns: the engine\'s one-off probes on the monitor\'s schedule instead of a monitor of that kind', false)
  .option('--no-save', 'do not write bench/results/monitor-*.json')
  .parse()
  .opts<{ sizes: number[]; minutes: number; warmupSeconds: number; windowSeconds: number; threads: number; clientNice: number; save: boolean; probe: 'icmp' | BenchProbe; httpFreshTls: boolean; engineProbes: boolean }>();

function probeKind(v: string): 'icmp' | BenchProbe {
  if (v !== 'icmp' && v !== 'tcp' && v !== 'http' && v !== 'dns') throw new InvalidArgumentError('icmp, tcp, http or dns');
  return v;
}

if (opts.probe !== 'icmp') {
  await runProbeBench({ probe: opts.probe, httpFreshTls: opts.httpFreshTls, engineProbes: opts.engineProbes, sizes: opts.sizes, minutes: opts.minutes, warmupSeconds: opts.warmupSeconds, save: opts.save });
  process.exit(0);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function loopback(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`127.${1 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`);
  return out;
}

/** Bytes of the database in use (pages in use after a WAL checkpoint); the daemon is not running. */
function dbBytes(dir: string): number {
  const db = new Database(join(dir, 'sonde.db'));
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

interface Timed { status: number; text: string; ms: number; ttfbMs: number; bytes: number; gzip?: boolean }

interface Api {
  /** fetch (undici). ms: request to the last body byte; ttfbMs: to the response headers. */
  get(path: string): Promise<Timed>;
  /** node:http with a keep-alive agent on a thread of its own (lib/plain-poller.ts); the
   *  body is counted, not decoded (text is '' or the error). */
  getPlain(path: string): Promise<Timed>;
  post(path: string, body: unknown): Promise<{ status: number; text: string }>;
}

function api(url: string, key: string, plain: PlainPoller): Api {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  return {
    async getPlain(path) {
      const r = await plain.get(path);
      return { status: r.status, text: r.error ?? '', ms: r.ms, ttfbMs: r.ttfbMs, bytes: r.bytes };
    },
    async get(path) {
      const t0 = performance.now();
      const res = await fetch(`${url}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
      const ttfbMs = performance.now() - t0;
      const body = Buffer.from(await res.arrayBuffer());
      const ms = performance.now() - t0; // before decoding the body (10 MB at 50,000 targets)
      // fetch asks for gzip (as a browser does) and inflates what comes gzip-compressed
      return { status: res.status, text: body.toString('utf8'), ms, ttfbMs, bytes: body.length, gzip: res.headers.get('content-encoding') === 'gzip' };
    },
    async post(path, body) {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: res.status, text: await res.text() };
    },
  };
}

interface MonitorStats {
  targets: number; batches: number; driftP50Ms: number | null; driftP99Ms: number | null; driftMaxMs: number | null; driftHistogram: string | null;
  skippedSlots: number; failedBatches: number; lastError: string | null;
}

/** Drift over [start, end]: the end's cumulative histogram minus the start's (µs → ms). */
function driftBetween(start: MonitorStats, end: MonitorStats): ReturnType<typeof driftOfPeriod> {
  return driftOfPeriod(start.driftHistogram, end.driftHistogram);
}
interface Summary { lossWindowMs: number; counts: Record<string, number>; targets: { sent: number; received: number }[] }

/** Event-loop delay from GET /metrics (prom-client's nodejs_eventloop_lag_* gauges), if exposed. */
async function eventLoop(client: Api): Promise<{ p99Ms: number; maxMs: number } | null> {
  try {
    const res = await client.get('/metrics');
    if (res.status !== 200) return null;
    const gauge = (name: string): number => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(res.text);
      return m === null ? NaN : Number(m[1]) * 1000;
    };
    const out = { p99Ms: gauge('nodejs_eventloop_lag_p99_seconds'), maxMs: gauge('nodejs_eventloop_lag_max_seconds') };
    return Number.isNaN(out.p99Ms) ? null : out;
  } catch {
    return null;
  }
}

const fmt = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
const mb = (bytes: number): number => bytes / (1024 * 1024);

async function runSize(n: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-monitor-'));
  let daemon: DaemonProcess | undefined;
  let poller: PlainPoller | undefined;
  try {
    const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
    const imported = sonde.targets.bulkImport(loopback(n).map((address) => ({ kind: 'HOST', address, labels: { bench: 'monitor' } })));
    await sonde.close();
    if (imported.created !== n) throw new Error(`imported ${imported.created} of ${n} targets`);
    const bytesBefore = dbBytes(dir);
    const env: Record<string, string> = {};
    if (opts.windowSeconds > 0) env.SONDE_MONITORING_WINDOW_SECONDS = String(opts.windowSeconds);
    if (opts.threads > 0) env.SONDE_THREADS = String(opts.threads);
    daemon = await startDaemon(dir, await freePort(), env, 'warn');
    // set after the spawn (a child inherits its parent thread's nice), undone in finally
    const clientNice = opts.clientNice !== 0 && setThreadNice(opts.clientNice) ? opts.clientNice : 0;
    if (opts.clientNice !== clientNice) console.log(`    could not set this thread's nice to ${opts.clientNice} (needs root or CAP_SYS_NICE): measuring at 0`);
    const pid = daemon.child.pid!;
    const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    poller = new PlainPoller({ url: daemon.url, headers: { authorization: `Bearer ${key}` }, nice: clientNice });
    const client = api(daemon.url, key, poller);
    const created = await client.post('/v1/monitors', { name: 'bench', selection: { labels: { bench: 'monitor' } }, intervalMs: 1000, timeoutMs: 1000 });
    if (created.status !== 201) throw new Error(`POST /v1/monitors answered ${created.status}: ${created.text}`);
    const monitorId = (JSON.parse(created.text) as { id: string }).id;
    const stats = async (): Promise<MonitorStats> => {
      const r = await client.get(`/v1/monitors/${monitorId}/stats`);
      if (r.status !== 200) throw new Error(`GET stats answered ${r.status}: ${r.text}`);
      return JSON.parse(r.text) as MonitorStats;
    };
    // until every target is scheduled and batches go out
    const readyBy = Date.now() + 60_000 + n;
    for (let s = await stats(); s.targets < n || s.batches === 0; s = await stats()) {
      if (Date.now() > readyBy) throw new Error(`the monitor did not start: ${JSON.stringify(s)}`);
      await sleep(500);
    }
    const probingSince = Date.now();
    console.log(`  N=${n}: probing (daemon pid ${pid}); warm-up ${opts.warmupSeconds} s`);
    // the warm-up polls the summary as the measurement does (a dashboard that has been open
    // a while); the first answers, while the daemon builds and compiles its summary path,
    // are reported apart
    const path = `/v1/monitors/${monitorId}/summary`;
    const coldMs: number[] = [];
    for (const warmEnd = Date.now() + opts.warmupSeconds * 1000; Date.now() < warmEnd;) {
      const tick = Date.now();
      const r = await (coldMs.length % 2 === 1 ? client.getPlain(path) : client.get(path)).catch(() => null);
      if (coldMs.length < 10 && r !== null) coldMs.push(Math.round(r.ms));
      await sleep(Math.max(0, tick + 1000 - Date.now()));
    }
    console.log(`    the first summaries of the warm-up (fetch and node:http in turn): ${coldMs.join(', ')} ms`);

    await eventLoop(client); // prom-client resets its event-loop histogram on each scrape
    const loadBefore = loadavg();
    const t0 = Date.now();
    const cpu0 = cpuSeconds(pid);
    const stats0 = await stats();
    const end = t0 + opts.minutes * 60_000;
    const summaryMs: number[] = [];
    const summaryTtfbMs: number[] = [];
    const plainMs: number[] = [];
    const plainTtfbMs: number[] = [];
    let polls = 0;
    const windowMs = (opts.windowSeconds > 0 ? opts.windowSeconds : 60) * 1000;
    const slowSummaries: { ms: number; secondsIn: number; secondsIntoWindow: number; client: 'fetch' | 'http' }[] = [];
    let summaryBytes = 0;
    let summaryErrors = 0;
    let gzipAnswers = 0;
    let rssPeak = 0;
    let rssEnd = 0;
    let lastSummary: Summary | undefined;
    let nextReport = t0 + 10_000;
    while (Date.now() < end) {
      const tick = Date.now();
      if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) {
        throw new Error(`sonde serve (pid ${pid}) ended during the run: exit code ${daemon.child.exitCode}, signal ${daemon.child.signalCode}`);
      }
      // parsed only for the progress lines and at the end: this process shares the cores
      const parse = Date.now() >= nextReport || Date.now() + 2000 >= end;
      // every other poll with a plain node:http client on its own thread (no GC pause of this
      // thread's 10 MB decodes in its timings): what the server takes, without
      // undici's own cost of taking in 10 MB (~20 ms here)
      const plain = !parse && ++polls % 2 === 0;
      const r = await (plain ? client.getPlain(path) : client.get(path)).catch((e: Error): Timed => ({ status: 0, text: e.message, ms: NaN, ttfbMs: NaN, bytes: 0 }));
      if (r.status === 200) {
        (plain ? plainMs : summaryMs).push(r.ms);
        (plain ? plainTtfbMs : summaryTtfbMs).push(r.ttfbMs);
        // slow answers and where in the window they fell (window writes, rollups, GC…)
        if (r.ms > GOALS.summaryP99Ms) slowSummaries.push({ ms: Math.round(r.ms), secondsIn: Math.round((tick - t0) / 1000), secondsIntoWindow: (tick % windowMs) / 1000, client: plain ? 'http' : 'fetch' });
        summaryBytes = r.bytes;
        if (r.gzip === true) gzipAnswers++;
        if (parse) lastSummary = JSON.parse(r.text) as Summary;
      } else summaryErrors++;
      const mem = memory(pid);
      rssEnd = mem.rssBytes;
      if (mem.rssBytes > rssPeak) rssPeak = mem.rssBytes;
      if (Date.now() >= nextReport) {
        nextReport += 10_000;
        const s = await stats();
        const elapsed = (Date.now() - t0) / 1000;
        console.log(`    ${elapsed.toFixed(0).padStart(4)} s: CPU ${((cpuSeconds(pid) - cpu0) / elapsed).toFixed(2)} cores, RSS ${mb(mem.rssBytes).toFixed(0)} MB, `
          + `summary last ${fmt(r.ms)} ms / p99 ${fmt(quantile(summaryMs, 0.99))} ms, drift p99 since start ${fmt(s.driftP99Ms)} ms, `
          + `status ${JSON.stringify(lastSummary?.counts ?? {})}, load ${loadavg()[0].toFixed(2)}`);
      }
      await sleep(Math.max(0, tick + 1000 - Date.now()));
    }
    const t1 = Date.now();
    const cpu = cpuSeconds(pid) - cpu0;
    const loop = await eventLoop(client);
    const final = await stats();
    const period = driftBetween(stats0, final);
    const loadAfter = loadavg();
    let summarySent = 0;
    let summaryReceived = 0;
    for (const t of lastSummary?.targets ?? []) {
      summarySent += t.sent;
      summaryReceived += t.received;
    }
    const exitCode = await daemon.stop();
    daemon = undefined;

    // stored windows: those wholly inside [t0, t1], and everything stored
    const db = new Database(join(dir, 'sonde.db'), { readonly: true });
    const sums = (where: string, ...params: number[]) => db.prepare<number[], { sent: number | null; received: number | null; rows: number }>(
      `SELECT sum(sent) AS sent, sum(received) AS received, count(*) AS rows FROM latency_windows WHERE span_ms = ? ${where}`,
    ).get(windowMs, ...params)!;
    const inside = sums('AND start_at >= ? AND start_at + ? <= ?', t0, windowMs, t1);
    const all = sums('');
    db.close();
    const bytesAfter = dbBytes(dir);
    const targetMinutes = (all.sent ?? 0) / 60;
    const lossOf = (s: { sent: number | null; received: number | null }): number => (s.sent ? (100 * (s.sent - (s.received ?? 0))) / s.sent : NaN);
    return {
      targets: n,
      clientNice,
      measuredSeconds: (t1 - t0) / 1000,
      probingSeconds: (t1 - probingSince) / 1000,
      loadBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
      loadAfter: loadAfter.map((l) => Math.round(l * 100) / 100),
      lossPercent: inside.rows > 0 ? lossOf(inside) : lossOf({ sent: summarySent, received: summaryReceived }),
      lossSource: inside.rows > 0 ? `${inside.rows} stored windows inside the period` : `summary (no whole ${windowMs / 1000} s window inside the period)`,
      storedWholeWindows: { rows: inside.rows, sent: inside.sent ?? 0, received: inside.received ?? 0, lossPercent: lossOf(inside) },
      storedAll: { rows: all.rows, sent: all.sent ?? 0, received: all.received ?? 0, lossPercent: lossOf(all) },
      summaryLossPercent: lossOf({ sent: summarySent, received: summaryReceived }),
      // drift over the measured period (the goal's figure), and since the monitor started
      driftP50Ms: period?.p50Ms ?? null, driftP99Ms: period?.p99Ms ?? null, driftMaxMs: period?.maxMs ?? null, driftSamples: period?.samples ?? 0,
      driftSinceStartP50Ms: final.driftP50Ms, driftSinceStartP99Ms: final.driftP99Ms, driftSinceStartMaxMs: final.driftMaxMs,
      skippedSlots: final.skippedSlots, failedBatches: final.failedBatches, lastError: final.lastError,
      cpuSeconds: cpu, cpuCores: cpu / ((t1 - t0) / 1000),
      rssPeakMB: mb(rssPeak), rssEndMB: mb(rssEnd),
      summaryRequests: summaryMs.length, summaryErrors, summaryBytes, summaryGzipAnswers: gzipAnswers,
      slowSummaries,
      summaryColdMs: coldMs,
      summaryP50Ms: quantile(summaryMs, 0.5), summaryP99Ms: quantile(summaryMs, 0.99), summaryMaxMs: Math.max(...summaryMs),
      summaryTtfbP50Ms: quantile(summaryTtfbMs, 0.5), summaryTtfbP99Ms: quantile(summaryTtfbMs, 0.99),
      plainRequests: plainMs.length,
      plainP50Ms: quantile(plainMs, 0.5), plainP99Ms: quantile(plainMs, 0.99), plainMaxMs: Math.max(...plainMs),
      plainTtfbP50Ms: quantile(plainTtfbMs, 0.5), plainTtfbP99Ms: quantile(plainTtfbMs, 0.99),
      eventLoopP99Ms: loop?.p99Ms ?? null, eventLoopMaxMs: loop?.maxMs ?? null,
      dbGrowthBytes: bytesAfter - bytesBefore,
      targetMinutes,
      bytesPerTargetMinute: targetMinutes > 0 ? (bytesAfter - bytesBefore) / targetMinutes : NaN,
      // one row per target per window: at 60 s windows, the bytes of one target-minute (the
      // first and last windows of a run are partial, which the figure above counts against it)
      bytesPerWindowRow: all.rows > 0 ? (bytesAfter - bytesBefore) / all.rows : NaN,
      daemonExitCode: exitCode,
    };
  } finally {
    setThreadNice(0);
    await poller?.close();
    if (daemon !== undefined) await daemon.stop().catch(() => null);
    rmSync(dir, { recursive: true, force: true });
  }
}

type Row = Awaited<ReturnType<typeof runSize>>;

function verdicts(r: Row): ReturnType<typeof goalVerdicts> {
  // the server's answer, as a plain client takes it (fetch adds its own ~20–30 ms for 10 MB)
  return goalVerdicts({ lossPercent: r.lossPercent, driftP99Ms: r.driftP99Ms, cpuCores: r.cpuCores, rssPeakMB: r.rssPeakMB, summaryP99Ms: r.plainP99Ms });
}

const machine = describeMachine();
printMachine(machine);
console.log(`monitor: ${opts.sizes.join(', ')} loopback targets at 1 probe/s, ${opts.minutes} min measured each after ${opts.warmupSeconds} s of warm-up; sonde serve as a child process\n`);
const rows: Row[] = [];
for (const n of opts.sizes) {
  const row = await runSize(n);
  rows.push(row);
  console.log(`  N=${n}: loss ${fmt(row.lossPercent, 4)} % (${row.lossSource}), drift p99 ${fmt(row.driftP99Ms, 2)} ms (since start ${fmt(row.driftSinceStartP99Ms, 2)}), CPU ${fmt(row.cpuCores, 2)} cores, `
    + `RSS ${fmt(row.rssPeakMB, 0)}/${fmt(row.rssEndMB, 0)} MB, summary p50/p99 ${fmt(row.summaryP50Ms)}/${fmt(row.summaryP99Ms)} ms to the last byte (fetch, ${row.summaryGzipAnswers} of ${row.summaryRequests} gzip-compressed; ${(row.summaryBytes / 1e6).toFixed(1)} MB; to the headers ${fmt(row.summaryTtfbP50Ms)}/${fmt(row.summaryTtfbP99Ms)} ms; `
    + `node:http ${fmt(row.plainP50Ms)}/${fmt(row.plainP99Ms)} ms, headers ${fmt(row.plainTtfbP50Ms)}/${fmt(row.plainTtfbP99Ms)} ms), `
    + `${fmt(row.bytesPerWindowRow, 0)} B per window row (${fmt(row.bytesPerTargetMinute, 0)} per probed target-minute), load ${row.loadBefore[0]} → ${row.loadAfter[0]}`);
  if (row.slowSummaries.length > 0) {
    const slow = (client: string): string => row.slowSummaries.filter((x) => x.client === client)
      .map((x) => `${x.ms} ms at +${x.secondsIn} s (${x.secondsIntoWindow.toFixed(0)} s into a window)`).join(', ') || 'none';
    console.log(`    summaries over ${GOALS.summaryP99Ms} ms, node:http: ${slow('http')}`);
    console.log(`    … fetch: ${slow('fetch')}`);
  }
  console.log('');
}

const mark = (ok: boolean, text: string): string => `${text} ${ok ? 'PASS' : 'FAIL'}`;
const defaultWindow = opts.windowSeconds === 0 || opts.windowSeconds === 60;
const table = new Table({
  style: { head: [], border: [] },
  head: ['targets', `loss % (≤${GOALS.lossPercent})`, `drift p99 ms (≤${GOALS.driftP99Ms})`, `CPU cores (≤${GOALS.cpuCores})`,
    `RSS MB peak/end (≤${GOALS.rssMB})`, `summary p50/p99 ms node:http (≤${GOALS.summaryP99Ms}) / fetch`, 'B per 60 s row (per probed target-min) (≤200)', 'loop p99/max ms', 'all'],
});
for (const r of rows) {
  const v = verdicts(r);
  table.push([
    r.targets.toLocaleString('en-US'), mark(v.lossPercent, fmt(r.lossPercent, 4)), mark(v.driftP99Ms, fmt(r.driftP99Ms, 2)), mark(v.cpuCores, fmt(r.cpuCores, 2)),
    mark(v.rssMB, `${fmt(r.rssPeakMB, 0)}/${fmt(r.rssEndMB, 0)}`), mark(v.summaryP99Ms, `${fmt(r.plainP50Ms)}/${fmt(r.plainP99Ms)}`) + ` / ${fmt(r.summaryP50Ms)}/${fmt(r.summaryP99Ms)}`,
    // the storage goal is for the default 60 s windows (one row per target-minute)
    defaultWindow ? mark(r.bytesPerWindowRow <= 200, `${fmt(r.bytesPerWindowRow, 0)} (${fmt(r.bytesPerTargetMinute, 0)})`) : `${fmt(r.bytesPerWindowRow, 0)} per ${opts.windowSeconds} s row`, `${fmt(r.eventLoopP99Ms)}/${fmt(r.eventLoopMaxMs)}`,
    Object.values(v).every(Boolean) ? 'PASS' : 'FAIL',
  ]);
}
console.log(table.toString());
const meeting = rows.filter((r) => Object.values(verdicts(r)).every(Boolean)).map((r) => r.targets);
const largest = meeting.length > 0 ? Math.max(...meeting) : null;
console.log(`largest N meeting the goal: ${largest === null ? 'none of the sizes run' : largest.toLocaleString('en-US')}`);
const loadEnd = loadavg().map((l) => Math.round(l * 100) / 100);
console.log(`machine: ${machine.cpu}, ${machine.cores} cores; load average before ${machine.loadAvg.join(' ')}, after ${loadEnd.join(' ')}`);
if (opts.save) console.log(`saved ${saveResult('monitor', { machine, loadAvgAfter: loadEnd, args: opts, goals: GOALS, largestMeetingGoal: largest, rows })}`);
