// npm run bench:monitor — N loopback targets monitored at 1 probe/s (issue 6), in-process on
// the real engine: schedule drift, loss, process CPU, peak RSS, event-loop delay, summary and
// history query times, bytes on disk per target-minute. The reference, measured in the same
// run over the same targets: ONE long engine.ping job (count = seconds, intervalMs 1000),
// i.e. the engine pacing the same probes itself; the ratio says what the monitor's
// one-job-per-tick path costs on top.
//
//   node dist/bench/monitor.js [--targets 1000,10000] [--seconds 60] [--threads 2] [--tick 100] [--no-save]
import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createEngine, openMonitors, openSonde, type Engine, type ProbeResult } from '../engine/index.js';
import type { StoredMonitor } from '../engine/monitor/monitor-repo.js';
import { MonitorRunner } from '../engine/monitor/monitor-runner.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { collectGarbage, fmtMB, startRssSampler } from './lib/rss-sampler.js';
import { median, quantile, ratio, fmtRatio } from './lib/stats.js';
import { openDatabase } from '../engine/store/database.js';
import { WindowStore } from '../engine/monitor/window-store.js';
import { WindowTable } from '../engine/monitor/window-table.js';

interface Args {
  targets: number[];
  seconds: number;
  threads: number;
  tickMs: number;
  save: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { targets: [1000, 10_000], seconds: 60, threads: 2, tickMs: 100, save: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--targets') args.targets = next().split(',').map(Number);
    else if (a === '--seconds') args.seconds = Number(next());
    else if (a === '--threads') args.threads = Number(next());
    else if (a === '--tick') args.tickMs = Number(next());
    else if (a === '--no-save') args.save = false;
    else throw new Error(`unknown argument ${a}; use --targets N[,N…] --seconds S --threads T --tick MS --no-save`);
  }
  if (args.targets.some((n) => !Number.isInteger(n) || n < 1 || n > 16_000_000)) throw new Error('--targets: positive integers');
  if (!(args.seconds >= 5)) throw new Error('--seconds must be at least 5');
  return args;
}

function loopback(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`127.${1 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`);
  return out;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** Bytes in use in the database after a WAL checkpoint (pages in use × page size). */
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

async function reference(engine: Engine, addresses: string[], seconds: number) {
  const cpu0 = process.cpuUsage();
  // per-probe outcomes streamed to the main thread, as the monitor needs them
  let outcomes = 0;
  const summary = await engine.ping({ targets: addresses, count: seconds, intervalMs: 1000, timeoutMs: 1000 }, () => {
    outcomes++;
  });
  if (outcomes === 0) throw new Error('reference job streamed no probe outcomes');
  const cpu = cpuMs(cpu0);
  let sent = 0;
  let received = 0;
  for (const t of summary.targets) {
    sent += t.sent;
    received += t.received;
  }
  return { sent, received, lossPercent: (100 * (sent - received)) / sent, cpuMs: cpu, cpuUsPerProbe: (1000 * cpu) / sent };
}

