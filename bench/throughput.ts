// npm run bench:throughput — echo round trips per second to N loopback targets, side by side
// in one run: the C reference loop, fping -i 0, and sonde's engine. See bench/README.md.
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import type { Engine } from '../engine/types.js';
import { buildCReference, runCReference } from './lib/c-reference.js';
import { withDeadline } from './lib/deadline.js';
import { FPING_SEQUENCE_CEILING, fpingArgs, runFping } from './lib/fping.js';
import { describeMachine, printMachine, type MachineInfo } from './lib/machine.js';
import { latestResult, saveResult } from './lib/results.js';
import { openEngine } from './lib/sonde-engine.js';
import { fmtInt, fmtRatio, median, ratio } from './lib/stats.js';
import { ensureCommand } from './lib/system-package.js';
import { loopbackTargets, writeTargetsFile } from './lib/targets.js';
import { lossPercent, type ToolRun } from './lib/tool-run.js';
import { sondeCommand, timeWholeProcess, wholeProcessArgs } from './lib/whole-process.js';

const { values: flags } = parseArgs({
  options: {
    targets: { type: 'string', default: '10000' },
    count: { type: 'string', default: '5' },
    runs: { type: 'string', default: '9' },
    period: { type: 'string', default: '10' },
    timeout: { type: 'string', default: '1000' },
    size: { type: 'string', default: '56' },
    threads: { type: 'string' },
    stream: { type: 'boolean', default: false },
    only: { type: 'string', default: 'c,fping,binding,sonde,whole' },
    'whole-targets': { type: 'string', default: '10000' },
    'whole-period': { type: 'string', default: '20' },
    'whole-timeout': { type: 'string', default: '500' },
    'whole-runs': { type: 'string', default: '5' },
    'no-save': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(`usage: npm run bench:throughput -- [--targets N=10000] [--count K=5] [--runs R=9]
         [--period MS=10] [--timeout MS=1000] [--size B=56] [--threads T] [--stream]
         [--only c,fping,binding,sonde,whole] [--whole-targets N=10000] [--whole-period MS=20]
         [--whole-timeout MS=500] [--whole-runs R=5] [--no-save]
  --count    probes per target in each run (fping needs N×K ≤ ${FPING_SEQUENCE_CEILING})
  --period   per-target period (fping -p, sonde intervalMs); keep it below N / rate
  --stream   give sonde an onProbe callback (counts probes) instead of summaries only
  binding    diagnostic: the C loop in JS over sonde's native binding, one socket, main thread
  whole      the whole-process comparison: \`sonde ping -c K -p P -i 0 -t T -f FILE\` and the same
             fping command, wall time from spawn to exit (start-up included)`);
  process.exit(0);
}

function positiveInt(name: string, value: string | undefined, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: expected a whole number ≥ ${min}, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

const N = positiveInt('targets', flags.targets);
const K = positiveInt('count', flags.count);
const R = positiveInt('runs', flags.runs);
const periodMs = positiveInt('period', flags.period, 0);
const timeoutMs = positiveInt('timeout', flags.timeout);
const size = positiveInt('size', flags.size, 16);
const threads = flags.threads === undefined ? undefined : positiveInt('threads', flags.threads);
const only = new Set(flags.only.split(',').map((s) => s.trim()));
const planned = N * K;

type ToolName = 'c' | 'fping' | 'binding' | 'sonde';
const TOOLS: ToolName[] = ['c', 'fping', 'binding', 'sonde'];
const LABEL: Record<ToolName, string> = { c: 'C reference', fping: 'fping -i 0', binding: 'sonde binding, 1 thread (diagnostic)', sonde: 'sonde engine' };

interface ThroughputResult {
  kind: 'throughput';
  machine: MachineInfo;
  params: { targets: number; count: number; runs: number; periodMs: number; timeoutMs: number; size: number; threads?: number; stream: boolean };
  tools: Partial<Record<ToolName, { runs: ToolRun[]; medianRoundTripsPerSec: number; medianLossPercent: number; maxLossPercent: number; skipped?: string }>>;
  ratios: { sondeOverFping: number; sondeOverC: number };
  wholeProcess?: { args: string[]; sondeMs: number[]; fpingMs: number[]; medianSondeMs: number; medianFpingMs: number; sondeSpeedOverFping: number };
}

/** `sonde ping` and fping as whole processes, same command line, interleaved. */
function runWholeProcess(): ThroughputResult['wholeProcess'] {
  const fping = process.getuid?.() === 0 ? ensureCommand('fping', 'fping') : undefined;
  if (fping === undefined) {
    console.log('skipping the whole-process comparison: it needs fping and root (fping -i 0)');
    return undefined;
  }
  const n = positiveInt('whole-targets', flags['whole-targets']);
  const o = { targetsFile: writeTargetsFile(loopbackTargets(n)), count: 5, periodMs: positiveInt('whole-period', flags['whole-period'], 0), timeoutMs: positiveInt('whole-timeout', flags['whole-timeout']) };
  const args = wholeProcessArgs(o);
  const runs = positiveInt('whole-runs', flags['whole-runs']);
  console.log(`\nwhole process, ${runs} runs each, interleaved: sonde ping ${args.join(' ')}  vs  fping ${args.join(' ')}`);
  const sondeMs: number[] = [];
  const fpingMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    sondeMs.push(timeWholeProcess(sondeCommand.command, [...sondeCommand.prefix, ...args]));
    fpingMs.push(timeWholeProcess(fping, args));
    console.log(`run ${r + 1}/${runs}: sonde ${sondeMs[r].toFixed(0)} ms | fping ${fpingMs[r].toFixed(0)} ms`);
  }
  const medianSondeMs = median(sondeMs);
  const medianFpingMs = median(fpingMs);
  const speed = medianFpingMs / medianSondeMs;
  console.log(`whole process: sonde ${medianSondeMs.toFixed(0)} ms, fping ${medianFpingMs.toFixed(0)} ms (medians); sonde / fping speed ${fmtRatio(speed)} (${speed >= 1.5 ? 'meets' : 'BELOW'} the goal ≥ 1.5×)`);
  return { args, sondeMs, fpingMs, medianSondeMs, medianFpingMs, sondeSpeedOverFping: speed };
}

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log('sonde throughput benchmark: echo round trips/s to distinct loopback targets');
  printMachine(machine);
  const targets = loopbackTargets(N);
  const targetsFile = writeTargetsFile(targets);
  console.log(
    `targets: ${fmtInt(N)} (${targets[0]} … ${targets.at(-1)}), ${K} probes each per run (${fmtInt(planned)} round trips), ` +
      `period ${periodMs} ms, timeout ${timeoutMs} ms, payload ${size} B, ${R} runs per tool, interleaved`,
  );
  if (periodMs > 0 && (N * 1000) / periodMs < 500_000) {
    console.log(`note: period ${periodMs} ms over ${N} targets caps every tool at ${fmtInt((N * 1000) / periodMs)} probes/s; lower --period to measure the tools, not the schedule`);
  }

  const skipped: Partial<Record<ToolName, string>> = {};
  const runners: Partial<Record<ToolName, () => Promise<ToolRun>>> = {};

  if (only.has('c')) {
    const bin = buildCReference();
    runners.c = async () => runCReference(bin, targetsFile, K, size, timeoutMs);
  }

  if (only.has('fping')) {
    if (planned > FPING_SEQUENCE_CEILING) {
      skipped.fping = `N×K = ${fmtInt(planned)} exceeds fping's ${fmtInt(FPING_SEQUENCE_CEILING)}-per-10 s sequence ceiling; use --count ≤ ${Math.floor(FPING_SEQUENCE_CEILING / N)}`;
    } else if (process.getuid?.() !== 0) {
      skipped.fping = 'fping allows -i 0 only for root ("too risky for mere mortals"); run as root';
    } else {
      const fping = ensureCommand('fping', 'fping');
      if (!fping) skipped.fping = 'fping is not installed (see above)';
      else {
        const fo = { targetsFile, count: K, periodMs, timeoutMs, size };
        console.log(`fping: ${fping} ${fpingArgs(fo).join(' ')}`);
        runners.fping = async () => runFping(fping, fo);
      }
    }
  }

  if (only.has('binding')) {
    try {
      const { runBindingLoop } = await import('./lib/binding-loop.js');
      runners.binding = () => runBindingLoop(targets, K, size, timeoutMs);
    } catch (err) {
      skipped.binding = `cannot load the native binding (${(err as Error).message.split('\n')[0]}); run \`npm run build:native\``;
    }
  }

  let engine: Engine | undefined;
  if (only.has('sonde')) {
    const opened = await openEngine(threads === undefined ? {} : { threads });
    if ('missing' in opened) skipped.sonde = opened.missing;
    else {
      engine = opened;
      const request = { targets, count: K, intervalMs: periodMs, timeoutMs, size };
      let streamed = 0;
      const onProbe = flags.stream ? () => void streamed++ : undefined;
      console.log(`sonde: createEngine(${threads === undefined ? '' : `{ threads: ${threads} }`}).ping({ ${N} targets, count: ${K}, intervalMs: ${periodMs}, timeoutMs: ${timeoutMs}, size: ${size} }${onProbe ? ', onProbe' : ''})`);
      // Warm-up (not measured): workers start, sockets open, code gets compiled.
      const jobDeadlineMs = 60_000 + timeoutMs + planned / 10; // generous: 10k probes/s at worst
      const warmup = await withDeadline(engine.ping({ ...request, count: 1 }, onProbe), jobDeadlineMs, 'sonde warm-up job').then(
        () => undefined,
        (err: unknown) => (err as Error).message.split('\n')[0],
      );
      if (warmup) skipped.sonde = `the warm-up job failed: ${warmup}`;
      else runners.sonde = async () => {
        streamed = 0;
        const t0 = performance.now();
        const summary = await withDeadline(engine!.ping(request, onProbe), jobDeadlineMs, 'sonde job');
        const elapsedSec = (performance.now() - t0) / 1000;
        let sent = 0;
        let received = 0;
        let duplicates = 0;
        for (const t of summary.targets) {
          sent += t.sent;
          received += t.received;
          duplicates += t.duplicates;
        }
        const stats = await engine!.stats();
        return {
          sent,
          received,
          duplicates,
          elapsedSec,
          roundTripsPerSec: received / elapsedSec,
          note: onProbe && streamed !== sent ? `onProbe saw ${streamed} of ${sent} probes` : stats.foreign > 0 ? `engine counts ${stats.foreign} foreign replies so far` : undefined,
        };
      };
    }
  }
  for (const [tool, why] of Object.entries(skipped)) console.log(`skipping ${LABEL[tool as ToolName]}: ${why}`);

  const order = TOOLS.filter((t) => runners[t]);
  const runs: Partial<Record<ToolName, ToolRun[]>> = {};
  for (let r = 0; r < R; r++) {
    // Rotate the order each run so that no tool always runs right after the same neighbour.
    const round = order.map((_, i) => order[(i + r) % order.length]);
    const line: string[] = [];
    for (const tool of round) {
      if (!runners[tool]) continue;
      try {
        const result = await runners[tool]!();
        (runs[tool] ??= []).push(result);
        line.push(`${tool} ${fmtInt(result.roundTripsPerSec)}/s loss ${lossPercent(result, planned).toFixed(2)}%${result.note ? ` (${result.note})` : ''}`);
      } catch (err) {
        line.push(`${tool} FAILED: ${(err as Error).message}`);
        if (/no result after/.test((err as Error).message)) delete runners[tool]; // stuck: stop trying
      }
    }
    console.log(`run ${r + 1}/${R}: ${line.join(' | ')}`);
  }
  await withDeadline(engine?.close() ?? Promise.resolve(), 10_000, 'engine.close()').catch((err: unknown) => console.log((err as Error).message));

  const result: ThroughputResult = {
    kind: 'throughput',
    machine,
    params: { targets: N, count: K, runs: R, periodMs, timeoutMs, size, threads, stream: flags.stream },
    tools: {},
    ratios: { sondeOverFping: NaN, sondeOverC: NaN },
  };
  const table = new Table({ style: { head: [], border: [] }, head: ['tool', 'median round trips/s', 'min … max', 'median loss', 'max loss', 'runs'] });
  for (const tool of TOOLS) {
    const list = runs[tool];
    if (!list?.length) {
      if (skipped[tool] || only.has(tool)) result.tools[tool] = { runs: [], medianRoundTripsPerSec: NaN, medianLossPercent: NaN, maxLossPercent: NaN, skipped: skipped[tool] ?? 'every run failed' };
      continue;
    }
    const rates = list.map((x) => x.roundTripsPerSec);
    const losses = list.map((x) => lossPercent(x, planned));
    const entry = { runs: list, medianRoundTripsPerSec: median(rates), medianLossPercent: median(losses), maxLossPercent: Math.max(...losses) };
    result.tools[tool] = entry;
    table.push([LABEL[tool], fmtInt(entry.medianRoundTripsPerSec), `${fmtInt(Math.min(...rates))} … ${fmtInt(Math.max(...rates))}`, `${entry.medianLossPercent.toFixed(2)}%`, `${entry.maxLossPercent.toFixed(2)}%`, String(list.length)]);
  }
  console.log(table.toString());

  const rate = (t: ToolName): number => result.tools[t]?.medianRoundTripsPerSec ?? NaN;
  result.ratios = { sondeOverFping: ratio(rate('sonde'), rate('fping')), sondeOverC: ratio(rate('sonde'), rate('c')) };
  const verdict = (r: number, goal: number): string => (Number.isFinite(r) ? (r >= goal ? `meets the goal ≥ ${goal}×` : `BELOW the goal ≥ ${goal}×`) : 'not measured');
  console.log(`sonde / fping: ${fmtRatio(result.ratios.sondeOverFping)}  (${verdict(result.ratios.sondeOverFping, 1.5)})`);
  console.log(`sonde / C:     ${fmtRatio(result.ratios.sondeOverC)}  (${verdict(result.ratios.sondeOverC, 0.8)})`);
  console.log(`fping / C:     ${fmtRatio(ratio(rate('fping'), rate('c')))}`);
  if (runs.binding?.length) console.log(`binding / C:   ${fmtRatio(ratio(rate('binding'), rate('c')))}   sonde / binding: ${fmtRatio(ratio(rate('sonde'), rate('binding')))}`);

  if (only.has('whole')) result.wholeProcess = runWholeProcess();

  const previous = latestResult<ThroughputResult>('throughput');
  if (previous) {
    const prev = previous.data;
    const same = prev.params.targets === N && prev.params.count === K;
    const parts = TOOLS.map((t) => `${t} ${fmtRatio(ratio(rate(t), prev.tools[t]?.medianRoundTripsPerSec ?? NaN))}`);
    console.log(`vs previous result ${previous.path.split('/').pop()} (${prev.machine.date}${same ? '' : `, different params: ${prev.params.targets} targets × ${prev.params.count}`}): ${parts.join(', ')}`);
  }
  if (!flags['no-save']) console.log(`saved ${saveResult('throughput', result)}`);
}

main().then(
  () => process.exit(0), // do not wait on a stuck engine's threads
  (err: unknown) => {
    console.error(`bench:throughput failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
