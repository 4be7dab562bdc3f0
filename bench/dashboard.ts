// The fleet view in headless chromium (playwright-core, Debian's /usr/bin/chromium) against a
// real `sonde serve` with N monitored loopback targets at 1 probe/s: per-second frame
// handling in the page (decode + draw, the 'sonde:fleet-frame' performance measures the
// view records), long tasks (PerformanceObserver), JS heap, bytes per second on the
// WebSocket, first render after sign-in, daemon CPU. Then (--parts) the daemon's CPU with 1
// and with --cpu-tabs fleet tabs open, alternated on the same daemon, and the target view's
// time from navigation to the smoke graph's first draw on a store holding a year of rollups
// and 14 days of raw windows. `npm run bench:dashboard`
//   [-- --targets 10000,50000 --seconds 60 --tabs 1 --parts fleet,tabs-cpu,target-view]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openSonde } from '../engine/index.js';
import { WindowStore, mergeRows, type WindowRow } from '../engine/monitor/window-store.js';
import { WindowTable } from '../engine/monitor/window-table.js';
import { openDatabase } from '../engine/store/database.js';
import { freePort, startDaemon, type DaemonProcess } from './lib/daemon-process.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { repoRoot } from './lib/paths.js';
import { cpuSeconds } from './lib/proc-stat.js';
import { saveResult } from './lib/results.js';
import { median, quantile } from './lib/stats.js';
import { loopbackTargets } from './lib/targets.js';
import { DAY, HOUR, MINUTE, windowRow } from './lib/window-rows.js';

/** ui/views/target/smoke-chart.ts's SMOKE_DRAWN_MARK (the ui code needs the DOM lib this program has not). */
const SMOKE_DRAWN_MARK = 'sonde:smoke-graph-drawn';
const CHROMIUM = process.env.SONDE_BENCH_CHROMIUM ?? '/usr/bin/chromium';

interface FrameDetail { ms: number; records: number; full: boolean; redrawn: boolean; atMs: number }

interface PageFigures {
  frames: number[];
  worst: FrameDetail[];
  longTasks: number[];
  heapBytes: number | null;
  firstRenderEpochMs: number | null;
  indexEpochMs: number | null;
  up: number;
}

interface RunResult {
  targets: number;
  tabs: number;
  seconds: number;
  firstRenderMs: number | null;
  /** Sign-in click → the fleet-index message arrived. */
  indexMs: number | null;
  /** Long tasks from the sign-in to the first render. */
  startupLongTasks: number[];
  frameP50Ms: number;
  frameP99Ms: number;
  frameMaxMs: number;
  frames: number;
  /** The three slowest frames: duration, records, whether full / fully repainted, page time. */
  worstFrames: FrameDetail[];
  longTasks: number;
  longTaskMaxMs: number;
  heapMB: number | null;
  socketBytesPerSec: number;
  daemonCores: number;
  upAtEnd: number;
}

// Runs in the page (this program has no DOM lib, hence the local declarations).
interface PerfLike {
  getEntriesByName(name: string): { duration: number; startTime: number; detail?: { records: number; full: boolean; redrawn: boolean } }[];
  timeOrigin: number;
  memory?: { usedJSHeapSize: number };
}
declare const performance: PerfLike;
declare const window: { __sondeLongTasks?: number[] };
declare const document: { querySelector(s: string): { getAttribute(n: string): string | null } | null };

function readPage(): PageFigures {
  const mark = performance.getEntriesByName('sonde:fleet-first-render')[0];
  const index = performance.getEntriesByName('sonde:fleet-index')[0];
  const up = document.querySelector('[data-status-count="up"]')?.getAttribute('data-count');
  return {
    frames: performance.getEntriesByName('sonde:fleet-frame').map((e) => e.duration),
    worst: performance.getEntriesByName('sonde:fleet-frame')
      .map((e) => ({ ms: e.duration, records: e.detail?.records ?? -1, full: e.detail?.full ?? false, redrawn: e.detail?.redrawn ?? false, atMs: Math.round(e.startTime) }))
      .sort((a, b) => b.ms - a.ms).slice(0, 3),
    longTasks: window.__sondeLongTasks ?? [],
    heapBytes: performance.memory?.usedJSHeapSize ?? null,
    firstRenderEpochMs: mark === undefined ? null : performance.timeOrigin + mark.startTime,
    indexEpochMs: index === undefined ? null : performance.timeOrigin + index.startTime,
    up: Number(up ?? -1),
  };
}

