// `sonde ping --output fping`: fping 5.x's behaviour and output over the engine. Default
// mode (no -c/-C/-l) sends one probe per host and retries the silent ones (-r) with a
// growing timeout (-B); -c/-C/-l stream per-probe lines and end with fping's summaries.
import { EngineInputError, resolveTargetNames, type Engine, type PingRequest, type ProbeResult } from '../../engine/ping.js';
import { abortOnInterrupt } from '../interrupt.js';
import { LineOutput } from '../line-output.js';
import {
  EXIT_ALL_ALIVE, EXIT_NAME_UNRESOLVED, EXIT_PING_USAGE, EXIT_SOME_UNREACHABLE, EXIT_SYSTEM_CALL,
} from '../ping-exit.js';
import {
  globalStatsBlock, replyLine, rttListLine, splitHeader, statsLine, timeoutLine, timestampPrefix, fpingMs,
} from './format.js';
import { icmpWarning } from './icmp-warning.js';
import type { FpingOptions } from './options.js';
import { HostTally } from './tally.js';

/** The engine's ceiling on probes per job; -l chains jobs of this many. */
const LOOP_CHUNK = 1_000_000;

/** gai_strerror's text for the resolver codes Node reports. */
function resolverMessage(code: string): string {
  if (code === 'ENOTFOUND' || code === 'ENODATA') return 'Name or service not known';
  if (code === 'EAI_AGAIN') return 'Temporary failure in name resolution';
  return code;
}

interface Host {
  /** As fping prints it: the name given, or its address with -A. */
  display: string;
  address: string;
  tally: HostTally;
}

class Run {
  readonly out = new LineOutput(process.stdout);
  readonly err = new LineOutput(process.stderr);
  readonly hosts: Host[] = [];
  width = 0;
  noAddress = 0;
  pingsSent = 0;
  repliesReceived = 0;
  timeouts = 0;
  otherIcmp = 0;
  aliveCount = 0;
  readonly global = { minNs: 0, maxNs: 0, sumNs: 0, replies: 0 };
  readonly startedNs = process.hrtime.bigint();
  /** Per-reply lines (fping's per_recv_flag). */
  readonly perRecv: boolean;
  /** "is alive" / "is unreachable" lines (fping's verbose_flag after the mode rules). */
  readonly verbose: boolean;

  constructor(readonly o: FpingOptions) {
    const verbose = !o.quiet && !o.alive && !o.unreachable && o.minReachable === undefined;
    const counting = o.count !== undefined;
    this.perRecv = (counting && verbose) || (o.loop && o.reportEveryS === undefined);
    this.verbose = verbose && !counting && !o.loop;
  }

  /** Writes stdout first, so a warning on stderr lands after the lines it follows. */
  warn(line: string): void {
    if (this.o.quiet) return;
    this.out.flush();
    this.err.write(line);
  }

  addReplyToGlobal(rttNs: number): void {
    const g = this.global;
    if (g.replies === 0 || rttNs < g.minNs) g.minNs = rttNs;
    if (rttNs > g.maxNs) g.maxNs = rttNs;
    g.sumNs += rttNs;
    g.replies++;
  }
}

export async function runFping(engine: Engine, o: FpingOptions): Promise<number> {
  const run = new Run(o);
  const controller = new AbortController();
  const stopInterrupts = abortOnInterrupt(controller);
  let report: NodeJS.Timeout | undefined;
  try {
    const resolved = await resolveTargetNames(o.targets, o.family);
    resolved.forEach((r, i) => {
      if (r.ok) {
        const display = o.byAddress ? r.address : o.targets[i];
        run.hosts.push({ display, address: r.address, tally: new HostTally(o.vcount ? o.count ?? 0 : 0) });
        run.width = Math.max(run.width, display.length);
      } else {
        run.noAddress++;
        run.warn(`${o.targets[i]}: ${resolverMessage(r.code)}`);
      }
    });
    if (run.hosts.length === 0) return await finishEarly(run, run.noAddress > 0 ? EXIT_NAME_UNRESOLVED : EXIT_SOME_UNREACHABLE);
    if (o.reportEveryS !== undefined && (o.loop || o.count !== undefined)) {
      report = setInterval(() => printSplits(run), o.reportEveryS * 1000);
    }
    if (o.count === undefined && !o.loop) await probeUntilAlive(engine, run, controller.signal);
    else await probeCounted(engine, run, controller.signal);
  } catch (error) {
    if (error instanceof EngineInputError) {
      run.err.write(`fping: ${error.message}`);
      return await finishEarly(run, EXIT_PING_USAGE);
    }
    run.err.write(`fping: ${error instanceof Error ? error.message : String(error)}`);
    return await finishEarly(run, EXIT_SYSTEM_CALL);
  } finally {
    if (report !== undefined) clearInterval(report);
    stopInterrupts();
  }
  return finish(run);
}

