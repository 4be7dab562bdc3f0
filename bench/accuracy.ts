// npm run bench:accuracy — loopback RTT as sonde measures it versus iputils ping in the same
// run, with sonde's main thread idle and then kept busy by synthetic CPU work; then at six
// probe spacings, each tool's probes against their own round trips on the wire.
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import type { Engine, ProbeResult } from '../engine/types.js';
import { startBusyLoop } from './lib/busy-main-thread.js';
import { withDeadline } from './lib/deadline.js';
import { runPing } from './lib/iputils-ping.js';
import { describeMachine, printMachine, type MachineInfo } from './lib/machine.js';
import { latestResult, saveResult } from './lib/results.js';
import { openEngine } from './lib/sonde-engine.js';
import { median, quantile } from './lib/stats.js';
import { ensureCommand } from './lib/system-package.js';
import { spacingSweep, type SweepRow } from './lib/spacing-sweep.js';
import { buildWireStamps, wireCaptureUnavailable } from './lib/wire-capture.js';

const { values: flags } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    interval: { type: 'string', default: '2' },
    slice: { type: 'string', default: '20' },
    size: { type: 'string', default: '56' },
    threads: { type: 'string' },
    spacings: { type: 'string', default: '1,2,5,20,100,1000' },
    'sweep-seconds': { type: 'string', default: '20' },
    'sweep-blocks': { type: 'string', default: '4' },
    'sweep-only': { type: 'boolean', default: false },
    'no-wire': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log(`usage: npm run bench:accuracy -- [--count N=2000] [--rounds R=3] [--interval MS=2] [--slice MS=20]
         [--size B=56] [--threads T] [--spacings MS,MS…=1,2,5,20,100,1000] [--sweep-seconds S=20]
         [--sweep-blocks B=4] [--sweep-only] [--no-wire] [--no-save]
  Each round measures, one after another: ping idle, sonde idle, sonde with its main thread
  busy (blocked in --slice ms slices), ping while this process is busy (a control for CPU contention).
  Then the spacing sweep: at each spacing, about --sweep-seconds of probes per tool (at least 20
  and at most 1,000) in --sweep-blocks blocks, ping, sonde on the calling thread (as \`sonde ping\`
  runs a few targets) and sonde's worker pool alternating block by block; --spacings '' skips it.
  Meanwhile a tap on lo (bench/reference/wire-stamps.c, root) stamps every request and reply,
  and each probe's RTT is compared with its round trip on the wire; --no-wire runs without it.`);
  process.exit(0);
}

function num(name: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name}: expected a number ≥ ${min}, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}
const count = Math.floor(num('count', flags.count, 10));
const rounds = Math.floor(num('rounds', flags.rounds, 1));
const intervalMs = num('interval', flags.interval, 0.2);
const sliceMs = num('slice', flags.slice, 1);
const size = Math.floor(num('size', flags.size, 16));
const threads = flags.threads === undefined ? undefined : Math.floor(num('threads', flags.threads, 1));
const ADDRESS = '127.0.0.1';

type Mode = 'ping idle' | 'sonde idle' | 'sonde busy' | 'ping busy';
const MODES: Mode[] = ['ping idle', 'sonde idle', 'sonde busy', 'ping busy'];

interface Sample {
  rttUs: Float64Array;
  sent: number;
  received: number;
  blockedMs?: number;
}

interface ModeSummary {
  samples: number;
  sent: number;
  received: number;
  medianUs: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  roundMediansUs: number[];
  mainThreadBlockedPercent?: number;
}

interface AccuracyResult {
  kind: 'accuracy';
  machine: MachineInfo;
  params: { address: string; count: number; rounds: number; intervalMs: number; sliceMs: number; size: number; threads?: number };
  modes: Partial<Record<Mode, ModeSummary>>;
  goals: { medianDiffUs: number; p99ShiftUs: number; medianWithin15Us: boolean | null; p99MovesUnder50Us: boolean | null };
  skipped: Record<string, string>;
  /** Per probe spacing: sonde and iputils ping, idle, one after the other; each against the wire. */
  sweep?: SweepRow[];
}