async function monitored(engine: Engine, addresses: string[], seconds: number, tickMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-monitor-'));
  const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
  try {
    sonde.targets.bulkImport(addresses.map((address) => ({ kind: 'HOST', address, labels: { bench: 'monitor' } })));
    const bytesBefore = dbBytes(dir);
    const windowMs = 10_000;
    const handle = openMonitors({ dataDir: dir, engine, windowMs, rollupMs: 60_000, tickMs });
    const loop = monitorEventLoopDelay({ resolution: 1 });
    const rss = startRssSampler(100);
    const m = handle.service.create({ name: 'bench', selection: { labels: { bench: 'monitor' } }, intervalMs: 1000, timeoutMs: 1000 });
    const started = Date.now();
    // measure whole windows only: from the first window boundary after a 2 s warm-up
    const from = Math.ceil((started + 2000) / windowMs) * windowMs;
    const to = from + Math.max(1, Math.floor((seconds * 1000) / windowMs)) * windowMs;
    await new Promise((r) => setTimeout(r, from - Date.now()));
    loop.enable();
    rss.reset();
    const cpu0 = process.cpuUsage();
    const summaryMs: number[] = [];
    while (Date.now() < to) {
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = performance.now();
      handle.service.summary(m.id);
      summaryMs.push(performance.now() - t0);
    }
    const cpu = cpuMs(cpu0);
    loop.disable();
    const stats = handle.service.stats()[0];
    // let the last window settle (timeout) and be written
    await new Promise((r) => setTimeout(r, 1500));
    await handle.close();
    rss.stop();
    const reader = openMonitors({ dataDir: dir, windowMs, rollupMs: 60_000 });
    let sent = 0;
    let received = 0;
    let rowsStored = 0;
    const ids = sonde.targets.list({ limit: 1000 }).items.map((t) => t.id);
    const history0 = performance.now();
    reader.service.history(ids[0], { fromMs: from, toMs: to, stepMs: windowMs });
    const historyMs = performance.now() - history0;
    // sum over every target, a page of ids at a time
    for (let offset = 0; offset < addresses.length; offset += 1000) {
      for (const t of sonde.targets.list({ limit: 1000, offset }).items) {
        rowsStored += reader.service.windows(t.id, 0, Date.now() + windowMs).length;
        for (const w of reader.service.windows(t.id, from, to)) {
          sent += w.sent;
          received += w.received;
        }
      }
    }
    await reader.close();
    // everything the monitor stored, from its first probe to its last
    const minutes = (Date.now() - 1500 - started) / 60_000;
    return {
      seconds: (to - from) / 1000,
      sent, received, lossPercent: sent === 0 ? NaN : (100 * (sent - received)) / sent,
      cpuMs: cpu, cpuCores: cpu / (to - from), cpuUsPerProbe: (1000 * cpu) / Math.max(1, sent),
      driftP50Ms: stats?.driftP50Ms ?? NaN, driftP99Ms: stats?.driftP99Ms ?? NaN, driftMaxMs: stats?.driftMaxMs ?? NaN,
      skippedSlots: stats?.skippedSlots ?? 0, batches: stats?.batches ?? 0,
      eventLoopP99Ms: loop.percentile(99) / 1e6, eventLoopMaxMs: loop.max / 1e6,
      summaryP99Ms: quantile(summaryMs, 0.99), historyMs,
      peakRssBytes: rss.peak(),
      bytesPerTargetMinute: (dbBytes(dir) - bytesBefore) / (addresses.length * minutes),
      // one row per target per window: at the default 60 s windows, also bytes per target-minute
      bytesPerWindowRow: (dbBytes(dir) - bytesBefore) / Math.max(1, rowsStored),
    };
  } finally {
    await sonde.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The per-probe path alone: a monitor's outcome handler fed 10,000,000 outcomes through one
 * reused ProbeResult-shaped object (as the engine passes them). Reports ns per outcome and
 * heap growth with no GC in between: nothing is allocated per probe.
 */
function probePath(): { nsPerOutcome: number; heapGrowthBytes: number } {
  let handler: ((p: ProbeResult) => void) | undefined;
  const capture: Engine = {
    ping: (_request, onProbe) => {
      handler = onProbe;
      return new Promise<never>(() => {});
    },
    stats: () => Promise.reject(new Error('unused')),
    close: () => Promise.resolve(),
  };
  const def: StoredMonitor = {
    seq: 1, id: 'bench', name: 'bench', selection: { labels: { a: 'b' } }, probe: 'icmp', intervalMs: 1000, probes: 1,
    timeoutMs: 100, size: 56, enabled: true, createdAtMs: 0, updatedAtMs: 0,
  };
  const runner = new MonitorRunner(def, capture, 60_000);
  // starts the monitor's one engine job: `capture` keeps its outcome handler
  runner.setMembers(Array.from({ length: 1000 }, (_, i) => ({ seq: i + 1, id: `t${i}`, address: `127.0.${i >> 8}.${i & 255}` })));
  const onProbe = handler!;
  const p = { targetIndex: 0, seq: 1, status: 'ok', errorKind: undefined, rttNs: 0 } as unknown as { -readonly [K in keyof ProbeResult]: ProbeResult[K] };
  const statuses: ProbeResult['status'][] = ['ok', 'ok', 'ok', 'timeout', 'error', 'duplicate', 'late'];
  const run = (n: number): void => {
    for (let i = 0; i < n; i++) {
      p.targetIndex = i % 1000;
      p.status = statuses[i % 7];
      p.errorKind = p.status === 'error' ? 'unreachable' : undefined;
      p.rttNs = 20_000 + (i % 5000);
      onProbe(p);
    }
  };
  run(2_000_000);
  collectGarbage();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const n = 10_000_000;
  run(n);
  const ns = ((performance.now() - t0) * 1e6) / n;
  return { nsPerOutcome: ns, heapGrowthBytes: process.memoryUsage().heapUsed - heap0 };
}

/**
 * A 24 h history query of one target from storage alone: 1,440 one-minute windows of 60
 * samples each (RTTs spread 15–75 µs), and their 24 hourly rollups; median of 5 queries.
 */
async function dayOfHistory(): Promise<{ rawStepMs: number; rollupStepMs: number; bytesPerWindowRow: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-history-'));
  const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
  try {
    const target = sonde.targets.create({ kind: 'HOST', address: '127.0.0.1' });
    const { db } = openDatabase(dir);
    const store = new WindowStore(db);
    const day = 86_400_000;
    const start = Math.floor((Date.now() - 2 * day) / 3_600_000) * 3_600_000;
    const seq = db.prepare<[string], number>('SELECT seq FROM targets WHERE id = ?').pluck().get(target.id)!;
    let x = 1;
    const before = dbBytes(dir);
    for (let w = 0; w < 1440; w++) {
      const t = new WindowTable(1, start + w * 60_000);
      for (let k = 0; k < 60; k++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        const u = x / 2 ** 32;
        t.recordRtt(0, 15_000 + u * u * 60_000);
      }
      t.seal();
      store.write([{
        targetSeq: seq, monitorSeq: 1, spanMs: 60_000, startMs: t.startMs, sent: t.sent[0], received: t.received[0], duplicates: 0, late: 0,
        errors: [0, 0, 0, 0, 0, 0], minNs: t.minNs[0], maxNs: t.maxNs[0], sumNs: t.sumNs[0], hist: t.encodeRow(0),
      }]);
    }
    const bytesPerWindowRow = (dbBytes(dir) - before) / 1440;
    while (store.rollupStep(60_000, 3_600_000, start + day, 50)) {
      // hourly rollups of the whole day
    }
    db.close();
    const handle = openMonitors({ dataDir: dir });
    const time = (stepMs: number): number => {
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        handle.service.history(target.id, { fromMs: start, toMs: start + day, stepMs });
        runs.push(performance.now() - t0);
      }
      return median(runs);
    };
    const result = { rawStepMs: time(60_000), rollupStepMs: time(3_600_000), bytesPerWindowRow };
    await handle.close();
    return result;
  } finally {
    await sonde.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = parseArgs(process.argv.slice(2));
const machine = describeMachine();
printMachine(machine);
console.log(`monitor: N loopback targets at 1 probe/s for ${args.seconds} s (10 s windows, ${args.tickMs} ms ticks), ${args.threads} engine threads\n`);
const path = probePath();
console.log(`per-probe path: ${path.nsPerOutcome.toFixed(0)} ns per outcome, heap growth over 10,000,000 outcomes ${(path.heapGrowthBytes / 1024).toFixed(0)} KiB${(globalThis as { gc?: unknown }).gc === undefined ? ' (run with node --expose-gc for a GC first)' : ''}\n`);
const history = await dayOfHistory();
console.log(`24 h history of one target (storage alone): ${history.rawStepMs.toFixed(1)} ms at 1 min steps (1,440 windows), ${history.rollupStepMs.toFixed(1)} ms at 1 h steps (rollups); ${history.bytesPerWindowRow.toFixed(0)} bytes per window row (60 samples, 15–75 µs)\n`);
const engine = createEngine({ threads: args.threads });
const rows = [];
try {
  for (const n of args.targets) {
    const addresses = loopback(n);
    const ref = await reference(engine, addresses, Math.min(args.seconds, 30));
    const mon = await monitored(engine, addresses, args.seconds, args.tickMs);
    const row = { targets: n, reference: ref, monitor: mon, cpuPerProbeRatio: ratio(mon.cpuUsPerProbe, ref.cpuUsPerProbe) };
    rows.push(row);
    console.log(`N=${n}: monitor ${mon.sent} probes in ${mon.seconds} s, loss ${mon.lossPercent.toFixed(3)} %, drift p50/p99/max ${mon.driftP50Ms.toFixed(2)}/${mon.driftP99Ms.toFixed(2)}/${mon.driftMaxMs.toFixed(2)} ms, skipped slots ${mon.skippedSlots}`);
    console.log(`      CPU ${mon.cpuCores.toFixed(2)} cores (${mon.cpuUsPerProbe.toFixed(1)} µs/probe; one long engine job: ${ref.cpuUsPerProbe.toFixed(1)} µs/probe → ${fmtRatio(row.cpuPerProbeRatio)}), peak RSS ${fmtMB(mon.peakRssBytes)}`);
    console.log(`      event loop p99/max ${mon.eventLoopP99Ms.toFixed(1)}/${mon.eventLoopMaxMs.toFixed(1)} ms, summary p99 ${mon.summaryP99Ms.toFixed(1)} ms, history of one target ${mon.historyMs.toFixed(1)} ms, ${mon.bytesPerTargetMinute.toFixed(0)} bytes/target-minute on disk with 10 s windows (${mon.bytesPerWindowRow.toFixed(0)} bytes per stored window row = per target-minute at the default 60 s windows)`);
  }
} finally {
  await engine.close();
}
if (args.save) console.log(`\nsaved ${saveResult('monitor', { machine, args, probePath: path, history, rows })}`);
