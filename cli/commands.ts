// The subcommands: name, one-line description, and the module that defines the rest. A
// command's module (and so what it imports: SQLite, the HTTP server, the engine) is loaded
// only when that command runs; `sonde --help` loads none of them.
import type { Command } from 'commander';

export interface CommandEntry {
  name: string;
  description: string;
  /** Adds the command's arguments, options, subcommands and action. */
  load(): Promise<(command: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', description: 'run the daemon: HTTP API on 127.0.0.1:8080 by default', load: async () => (await import('./serve.js')).registerServe },
  { name: 'agent', description: 'run a probe agent on the NATS message bus (no HTTP API): sonde agent --nats nats://host:4222', load: async () => (await import('./agent.js')).registerAgent },
  { name: 'keys', description: 'create, list and revoke API keys', load: async () => (await import('./keys.js')).registerKeys },
  { name: 'targets', description: 'import and list probe targets', load: async () => (await import('./targets.js')).registerTargets },
  { name: 'monitors', description: 'continuous monitoring of target selections', load: async () => (await import('./monitors.js')).registerMonitors },
  {
    name: 'ping',
    description: 'send ICMP echo probes to targets, fping-compatible (needs root or CAP_NET_RAW, or a permitted ping group)',
    load: async () => (await import('./ping.js')).registerPing,
  },
  {
    // h20a's cli/capacity/index.ts registers run|list|show|report|compare next to self
    name: 'capacity',
    description: 'capacity planning: sonde capacity self (how many targets this host can monitor at 1 s)',
    load: async () => {
      const { registerCapacitySelf } = await import('./capacity/self.js');
      return (capacity: Command) => { registerCapacitySelf(capacity); };
    },
  },
  {
    name: 'netsim',
    description: 'run the network simulator (simulated hosts with latency, loss, duplicates, ICMP errors …) in its own network namespace, for demos (needs root)',
    load: async () => (await import('./netsim.js')).registerNetsim,
  },
];

/** The command argv asks for: the first operand (`sonde ping …`, `sonde help ping`). */
export function requestedCommand(args: readonly string[]): CommandEntry | undefined {
  const operands = args.filter((a) => !a.startsWith('-'));
  const name = operands[0] === 'help' ? operands[1] : operands[0];
  return COMMANDS.find((c) => c.name === name);
}
