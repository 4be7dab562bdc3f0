// npm run bench:memory — resident memory over a 1,000,000-probe job to loopback targets.
// Per-probe data must be streamed or aggregated, never kept: RSS may grow by ≤ 50 MB.
// The reference in the same run is a job one tenth the size: if nothing is kept per probe,
// the big job grows RSS no more than the small one did. The big job then runs a second time
// to tell a high-water mark (no further growth) from a leak (growth again).
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import type { Engine, PingRequest } from '../engine/types.js';
import { withDeadline } from './lib/deadline.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { latestResult, saveResult } from './lib/results.js';
import { collectGarbage, fmtMB, MB, startRssSampler } from './lib/rss-sampler.js';
import { openEngine } from './lib/sonde-engine.js';
import { fmtInt, fmtRatio, ratio } from './lib/stats.js';
import { loopbackTargets } from './lib/targets.js';

const { values: flags } = parseArgs({
  options: {
    targets: { type: 'string', default: '10000' },
    count: { type: 'string', default: '100' },
    period: { type: 'string', default: '100' },
    threads: { type: 'string' },
    'no-save': { type: 'boolean', default: false },
  },
});
const N = Number(flags.targets);
const K = Number(flags.count);
const periodMs = Number(flags.period);
const threads = flags.threads === undefined ? undefined : Number(flags.threads);
if (![N, K, periodMs].every((x) => Number.isInteger(x) && x >= 0) || N < 1 || K < 10) {
  console.error('usage: npm run bench:memory -- [--targets N=10000] [--count K≥10 =100] [--period MS=100] [--threads T] [--no-save]');
  process.exit(2);
}
const GOAL_MB = 50;

interface JobMemory {
  probes: number;
  received: number;
  streamed: number;
  seconds: number;
  rssStart: number;
  rssPeak: number;
  rssEnd: number;
  rssAfterGc: number;
}

async function runJob(engine: Engine, request: PingRequest): Promise<JobMemory> {
  const sampler = startRssSampler();
  const rssStart = process.memoryUsage.rss();
  let streamed = 0;
  const t0 = performance.now();
  const probes = request.targets.length * (request.count ?? 0);
  const summary = await withDeadline(engine.ping(request, () => void streamed++), 60_000 + probes / 5, 'sonde job');
  const seconds = (performance.now() - t0) / 1000;
  const rssPeak = sampler.peak();
  sampler.stop();
  const rssEnd = process.memoryUsage.rss();
  collectGarbage();
  await new Promise((r) => setTimeout(r, 500));
  const received = summary.targets.reduce((s, t) => s + t.received, 0);
  return { probes, received, streamed, seconds, rssStart, rssPeak, rssEnd, rssAfterGc: process.memoryUsage.rss() };
}

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log('sonde memory benchmark: RSS over a 1,000,000-probe job (all threads of the process)');
  printMachine(machine);
  const opened = await openEngine(threads === undefined ? {} : { threads });
  if ('missing' in opened) {
    console.log(`cannot run: ${opened.missing}`);
    process.exit(1);
  }
  const engine = opened;
  const targets = loopbackTargets(N);
  const canGc = collectGarbage();
  const base: PingRequest = { targets, count: K, intervalMs: periodMs, timeoutMs: 1000, size: 56 };
  console.log(`job: ${fmtInt(N)} loopback targets × ${K} probes = ${fmtInt(N * K)} probes, period ${periodMs} ms, onProbe counting every streamed probe${canGc ? '' : ' (no --expose-gc: after-GC figures are without a forced GC)'}`);

  await withDeadline(engine.ping({ ...base, count: 2 }), 60_000, 'sonde warm-up job'); // warm-up
  collectGarbage();
  const baseline = process.memoryUsage.rss();
  const baselineHeap = process.memoryUsage().heapUsed;
  const small = await runJob(engine, { ...base, count: Math.max(1, Math.round(K / 10)) });
  const big = await runJob(engine, base);
  // The same job again: a plateau (≈ 0 growth) means high-water marks, steady growth a leak.
  const again = await runJob(engine, base);
  const heapAfter = process.memoryUsage().heapUsed;
  const stats = await withDeadline(engine.stats(), 10_000, 'engine.stats()');
  await withDeadline(engine.close(), 10_000, 'engine.close()').catch((err: unknown) => console.log((err as Error).message));

  const growthSmall = small.rssPeak - baseline;
  const growthBig = big.rssPeak - baseline;
  const growthAgain = again.rssPeak - again.rssStart;
  const table = new Table({ style: { head: [], border: [] }, head: ['job', 'probes', 'replies', 'streamed', 'probes/s', 'RSS start', 'RSS peak', 'RSS end', 'after GC', 'peak − start', 'peak − baseline'] });
  for (const [name, j] of [['reference (1/10)', small], ['measured', big], ['measured again', again]] as const) {
    table.push([name, fmtInt(j.probes), fmtInt(j.received), fmtInt(j.streamed), fmtInt(j.received / j.seconds), fmtMB(j.rssStart), fmtMB(j.rssPeak), fmtMB(j.rssEnd), fmtMB(j.rssAfterGc), fmtMB(j.rssPeak - j.rssStart), fmtMB(j.rssPeak - baseline)]);
  }
  console.log(`baseline RSS after warm-up: ${fmtMB(baseline)}`);
  console.log(table.toString());
  console.log(`RSS growth over the ${fmtInt(big.probes)}-probe job (peak − baseline): ${fmtMB(growthBig)} (goal ≤ ${GOAL_MB} MB: ${growthBig <= GOAL_MB * MB ? 'met' : 'NOT met'}); ` +
    `vs the ${fmtInt(small.probes)}-probe reference: ${fmtRatio(ratio(growthBig, growthSmall))} (≈1× when nothing is kept per probe); ` +
    `the same job again grew ${fmtMB(growthAgain)} (≈0 when memory plateaus)`);
  console.log(`main-thread V8 heap used after GC: ${fmtMB(baselineHeap)} at baseline, ${fmtMB(heapAfter)} at the end (the rest of any growth is in worker threads or native memory)`);
  console.log(`engine stats after all jobs: sent ${fmtInt(stats.sent)}, received ${fmtInt(stats.received)}, timeouts ${fmtInt(stats.timeouts)}, in flight ${stats.inFlight}, foreign ${stats.foreign}`);
  const result = { kind: 'memory', machine, params: { targets: N, count: K, periodMs, threads }, baseline, baselineHeap, heapAfter, reference: small, measured: big, measuredAgain: again, growthBytes: growthBig, growthAgainBytes: growthAgain, goalMet: growthBig <= GOAL_MB * MB, engineStats: stats };
  const previous = latestResult<typeof result>('memory');
  if (previous) console.log(`vs previous result ${previous.path.split('/').pop()}: growth ${fmtMB(growthBig)} (was ${fmtMB(previous.data.growthBytes)})`);
  if (!flags['no-save']) console.log(`saved ${saveResult('memory', result)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:memory failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
