// npm run bench:capacity — issue 20's numbers for capacity campaigns:
//   rate   achieved vs configured rate of campaign steps on loopback, 1,000 → 100,000 probes/s,
//          steps of --step-seconds (10) after 1 s of warm-up; targets 127.1.x.y, as many as keep
//          a target at ≤ --per-target (100) probes/s. Goal: within 1 % at every rate.
//   self   `sonde capacity self --json --no-store` (the built CLI, as a user runs it) over
//          --self-sizes (default: the sizes of the newest bench:monitor result), timed; its
//          answer against that result's largest N. Goal: within 10 %, in under 10 minutes.
//   report the report of a synthetic 1 h campaign of 60 steps (lib/capacity-report-timing.ts,
//          as bench:capacity-report). Goal: ≤ 2 s, HTML ≤ 2 MB.
// Medians over --runs (rate) and --report-runs; the machine named; JSON to bench/results/.
//
//   node dist/bench/capacity.js [--parts rate,self,report] [--rates 1000,…] [--step-seconds 10]
//     [--per-target 100] [--runs 1] [--self-sizes 10000,25000,50000,100000] [--self-seconds 30]
//     [--self-warmup-seconds 15] [--report-runs 9] [--no-save]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { createEngine, loopbackTargets, openCampaignStore, runCampaign, validateCampaignSpec } from '../engine/index.js';
import { timeReportGeneration, reportGoalMet, type ReportTiming } from './lib/capacity-report-timing.js';
import { cliEntry } from './lib/daemon-process.js';
import { repoRoot } from './lib/paths.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { latestResult, saveResult } from './lib/results.js';
import { median } from './lib/stats.js';

const list = (v: string): number[] => {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !(n > 0))) throw new InvalidArgumentError('a comma-separated list of positive numbers');
  return out;
};
const positive = (v: string): number => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('a positive number');
  return n;
};

const opts = new Command('bench:capacity')
  .option('--parts <list>', 'rate, self, report', (v) => v.split(','), ['rate', 'self', 'report'])
  .option('--rates <list>', 'offered total probes/s of the rate steps', list, [1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000])
  .option('--step-seconds <s>', 'measured seconds per rate step', positive, 10)
  .option('--per-target <n>', 'probes/s per target at most (sets the number of targets of a step)', positive, 100)
  .option('--runs <n>', 'runs of the rate ramp', positive, 1)
  .option('--self-sizes <list>', 'sizes for sonde capacity self (default: the newest bench:monitor result\'s)', list)
  .option('--self-seconds <s>', 'measured seconds per size', positive, 30)
  .option('--self-warmup-seconds <s>', 'warm-up seconds per size', positive, 15)
  .option('--self-reference <how>', 'latest: the newest bench/results/monitor-*.json; run: bench:monitor in this run, right after, on the same sizes, warm-up, measured seconds and windows (equal load)', 'latest')
  .option('--report-runs <n>', 'runs of the report generation', positive, 9)
  .option('--no-save', 'do not write bench/results/capacity-*.json')
  .parse()
  .opts<{ parts: string[]; rates: number[]; stepSeconds: number; perTarget: number; runs: number; selfSizes?: number[]; selfSeconds: number; selfWarmupSeconds: number; selfReference: string; reportRuns: number; save: boolean }>();

const machine = describeMachine();
printMachine(machine);
const result: Record<string, unknown> = { machine, args: opts };

interface RateRow { rate: number; targets: number; achieved: number[]; errorPercent: number[]; lossPercent: number[]; driftP99Ms: number[]; cpuPercent: number[] }

async function rateAccuracy(): Promise<RateRow[]> {
  const engine = createEngine({});
  const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-capacity-'));
  const { store, close } = openCampaignStore(dir);
  const targetsOf = (rate: number): number => Math.max(1, Math.ceil(rate / opts.perTarget));
  const addresses = loopbackTargets(Math.max(...opts.rates.map(targetsOf)));
  const rows: RateRow[] = opts.rates.map((rate) => ({ rate, targets: targetsOf(rate), achieved: [], errorPercent: [], lossPercent: [], driftP99Ms: [], cpuPercent: [] }));
  try {
    for (let run = 0; run < opts.runs; run++) {
      const spec = validateCampaignSpec({
        name: 'bench rate accuracy', targets: { addresses }, probe: { kind: 'icmp', timeoutMs: 1000 }, rateMode: 'total',
        defaults: { durationS: opts.stepSeconds, warmupS: 1 }, steps: rows.map((r) => ({ rate: r.rate, targets: r.targets })),
        safety: { maxTotalPps: Math.max(...opts.rates) },
      });
      const done = await runCampaign({ engine, store, spec, addresses, sondeVersion: 'bench' });
      for (const s of store.getSteps(done.id)) {
        const row = rows[s.index];
        row.achieved.push(s.achievedRate);
        row.errorPercent.push(s.rateError * 100);
        row.lossPercent.push(s.lossPercent);
        row.driftP99Ms.push(s.self.driftP99Ms);
        row.cpuPercent.push(s.self.cpuPercent);
        console.log(`  run ${run + 1}: ${s.offeredRate} probes/s over ${s.params.targets} targets: achieved ${s.achievedRate.toFixed(1)} (${(s.rateError * 100).toFixed(2)} %), loss ${s.lossPercent.toFixed(3)} %, sender drift p99 ${s.self.driftP99Ms.toFixed(2)} ms, CPU ${s.self.cpuPercent.toFixed(0)} %, load ${loadavg()[0].toFixed(2)}`);
      }
    }
  } finally {
    await engine.close();
    close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

interface SelfAnswer { largest: number | null; status: string; reason: string | null; durationMs: number; sizes: { targets: number; meetsGoals: boolean }[] }

function capacitySelf(sizes: number[]): Promise<{ answer: SelfAnswer; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cliEntry, 'capacity', 'self', '--sizes', sizes.join(','), '--seconds', String(opts.selfSeconds),
      '--warmup-seconds', String(opts.selfWarmupSeconds), '--json', '--no-store'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SONDE_CONFIG: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`sonde capacity self exited ${code}: ${out}`));
      else resolve({ answer: JSON.parse(out) as SelfAnswer, wallMs: performance.now() - t0 });
    });
  });
}