async function finishEarly(run: Run, code: number): Promise<number> {
  await run.out.end();
  await run.err.end();
  return code;
}

function baseRequest(run: Run, signal: AbortSignal): Omit<PingRequest, 'targets'> {
  const o = run.o;
  return {
    intervalMs: o.periodMs,
    sendIntervalMs: o.intervalMs,
    size: o.size,
    family: o.family,
    signal,
    dontFragment: o.dontFragment,
    ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
    ...(o.tos !== undefined ? { tos: o.tos } : {}),
  };
}

/** fping's default mode: a probe per host; the silent ones again, each time waiting longer. */
async function probeUntilAlive(engine: Engine, run: Run, signal: AbortSignal): Promise<void> {
  const o = run.o;
  let pending = run.hosts;
  let timeoutMs = o.timeoutMs;
  for (let attempt = 0; attempt <= o.retries && pending.length > 0 && !signal.aborted; attempt++) {
    const round = pending;
    const onProbe = (p: ProbeResult): void => {
      const host = round[p.targetIndex];
      countProbe(run, host, p);
      if (p.status === 'ok' && host.tally.received === 1) {
        run.aliveCount++;
        if (run.verbose || o.alive) {
          run.out.write(`${host.display}${run.verbose ? ' is alive' : ''}${o.elapsed ? ` (${fpingMs(p.rttNs / 1e6)} ms)` : ''}`);
        }
      }
    };
    await engine.ping({ ...baseRequest(run, signal), targets: round.map((h) => h.address), count: 1, timeoutMs }, onProbe);
    pending = round.filter((h) => h.tally.received === 0);
    timeoutMs *= o.backoff;
  }
}

/** -c / -C / -l: every probe in turn, per-reply lines unless quiet. */
async function probeCounted(engine: Engine, run: Run, signal: AbortSignal): Promise<void> {
  const o = run.o;
  const targets = run.hosts.map((h) => h.address);
  let seqBase = 0;
  do {
    const count = o.loop ? LOOP_CHUNK : o.count!;
    const base = seqBase;
    const onProbe = (p: ProbeResult): void => {
      const host = run.hosts[p.targetIndex];
      const seq = base + p.seq;
      const wasAlive = host.tally.received > 0;
      const outcome = countProbe(run, host, p, seq);
      if (!wasAlive && host.tally.received > 0) run.aliveCount++;
      if (!run.perRecv) return;
      if (outcome === 'reply') {
        run.out.write(`${o.timestamp ? timestampPrefix(p.receivedAtNs) : ''}${replyLine(host.display, run.width, seq, p.bytes + 8, p.rttNs, host.tally)}`);
      } else if (outcome === 'lost') {
        run.out.write(`${o.timestamp ? timestampPrefix(BigInt(Date.now()) * 1_000_000n) : ''}${timeoutLine(host.display, run.width, seq, host.tally)}`);
      }
    };
    await engine.ping({ ...baseRequest(run, signal), targets, count, timeoutMs: o.timeoutMs }, onProbe);
    seqBase += count;
  } while (o.loop && !signal.aborted);
}

/** Counts one probe event the way fping's stats_add and wait_for_reply do, and says
 *  whether it concluded the probe (fping prints a line for those) and how. */