async function openFleetTab(browser: Browser, url: string, key: string, onBytes: (n: number) => void): Promise<{ page: Page; signInAt: number }> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    const w = window as { __sondeLongTasks?: number[] };
    w.__sondeLongTasks = [];
    type Observer = new (cb: (list: { getEntries(): { duration: number }[] }) => void) => { observe(o: object): void };
    const PO = (globalThis as unknown as { PerformanceObserver: Observer }).PerformanceObserver;
    new PO((list: { getEntries(): { duration: number }[] }) => {
      for (const e of list.getEntries()) w.__sondeLongTasks!.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => onBytes(typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length));
  });
  await page.goto(`${url}/ui/`);
  await page.getByLabel('API key').fill(key);
  const signInAt = Date.now();
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { page, signInAt };
}

/** `sonde serve` on dir with n loopback targets under one 1 probe/s monitor, scheduled. */
async function startFleetDaemon(dir: string, n: number): Promise<{ daemon: DaemonProcess; key: string }> {
  const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
  const imported = sonde.targets.bulkImport(loopbackTargets(n).map((address, i) => ({ kind: 'HOST', address, name: `lo-${i}`, labels: { bench: 'dashboard' } })));
  await sonde.close();
  if (imported.created !== n) throw new Error(`imported ${imported.created} of ${n} targets`);
  const daemon = await startDaemon(dir, await freePort(), { SONDE_AGENT_HOSTNAME: 'localhost' }, 'warn');
  const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
  const res = await fetch(`${daemon.url}/v1/monitors`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', selection: { labels: { bench: 'dashboard' } }, intervalMs: 1000, timeoutMs: 1000 }),
  });
  if (res.status !== 201) throw new Error(`POST /v1/monitors answered ${res.status}: ${await res.text()}`);
  // let the scheduler reach every target before the page opens
  await new Promise((r) => setTimeout(r, 5000));
  return { daemon, key };
}