if (opts.parts.includes('rate')) {
  console.log(`\nrate accuracy: ${opts.rates.join(', ')} probes/s, ${opts.stepSeconds} s per step (+1 s warm-up), ≤ ${opts.perTarget} probes/s per target, ${opts.runs} run(s)`);
  const rows = await rateAccuracy();
  result.rate = rows;
  console.log('\n  offered/s   targets   achieved/s (median)   error % (median)   goal ±1 %');
  for (const r of rows) {
    const e = median(r.errorPercent);
    console.log(`  ${String(r.rate).padStart(9)}   ${String(r.targets).padStart(7)}   ${median(r.achieved).toFixed(1).padStart(19)}   ${e.toFixed(2).padStart(16)}   ${Math.abs(e) <= 1 ? 'met' : 'NOT met'}`);
  }
}

/** bench:monitor (dist/bench/monitor.js) on the same sizes and periods: its largest N. */
function monitorBench(sizes: number[]): Promise<{ largest: number | null; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--expose-gc', join(repoRoot, 'dist', 'bench', 'monitor.js'), '--sizes', sizes.join(','), '--minutes', String(opts.selfSeconds / 60),
      '--warmup-seconds', String(opts.selfWarmupSeconds), '--window-seconds', '10', '--no-save'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); process.stdout.write(d); });
    child.on('close', (code) => {
      const m = /largest N meeting the goal: (.*)$/m.exec(out);
      if (code !== 0 || m === null) reject(new Error(`bench:monitor exited ${code} without its answer`));
      else resolve({ largest: /^[\d,]+$/.test(m[1]) ? Number(m[1].replaceAll(',', '')) : null, wallMs: performance.now() - t0 });
    });
  });
}

if (opts.parts.includes('self')) {
  const latest = latestResult<{ largestMeetingGoal: number | null; args: { sizes: number[]; minutes: number }; machine: { date: string } }>('monitor');
  const sizes = opts.selfSizes ?? latest?.data.args.sizes ?? [10_000, 25_000, 50_000, 100_000];
  const reference = opts.selfReference === 'run' ? undefined : latest;
  console.log(`\nsonde capacity self over ${sizes.join(', ')} targets (${opts.selfWarmupSeconds} s warm-up + ${opts.selfSeconds} s per size)`);
  const { answer, wallMs } = await capacitySelf(sizes);
  let ref = reference?.data.largestMeetingGoal ?? null;
  let refText = `${reference?.path ?? 'no bench/results/monitor-*.json'}${reference ? `, ${reference.data.args.minutes} min per size, ${reference.data.machine.date}` : ''}`;
  if (opts.selfReference === 'run') {
    console.log(`\nreference: bench:monitor on the same sizes, ${opts.selfWarmupSeconds} s warm-up + ${opts.selfSeconds} s, 10 s windows`);
    const m = await monitorBench(sizes);
    ref = m.largest;
    refText = `measured in this run, ${(m.wallMs / 60_000).toFixed(1)} min`;
    result.monitorReference = m;
  }
  const within = ref === null && answer.largest === null ? 0 : ref !== null && answer.largest !== null ? Math.abs(answer.largest - ref) / ref : null;
  result.self = { sizes, answer, wallMs, reference: reference === undefined ? null : { path: reference.path, largest: ref, sizes: reference.data.args.sizes, minutes: reference.data.args.minutes, date: reference.data.machine.date } };
  console.log(`  answer: ${answer.largest ?? 'none'} targets (${answer.reason ?? answer.status}); took ${(wallMs / 60_000).toFixed(1)} min (goal < 10 min: ${wallMs < 600_000 ? 'met' : 'NOT met'})`);
  console.log(`  bench:monitor's largest N: ${ref ?? 'none'} (${refText})`
    + `; ${within === null ? 'not comparable' : `difference ${(within * 100).toFixed(0)} % (goal ≤ 10 %: ${within <= 0.1 ? 'met' : 'NOT met'})`}`);
}

if (opts.parts.includes('report')) {
  const t: ReportTiming = timeReportGeneration(opts.reportRuns);
  result.report = t;
  console.log(`\nreport of a ${t.minutes.toFixed(0)} min campaign of ${t.steps} steps (${t.probes.toLocaleString('en-US')} probes), medians of ${t.runs}: HTML ${t.medians.report.toFixed(1)} ms, ${(t.htmlBytes / 1024).toFixed(0)} KiB `
    + `(goal ≤ 2 s, ≤ 2 MB: ${reportGoalMet(t) ? 'met' : 'NOT met'}); reference JSON.stringify of the run ${t.medians.json.toFixed(1)} ms`);
}

const loadEnd = loadavg().map((l) => Math.round(l * 100) / 100);
console.log(`\nmachine: ${machine.cpu}, ${machine.cores} cores; load average before ${machine.loadAvg.join(' ')}, after ${loadEnd.join(' ')}`);
if (opts.save) console.log(`saved ${saveResult('capacity', { ...result, loadAvgAfter: loadEnd })}`);
