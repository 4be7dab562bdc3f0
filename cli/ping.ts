// `sonde ping <target…>`: fping's flags over the engine's ping(). Output: sonde's table
// (default), --json (one summary per target per line), or --output fping (fping 5.x's
// lines; the default when sonde runs as `fping` through a symlink). Exit status is
// fping's (cli/ping-exit.ts): 0 every target answered, 1 some did not, 2 a name did not
// resolve, 3 bad usage, 4 a system call failed. Ctrl-C stops and prints what was measured;
// a second Ctrl-C exits at once.
import { Command, InvalidArgumentError, Option } from 'commander';
import { createEngine, EngineInputError, type Engine } from '../engine/ping.js';
import { GenerateError, generateTargets } from './fping/generate.js';
import type { FpingOptions } from './fping/options.js';
import { EXIT_PING_USAGE, EXIT_SYSTEM_CALL } from './ping-exit.js';
import { readTargetFile } from './read-targets.js';

/** Up to this many targets on the command line (no -f, no -g) are probed on the main thread. */
const FEW_TARGETS = 64;

/** How the command was invoked: `sonde ping` (-s is the size) or `fping` (-s prints stats). */
export type PingDialect = 'sonde' | 'fping';

interface PingFlags {
  count?: number;
  vcount?: number;
  loop?: boolean;
  period?: number;
  interval?: number;
  timeout?: number;
  size?: number;
  bytes?: number;
  ttl?: number;
  file?: string;
  json?: boolean;
  output?: 'table' | 'json' | 'fping';
  quiet?: boolean;
  squiet?: number;
  ipv4?: boolean;
  ipv6?: boolean;
  threads?: number;
  alive?: boolean;
  unreach?: boolean;
  elapsed?: boolean;
  timestamp?: boolean;
  generate?: boolean;
  retry?: number;
  backoff?: number;
  src?: string;
  iface?: string;
  tos?: number;
  dontfrag?: boolean;
  outage?: boolean;
  reachable?: number;
  fastReachable?: number;
  stats?: boolean;
  addr?: boolean;
  version?: boolean;
}

/** fping's options that sonde does not implement yet: refused with exit 3, never ignored. */
const NOT_SUPPORTED: ReadonlyArray<[keyof PingFlags, string]> = [
  ['src', '-S / --src (source address)'],
  ['iface', '-I / --iface (bind to an interface)'],
];

/** Output options that only fping's format can show: they select it. */
const FPING_OUTPUT_FLAGS: ReadonlyArray<keyof PingFlags> = [
  'vcount', 'loop', 'squiet', 'alive', 'unreach', 'elapsed', 'timestamp', 'outage', 'reachable', 'fastReachable', 'addr',
];

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*[+-]?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
    }
    return n;
  };
}

