// npm run bench:metrics — what /metrics costs (issue 6):
//  1. per probe: RttBuckets.record() (the one line LiveState.ok() adds), ns per call over
//     N rows with loopback-like and spread RTTs;
//  2. per scrape: a real daemon core + uWS server with a monitor over N loopback targets at
//     1 probe/s; GET /metrics fetched by curl (another process, so the client's own work does
//     not land on the server's event loop), timed end to end and as the server saw it
//     (sonde_metrics_scrape_duration_seconds of the previous scrape), with the per-target
//     series on (cap off) and off; the event loop's longest stall with and without scrapes.
//
//   node dist/bench/metrics.js [--targets 50000] [--scrapes 5] [--warmup 12] [--threads 2] [--no-save]
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { createEngine, openDaemon, RttBuckets } from '../engine/index.js';
import { startServer } from '../server/index.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { median } from './lib/stats.js';

interface Args {
  targets: number;
  scrapes: number;
  warmupS: number;
  threads: number;
  save: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { targets: 50_000, scrapes: 5, warmupS: 12, threads: 2, save: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--targets') args.targets = next();
    else if (a === '--scrapes') args.scrapes = next();
    else if (a === '--warmup') args.warmupS = next();
    else if (a === '--threads') args.threads = next();
    else if (a === '--no-save') args.save = false;
    else throw new Error(`unknown argument ${a}; use --targets N --scrapes K --warmup S --threads T --no-save`);
  }
  return args;
}

/** ns per record() over `rows` rows, the RTTs drawn beforehand (no allocation in the loop);
 *  rows in order (as a monitor's schedule visits them) or scattered (cache misses). */
function recordCost(rows: number, spread: boolean, scattered: boolean): number {
  const b = new RttBuckets();
  b.record(rows - 1, 1); // grown before timing
  const n = 1 << 20;
  const rtts = new Float64Array(n);
  const rowOf = new Int32Array(n);
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < n; i++) {
    rtts[i] = spread ? 10 ** (4 + rand() * 5) : 15_000 + rand() * 30_000; // 10 µs … 1 s, or 15–45 µs
    rowOf[i] = scattered ? (i * 7919) % rows : i % rows;
  }
  const best: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    const t0 = performance.now();
    for (let k = 0; k < 8; k++) for (let i = 0; i < n; i++) b.record(rowOf[i], rtts[i]);
    best.push(((performance.now() - t0) * 1e6) / (8 * n));
  }
  return median(best.slice(2));
}

function loopback(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`127.${1 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${i & 0xff}`);
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const machine = describeMachine();
  printMachine(machine);

  const recordNs = {
    inOrder: recordCost(args.targets, false, false), inOrderSpread: recordCost(args.targets, true, false),
    scattered: recordCost(args.targets, false, true), scatteredSpread: recordCost(args.targets, true, true),
  };
  console.log(`RttBuckets.record over ${args.targets} rows, ns per call: rows in order ${recordNs.inOrder.toFixed(1)} (15–45 µs RTTs) / ${recordNs.inOrderSpread.toFixed(1)} (10 µs … 1 s); scattered rows ${recordNs.scattered.toFixed(1)} / ${recordNs.scatteredSpread.toFixed(1)}`);

  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-metrics-'));
  const engine = createEngine({ threads: args.threads });
  const sonde = await openDaemon({ dataDir: dir, engine, monitoring: { windowMs: 60_000, rollupMs: 3_600_000, tickMs: 100 } });
  const logger = pino({ level: 'warn' });
  const on = await startServer({ daemon: sonde, logger, host: '127.0.0.1', port: 0, metrics: { perTarget: true, perTargetMaxTargets: 0 } });
  const off = await startServer({ daemon: sonde, logger, host: '127.0.0.1', port: 0, metrics: { perTarget: false } });
  try {
    sonde.targets.bulkImport(loopback(args.targets).map((address) => ({ kind: 'HOST', address, labels: { bench: 'metrics' } })));
    sonde.monitors.create({ name: 'bench', selection: { labels: { bench: 'metrics' } }, intervalMs: 1000, timeoutMs: 1000 });
    console.log(`${args.targets} targets monitored at 1 probe/s; ${args.warmupS} s warm-up`);
    await new Promise((r) => setTimeout(r, args.warmupS * 1000));

    const loop = monitorEventLoopDelay({ resolution: 1 });
    const body = join(dir, 'metrics.txt');
    const curl = (url: string): Promise<number> => new Promise((resolve, reject) => {
      execFile('curl', ['-sf', '-o', body, '-w', '%{time_total}', `${url}/metrics`], (error, stdout) => (error ? reject(error) : resolve(Number(stdout) * 1000)));
    });
    /** The server's own time for the previous scrape, from the head of the body just fetched. */
    const serverMs = (): number => {
      const fd = openSync(body, 'r');
      const head = Buffer.alloc(65_536);
      const n = readSync(fd, head, 0, head.length, 0);
      closeSync(fd);
      const m = /^sonde_metrics_scrape_duration_seconds (\S+)$/m.exec(head.subarray(0, n).toString());
      return m === null ? NaN : Number(m[1]) * 1000;
    };
    const baseline = async (): Promise<number> => {
      loop.reset();
      loop.enable();
      await new Promise((r) => setTimeout(r, args.scrapes * 1000));
      loop.disable();
      return loop.max / 1e6;
    };
    const measure = async (url: string): Promise<{ clientMs: number[]; serverMs: number[]; bytes: number; loopMaxMs: number }> => {
      const clientMs: number[] = [];
      const server: number[] = [];
      // a first scrape loads prom-client and primes the duration gauge: not measured
      await curl(url);
      await new Promise((r) => setTimeout(r, 1000));
      loop.reset();
      loop.enable();
      for (let i = 0; i < args.scrapes; i++) {
        clientMs.push(await curl(url));
        if (i > 0) server.push(serverMs()); // the previous scrape's, as the server timed it
        await new Promise((r) => setTimeout(r, 1000));
      }
      loop.disable();
      await curl(url); // carries the last measured scrape's own time
      server.push(serverMs());
      return { clientMs, serverMs: server, bytes: statSync(body).size, loopMaxMs: loop.max / 1e6 };
    };
    const idleLoopMaxMs = await baseline();
    const offResult = await measure(off.url);
    const onResult = await measure(on.url);
    const stats = sonde.monitors.stats()[0];
    const report = (label: string, r: typeof onResult): void => {
      console.log(`${label}: curl median ${median(r.clientMs).toFixed(0)} ms (max ${Math.max(...r.clientMs).toFixed(0)}), server median ${median(r.serverMs).toFixed(0)} ms (max ${Math.max(...r.serverMs).toFixed(0)}); ${(r.bytes / 1e6).toFixed(1)} MB; longest event-loop stall ${r.loopMaxMs.toFixed(0)} ms`);
    };
    console.log(`no scrapes: longest event-loop stall ${idleLoopMaxMs.toFixed(0)} ms over ${args.scrapes} s`);
    report('per-target off', offResult);
    report('per-target on ', onResult);
    console.log(`monitor: ${stats.targets} targets, drift p99 ${stats.driftP99Ms} ms, failed batches ${stats.failedBatches}`);
    if (args.save) {
      const path = saveResult('metrics', { machine, args, recordNs, idleLoopMaxMs, perTargetOff: offResult, perTargetOn: onResult, monitor: stats });
      console.log(`saved ${path}`);
    }
  } finally {
    await on.close(200);
    await off.close(200);
    await sonde.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