function countProbe(run: Run, host: Host, p: ProbeResult, seq = p.seq): 'reply' | 'lost' | 'unsent' | null {
  switch (p.status) {
    case 'ok':
      run.pingsSent++;
      run.repliesReceived++;
      host.tally.reply(seq, p.rttNs);
      run.addReplyToGlobal(p.rttNs);
      return 'reply';
    case 'timeout':
      run.pingsSent++;
      run.timeouts++;
      host.tally.timedOut(seq);
      return 'lost';
    case 'error':
      if (p.errorKind !== 'send-failed' && host.tally.takeTimedOut(seq)) {
        // An ICMP error for a probe already counted lost: fping only warns.
        run.otherIcmp++;
        run.warn(icmpWarning(p.icmpType ?? 0, p.icmpCode ?? 0, p.from ?? '?', host.display));
        return null;
      }
      run.pingsSent++;
      host.tally.lost();
      if (p.errorKind === 'send-failed') {
        // fping warns only in its default mode, with strerror(errno), which the engine's
        // probe events do not carry; the probe counts lost, without a line.
        if (run.verbose) run.warn(`${host.display}: error while sending ping`);
        return 'unsent';
      }
      // fping warns when the ICMP error arrives and counts the probe lost at its timeout;
      // the engine concludes it at once.
      run.otherIcmp++;
      run.timeouts++;
      run.warn(icmpWarning(p.icmpType ?? 0, p.icmpCode ?? 0, p.from ?? '?', host.display));
      return 'lost';
    case 'duplicate':
      run.repliesReceived++;
      host.tally.receivedTotal++;
      if (!run.perRecv) run.warn(`${host.display} : duplicate for [${seq}], ${p.bytes + 8} bytes, ${fpingMs(p.rttNs / 1e6)} ms`);
      return null;
    case 'late':
      // fping drops a reply that comes after the probe's timeout.
      run.repliesReceived++;
      return null;
  }
}

function outageOf(run: Run, sent: number, received: number): number | null {
  return run.o.outage ? ((sent - received) * run.o.periodMs) : null;
}

function printSplits(run: Run): void {
  run.out.flush();
  if (run.verbose || run.perRecv) run.err.write('');
  run.err.write(splitHeader(new Date()));
  for (const h of run.hosts) {
    const c = h.tally.split;
    run.err.write(statsLine(h.display, run.width, c, outageOf(run, c.sent, c.received)));
    c.reset();
  }
}

async function finish(run: Run): Promise<number> {
  const o = run.o;
  let unreachable = 0;
  for (const h of run.hosts) {
    if (h.tally.received > 0) continue;
    unreachable++;
    if (run.verbose) run.out.write(`${h.display} is unreachable`);
    else if (o.unreachable) run.out.write(h.display);
  }
  run.out.flush();
  if (o.count !== undefined || o.loop) {
    if (run.verbose || run.perRecv) run.err.write('');
    for (const h of run.hosts) {
      const t = h.tally;
      run.err.write(o.vcount && t.rttsNs !== null
        ? rttListLine(h.display, run.width, t.rttsNs, t.sent)
        : statsLine(h.display, run.width, t.total, outageOf(run, t.sent, t.received)));
    }
  }
  if (o.stats) {
    run.err.write(globalStatsBlock({
      hosts: run.hosts.length, alive: run.aliveCount, unreachable, noAddress: run.noAddress,
      timeouts: run.timeouts, sent: run.pingsSent, received: run.repliesReceived, otherIcmp: run.otherIcmp,
      ...run.global, elapsedS: Number(process.hrtime.bigint() - run.startedNs) / 1e9,
    }));
  }
  let code: number;
  if (o.minReachable !== undefined) {
    const reachable = run.hosts.length - unreachable;
    const enough = reachable >= o.minReachable;
    run.out.write(`${enough ? 'Enough' : 'Not enough'} hosts reachable (required: ${o.minReachable}, reachable: ${reachable})`);
    code = enough ? EXIT_ALL_ALIVE : EXIT_SOME_UNREACHABLE;
  } else if (run.noAddress > 0) {
    code = EXIT_NAME_UNRESOLVED;
  } else {
    code = run.aliveCount === run.hosts.length ? EXIT_ALL_ALIVE : EXIT_SOME_UNREACHABLE;
  }
  await run.out.end();
  await run.err.end();
  return code;
}
