// `sonde monitors list|create|delete`: monitor definitions straight on the data directory
// (a running daemon picks changes up within a second).
import { Command, Option } from 'commander';
import { createTable } from './table.js';
import { openMonitors, SondeError, type MonitorInput, type MonitorService } from '../engine/index.js';
import { addDataOptions, withSonde } from './config-options.js';
import { addProbeOptions, flagOf, probeInput, type ProbeFlags } from './monitor-flags.js';

interface DataFlags {
  config?: string;
  data?: string;
  json?: boolean;
}

interface CreateFlags extends DataFlags, ProbeFlags {
  name: string;
  label: string[];
  ids?: string;
  interval?: string;
  probes?: string;
  timeout?: string;
  size?: string;
  disabled?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function integerFlag(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${flag} must be an integer, got "${raw}"`);
  return n;
}

function withMonitors(flags: DataFlags, run: (monitors: MonitorService) => void): Promise<void> {
  return withSonde(flags, (sonde) => {
    const handle = openMonitors({ dataDir: sonde.dataDir });
    try {
      run(handle.service);
    } finally {
      void handle.close();
    }
  });
}

function selectionText(s: MonitorInput['selection']): string {
  return 'ids' in s ? `${s.ids.length} id(s)` : Object.entries(s.labels).map(([k, v]) => `${k}:${v}`).join(' ');
}

/** service.create, its validation errors told with the flag that set the field. */
function createNamingFlags(service: MonitorService, input: MonitorInput): ReturnType<MonitorService['create']> {
  try {
    return service.create(input);
  } catch (error) {
    const flag = error instanceof SondeError && error.kind === 'invalid' ? flagOf(error.field) : undefined;
    if (flag !== undefined) throw new Error(`${(error as Error).message} (from ${flag})`);
    throw error;
  }
}

export function registerMonitors(monitors: Command): void {

  addDataOptions(monitors.command('list').description('list monitors'))
    .option('--json', 'print JSON')
    .action((flags: DataFlags) => withMonitors(flags, (service) => {
      const items = service.list();
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ items })}\n`);
        return;
      }
      const table = createTable({ head: ['id', 'name', 'probe', 'selection', 'targets', 'interval ms', 'probes', 'timeout ms', 'size', 'enabled'] });
      for (const m of items) {
        table.push([m.id, m.name, m.probe, selectionText(m.selection), service.members(m.id).length, m.intervalMs, m.probes, m.timeoutMs, m.size, m.enabled ? 'yes' : 'no']);
      }
      process.stdout.write(`${table.toString()}\n${items.length} monitor(s)\n`);
    }));

  const create = addDataOptions(monitors.command('create').description('create a monitor over targets selected by labels or ids'))
    .requiredOption('--name <name>', 'unique name')
    .option('--label <key:value>', 'label selector, repeatable (all must match; site:eu matches site=eu.paris)', collect, [])
    .option('--ids <id,id,...>', 'target ids instead of labels')
    .option('--interval <ms>', 'one round per target per interval, >= 100 (default 1000)')
    .option('--probes <n>', 'probes per target per round, 1..100 (default 1)')
    .option('--timeout <ms>', 'per probe, at most the interval (default min(1000, interval))')
    .option('--size <bytes>', 'ICMP payload bytes 0..65500 (default 56)')
    .addOption(new Option('--disabled', 'create it disabled'))
    .option('--json', 'print the monitor as JSON');
  addProbeOptions(create, collect)
    .action((flags: CreateFlags) => withMonitors(flags, (service) => {
      if ((flags.ids === undefined) === (flags.label.length === 0)) throw new Error('give either --label (repeatable) or --ids, not both and not neither');
      let selection: MonitorInput['selection'];
      if (flags.ids !== undefined) {
        selection = { ids: flags.ids.split(',').map((s) => s.trim()).filter((s) => s !== '') };
      } else {
        const labels: Record<string, string> = {};
        for (const selector of flags.label) {
          const colon = selector.indexOf(':');
          if (colon <= 0) throw new Error(`--label must look like key:value, got "${selector}"`);
          labels[selector.slice(0, colon)] = selector.slice(colon + 1);
        }
        selection = { labels };
      }
      const input: MonitorInput = { name: flags.name, selection, enabled: flags.disabled !== true, ...probeInput(flags) };
      const interval = integerFlag(flags.interval, '--interval');
      const probes = integerFlag(flags.probes, '--probes');
      const timeout = integerFlag(flags.timeout, '--timeout');
      const size = integerFlag(flags.size, '--size');
      if (interval !== undefined) input.intervalMs = interval;
      if (probes !== undefined) input.probes = probes;
      if (timeout !== undefined) input.timeoutMs = timeout;
      if (size !== undefined) input.size = size;
      const m = createNamingFlags(service, input);
      if (flags.json === true) process.stdout.write(`${JSON.stringify(m)}\n`);
      else process.stdout.write(`created monitor ${m.id} "${m.name}" (${m.probe}): ${service.members(m.id).length} target(s) every ${m.intervalMs} ms\n`);
    }));

  addDataOptions(monitors.command('delete').description('delete a monitor (its stored history stays until retention purges it)'))
    .argument('<id>', 'monitor id')
    .action((id: string, flags: DataFlags) => withMonitors(flags, (service) => {
      if (!service.delete(id)) throw new Error(`monitor ${id} not found; sonde monitors list shows the ids`);
      process.stdout.write(`deleted monitor ${id}\n`);
    }));
}