async function sondeRun(engine: Engine, busy: boolean): Promise<Sample> {
  const rtts = new Float64Array(count);
  let n = 0;
  const onProbe = (p: ProbeResult): void => {
    if (p.status === 'ok' && n < count) rtts[n++] = p.rttNs / 1000;
  };
  const load = busy ? startBusyLoop(sliceMs) : undefined;
  const t0 = performance.now();
  const summary = await withDeadline(engine.ping({ targets: [ADDRESS], count, intervalMs, timeoutMs: 1000, size }, onProbe), 30_000 + count * intervalMs * 3, 'sonde job');
  const wallMs = performance.now() - t0;
  await load?.stop();
  const t = summary.targets[0];
  return { rttUs: rtts.subarray(0, n), sent: t?.sent ?? 0, received: t?.received ?? 0, blockedMs: load ? (100 * load.blockedMs()) / wallMs : undefined };
}

async function pingRun(ping: string, busy: boolean): Promise<Sample> {
  const load = busy ? startBusyLoop(sliceMs) : undefined;
  const t0 = performance.now();
  const r = await runPing(ping, ADDRESS, count, intervalMs, size);
  const wallMs = performance.now() - t0;
  await load?.stop();
  return { ...r, blockedMs: load ? (100 * load.blockedMs()) / wallMs : undefined };
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log(`sonde accuracy benchmark: RTT to ${ADDRESS}, sonde vs iputils ping, main thread idle vs busy`);
  printMachine(machine);
  console.log(`${rounds} rounds × ${count} probes per mode, ${intervalMs} ms apart, payload ${size} B, busy = main thread blocked in ${sliceMs} ms slices`);

  const skipped: Record<string, string> = {};
  const ping = ensureCommand('ping', 'iputils-ping');
  if (!ping) skipped.ping = 'iputils ping is not installed (see above)';
  else if (intervalMs < 2 && process.getuid?.() !== 0) skipped.ping = `ping allows -i below 2 ms only for root`;
  const opened = await openEngine(threads === undefined ? {} : { threads });
  let engine: Engine | undefined;
  if ('missing' in opened) skipped.sonde = opened.missing;
  else engine = opened;
  for (const [tool, why] of Object.entries(skipped)) console.log(`skipping ${tool}: ${why}`);
  if (ping && !skipped.ping) console.log(`ping: ${ping} -n -i ${intervalMs / 1000} -c ${count} -s ${size} ${ADDRESS}`);

  if (engine) await withDeadline(engine.ping({ targets: [ADDRESS], count: 50, intervalMs: 1, timeoutMs: 1000, size }), 30_000, 'sonde warm-up job');

  const collected: Record<Mode, Sample[]> = { 'ping idle': [], 'sonde idle': [], 'sonde busy': [], 'ping busy': [] };
  for (let r = 0; r < (flags['sweep-only'] ? 0 : rounds); r++) {
    const line: string[] = [];
    for (const mode of MODES) {
      const usesPing = mode.startsWith('ping');
      if (usesPing ? skipped.ping : !engine) continue;
      const busy = mode.endsWith('busy');
      const s = usesPing ? await pingRun(ping!, busy) : await sondeRun(engine!, busy);
      collected[mode].push(s);
      line.push(`${mode} median ${median(s.rttUs).toFixed(1)} µs p99 ${quantile(s.rttUs, 0.99).toFixed(1)} µs (${s.received}/${s.sent})`);
    }
    console.log(`round ${r + 1}/${rounds}: ${line.join(' | ')}`);
  }
  const spacings = flags.spacings.split(',').filter((x) => x.trim() !== '').map((x) => num('spacings', x, 0.2));
  let sweep: SweepRow[] | undefined;
  if (engine && ping && !skipped.ping && spacings.length > 0) {
    let wire: { bin: string; device: string } | undefined;
    const noWire = flags['no-wire'] ? 'not asked for (--no-wire)' : wireCaptureUnavailable();
    if (noWire) skipped.wire = noWire;
    else {
      try {
        wire = { bin: buildWireStamps(), device: 'lo' };
      } catch (err) {
        skipped.wire = `bench/reference/wire-stamps.c did not build: ${(err as Error).message}`;
      }
    }
    if (skipped.wire) console.log(`skipping the wire column: ${skipped.wire}`);
    const inThread = await openEngine({ inThread: true });
    if ('missing' in inThread) throw new Error(`the in-thread engine did not open: ${inThread.missing}`);
    await withDeadline(inThread.ping({ targets: [ADDRESS], count: 50, intervalMs: 1, timeoutMs: 1000, size }), 30_000, 'in-thread warm-up job');
    sweep = await spacingSweep({
      ping, address: ADDRESS, size, spacingsMs: spacings, inThread, pool: engine, ...(wire ? { wire } : {}),
      seconds: num('sweep-seconds', flags['sweep-seconds'], 1), blocks: Math.floor(num('sweep-blocks', flags['sweep-blocks'], 1)),
    });
    await withDeadline(inThread.close(), 10_000, 'in-thread engine.close()');
  }
  await withDeadline(engine?.close() ?? Promise.resolve(), 10_000, 'engine.close()').catch((err: unknown) => console.log((err as Error).message));

  const result: AccuracyResult = {
    kind: 'accuracy',
    machine,
    params: { address: ADDRESS, count, rounds, intervalMs, sliceMs, size, threads },
    modes: {},
    goals: { medianDiffUs: NaN, p99ShiftUs: NaN, medianWithin15Us: null, p99MovesUnder50Us: null },
    skipped,
    ...(sweep ? { sweep } : {}),
  };
  const table = new Table({ style: { head: [], border: [] }, head: ['mode', 'replies', 'median µs', 'p90 µs', 'p99 µs', 'max µs', 'round medians µs', 'main thread blocked'] });
  for (const mode of MODES) {
    const list = collected[mode];
    if (!list.length) continue;
    const all = concat(list.map((s) => s.rttUs));
    const blocked = list.map((s) => s.blockedMs).filter((b): b is number => b !== undefined);
    const m: ModeSummary = {
      samples: all.length,
      sent: list.reduce((s, x) => s + x.sent, 0),
      received: list.reduce((s, x) => s + x.received, 0),
      medianUs: median(all),
      p90Us: quantile(all, 0.9),
      p99Us: quantile(all, 0.99),
      maxUs: quantile(all, 1),
      roundMediansUs: list.map((s) => median(s.rttUs)),
      mainThreadBlockedPercent: blocked.length ? median(blocked) : undefined,
    };
    result.modes[mode] = m;
    table.push([
      mode,
      `${m.received}/${m.sent}`,
      m.medianUs.toFixed(1),
      m.p90Us.toFixed(1),
      m.p99Us.toFixed(1),
      m.maxUs.toFixed(1),
      m.roundMediansUs.map((x) => x.toFixed(1)).join(' '),
      m.mainThreadBlockedPercent === undefined ? '-' : `${m.mainThreadBlockedPercent.toFixed(0)}%`,
    ]);
  }
  console.log(table.toString());

  const md = result.modes;
  if (md['sonde idle'] && md['ping idle']) {
    result.goals.medianDiffUs = md['sonde idle'].medianUs - md['ping idle'].medianUs;
    result.goals.medianWithin15Us = Math.abs(result.goals.medianDiffUs) <= 15;
    console.log(`sonde median − ping median (idle): ${result.goals.medianDiffUs.toFixed(1)} µs (goal within ±15 µs: ${result.goals.medianWithin15Us ? 'met' : 'NOT met'})`);
  }
  if (md['sonde idle'] && md['sonde busy']) {
    result.goals.p99ShiftUs = md['sonde busy'].p99Us - md['sonde idle'].p99Us;
    result.goals.p99MovesUnder50Us = Math.abs(result.goals.p99ShiftUs) < 50;
    console.log(`sonde p99 busy − idle: ${result.goals.p99ShiftUs.toFixed(1)} µs (goal under 50 µs: ${result.goals.p99MovesUnder50Us ? 'met' : 'NOT met'})`);
  }
  if (md['ping idle'] && md['ping busy']) {
    console.log(`control, ping p99 while this process is busy − idle: ${(md['ping busy'].p99Us - md['ping idle'].p99Us).toFixed(1)} µs (CPU contention on the machine, not sonde)`);
  }
  const previous = latestResult<AccuracyResult>('accuracy');
  if (previous) {
    const p = previous.data.modes;
    const fmt = (a: number | undefined, b: number | undefined): string => (a !== undefined && b !== undefined ? `${a.toFixed(1)} (was ${b.toFixed(1)})` : 'n/a');
    console.log(
      `vs previous result ${previous.path.split('/').pop()}: sonde idle median ${fmt(md['sonde idle']?.medianUs, p['sonde idle']?.medianUs)} µs, ` +
        `sonde busy p99 ${fmt(md['sonde busy']?.p99Us, p['sonde busy']?.p99Us)} µs, ping idle median ${fmt(md['ping idle']?.medianUs, p['ping idle']?.medianUs)} µs`,
    );
  }
  if (!flags['no-save']) console.log(`saved ${saveResult('accuracy', result)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:accuracy failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
