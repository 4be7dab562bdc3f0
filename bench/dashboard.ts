// The fleet view in headless chromium (playwright-core, Debian's /usr/bin/chromium) against a
// real `sonde serve` with N monitored loopback targets at 1 probe/s: per-second frame
// handling in the page (decode + draw, the 'sonde:fleet-frame' performance measures the
// view records), long tasks (PerformanceObserver), JS heap, bytes per second on the
// WebSocket, first render after sign-in, daemon CPU. `npm run bench:dashboard`
//   [-- --targets 10000,50000 --seconds 60 --tabs 1]
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openSonde } from '../engine/index.js';
import { freePort, startDaemon, type DaemonProcess } from './lib/daemon-process.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { repoRoot } from './lib/paths.js';
import { cpuSeconds } from './lib/proc-stat.js';
import { saveResult } from './lib/results.js';
import { median, quantile } from './lib/stats.js';
import { loopbackTargets } from './lib/targets.js';

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

async function run(n: number, seconds: number, tabs: number, browser: Browser, screenshotDir: string | null): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-dashboard-'));
  let daemon: DaemonProcess | undefined;
  try {
    const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
    const imported = sonde.targets.bulkImport(loopbackTargets(n).map((address, i) => ({ kind: 'HOST', address, name: `lo-${i}`, labels: { bench: 'dashboard' } })));
    await sonde.close();
    if (imported.created !== n) throw new Error(`imported ${imported.created} of ${n} targets`);
    daemon = await startDaemon(dir, await freePort(), { SONDE_AGENT_HOSTNAME: 'localhost' }, 'warn');
    const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    const res = await fetch(`${daemon.url}/v1/monitors`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', selection: { labels: { bench: 'dashboard' } }, intervalMs: 1000, timeoutMs: 1000 }),
    });
    if (res.status !== 201) throw new Error(`POST /v1/monitors answered ${res.status}: ${await res.text()}`);
    // let the scheduler reach every target before the page opens
    await new Promise((r) => setTimeout(r, 5000));

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

const program = new Command('bench:dashboard')
  .option('--targets <list>', 'comma-separated target counts', '10000,50000')
  .option('--seconds <n>', 'seconds the fleet view stays open per run', '60')
  .option('--tabs <n>', 'fleet tabs open at once (figures from the first; daemon CPU from all)', '1')
  .option('--screenshots', 'save the fleet view at the end of each run as docs/screenshots/fleet-<n>.png')
  .parse();
const opts = program.opts<{ targets: string; seconds: string; tabs: string; screenshots?: boolean }>();
if (!existsSync(CHROMIUM)) {
  console.error(`bench:dashboard needs chromium at ${CHROMIUM}: run scripts/install-test-deps.sh`);
  process.exit(1);
}
const machine = describeMachine();
printMachine(machine);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
const chromiumVersion = browser.version();
const results: RunResult[] = [];
try {
  for (const n of opts.targets.split(',').map(Number)) {
    console.log(`\n${n.toLocaleString('en')} targets, ${opts.tabs} tab(s), ${opts.seconds} s …`);
    const r = await run(n, Number(opts.seconds), Number(opts.tabs), browser, opts.screenshots === true ? join(repoRoot, 'docs', 'screenshots') : null);
    results.push(r);
    console.log(`  first render after sign-in: ${r.firstRenderMs === null ? 'none' : `${Math.round(r.firstRenderMs)} ms`} (goal ≤ 2000 ms at 50,000); fleet-index arrived at ${r.indexMs === null ? '?' : `${Math.round(r.indexMs)} ms`}; long tasks until then: ${r.startupLongTasks.join(', ') || 'none'} ms`);
    console.log(`  frame handling (decode + draw), ${r.frames} frames: p50 ${r.frameP50Ms.toFixed(2)} ms, p99 ${r.frameP99Ms.toFixed(2)} ms, max ${r.frameMaxMs.toFixed(2)} ms (goal p99 ≤ 50 ms)`);
    console.log(`  slowest frames: ${r.worstFrames.map((w) => `${w.ms.toFixed(1)} ms (${w.records} records${w.full ? ', full' : ''}${w.redrawn ? ', repainted' : ''})`).join('; ')}`);
    console.log(`  long tasks: ${r.longTasks} (longest ${r.longTaskMaxMs.toFixed(0)} ms); JS heap ${r.heapMB === null ? 'n/a' : `${r.heapMB.toFixed(1)} MB`}`);
    console.log(`  socket: ${(r.socketBytesPerSec / 1000).toFixed(1)} kB/s (goal ≤ 1000 kB/s); daemon CPU ${r.daemonCores.toFixed(2)} cores; up at the end ${r.upAtEnd}`);
  }
} finally {
  await browser.close();
}
console.log(`\nsaved ${saveResult('dashboard', { machine, chromium: chromiumVersion, results })}`);
