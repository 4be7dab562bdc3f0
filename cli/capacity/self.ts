// `sonde capacity self`: how many targets this host can monitor at 1 probe/s. Ramps a monitor of
// N loopback targets (a real `sonde serve` in its own process per size; engine/capacity/self/),
// prints a progress line per size and a table, and stores the run in the campaign store of the
// data directory (kind 'self'), so `sonde capacity list|show|report` read it.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_SELF_SIZES, MONITORING_GOALS, missedGoals, openCampaignStore, runSelfRamp, toSondeConfig, type SelfRampResult, type SizeResult,
} from '../../engine/index.js';
import { sondeVersion } from '../../server/index.js';
import { addDataOptions, failAndExit, loadConfigOrExit } from '../config-options.js';
import { abortOnInterrupt } from '../interrupt.js';
import { createTable } from '../table.js';

interface SelfFlags {
  config?: string;
  data?: string;
  sizes: number[];
  warmupSeconds: number;
  seconds: number;
  windowSeconds: number;
  all: boolean;
  store: boolean;
  json: boolean;
}

function sizeList(v: string): number[] {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) {
    throw new InvalidArgumentError('give a comma-separated list of target counts from 1 to 1000000, e.g. 1000,5000,20000.');
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

const seconds = (min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > 3600) throw new InvalidArgumentError(`give seconds from ${min} to 3600.`);
  return n;
};

const fmt = (v: number | null, digits: number): string => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
const mark = (ok: boolean, text: string): string => `${text} ${ok ? 'ok' : 'MISSED'}`;

function sizeLine(r: SizeResult): string {
  const verdict = r.stopped ? 'stopped' : r.meetsGoals ? 'meets the goals' : `missed: ${missedGoals(r)}`;
  return `${r.targets} targets: loss ${fmt(r.lossPercent, 4)} % (${r.windows} windows), drift p99 ${fmt(r.driftP99Ms, 2)} ms, CPU ${fmt(r.cpuCores, 2)} cores, `
    + `RSS ${fmt(r.rssPeakMB, 0)} MB, summary p99 ${fmt(r.summaryP99Ms, 1)} ms (${(r.summaryBytes / 1e6).toFixed(1)} MB) — ${verdict}`;
}

function table(result: SelfRampResult): string {
  const g = MONITORING_GOALS;
  const t = createTable({
    head: ['targets', `loss % (≤${g.lossPercent})`, `drift p99 ms (≤${g.driftP99Ms})`, `CPU cores (≤${g.cpuCores})`, `RSS MB (≤${g.rssMB})`, `summary p99 ms (≤${g.summaryP99Ms})`, 'all'],
  });
  for (const r of result.sizes) {
    const v = r.verdicts;
    t.push([
      r.targets.toLocaleString('en-US'), mark(v.lossPercent, fmt(r.lossPercent, 4)), mark(v.driftP99Ms, fmt(r.driftP99Ms, 2)), mark(v.cpuCores, fmt(r.cpuCores, 2)),
      mark(v.rssMB, fmt(r.rssPeakMB, 0)), mark(v.summaryP99Ms, fmt(r.summaryP99Ms, 1)), r.stopped ? 'stopped' : r.meetsGoals ? 'ok' : 'MISSED',
    ]);
  }
  return t.toString();
}

async function runSelf(flags: SelfFlags, command: Command): Promise<void> {
  if (flags.seconds < 2 * flags.windowSeconds) {
    command.error(`error: --seconds ${flags.seconds} holds no two whole windows of --window-seconds ${flags.windowSeconds} (loss is read from the stored windows lying wholly inside the measured period): give --seconds ≥ ${2 * flags.windowSeconds} or a shorter --window-seconds`, { exitCode: 2, code: 'sonde.usage' });
  }
  const entry = process.argv[1];
  const opened = flags.store ? openCampaignStore(toSondeConfig(loadConfigOrExit({ config: flags.config, data: flags.data }).config, 'tool').dataDir) : null;
  const controller = new AbortController();
  const release = abortOnInterrupt(controller);
  const say = (text: string) => process.stderr.write(`${text}\n`);
  say(`sonde capacity self: ${flags.sizes.length} sizes (${flags.sizes.join(', ')} loopback targets at 1 probe/s), each ${flags.warmupSeconds} s of warm-up + ${flags.seconds} s measured, `
    + `with sonde serve in its own process; stops at the first size missing a goal${flags.all ? ' (--all: measures every size)' : ''}. Ctrl-C stops.`);
  let result: SelfRampResult;
  try {
    result = await runSelfRamp({
      entry, sizes: flags.sizes, warmupS: flags.warmupSeconds, measureS: flags.seconds, windowS: flags.windowSeconds, all: flags.all,
      ...(opened ? { store: opened.store } : {}), sondeVersion: sondeVersion(), signal: controller.signal,
      onLine: say,
      onSize: (r, i) => say(`[${i + 1}/${flags.sizes.length}] ${sizeLine(r)}`),
    });
  } catch (error) {
    failAndExit(error);
  } finally {
    release();
    opened?.close();
  }
  const minutes = (result.durationMs / 60_000).toFixed(1);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ largest: result.largest, status: result.status, reason: result.reason, durationMs: result.durationMs, runId: result.run?.id ?? null, goals: MONITORING_GOALS, sizes: result.sizes.map(({ hdr: _hdr, ...r }) => r) })}\n`);
  } else {
    process.stdout.write(`${table(result)}\n`);
    const answer = result.largest === null ? 'none of the sizes measured meets the goals' : `${result.largest.toLocaleString('en-US')} targets at 1 s`;
    process.stdout.write(`largest N meeting the monitoring goals on this host: ${answer} (${minutes} min${result.reason !== null ? `; ${result.reason}` : ''})\n`);
    if (result.run !== null) process.stdout.write(`stored as capacity run ${result.run.id} (kind self)\n`);
  }
  if (result.status === 'failed') process.exitCode = 1;
}

/** The options and action of `sonde capacity self`. */
export function registerCapacitySelf(command: Command): void {
  addDataOptions(command)
    .addOption(new Option('--sizes <list>', 'target counts to measure, ascending').argParser(sizeList).default([...DEFAULT_SELF_SIZES], DEFAULT_SELF_SIZES.join(',')))
    .addOption(new Option('--warmup-seconds <s>', 'seconds of monitoring before each measurement').argParser(seconds(1)).default(15))
    .addOption(new Option('--seconds <s>', 'measured seconds per size (at least two windows)').argParser(seconds(5)).default(30))
    .addOption(new Option('--window-seconds <s>', 'monitoring.windowSeconds of the measured daemon (loss is read from its stored windows)').argParser(seconds(1)).default(10))
    .addOption(new Option('--all', 'measure every size, also after one missed a goal').default(false))
    .addOption(new Option('--no-store', 'do not store the run in the data directory\'s campaign store'))
    .addOption(new Option('--json', 'print the result as JSON').default(false))
    .action(async (flags: SelfFlags, command: Command) => runSelf(flags, command));
}