function number(name: string, min: number, max = Number.MAX_SAFE_INTEGER, unit = ''): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a number${unit} from ${min} to ${max}.`);
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

/** TOS: decimal, 0x hex or 0 octal, as fping's sscanf("%i"). */
function tosValue(value: string): number {
  const n = /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : /^0[0-7]+$/.test(value) ? parseInt(value, 8) : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 255)) throw new InvalidArgumentError('tos must be an integer from 0 to 255 (decimal, 0x hex or 0 octal).');
  return n;
}

export function registerPing(ping: Command, dialect: PingDialect = 'sonde'): void {
  const fping = dialect === 'fping';
  ping
    .argument('[targets...]', 'IPv4 / IPv6 addresses or host names (with -g: a CIDR prefix, or a start and an end address)')
    .showHelpAfterError(`(${fping ? 'fping' : 'sonde ping'} --help lists every option)`)
    .addOption(new Option('-c, --count <n>', 'probes per target (default: 3; fping output: 1, retried)').argParser(integer('count', 1, 1_000_000)))
    .addOption(new Option('-C, --vcount <n>', 'as -c, and print every probe\'s RTT (- for a lost one) at the end, as fping -C').argParser(integer('vcount', 1, 1_000_000)))
    .addOption(new Option('-l, --loop', 'probe until interrupted (Ctrl-C), then print the summary'))
    .addOption(new Option('-p, --period <ms>', 'time between two probes to the same target (default 1000)').argParser(milliseconds('period')))
    .addOption(new Option('-i, --interval <ms>', 'minimum time between any two sends (default: 0, as fast as possible; fping output: 10)').argParser(milliseconds('interval')))
    .addOption(new Option('-t, --timeout <ms>', 'per-probe timeout (default 1000; fping output: 500, or the period up to 2000 with -c/-C/-l)').argParser(milliseconds('timeout')))
    .addOption(new Option(fping ? '-b, --size <bytes>' : '-s, --size <bytes>', 'ICMP payload bytes (default 56)').argParser(integer('size', 0, 65_500)));
  if (!fping) ping.addOption(new Option('-b, --bytes <bytes>', 'the same as -s (fping\'s letter for the size)').argParser(integer('bytes', 0, 65_500)));
  ping
    .addOption(new Option('-H, --ttl <n>', 'TTL / hop limit of every probe (default: the system\'s)').argParser(integer('ttl', 1, 255)))
    .addOption(new Option('-O, --tos <n>', 'type of service / traffic class byte of every probe').argParser(tosValue))
    .addOption(new Option('-f, --file <path>', 'read targets from a file, one per line (# starts a comment; - reads stdin)'))
    .addOption(new Option('-g, --generate', 'the targets are a CIDR prefix or a start and an end address (IPv4, at most 100,000)'))
    .addOption(new Option('-r, --retry <n>', 'fping output without -c/-C/-l: probes again a silent target up to n times (default 3)').argParser(integer('retry', 0, 1000)))
    .addOption(new Option('-B, --backoff <factor>', 'fping output: each retry waits the timeout × factor (default 1.5)').argParser(number('backoff', 1, 5)))
    .addOption(new Option('-q, --quiet', 'no per-probe lines: only the summary'))
    .addOption(new Option('-Q, --squiet <seconds>', 'as -q, and print the interval\'s summary every <seconds> (fping output)').argParser(number('squiet', 0.001, 86_400, ' of seconds')))
    .addOption(new Option('-a, --alive', 'print the targets that answered (fping output)'))
    .addOption(new Option('-u, --unreach', 'print the targets that did not answer (fping output)'))
    .addOption(new Option('-A, --addr', 'show targets by address (fping output)'))
    .addOption(new Option('-e, --elapsed', 'with fping\'s "is alive" lines: the RTT too'))
    .addOption(new Option('-D, --timestamp', 'prefix per-probe lines with the Unix time (fping output)'))
    .addOption(new Option('-o, --outage', 'add the outage time (lost probes × period) to the summaries (fping output)'))
    .addOption(new Option('-x, --reachable <n>', 'succeed (exit 0) when at least n targets answer (fping output)').argParser(integer('reachable', 1, 1_000_000)))
    .addOption(new Option('-X, --fast-reachable <n>', 'as -x (sonde still waits for the round to end)').argParser(integer('fast-reachable', 1, 1_000_000)))
    .addOption(new Option('-S, --src <address>', 'source address (not supported yet: refused)'))
    .addOption(new Option('-I, --iface <name>', 'bind to an interface (not supported yet: refused)'))
    .addOption(new Option('-M, --dontfrag', 'set don\'t fragment: a probe larger than the path MTU fails to send'))
    .addOption(new Option('-4, --ipv4', 'use IPv4 when a name resolves to both families (the default)'))
    .addOption(new Option('-6, --ipv6', 'prefer IPv6 when a name resolves to both families'))
    .addOption(new Option('--threads <n>', 'worker threads (default: available cores)').argParser(integer('threads', 1, 256)));
  if (fping) {
    ping
      .addOption(new Option('-s, --stats', 'print fping\'s global statistics at the end'))
      .addOption(new Option('-v, --version', 'print the version'));
  } else {
    ping
      .addOption(new Option('--output <format>', 'table (default), json, or fping (fping 5.x\'s lines, byte for byte)').choices(['table', 'json', 'fping']))
      .addOption(new Option('--json', 'the same as --output json: one JSON summary per target per line on stdout'));
  }
  ping.action(async (targets: string[], flags: PingFlags, command: Command) => {
    process.exitCode = await runPingCommand(targets, flags, command, dialect);
  });
}

function usage(command: Command, message: string, code = 'sonde.usage'): never {
  command.error(`error: ${message}`, { exitCode: EXIT_PING_USAGE, code });
}

async function runPingCommand(args: string[], flags: PingFlags, command: Command, dialect: PingDialect): Promise<number> {
  if (flags.version) {
    process.stdout.write('fping: Version 5.1 (sonde 0.1.0: fping-compatible `sonde ping`)\n');
    return 0;
  }
  for (const [flag, name] of NOT_SUPPORTED) {
    if (flags[flag] !== undefined) usage(command, `${name} is not supported yet by sonde (README: fping compatibility)`, 'sonde.notSupported');
  }
  const fpingFlag = FPING_OUTPUT_FLAGS.find((f) => flags[f] !== undefined) ?? (dialect === 'fping' && flags.stats ? 'stats' : undefined);
  const asked = flags.json ? 'json' : flags.output;
  if (asked !== undefined && asked !== 'fping' && fpingFlag !== undefined) {
    usage(command, `--${fpingFlag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is an fping output option: use it with --output fping`);
  }
  const output = dialect === 'fping' ? 'fping' : asked ?? (fpingFlag !== undefined ? 'fping' : 'table');
  if (flags.count !== undefined && flags.vcount !== undefined) usage(command, 'give -c or -C, not both');
  if (flags.loop && (flags.count !== undefined || flags.vcount !== undefined)) usage(command, 'specify only one of -c/-C and -l');
  if (flags.alive && flags.unreach) usage(command, 'specify only one of -a and -u');
  if (flags.ipv4 && flags.ipv6) usage(command, 'specify only one of -4 and -6');
  if (flags.generate && flags.file !== undefined) usage(command, '-g and -f exclude each other: generate a range or read a file');

  // A few targets named on the command line are probed on this thread: a worker's start
  // and stop would be most of the run (~100 ms). Otherwise the pool's threads start now,
  // while the targets are read and resolved.
  const fewTargets = flags.file === undefined && !flags.generate && args.length > 0 && args.length <= FEW_TARGETS;
  const engineOptions = flags.threads !== undefined ? { threads: flags.threads } : fewTargets ? { inThread: true } : {};
  let engine: Engine;
  try {
    engine = createEngine(engineOptions);
  } catch (error) {
    if (error instanceof EngineInputError) usage(command, error.message, 'sonde.input');
    process.stderr.write(`sonde ping: ${(error as Error).message}\n`);
    return EXIT_SYSTEM_CALL;
  }
  try {
    const targets = await collectTargets(args, flags, command, dialect);
    if (output === 'fping') {
      const { runFping } = await import('./fping/run.js');
      return await runFping(engine, fpingOptions(targets, flags, dialect));
    }
    const { runTablePing } = await import('./ping-table.js');
    return await runTablePing(engine, command, targets, {
      count: flags.count ?? 3, period: flags.period ?? 1000, interval: flags.interval ?? 0, timeout: flags.timeout ?? 1000,
      size: flags.size ?? flags.bytes ?? 56, ttl: flags.ttl, tos: flags.tos, dontFragment: flags.dontfrag ?? false, json: output === 'json', quiet: flags.quiet ?? false, ipv6: flags.ipv6 ?? false,
    });
  } finally {
    await engine.close();
  }
}

async function collectTargets(args: string[], flags: PingFlags, command: Command, dialect: PingDialect): Promise<string[]> {
  let targets = args;
  if (flags.generate) {
    try {
      targets = generateTargets(args);
    } catch (error) {
      if (error instanceof GenerateError) usage(command, error.message, 'sonde.generate');
      throw error;
    }
  }
  // fping reads stdin when given no targets at all.
  const file = flags.file ?? (dialect === 'fping' && targets.length === 0 ? '-' : undefined);
  if (file !== undefined) {
    try {
      targets = [...targets, ...(await readTargetFile(file))];
    } catch (error) {
      // fping: a target file that cannot be opened is a system call failure (exit 4).
      command.error(`error: option '-f, --file <path>': cannot read ${JSON.stringify(file)}: ${(error as Error).message}`, { exitCode: EXIT_SYSTEM_CALL, code: 'sonde.file' });
    }
  }
  if (targets.length === 0) usage(command, 'no targets: give addresses or host names, or -f FILE', 'sonde.noTargets');
  return targets;
}

function fpingOptions(targets: string[], flags: PingFlags, dialect: PingDialect): FpingOptions {
  const count = flags.count ?? flags.vcount;
  const periodMs = flags.period ?? 1000;
  const counting = count !== undefined || flags.loop === true;
  return {
    targets,
    ...(count !== undefined ? { count } : {}),
    vcount: flags.vcount !== undefined,
    loop: flags.loop ?? false,
    periodMs,
    intervalMs: flags.interval ?? 10,
    // fping: 500 ms, or with -c/-C/-l the period up to 2 s.
    timeoutMs: flags.timeout ?? (counting ? Math.min(periodMs, 2000) : 500),
    retries: flags.retry ?? 3,
    backoff: flags.backoff ?? 1.5,
    size: flags.size ?? flags.bytes ?? 56,
    ...(flags.ttl !== undefined ? { ttl: flags.ttl } : {}),
    ...(flags.tos !== undefined ? { tos: flags.tos } : {}),
    dontFragment: flags.dontfrag ?? false,
    family: flags.ipv6 ? 6 : 4,
    quiet: flags.quiet === true || flags.squiet !== undefined,
    ...(flags.squiet !== undefined ? { reportEveryS: flags.squiet } : {}),
    alive: flags.alive ?? false,
    unreachable: flags.unreach ?? false,
    elapsed: flags.elapsed ?? false,
    timestamp: flags.timestamp ?? false,
    outage: flags.outage ?? false,
    stats: dialect === 'fping' && flags.stats === true,
    byAddress: flags.addr ?? false,
    ...(flags.reachable ?? flags.fastReachable) !== undefined ? { minReachable: (flags.reachable ?? flags.fastReachable)! } : {},
    ...(flags.threads !== undefined ? { threads: flags.threads } : {}),
  };
}