async function waitForFirstRender(page: Page, deadlineMs: number): Promise<void> {
  while ((await page.evaluate(readPage)).firstRenderEpochMs === null) {
    if (Date.now() > deadlineMs) throw new Error('a fleet tab drew no first render in time: is the daemon overloaded?');
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function run(n: number, seconds: number, tabs: number, browser: Browser, screenshotDir: string | null): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-dashboard-'));
  let daemon: DaemonProcess | undefined;
  try {
    const started = await startFleetDaemon(dir, n);
    daemon = started.daemon;
    const key = started.key;

    let bytes = 0;
    const opened = [];
    for (let t = 0; t < tabs; t++) opened.push(await openFleetTab(browser, daemon.url, key, (b) => { if (t === 0) bytes += b; }));
    const first = opened[0]!;
    // first render: the first full frame drawn after the sign-in click
    const deadline = Date.now() + 60_000;
    let firstRender: number | null = null;
    let indexMs: number | null = null;
    let startupLongTasks: number[] = [];
    while (Date.now() < deadline) {
      const f = await first.page.evaluate(readPage);
      if (f.firstRenderEpochMs !== null) {
        firstRender = f.firstRenderEpochMs - first.signInAt;
        indexMs = f.indexEpochMs === null ? null : f.indexEpochMs - first.signInAt;
        startupLongTasks = f.longTasks.map(Math.round);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    // every tab subscribed and drawing before the window opens (the daemon's CPU is for all of them)
    for (const o of opened.slice(1)) {
      while (Date.now() < deadline + 60_000 && (await o.page.evaluate(readPage)).firstRenderEpochMs === null) await new Promise((r) => setTimeout(r, 200));
    }
    // measure a clean window: drop what the start-up recorded
    await first.page.evaluate(() => {
      (globalThis as unknown as { performance: { clearMeasures(name: string): void } }).performance.clearMeasures('sonde:fleet-frame');
      (window as { __sondeLongTasks?: number[] }).__sondeLongTasks = [];
    });
    const pid = daemon.child.pid!;
    const cpu0 = cpuSeconds(pid);
    const bytes0 = bytes;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const elapsed = (Date.now() - t0) / 1000;
    const cpu = (cpuSeconds(pid) - cpu0) / elapsed;
    const f = await first.page.evaluate(readPage);
    if (screenshotDir !== null) await first.page.screenshot({ path: join(screenshotDir, `fleet-${n}.png`) });
    for (const o of opened) await o.page.context().close();
    return {
      targets: n, tabs, seconds: elapsed,
      firstRenderMs: firstRender, indexMs, startupLongTasks,
      frameP50Ms: median(f.frames), frameP99Ms: quantile(f.frames, 0.99), frameMaxMs: Math.max(...f.frames),
      frames: f.frames.length, worstFrames: f.worst,
      longTasks: f.longTasks.length, longTaskMaxMs: f.longTasks.length === 0 ? 0 : Math.max(...f.longTasks),
      heapMB: f.heapBytes === null ? null : f.heapBytes / 1e6,
      socketBytesPerSec: (bytes - bytes0) / elapsed,
      daemonCores: cpu,
      upAtEnd: f.up,
    };
  } finally {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CpuPeriod { tabs: number; seconds: number; cores: number; loadAvg1: number }

interface TabsCpuResult {
  targets: number;
  tabs: number;
  periodSeconds: number;
  rounds: number;
  /** In the order run: 1 tab, then per round `tabs` tabs and 1 tab again. */
  periods: CpuPeriod[];
  oneTabMedianCores: number;
  manyTabsMedianCores: number;
  /** Per many-tab period: its cores minus the mean of the 1-tab periods either side. */
  pairedDifferences: number[];
  differenceMedianCores: number;
}

/** Daemon CPU with 1 fleet tab and with `tabs` (each its own context and session), alternated on one daemon. */
async function runTabsCpu(n: number, tabs: number, seconds: number, rounds: number, browser: Browser): Promise<TabsCpuResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-dashboard-cpu-'));
  let daemon: DaemonProcess | undefined;
  try {
    const started = await startFleetDaemon(dir, n);
    daemon = started.daemon;
    const { key } = started;
    const url = daemon.url;
    const pid = daemon.child.pid!;
    const ignoreBytes = (): void => {};
    const first = await openFleetTab(browser, url, key, ignoreBytes);
    await waitForFirstRender(first.page, Date.now() + 120_000);
    const periods: CpuPeriod[] = [];
    const measure = async (count: number): Promise<void> => {
      // past the subscriptions' start (the index of every target each new tab asked for)
      await new Promise((r) => setTimeout(r, 3000));
      const cpu0 = cpuSeconds(pid);
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const elapsed = (Date.now() - t0) / 1000;
      const p = { tabs: count, seconds: elapsed, cores: (cpuSeconds(pid) - cpu0) / elapsed, loadAvg1: describeMachine().loadAvg[0]! };
      periods.push(p);
      console.log(`  ${String(count).padStart(2)} tab(s): daemon ${p.cores.toFixed(2)} cores over ${elapsed.toFixed(0)} s (load ${p.loadAvg1})`);
    };
    await measure(1);
    for (let r = 0; r < rounds; r++) {
      const extra: Page[] = [];
      for (let t = 1; t < tabs; t++) extra.push((await openFleetTab(browser, url, key, ignoreBytes)).page);
      for (const page of extra) await waitForFirstRender(page, Date.now() + 120_000);
      await measure(tabs);
      for (const page of extra) await page.context().close();
      await measure(1);
    }
    await first.page.context().close();
    const one = periods.filter((p) => p.tabs === 1).map((p) => p.cores);
    const many = periods.filter((p) => p.tabs === tabs).map((p) => p.cores);
    const paired = periods.flatMap((p, i) => (p.tabs === tabs ? [p.cores - (periods[i - 1]!.cores + periods[i + 1]!.cores) / 2] : []));
    return {
      targets: n, tabs, periodSeconds: seconds, rounds, periods,
      oneTabMedianCores: median(one), manyTabsMedianCores: median(many),
      pairedDifferences: paired, differenceMedianCores: median(paired),
    };
  } finally {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface RangeLoads {
  range: string;
  /** Navigation start → the smoke graph's first draw, per load. */
  drawnMs: number[];
  drawnMedianMs: number;
  /** The history request's resource timing (request → last byte), per load. */
  historyMs: number[];
  points: number;
}

interface TargetViewResult {
  rawWindows: number;
  rollups: number;
  fillSeconds: number;
  dbBytes: number;
  loads: number;
  ranges: RangeLoads[];
}

/**
 * A store with one target's raw windows over the raw retention (14 days) and hourly rollups
 * over the rollup retention (365 days), written through the engine's WindowStore: the last 14
 * days' rollups are merges of their raw windows, older ones repeat a pool of real merges.
 */
function fillTargetHistory(dir: string, targetSeq: number, nowMs: number): { rawWindows: number; rollups: number } {
  const { db } = openDatabase(dir);
  try {
    const store = new WindowStore(db);
    const table = new WindowTable(1, 0);
    // a day-long swell so the year is not one flat line
    const baseAt = (ms: number): number => 8_000_000 + 4_000_000 * Math.sin((2 * Math.PI * ms) / DAY) + 2_000_000 * Math.sin((2 * Math.PI * ms) / (29 * DAY));
    const rawFrom = nowMs - 14 * DAY + HOUR; // inside the raw retention, which the daemon purges by
    const rollFrom = nowMs - 365 * DAY + DAY;
    let rawWindows = 0;
    let rollups = 0;
    const hour: WindowRow[] = [];
    for (let h = rawFrom; h < nowMs; h += HOUR) {
      hour.length = 0;
      for (let t = h; t < h + HOUR; t += MINUTE) hour.push(windowRow(targetSeq, t, baseAt(t), table));
      store.write(hour);
      store.write([mergeRows(hour, HOUR, h)]);
      rawWindows += hour.length;
      rollups++;
    }
    const pool = Array.from({ length: 24 }, (_, i) => {
      const part = Array.from({ length: 60 }, (_, k) => windowRow(targetSeq, i * HOUR + k * MINUTE, baseAt(i * HOUR + k * MINUTE), table));
      return mergeRows(part, HOUR, i * HOUR);
    });
    const batch: WindowRow[] = [];
    for (let h = rollFrom; h < rawFrom; h += HOUR) {
      batch.push({ ...pool[Math.floor(h / HOUR) % 24]!, startMs: h });
      if (batch.length === 1000 || h + HOUR >= rawFrom) {
        store.write(batch);
        rollups += batch.length;
        batch.length = 0;
      }
    }
    db.prepare('INSERT OR REPLACE INTO latency_rollup_cursor (window_ms, rollup_ms, done_until) VALUES (?, ?, ?)').run(MINUTE, HOUR, nowMs);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { rawWindows, rollups };
  } finally {
    db.close();
  }
}

interface DrawnEntry { startTime: number; detail?: { points?: number } }
interface ResourceEntry { name: string; startTime: number; responseEnd: number }

/** Target view loads per range: navigation start → 'sonde:smoke-graph-drawn' (ui/views/target/smoke-chart.ts). */
async function runTargetView(loads: number, ranges: string[], browser: Browser): Promise<TargetViewResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-dashboard-target-'));
  let daemon: DaemonProcess | undefined;
  try {
    const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
    sonde.targets.bulkImport([{ kind: 'HOST', address: '127.0.0.1', name: 'a-year-of-history' }]);
    await sonde.close();
    const seqDb = openDatabase(dir).db;
    const target = seqDb.prepare<[], { seq: number; id: string }>('SELECT seq, id FROM targets').get()!;
    seqDb.close();
    const t0 = Date.now();
    const filled = fillTargetHistory(dir, target.seq, Math.floor(Date.now() / HOUR) * HOUR);
    const fillSeconds = (Date.now() - t0) / 1000;
    const dbPage = openDatabase(dir).db;
    const dbBytes = (dbPage.pragma('page_count', { simple: true }) as number) * (dbPage.pragma('page_size', { simple: true }) as number);
    dbPage.close();
    console.log(`  filled ${filled.rawWindows.toLocaleString('en')} raw windows + ${filled.rollups.toLocaleString('en')} hourly rollups in ${fillSeconds.toFixed(1)} s (${(dbBytes / 1e6).toFixed(0)} MB)`);
    daemon = await startDaemon(dir, await freePort(), { SONDE_AGENT_HOSTNAME: 'localhost' }, 'warn');
    const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await page.goto(`${daemon.url}/ui/`);
    await page.getByLabel('API key').fill(key);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/session') && r.request().method() === 'POST' && r.status() === 200),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    const out: RangeLoads[] = [];
    const loadOnce = async (range: string): Promise<{ drawn: number; history: number; points: number }> => {
      await page.goto(`${daemon!.url}/ui/targets/${target.id}?range=${range}`);
      await page.waitForFunction((name) => (globalThis as unknown as { performance: PerfLike }).performance.getEntriesByName(name).length > 0, SMOKE_DRAWN_MARK, { timeout: 60_000 });
      return page.evaluate((name) => {
        const perf = (globalThis as unknown as { performance: { getEntriesByName(n: string): DrawnEntry[]; getEntriesByType(t: string): ResourceEntry[] } }).performance;
        const mark = perf.getEntriesByName(name)[0]!;
        const history = perf.getEntriesByType('resource').filter((e) => e.name.includes('/history?') && e.name.includes('step=')).at(-1);
        return { drawn: mark.startTime, history: history === undefined ? NaN : history.responseEnd - history.startTime, points: mark.detail?.points ?? -1 };
      }, SMOKE_DRAWN_MARK);
    };
    for (const range of ranges) {
      await loadOnce(range); // warm: the bundle in the cache, the daemon's statements prepared
      const drawn: number[] = [];
      const history: number[] = [];
      let points = -1;
      for (let i = 0; i < loads; i++) {
        const l = await loadOnce(range);
        drawn.push(l.drawn);
        history.push(l.history);
        points = l.points;
      }
      const r = { range, drawnMs: drawn, drawnMedianMs: median(drawn), historyMs: history, points };
      out.push(r);
      console.log(`  range=${range}: first smoke draw median ${r.drawnMedianMs.toFixed(0)} ms (${drawn.map((d) => d.toFixed(0)).join(', ')}), history request median ${median(history).toFixed(0)} ms, ${points} steps (goal ≤ 300 ms)`);
    }
    await context.close();
    return { ...filled, fillSeconds, dbBytes, loads, ranges: out };
  } finally {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const program = new Command('bench:dashboard')
  .option('--targets <list>', 'comma-separated target counts', '10000,50000')
  .option('--seconds <n>', 'seconds the fleet view stays open per run', '60')
  .option('--tabs <n>', 'fleet tabs open at once (figures from the first; daemon CPU from all)', '1')
  .option('--screenshots', 'save the fleet view at the end of each run as docs/screenshots/fleet-<n>.png')
  .option('--parts <list>', 'which measurements: fleet, tabs-cpu, target-view', 'fleet,tabs-cpu,target-view')
  .option('--cpu-targets <n>', 'tabs-cpu: monitored targets', '50000')
  .option('--cpu-tabs <n>', 'tabs-cpu: tabs in the many-tab periods', '20')
  .option('--cpu-seconds <n>', 'tabs-cpu: seconds per period', '30')
  .option('--cpu-rounds <n>', 'tabs-cpu: many-tab periods (each followed by a 1-tab period)', '2')
  .option('--view-ranges <list>', 'target-view: ranges loaded', '30h,10d,1y')
  .option('--view-loads <n>', 'target-view: timed loads per range (after one warm load)', '5')
  .parse();
const opts = program.opts<{
  targets: string; seconds: string; tabs: string; screenshots?: boolean; parts: string;
  cpuTargets: string; cpuTabs: string; cpuSeconds: string; cpuRounds: string; viewRanges: string; viewLoads: string;
}>();
const parts = new Set(opts.parts.split(','));
if (!existsSync(CHROMIUM)) {
  console.error(`bench:dashboard needs chromium at ${CHROMIUM}: run scripts/install-test-deps.sh`);
  process.exit(1);
}
const machine = describeMachine();
printMachine(machine);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
const chromiumVersion = browser.version();
const results: RunResult[] = [];
let tabsCpu: TabsCpuResult | null = null;
let targetView: TargetViewResult | null = null;
try {
  for (const n of parts.has('fleet') ? opts.targets.split(',').map(Number) : []) {
    console.log(`\n${n.toLocaleString('en')} targets, ${opts.tabs} tab(s), ${opts.seconds} s …`);
    const r = await run(n, Number(opts.seconds), Number(opts.tabs), browser, opts.screenshots === true ? join(repoRoot, 'docs', 'screenshots') : null);
    results.push(r);
    console.log(`  first render after sign-in: ${r.firstRenderMs === null ? 'none' : `${Math.round(r.firstRenderMs)} ms`} (goal ≤ 2000 ms at 50,000); fleet-index arrived at ${r.indexMs === null ? '?' : `${Math.round(r.indexMs)} ms`}; long tasks until then: ${r.startupLongTasks.join(', ') || 'none'} ms`);
    console.log(`  frame handling (decode + draw), ${r.frames} frames: p50 ${r.frameP50Ms.toFixed(2)} ms, p99 ${r.frameP99Ms.toFixed(2)} ms, max ${r.frameMaxMs.toFixed(2)} ms (goal p99 ≤ 50 ms)`);
    console.log(`  slowest frames: ${r.worstFrames.map((w) => `${w.ms.toFixed(1)} ms (${w.records} records${w.full ? ', full' : ''}${w.redrawn ? ', repainted' : ''})`).join('; ')}`);
    console.log(`  long tasks: ${r.longTasks} (longest ${r.longTaskMaxMs.toFixed(0)} ms); JS heap ${r.heapMB === null ? 'n/a' : `${r.heapMB.toFixed(1)} MB`}`);
    console.log(`  socket: ${(r.socketBytesPerSec / 1000).toFixed(1)} kB/s (goal ≤ 1000 kB/s); daemon CPU ${r.daemonCores.toFixed(2)} cores; up at the end ${r.upAtEnd}`);
  }
  if (parts.has('tabs-cpu')) {
    const n = Number(opts.cpuTargets);
    console.log(`\ndaemon CPU, 1 vs ${opts.cpuTabs} fleet tabs at ${n.toLocaleString('en')} targets, ${opts.cpuSeconds} s periods, ${opts.cpuRounds} round(s) …`);
    tabsCpu = await runTabsCpu(n, Number(opts.cpuTabs), Number(opts.cpuSeconds), Number(opts.cpuRounds), browser);
    console.log(`  median: 1 tab ${tabsCpu.oneTabMedianCores.toFixed(2)} cores, ${tabsCpu.tabs} tabs ${tabsCpu.manyTabsMedianCores.toFixed(2)} cores; ${tabsCpu.tabs} tabs minus the 1-tab periods around them: median ${tabsCpu.differenceMedianCores.toFixed(2)} cores (${tabsCpu.pairedDifferences.map((d) => d.toFixed(2)).join(', ')}) (goal ≤ 0.1)`);
  }
  if (parts.has('target-view')) {
    console.log(`\ntarget view, one target with 14 days of windows and 365 days of hourly rollups, ${opts.viewLoads} loads per range …`);
    targetView = await runTargetView(Number(opts.viewLoads), opts.viewRanges.split(','), browser);
  }
} finally {
  await browser.close();
}
const args = { parts: opts.parts, cpuTargets: opts.cpuTargets, cpuTabs: opts.cpuTabs, cpuSeconds: opts.cpuSeconds, cpuRounds: opts.cpuRounds, viewRanges: opts.viewRanges, viewLoads: opts.viewLoads };
console.log(`\nload average at the end: ${describeMachine().loadAvg.join(' ')}`);
console.log(`saved ${saveResult('dashboard', { machine, loadAvgAfter: describeMachine().loadAvg, chromium: chromiumVersion, args, results, tabsCpu, targetView })}`);
