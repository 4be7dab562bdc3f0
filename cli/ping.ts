// `sonde ping <target…>`: an fping-like front end over the engine's ping().
// Exit status: 0 when every target answered, 1 when any did not (or the job failed),
// 2 on bad usage (the message names the bad argument). Ctrl-C cancels and prints what
// was measured; a second Ctrl-C exits at once.
import { Command, InvalidArgumentError, Option } from 'commander';
import { createEngine, EngineInputError, type PingRequest, type PingSummary, type ProbeResult } from '../engine/index.js';
import { RunningTotals, summaryTable } from './ping-format.js';
import { readTargetFile } from './read-targets.js';

interface PingFlags {
  count: number;
  period: number;
  interval: number;
  timeout: number;
  size: number;
  ttl?: number;
  file?: string;
  json?: boolean;
  quiet?: boolean;
  ipv6?: boolean;
  threads?: number;
}

export const EXIT_ALL_ANSWERED = 0;
export const EXIT_SOME_UNANSWERED = 1;
export const EXIT_USAGE = 2;

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return n;
  };
}

function milliseconds(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
      throw new InvalidArgumentError(`${name} must be a non-negative number of milliseconds.`);
    }
    return n;
  };
}

export function registerPing(program: Command): void {
  program
    .command('ping')
    .description('send ICMP echo probes to targets, fping-style (needs root or CAP_NET_RAW, or a permitted ping group)')
    .argument('[targets...]', 'IPv4 / IPv6 addresses or host names')
    .showHelpAfterError('(sonde ping --help lists every option)')
    .addOption(new Option('-c, --count <n>', 'probes per target').argParser(integer('count', 1, 1_000_000)).default(3))
    .addOption(new Option('-p, --period <ms>', 'time between two probes to the same target').argParser(milliseconds('period')).default(1000))
    .addOption(new Option('-i, --interval <ms>', 'minimum time between any two sends (0: as fast as possible)').argParser(milliseconds('interval')).default(0))
    .addOption(new Option('-t, --timeout <ms>', 'per-probe timeout').argParser(milliseconds('timeout')).default(1000))
    .addOption(new Option('-s, --size <bytes>', 'ICMP payload bytes').argParser(integer('size', 0, 65_500)).default(56))
    .addOption(new Option('--ttl <n>', 'TTL / hop limit of every probe (default: the system\'s)').argParser(integer('ttl', 1, 255)))
    .addOption(new Option('-f, --file <path>', 'read targets from a file, one per line (# starts a comment; - reads stdin)'))
    .addOption(new Option('--json', 'print one JSON object per target (its summary) per line on stdout, nothing else'))
    .addOption(new Option('-q, --quiet', 'no per-probe lines: only the summary'))
    .addOption(new Option('-6, --ipv6', 'prefer IPv6 when a name resolves to both families'))
    .addOption(new Option('--threads <n>', 'worker threads (default: available cores)').argParser(integer('threads', 1, 256)))
    .action(async (targets: string[], flags: PingFlags, command: Command) => {
      process.exitCode = await runPingCommand(targets, flags, command);
    });
}

async function runPingCommand(args: string[], flags: PingFlags, command: Command): Promise<number> {
  let targets = args;
  if (flags.file !== undefined) {
    try {
      targets = [...args, ...(await readTargetFile(flags.file))];
    } catch (error) {
      command.error(`error: option '-f, --file <path>': cannot read ${JSON.stringify(flags.file)}: ${(error as Error).message}`, { exitCode: EXIT_USAGE, code: 'sonde.file' });
    }
  }
  if (targets.length === 0) {
    command.error('error: no targets: give addresses or host names, or -f FILE', { exitCode: EXIT_USAGE, code: 'sonde.noTargets' });
  }
  const out = new BufferedStdout();
  const totals = new RunningTotals(targets.length);
  const streamLines = !flags.json && !flags.quiet;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = (): void => {
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const request: PingRequest = {
    targets,
    count: flags.count,
    intervalMs: flags.period,
    sendIntervalMs: flags.interval,
    timeoutMs: flags.timeout,
    size: flags.size,
    family: flags.ipv6 ? 6 : 4,
    signal: controller.signal,
    ...(flags.ttl !== undefined ? { ttl: flags.ttl } : {}),
  };
  let engine;
  try {
    engine = createEngine(flags.threads !== undefined ? { threads: flags.threads } : {});
  } catch (error) {
    process.off('SIGINT', onSigint);
    return fail(command, error);
  }
  let summary: PingSummary;
  try {
    summary = await engine.ping(request, streamLines ? (p: ProbeResult) => out.write(totals.line(p)) : undefined);
  } catch (error) {
    return fail(command, error);
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
  }
  if (flags.json) {
    for (const t of summary.targets) out.write(JSON.stringify(t));
  } else {
    if (streamLines) out.write('');
    out.write(summaryTable(summary.targets));
    if (summary.cancelled) out.write('(interrupted: probes still waiting for a reply were not counted)');
  }
  await out.end();
  return summary.targets.every((t) => t.received > 0) ? EXIT_ALL_ANSWERED : EXIT_SOME_UNANSWERED;
}

/** Bad input (EngineInputError) is a usage error (exit 2); anything else exits 1. */
function fail(command: Command, error: unknown): number {
  if (error instanceof EngineInputError) {
    // Engine messages start with the field they are about (e.g. "targets[3]: ...").
    command.error(`error: ${error.message}`, { exitCode: EXIT_USAGE, code: 'sonde.input' });
  }
  process.stderr.write(`sonde ping: ${error instanceof Error ? error.message : String(error)}\n`);
  return EXIT_SOME_UNANSWERED;
}

/** Line output with one write per event-loop turn, quiet on a closed pipe (e.g. `| head`). */
class BufferedStdout {
  private pending: string[] = [];
  private scheduled = false;
  private closed = false;

  constructor() {
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true;
      else throw error;
    });
  }

  write(line: string): void {
    if (this.closed) return;
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  async end(): Promise<void> {
    this.flush();
    if (this.closed) return;
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    process.stdout.write(text);
  }
}
