// npm run soak -- --minutes N — one `sonde serve` child under everything at once for N
// minutes: --targets loopback targets (127.0.0.0/8) monitored at 1 probe/s, API polling once a
// second (summary, monitor stats, targets, jobs, healthz), --live-clients /v1/live WebSocket
// clients subscribed to the monitor, and a fuzz trickle (bench/lib/fuzz, --fuzz-per-second). Every
// --sample-seconds it samples the daemon's RSS (/proc/<pid>/status), open file descriptors
// (/proc/<pid>/fd), and from GET /metrics the V8 heap in use, libuv handles
// (nodejs_active_handles summed over its types; prom-client's count of process._getActiveHandles()), active
// resources and event-loop delay p99/max. After --warmup-minutes it fits a line to each series
// and prints its growth per hour and over the run. Then it stops the daemon (open windows are
// written at shutdown) and compares the stored windows of the monitor with the expected
// number (targets × whole windows inside the probing period). Goals (issue 14, at 30 min):
// RSS growth ≤ 5 % after warm-up, fd and handle counts flat, no lost window.
//
//   node dist/bench/soak.js [--minutes 30] [--targets 10000] [--warmup-minutes 5] [--live-clients 20]
//                           [--fuzz-per-second 5] [--window-seconds 10] [--sample-seconds 5] [--no-save]
import { mkdtempSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Command, InvalidArgumentError } from 'commander';
import WebSocket from 'ws';
import { openSonde } from '../engine/index.js';
import { startFuzzDaemon, type FuzzDaemon } from './lib/fuzz/fuzz-daemon.js';
import { runHttpCampaign, type HttpCampaignStats } from './lib/fuzz/http-campaign.js';
import { closeAgent } from './lib/fuzz/http-send.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { grownMappings, mappings, type MappingRss } from './lib/proc-mappings.js';
import { memory } from './lib/proc-stat.js';
import { saveResult } from './lib/results.js';
import { quantile } from './lib/stats.js';
import { loopbackTargets } from './lib/targets.js';

function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('a positive number');
  return n;
}

const opts = new Command('soak')
  .description('monitoring + API polling + live clients + a fuzz trickle against one sonde serve; growth of RSS, heap, fds, handles')
  .option('--minutes <m>', 'minutes in all (warm-up included)', positive, 30)
  .option('--warmup-minutes <m>', 'minutes before the growth fit starts (default: 5, or a third of --minutes when shorter)', positive)
  .option('--targets <n>', 'monitored loopback targets', positive, 10_000)
  .option('--live-clients <n>', '/v1/live WebSocket clients', positive, 20)
  .option('--fuzz-per-second <n>', 'fuzz requests per second beside the load', positive, 5)
  .option('--window-seconds <s>', 'monitoring.windowSeconds of the daemon', positive, 10)
  .option('--sample-seconds <s>', 'seconds between samples', positive, 5)
  .option('--no-save', 'do not write bench/results/soak-*.json')
  .parse()
  .opts<{ minutes: number; warmupMinutes?: number; targets: number; liveClients: number; fuzzPerSecond: number; windowSeconds: number; sampleSeconds: number; save: boolean }>();

const warmupMinutes = opts.warmupMinutes ?? Math.min(5, opts.minutes / 3);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Sample {
  s: number; rssMB: number; fds: number; heapUsedMB: number | null; handles: number | null; resources: number | null; loopP99Ms: number | null; loopMaxMs: number | null;
}

/** The sum of every series of a gauge family (e.g. nodejs_active_handles by type). */
function gaugeSum(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm'))) {
    const v = Number(m[1]);
    if (Number.isFinite(v)) sum = (sum ?? 0) + v;
  }
  // a family with no series (no handle of any type) is 0, a missing family unknown
  return sum ?? (text.includes(`# TYPE ${name} gauge`) ? 0 : null);
}

