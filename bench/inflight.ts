// npm run bench:inflight — 100,000 probes in flight across the pool at once, with no ceiling
// error. By default the probes go to 127.x addresses inside a network namespace created here
// whose loopback ignores echo requests, so nothing is answered and every probe stays in flight
// until its timeout. fping runs over the same targets in the same namespace as the reference:
// its 16-bit sequence space stops it at 65,535 probes per 10 s.
// --no-netns probes the host's loopback instead (replies come back at once, so the peak is
// lower; it still shows that a 100,000-probe burst raises no ceiling error).
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { Engine, EngineStats, PingSummary } from '../engine/types.js';
import { withDeadline } from './lib/deadline.js';
import { FPING_SEQUENCE_CEILING } from './lib/fping.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { createSilentNamespace, type SilentNamespace } from './lib/netns.js';
import { latestResult, saveResult } from './lib/results.js';
import { openEngine } from './lib/sonde-engine.js';
import { fmtInt, fmtRatio, ratio } from './lib/stats.js';
import { ensureCommand } from './lib/system-package.js';
import { loopbackTargets, writeTargetsFile } from './lib/targets.js';

const { values: flags } = parseArgs({
  options: {
    targets: { type: 'string', default: '100000' },
    timeout: { type: 'string', default: '5000' },
    threads: { type: 'string' },
    'no-netns': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
  },
});
const N = Number(flags.targets);
const timeoutMs = Number(flags.timeout);
const threads = flags.threads === undefined ? undefined : Number(flags.threads);
const useNetns = !flags['no-netns'];
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(timeoutMs) || timeoutMs < 100) {
  console.error('usage: npm run bench:inflight -- [--targets N=100000] [--timeout MS=5000] [--threads T] [--no-netns] [--no-save]');
  process.exit(2);
}

interface FpingOutcome {
  exitCode: number | null;
  error?: string;
  seconds: number;
}

function runFping(fping: string, ns: SilentNamespace | undefined, targetsFile: string): FpingOutcome {
  const argv = [...(ns?.exec ?? []), fping, '-i', '0', '-c', '1', '-t', String(timeoutMs), '-q', '-f', targetsFile];
  console.log(`fping: ${argv.join(' ')}`);
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: timeoutMs + 60_000, maxBuffer: 64 << 20 });
  const error = (r.stderr ?? '').split('\n').find((l) => /error|not enough/i.test(l));
  return { exitCode: r.status, error, seconds: (performance.now() - t0) / 1000 };
}

