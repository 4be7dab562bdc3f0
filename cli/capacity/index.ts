// `sonde capacity …`: the subcommands, one file each. Like cli/commands.ts, only the module of
// the subcommand that runs is loaded; a new subcommand is one more entry in CAPACITY_COMMANDS.
import type { Command } from 'commander';
import type { CommandEntry } from '../commands.js';

export const CAPACITY_COMMANDS: readonly CommandEntry[] = [
  { name: 'run', description: 'run a campaign spec (YAML/JSON): steps of probes, progress on stderr, the run stored in the data directory', load: async () => (await import('./run.js')).registerRun },
  { name: 'list', description: 'list the stored campaign runs', load: async () => (await import('./list.js')).registerList },
  { name: 'show', description: 'one stored run: its facts and step table', load: async () => (await import('./show.js')).registerShow },
  { name: 'report', description: 'a stored run as one self-contained HTML report (--html), or exported (--json, --csv)', load: async () => (await import('./report.js')).registerReport },
  { name: 'self', description: 'how many targets this host can monitor at 1 s: ramps a monitor of N loopback targets (1k → 100k) and reports the largest N meeting the monitoring goals', load: async () => (await import('./self.js')).registerCapacitySelf },
  { name: 'compare', description: 'what got better or worse, step by step, between two stored runs (beyond noise)', load: async () => (await import('./compare.js')).registerCompare },
];

/** The subcommand argv asks for: the first operand after `capacity` that names one. */
function requestedSubcommand(args: readonly string[]): CommandEntry | undefined {
  const operands = args.filter((a) => !a.startsWith('-'));
  const from = operands.indexOf('capacity');
  return operands.slice(from + 1).map((name) => CAPACITY_COMMANDS.find((c) => c.name === name)).find((c) => c !== undefined);
}

/** Loads the subcommand argv asks for and returns the registration of `sonde capacity`. */
export async function loadCapacity(args: readonly string[]): Promise<(command: Command) => void> {
  const wanted = requestedSubcommand(args);
  const register = wanted === undefined ? undefined : await wanted.load();
  return (capacity) => {
    for (const entry of CAPACITY_COMMANDS) {
      const command = capacity.command(entry.name).description(entry.description);
      if (entry === wanted) register!(command);
    }
  };
}
