// `sonde netsim`: runs the network simulator (netsim/) as a standalone tool for demos
// and manual checks. It creates its own network namespace with simulated hosts in
// 198.18.0.0/15 and 2001:db8::/32 (profiles from --config, or a built-in demo set), prints how
// to probe them (`ip netns exec NAME sonde ping …`), and on Ctrl-C / SIGTERM prints what each
// host received and did, then removes the namespace. Needs root and /dev/net/tun.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { startNetsim, type HostProfile, type Netsim, type NetsimOptions, type NetsimStats } from '../netsim/index.js';

const EXIT_USAGE = 2;

/** One host per effect, for a first look. */
export const DEMO_HOSTS: Record<string, HostProfile> = {
  '198.18.0.1': { latency: 1 },
  '198.18.0.2': { latency: { ms: 50, jitterMs: 5 } },
  '198.18.0.3': { loss: 20, latency: 10 },
  '198.18.0.4': { duplicate: 25, latency: 5 },
  '198.18.0.5': { unreachable: { code: 1 } },
  '198.18.0.6': { blackhole: true },
  '198.18.0.7': { timeExceeded: { fromHop: 4 }, latency: 3 },
  '198.18.0.8': { rateLimit: 2 },
  '198.18.0.9': { reorder: { every: 3 }, reorderDelayMs: 1500, latency: 1 },
  '2001:db8::1': { latency: { ms: 20, jitterMs: 10, distribution: 'normal' } },
  '2001:db8::2': { loss: { every: 4 } },
};

interface NetsimFlags {
  config?: string;
  seed?: number;
  json?: boolean;
}

function loadConfig(path: string): NetsimOptions {
  const text = readFileSync(path, 'utf8');
  const doc: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new Error('the file must hold an object like { seed?, hosts: { "198.18.0.1": { latency: 20 } }, defaultProfile? }');
  }
  return doc as NetsimOptions;
}

function hostLines(stats: NetsimStats): string[] {
  return Object.values(stats.hosts).map((h) => {
    const parts = [`received ${h.received}`, `echo replies ${h.echoReplies}`, `dropped ${h.dropped.count}`];
    if (h.duplicatesSent) parts.push(`duplicates ${h.duplicatesSent}`);
    if (h.reordered.count) parts.push(`reordered ${h.reordered.count}`);
    if (h.corrupted.count) parts.push(`corrupted ${h.corrupted.count}`);
    if (h.late.count) parts.push(`late ${h.late.count}`);
    if (h.unreachable.count) parts.push(`unreachable ${h.unreachable.count}`);
    if (h.timeExceeded.count) parts.push(`time exceeded ${h.timeExceeded.count}`);
    return `  ${h.address.padEnd(18)} ${parts.join(', ')}  [${h.rule}]`;
  });
}

async function runNetsim(flags: NetsimFlags, command: Command): Promise<void> {
  let options: NetsimOptions;
  try {
    options = flags.config ? loadConfig(flags.config) : { hosts: DEMO_HOSTS };
  } catch (error) {
    command.error(`error: option '--config <file>': cannot use ${JSON.stringify(flags.config)}: ${(error as Error).message}`, { exitCode: EXIT_USAGE, code: 'sonde.config' });
  }
  if (flags.seed !== undefined) options.seed = flags.seed;
  // Our own handlers first: they stop the simulator gracefully (the simulator's own handlers
  // then leave the shutdown to us).
  let stop: (() => void) | null = null;
  const stopped = new Promise<void>((resolve) => { stop = resolve; });
  const onSignal = () => stop?.();
  // `on`, not `once`: the listener must still count while the signal is dispatched.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let sim: Netsim;
  try {
    sim = await startNetsim(options);
  } catch (error) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const e = error as Error & { field?: string };
    if (e.field) command.error(`error: ${e.message}`, { exitCode: EXIT_USAGE, code: 'sonde.input' });
    console.error(`sonde netsim: ${e.message}`);
    process.exitCode = 1;
    return;
  }
  const hosts = Object.keys(options.hosts ?? {});
  console.error(`netsim running in network namespace ${sim.name} (${sim.netns}), TUN ${sim.tun}`);
  console.error(`simulated: 198.18.0.0/15 and 2001:db8::/32 (${hosts.length} profiled, others ${options.defaultProfile === null ? 'silent' : 'answer at once'})`);
  for (const h of hosts.slice(0, 20)) console.error(`  ${h.padEnd(18)} ${JSON.stringify(options.hosts![h])}`);
  if (hosts.length > 20) console.error(`  … and ${hosts.length - 20} more`);
  console.error(`probe them from inside the namespace, e.g.:\n  ip netns exec ${sim.name} sonde ping -c 10 -p 200 ${hosts.slice(0, 3).join(' ') || '198.18.0.1'}`);
  console.error('Ctrl-C stops it, prints what each host received, and removes the namespace.');
  await stopped;
  const stats = await sim.stats();
  await sim.stop();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (flags.json) console.log(JSON.stringify(stats));
  else console.error(['netsim stopped; per host:', ...hostLines(stats)].join('\n'));
}

export function registerNetsim(netsim: Command): void {
  netsim
    .addOption(new Option('--config <file>', 'YAML or JSON: { seed?, hosts: { "<address or prefix>": <profile> }, defaultProfile?, delayFrom? } (default: a demo set)'))
    .addOption(new Option('--seed <n>', 'seed of every random decision').argParser((v) => {
      const n = Number(v);
      if (!/^\d+$/.test(v) || n > 0xffffffff) throw new InvalidArgumentError('seed must be an integer from 0 to 4294967295.');
      return n;
    }))
    .addOption(new Option('--json', 'on exit, print the full statistics as one JSON object on stdout'))
    .action(async (flags: NetsimFlags, command: Command) => runNetsim(flags, command));
}