function gauge(text: string, name: string): number | null {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN|Nan)$`, 'm').exec(text);
  const v = m === null ? NaN : Number(m[1]);
  return Number.isFinite(v) ? v : null;
}

/** Least-squares slope (per second) and the fitted value at the first x. */
function fit(xs: number[], ys: number[]): { slope: number; start: number } | null {
  if (xs.length < 3) return null;
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, start: my + slope * (xs[0] - mx) };
}

async function get(fd: FuzzDaemon, path: string): Promise<{ status: number; text: string; ms: number }> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${fd.url}${path}`, { headers: { authorization: `Bearer ${fd.adminKey}` }, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    return { status: res.status, text, ms: performance.now() - t0 };
  } catch (e) {
    return { status: 0, text: (e as Error).message, ms: performance.now() - t0 };
  }
}

const machine = describeMachine();
printMachine(machine);
const n = Math.round(opts.targets);
console.log(`soak: ${n} loopback targets at 1 probe/s, ${opts.liveClients} live clients, API polling 1/s, fuzz ${opts.fuzzPerSecond}/s; ${opts.minutes} min (warm-up ${warmupMinutes.toFixed(1)} min), ${opts.windowSeconds} s windows\n`);

const dir = mkdtempSync(join(tmpdir(), 'sonde-soak-'));
{
  const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
  const imported = sonde.targets.bulkImport(loopbackTargets(n).map((address) => ({ kind: 'HOST', address, labels: { soak: 'on' } })));
  await sonde.close();
  if (imported.created !== n) throw new Error(`imported ${imported.created} of ${n} targets`);
}
const fd = await startFuzzDaemon({ SONDE_THREADS: '0', SONDE_MONITORING_WINDOW_SECONDS: String(opts.windowSeconds), SONDE_METRICS_PER_TARGET: 'false' }, dir);
const windowMs = opts.windowSeconds * 1000;
let exitCode = 0;
const clients: WebSocket[] = [];
try {
  const created = await fetch(`${fd.url}/v1/monitors`, {
    method: 'POST', headers: { authorization: `Bearer ${fd.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'soak', selection: { labels: { soak: 'on' } }, intervalMs: 1000, timeoutMs: 1000 }),
  });
  if (created.status !== 201) throw new Error(`POST /v1/monitors answered ${created.status}: ${await created.text()}`);
  const monitorId = ((await created.json()) as { id: string }).id;
  const readyBy = Date.now() + 60_000 + n;
  for (;;) {
    const s = JSON.parse((await get(fd, `/v1/monitors/${monitorId}/stats`)).text) as { targets: number; batches: number };
    if (s.targets >= n && s.batches > 0) break;
    if (Date.now() > readyBy) throw new Error(`the monitor did not start: ${JSON.stringify(s)}`);
    await sleep(500);
  }
  const probingSince = Date.now();
  const t0 = Date.now();
  const end = t0 + opts.minutes * 60_000;
  console.log(`  probing (daemon pid ${fd.pid}); live clients connecting`);

  let stopping = false;
  // live clients
  let liveMessages = 0;
  let liveBytes = 0;
  let liveCloses = 0;
  for (let i = 0; i < opts.liveClients; i++) {
    const ws = new WebSocket(`${fd.url.replace(/^http/, 'ws')}/v1/live?monitors=${monitorId}`, { headers: { authorization: `Bearer ${fd.adminKey}` } });
    ws.on('message', (d: Buffer) => { liveMessages++; liveBytes += d.length; });
    ws.on('close', () => { if (!stopping) liveCloses++; });
    ws.on('error', () => undefined);
    clients.push(ws);
  }

  // the fuzz trickle
  let fuzzError: Error | undefined;
  let fuzzStats: HttpCampaignStats | undefined;
  const fuzz = runHttpCampaign(fd, {
    seed: Date.now() % 2 ** 31, cases: Number.MAX_SAFE_INTEGER, paceMs: 1000 / opts.fuzzPerSecond, shouldStop: () => stopping,
    onProgress: (s) => { fuzzStats = s; },
  }).then((s) => { fuzzStats = s; }, (e: Error) => { fuzzError = e; });

  // API polling, once a second
  const pollMs: number[] = [];
  const pollErrors = new Map<string, number>();
  const poll = (async () => {
    const paths = [`/v1/monitors/${monitorId}/summary`, `/v1/monitors/${monitorId}/stats`, '/v1/targets?limit=100', '/v1/jobs?limit=20', '/healthz'];
    for (let i = 0; !stopping; i++) {
      const tick = Date.now();
      const r = await get(fd, paths[i % paths.length]);
      if (r.status === 200) pollMs.push(r.ms);
      else pollErrors.set(`${paths[i % paths.length].split('?')[0]} ${r.status}`, (pollErrors.get(`${paths[i % paths.length].split('?')[0]} ${r.status}`) ?? 0) + 1);
      await sleep(Math.max(0, tick + 1000 / paths.length - Date.now()));
    }
  })();

  // sampling (and, at the warm-up's end and the run's, the resident size of every mapping)
  const samples: Sample[] = [];
  let mapsAtWarmupEnd: MappingRss[] | null = null;
  let nextReport = t0 + 60_000;
  await get(fd, '/metrics'); // prom-client resets its event-loop histogram on each scrape
  while (Date.now() < end) {
    const tick = Date.now();
    const ended = () => new Error(`sonde serve (pid ${fd.pid}) ended during the soak: exit code ${fd.daemon.child.exitCode}, signal ${fd.daemon.child.signalCode}; its last stderr:\n${fd.daemon.stderrTail().split('\n').slice(-40).join('\n')}`);
    if (!fd.alive()) throw ended();
    const metrics = await get(fd, '/metrics');
    const text = metrics.status === 200 ? metrics.text : '';
    const heap = gauge(text, 'nodejs_heap_size_used_bytes');
    const p99 = gauge(text, 'nodejs_eventloop_lag_p99_seconds');
    const max = gauge(text, 'nodejs_eventloop_lag_max_seconds');
    let rssBytes: number;
    let fds: number;
    try {
      rssBytes = memory(fd.pid).rssBytes;
      fds = readdirSync(`/proc/${fd.pid}/fd`).length;
    } catch (error) {
      // it ended between the check above and these reads
      await sleep(200);
      if (!fd.alive()) throw ended();
      throw error;
    }
    const sample: Sample = {
      s: (tick - t0) / 1000,
      rssMB: rssBytes / 2 ** 20,
      fds,
      heapUsedMB: heap === null ? null : heap / 2 ** 20,
      handles: gaugeSum(text, 'nodejs_active_handles'),
      resources: gaugeSum(text, 'nodejs_active_resources'),
      loopP99Ms: p99 === null ? null : p99 * 1000,
      loopMaxMs: max === null ? null : max * 1000,
    };
    samples.push(sample);
    if (mapsAtWarmupEnd === null && sample.s >= warmupMinutes * 60) mapsAtWarmupEnd = mappings(fd.pid);
    if (tick >= nextReport) {
      nextReport += 60_000;
      console.log(`    ${sample.s.toFixed(0).padStart(5)} s: RSS ${sample.rssMB.toFixed(0)} MB, heap ${sample.heapUsedMB?.toFixed(0) ?? 'n/a'} MB, fds ${sample.fds}, handles ${sample.handles ?? 'n/a'}, `
        + `loop p99/max ${sample.loopP99Ms?.toFixed(1) ?? 'n/a'}/${sample.loopMaxMs?.toFixed(1) ?? 'n/a'} ms, live msgs ${liveMessages}, fuzz cases ${fuzzStats?.cases ?? 0}, load ${loadavg()[0].toFixed(2)}`);
    }
    if (fuzzError !== undefined) throw fuzzError;
    await sleep(Math.max(0, tick + opts.sampleSeconds * 1000 - Date.now()));
  }
  const mapsAtEnd = mappings(fd.pid);
  stopping = true;
  await Promise.all([fuzz, poll]);
  if (fuzzError !== undefined) throw fuzzError;
  const liveOpen = clients.filter((c) => c.readyState === WebSocket.OPEN).length;
  for (const c of clients) c.close();
  const stoppedAt = Date.now();
  const daemonExit = await fd.daemon.stop();

  // growth after the warm-up
  const after = samples.filter((x) => x.s >= warmupMinutes * 60);
  const measuredHours = after.length > 1 ? (after[after.length - 1].s - after[0].s) / 3600 : 0;
  const growth = (pick: (x: Sample) => number | null) => {
    const pts = after.filter((x) => pick(x) !== null);
    const f = fit(pts.map((x) => x.s), pts.map((x) => pick(x)!));
    if (f === null) return null;
    const first = pick(pts[0])!;
    const last = pick(pts[pts.length - 1])!;
    return { atWarmupEnd: f.start, perHour: f.slope * 3600, overRun: f.slope * 3600 * measuredHours, overRunPercent: f.start !== 0 ? (100 * f.slope * 3600 * measuredHours) / f.start : null, first, last, min: Math.min(...pts.map((x) => pick(x)!)), max: Math.max(...pts.map((x) => pick(x)!)) };
  };
  const series = {
    rssMB: growth((x) => x.rssMB), heapUsedMB: growth((x) => x.heapUsedMB), fds: growth((x) => x.fds), handles: growth((x) => x.handles), resources: growth((x) => x.resources),
  };
  const loopP99 = quantile(samples.map((x) => x.loopP99Ms).filter((x): x is number => x !== null), 0.5);
  const loopMax = Math.max(...samples.map((x) => x.loopMaxMs ?? 0));

  // stored windows against the expected count
  const db = new Database(join(dir, 'sonde.db'), { readonly: true });
  const firstWhole = Math.ceil(probingSince / windowMs) * windowMs;
  const lastEnd = Math.floor(stoppedAt / windowMs) * windowMs;
  const wholeWindows = Math.max(0, (lastEnd - firstWhole) / windowMs);
  const stored = db.prepare<[number, number, number, string], { rows: number; sent: number | null; received: number | null }>(
    'SELECT count(*) AS rows, sum(sent) AS sent, sum(received) AS received FROM latency_windows WHERE span_ms = ? AND start_at >= ? AND start_at + span_ms <= ? AND monitor_seq = (SELECT seq FROM monitors WHERE id = ?)',
  ).get(windowMs, firstWhole, lastEnd, monitorId)!;
  db.close();
  const expectedWindows = wholeWindows * n;
  // A window row can exist with probes missing (slots skipped on an overloaded loop): a lost
  // second is a loss too, so the probes sent are counted against one a second per target.
  const probesPerWindow = Math.round(windowMs / 1000);
  const expectedProbes = expectedWindows * probesPerWindow;

  const fmtGrowth = (name: string, g: ReturnType<typeof growth>, unit: string, digits = 1): string => (g === null ? `${name}: n/a`
    : `${name}: ${g.atWarmupEnd.toFixed(digits)} ${unit} at warm-up end, ${g.perHour >= 0 ? '+' : ''}${g.perHour.toFixed(digits)} ${unit}/h (${g.overRun >= 0 ? '+' : ''}${g.overRun.toFixed(digits)} ${unit} over the ${(measuredHours * 60).toFixed(1)} min measured${g.overRunPercent === null ? '' : `, ${g.overRunPercent.toFixed(2)} %`}); min/max ${g.min.toFixed(digits)}/${g.max.toFixed(digits)}`);
  console.log('');
  console.log(fmtGrowth('RSS', series.rssMB, 'MB'));
  const grown = mapsAtWarmupEnd === null ? [] : grownMappings(mapsAtWarmupEnd, mapsAtEnd);
  if (grown.length > 0) {
    console.log('  resident size per mapping, warm-up end → end (the largest changes):');
    for (const g of grown) console.log(`    ${g.start.padStart(16)} ${(g.beforeKb / 1024).toFixed(1).padStart(7)} → ${(g.afterKb / 1024).toFixed(1).padStart(7)} MB  ${g.name}`);
  }
  console.log(fmtGrowth('V8 heap used', series.heapUsedMB, 'MB'));
  console.log(fmtGrowth('open fds', series.fds, 'fds', 2));
  console.log(fmtGrowth('libuv handles (sum of nodejs_active_handles)', series.handles, 'handles', 2));
  console.log(fmtGrowth('active resources (nodejs_active_resources_total)', series.resources, '', 2));
  console.log(`event-loop delay: median of the p99 samples ${loopP99.toFixed(1)} ms, max ${loopMax.toFixed(1)} ms`);
  console.log(`windows: ${stored.rows} stored of ${expectedWindows} expected (${wholeWindows} whole ${opts.windowSeconds} s windows × ${n} targets); probes ${stored.sent ?? 0} sent of ${expectedProbes} expected, ${stored.received ?? 0} received`);
  console.log(`API polling: ${pollMs.length} answers, p50/p99 ${quantile(pollMs, 0.5).toFixed(1)}/${quantile(pollMs, 0.99).toFixed(1)} ms, errors ${JSON.stringify(Object.fromEntries(pollErrors))}`);
  console.log(`live: ${opts.liveClients} clients, ${liveOpen} still open at the end, ${liveMessages} messages (${(liveBytes / 2 ** 20).toFixed(1)} MB), ${liveCloses} closed by the server before the end`);
  console.log(`fuzz trickle: ${fuzzStats?.cases ?? 0} cases, 5xx ${fuzzStats?.fiveXx ?? 0}, statuses ${JSON.stringify(Object.fromEntries(fuzzStats?.statuses ?? []))}`);
  const goals = {
    rssGrowthPercent: series.rssMB?.overRunPercent !== null && series.rssMB !== null && series.rssMB.overRunPercent! <= 5,
    fdsFlat: series.fds !== null && Math.abs(series.fds.overRun) < 2,
    handlesFlat: series.handles !== null && Math.abs(series.handles.overRun) < 2,
    noLostWindow: stored.rows === expectedWindows && expectedWindows > 0 && stored.sent === expectedProbes,
  };
  console.log(`goals: RSS growth ≤ 5 % ${goals.rssGrowthPercent ? 'PASS' : 'FAIL'}, fds flat ${goals.fdsFlat ? 'PASS' : 'FAIL'}, handles flat ${goals.handlesFlat ? 'PASS' : 'FAIL'}, no lost window ${goals.noLostWindow ? 'PASS' : 'FAIL'}${opts.minutes < 30 ? ` (the goal is stated for 30 min; this run: ${opts.minutes} min)` : ''}`);
  console.log(`daemon exit code ${daemonExit}; machine: ${machine.cpu}, ${machine.cores} cores; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (opts.save) {
    console.log(`saved ${saveResult('soak', {
      machine, args: { ...opts, warmupMinutes }, goals, series, loopP99MedianMs: loopP99, loopMaxMs: loopMax,
      windows: { stored: stored.rows, expected: expectedWindows, whole: wholeWindows, sent: stored.sent, expectedProbes, received: stored.received },
      poll: { answers: pollMs.length, p50Ms: quantile(pollMs, 0.5), p99Ms: quantile(pollMs, 0.99), errors: Object.fromEntries(pollErrors) },
      live: { clients: opts.liveClients, openAtEnd: liveOpen, messages: liveMessages, bytes: liveBytes },
      fuzz: { cases: fuzzStats?.cases ?? 0, fiveXx: fuzzStats?.fiveXx ?? 0, statuses: Object.fromEntries(fuzzStats?.statuses ?? []) },
      grownMappings: grown, samples,
    })}`);
  }
} catch (error) {
  const cause = (error as Error).cause;
  console.error(`\nSOAK FAILURE: ${(error as Error).message}${cause instanceof Error ? `\ncaused by: ${cause.message}` : ''}`);
  exitCode = 1;
} finally {
  for (const c of clients) c.terminate();
  closeAgent();
  await fd.stop();
}
process.exit(exitCode);