async function runSonde(engine: Engine, targets: string[]): Promise<{ summary?: PingSummary; error?: string; peakInFlight: number; peakAtMs: number; seconds: number; last: EngineStats }> {
  let peakInFlight = 0;
  let peakAtMs = 0;
  let polling = true;
  const t0 = performance.now();
  const poll = (async () => {
    while (polling) {
      const s = await withDeadline(engine.stats(), 10_000, 'engine.stats()');
      if (s.inFlight > peakInFlight) {
        peakInFlight = s.inFlight;
        peakAtMs = performance.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  let summary: PingSummary | undefined;
  let error: string | undefined;
  try {
    summary = await withDeadline(engine.ping({ targets, count: 1, intervalMs: 0, timeoutMs, size: 56 }), 60_000 + timeoutMs + targets.length / 5, 'sonde job');
  } catch (err) {
    error = (err as Error).message;
  }
  const seconds = (performance.now() - t0) / 1000;
  polling = false;
  await poll;
  return { summary, error, peakInFlight, peakAtMs, seconds, last: await withDeadline(engine.stats(), 10_000, 'engine.stats()') };
}

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log(`sonde in-flight benchmark: ${fmtInt(N)} probes in one burst, count 1, timeout ${timeoutMs} ms`);
  printMachine(machine);
  const targets = loopbackTargets(N);
  const targetsFile = writeTargetsFile(targets);
  let ns: SilentNamespace | undefined;
  if (useNetns) {
    try {
      ns = createSilentNamespace();
      console.log(`network namespace ${ns.name}: lo up, net.ipv4.icmp_echo_ignore_all=1 (no echo is answered: probes stay in flight until they time out)`);
    } catch (err) {
      console.log(`cannot create a network namespace (${(err as Error).message.split('\n')[0]}); needs root and iproute2. Falling back to the host loopback (--no-netns).`);
    }
  } else {
    console.log('host loopback (--no-netns): replies return at once, so the in-flight peak is lower than the burst');
  }

  try {
    const fping = process.getuid?.() === 0 ? ensureCommand('fping', 'fping') : undefined;
    const fpingOutcome = fping ? runFping(fping, ns, targetsFile) : undefined;
    if (fpingOutcome) {
      console.log(`fping exit ${fpingOutcome.exitCode} after ${fpingOutcome.seconds.toFixed(1)} s${fpingOutcome.error ? `: ${fpingOutcome.error}` : ''}`);
    }

    const opened = await openEngine({ ...(threads === undefined ? {} : { threads }), ...(ns ? { netns: ns.path } : {}) });
    if ('missing' in opened) {
      console.log(`cannot run sonde: ${opened.missing}`);
      process.exitCode = 1;
      return;
    }
    const engine = opened;
    await withDeadline(engine.ping({ targets: targets.slice(0, 100), count: 1, timeoutMs: 200 }), 30_000, 'sonde warm-up job');
    const sonde = await runSonde(engine, targets);
    await withDeadline(engine.close(), 10_000, 'engine.close()').catch((err: unknown) => console.log((err as Error).message));

    const t = sonde.summary?.targets ?? [];
    const sent = t.reduce((s, x) => s + x.sent, 0);
    const received = t.reduce((s, x) => s + x.received, 0);
    const sendFailed = t.reduce((s, x) => s + (x.errors['send-failed'] ?? 0), 0);
    console.log(
      `sonde: ${sonde.error ? `FAILED: ${sonde.error}` : `sent ${fmtInt(sent)}, replies ${fmtInt(received)}, send failures ${fmtInt(sendFailed)}`}; ` +
        `peak in flight ${fmtInt(sonde.peakInFlight)} (at ${(sonde.peakAtMs / 1000).toFixed(2)} s), job ${sonde.seconds.toFixed(1)} s; ` +
        `engine totals: timeouts ${fmtInt(sonde.last.timeouts)}, in flight now ${sonde.last.inFlight}`,
    );
    const fpingMax = fpingOutcome?.error ? FPING_SEQUENCE_CEILING : undefined;
    console.log(`peak in flight, sonde / fping's ceiling: ${fmtRatio(ratio(sonde.peakInFlight, FPING_SEQUENCE_CEILING))}${fpingMax ? ' (fping stopped at its ceiling in this run)' : ''}`);
    const goalMet = !sonde.error && sent === N && sendFailed === 0 && (ns ? sonde.peakInFlight >= N : true);
    console.log(`goal: ${fmtInt(N)} probes in flight without a ceiling error: ${goalMet ? 'met' : 'NOT met'}${ns ? '' : ' (host loopback: only "no ceiling error" is checked)'}`);

    const result = {
      kind: 'inflight',
      machine,
      params: { targets: N, timeoutMs, threads, netns: Boolean(ns) },
      sonde: { sent, received, sendFailed, error: sonde.error, peakInFlight: sonde.peakInFlight, peakAtMs: sonde.peakAtMs, seconds: sonde.seconds },
      fping: fpingOutcome,
      goalMet,
    };
    const previous = latestResult<typeof result>('inflight');
    if (previous) console.log(`vs previous result ${previous.path.split('/').pop()}: peak in flight ${fmtInt(sonde.peakInFlight)} (was ${fmtInt(previous.data.sonde.peakInFlight)})`);
    if (!flags['no-save']) console.log(`saved ${saveResult('inflight', result)}`);
  } finally {
    ns?.remove();
  }
}

main().then(
  () => process.exit(),
  (err: unknown) => {
    console.error(`bench:inflight failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
