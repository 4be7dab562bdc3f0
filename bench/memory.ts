// npm run bench:memory — resident memory over 1,000,000-probe jobs to loopback targets.
// Per-probe data must be streamed or aggregated, never kept: RSS may grow by ≤ 50 MB.
// Two cases, each run twice in a row, all against one baseline taken after a warm-up:
//  - aggregated: no onProbe (summaries only);
//  - streamed: onProbe receives every probe (batches cross from the workers to this thread).
// The goal is on total growth, peak − baseline, of every job; running each job a second time
// tells a high-water mark (no further growth) from a leak (growth again). The reference in the
// same run is a job one tenth the size: if nothing is kept per probe, the big jobs grow RSS no
// more than it did. Load average is printed at the start and the end (the machine is shared).
import { loadavg } from 'node:os';
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
  /** This thread's V8 heap used after GC (the rest of any growth is in workers or native memory). */
  heapAfterGc: number;
}

async function runJob(engine: Engine, request: PingRequest, stream: boolean): Promise<JobMemory> {
  const sampler = startRssSampler();
  const rssStart = process.memoryUsage.rss();
  let streamed = 0;
  const t0 = performance.now();
  const probes = request.targets.length * (request.count ?? 0);
  const onProbe = stream ? () => void streamed++ : undefined;
  const summary = await withDeadline(engine.ping(request, onProbe), 60_000 + probes / 5, 'sonde job');
  const seconds = (performance.now() - t0) / 1000;
  const rssPeak = sampler.peak();
  sampler.stop();
  const rssEnd = process.memoryUsage.rss();
  collectGarbage();
  await new Promise((r) => setTimeout(r, 500));
  const received = summary.targets.reduce((s, t) => s + t.received, 0);
  return { probes, received, streamed, seconds, rssStart, rssPeak, rssEnd, rssAfterGc: process.memoryUsage.rss(), heapAfterGc: process.memoryUsage().heapUsed };
}

const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log('sonde memory benchmark: RSS over 1,000,000-probe jobs, without and with onProbe (all threads of the process)');
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
  console.log(`jobs: ${fmtInt(N)} loopback targets × ${K} probes = ${fmtInt(N * K)} probes, period ${periodMs} ms${canGc ? '' : ' (no --expose-gc: after-GC figures are without a forced GC)'}`);

  await withDeadline(engine.ping({ ...base, count: 2 }, () => {}), 60_000, 'sonde warm-up job'); // warm-up, streaming too
  collectGarbage();
  await new Promise((r) => setTimeout(r, 500));
  const baseline = process.memoryUsage.rss();
  const baselineHeap = process.memoryUsage().heapUsed;
  const small = await runJob(engine, { ...base, count: Math.max(1, Math.round(K / 10)) }, false);
  const aggregated = await runJob(engine, base, false);
  const aggregatedAgain = await runJob(engine, base, false);
  const streamed = await runJob(engine, base, true);
  const streamedAgain = await runJob(engine, base, true);
  const loadAtEnd = loadavg();
  const stats = await withDeadline(engine.stats(), 10_000, 'engine.stats()');
  await withDeadline(engine.close(), 10_000, 'engine.close()').catch((err: unknown) => console.log((err as Error).message));

  const rows = [
    ['reference (1/10), no onProbe', small],
    ['aggregated (no onProbe)', aggregated],
    ['aggregated, again', aggregatedAgain],
    ['streamed (onProbe)', streamed],
    ['streamed, again', streamedAgain],
  ] as const;
  const table = new Table({ style: { head: [], border: [] }, head: ['job', 'probes', 'replies', 'streamed', 'probes/s', 'RSS start', 'RSS peak', 'after GC', 'peak − start', 'peak − baseline', 'heap after GC'] });
  for (const [name, j] of rows) {
    table.push([name, fmtInt(j.probes), fmtInt(j.received), fmtInt(j.streamed), fmtInt(j.received / j.seconds), fmtMB(j.rssStart), fmtMB(j.rssPeak), fmtMB(j.rssAfterGc), fmtMB(j.rssPeak - j.rssStart), fmtMB(j.rssPeak - baseline), fmtMB(j.heapAfterGc)]);
  }
  console.log(`baseline RSS after warm-up: ${fmtMB(baseline)} (this thread's V8 heap used: ${fmtMB(baselineHeap)})`);
  console.log(table.toString());
  const growthSmall = small.rssPeak - baseline;
  const growthAggregated = Math.max(aggregated.rssPeak, aggregatedAgain.rssPeak) - baseline;
  const growthStreamed = Math.max(streamed.rssPeak, streamedAgain.rssPeak) - baseline;
  const growthBig = Math.max(growthAggregated, growthStreamed);
  const goalMet = growthBig <= GOAL_MB * MB;
  const growthAgain = aggregatedAgain.rssPeak - aggregatedAgain.rssStart;
  const growthStreamedAgain = streamedAgain.rssPeak - streamedAgain.rssStart;
  console.log(`total RSS growth (peak − baseline) over two ${fmtInt(aggregated.probes)}-probe jobs without onProbe: ${fmtMB(growthAggregated)}; ` +
    `after two more with onProbe: ${fmtMB(growthStreamed)} (goal ≤ ${GOAL_MB} MB for every job: ${goalMet ? 'met' : 'NOT met'})`);
  console.log(`vs the ${fmtInt(small.probes)}-probe reference (${fmtMB(growthSmall)}): ${fmtRatio(ratio(growthBig, growthSmall))} (≈1× when nothing is kept per probe); ` +
    `each job run again grew RSS by ${fmtMB(growthAgain)} (no onProbe) and ${fmtMB(growthStreamedAgain)} (onProbe) over its own start (≈0 when memory plateaus)`);
  console.log(`load average: ${fmtLoad(machine.loadAvg)} at the start, ${fmtLoad(loadAtEnd)} at the end (2 cores shared: probes/s and peaks vary with it)`);
  console.log(`engine stats after all jobs: sent ${fmtInt(stats.sent)}, received ${fmtInt(stats.received)}, timeouts ${fmtInt(stats.timeouts)}, in flight ${stats.inFlight}, foreign ${stats.foreign}`);
  const result = {
    kind: 'memory', machine, loadAvgAtEnd: loadAtEnd, params: { targets: N, count: K, periodMs, threads }, baseline, baselineHeap,
    reference: small, measured: aggregated, measuredAgain: aggregatedAgain, streamed, streamedAgain,
    growthBytes: growthBig, growthAggregatedBytes: growthAggregated, growthStreamedBytes: growthStreamed,
    growthAgainBytes: growthAgain, growthStreamedAgainBytes: growthStreamedAgain, goalMet, engineStats: stats,
  };
  const previous = latestResult<typeof result>('memory');
  if (previous) console.log(`vs previous result ${previous.path.split('/').pop()}: total growth ${fmtMB(growthBig)} (was ${fmtMB(previous.data.growthBytes)})`);
  if (!flags['no-save']) console.log(`saved ${saveResult('memory', result)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:memory failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
