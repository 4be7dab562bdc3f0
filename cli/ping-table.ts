// `sonde ping`'s own output: a per-probe line each (fping-like) and the summary table, or
// with --json one summary per target per line.
import type { Command } from 'commander';
import { EngineInputError, type Engine, type PingRequest, type PingSummary, type ProbeResult } from '../engine/ping.js';
import { ByteLines } from './byte-lines.js';
import { abortOnInterrupt } from './interrupt.js';
import { RunningTotals, summaryTable } from './ping-format.js';
import { EXIT_ALL_ALIVE, EXIT_NAME_UNRESOLVED, EXIT_PING_USAGE, EXIT_SOME_UNREACHABLE, EXIT_SYSTEM_CALL } from './ping-exit.js';

export interface TablePingOptions {
  count: number;
  period: number;
  interval: number;
  timeout: number;
  size: number;
  ttl?: number;
  tos?: number;
  dontFragment: boolean;
  json: boolean;
  quiet: boolean;
  ipv6: boolean;
}

export async function runTablePing(engine: Engine, command: Command, targets: string[], o: TablePingOptions): Promise<number> {
  const out = new ByteLines(process.stdout);
  const totals = new RunningTotals(targets.length);
  const streamLines = !o.json && !o.quiet;
  const controller = new AbortController();
  const stopInterrupts = abortOnInterrupt(controller);
  const request: PingRequest = {
    targets,
    count: o.count,
    intervalMs: o.period,
    sendIntervalMs: o.interval,
    timeoutMs: o.timeout,
    size: o.size,
    family: o.ipv6 ? 6 : 4,
    signal: controller.signal,
    ...(o.ttl !== undefined ? { ttl: o.ttl } : {}),
    ...(o.tos !== undefined ? { tos: o.tos } : {}),
    dontFragment: o.dontFragment,
  };
  let summary: PingSummary;
  try {
    summary = await engine.ping(request, streamLines ? (p: ProbeResult) => totals.writeLine(p, out) : undefined);
  } catch (error) {
    if (error instanceof EngineInputError) {
      // Engine messages start with the field they are about (e.g. "targets[3]: ...").
      command.error(`error: ${error.message}`, { exitCode: EXIT_PING_USAGE, code: 'sonde.input' });
    }
    process.stderr.write(`sonde ping: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_SYSTEM_CALL;
  } finally {
    stopInterrupts();
  }
  if (o.json) {
    for (const t of summary.targets) out.line(JSON.stringify(t));
  } else {
    if (streamLines) out.line('');
    out.line(summaryTable(summary.targets));
    if (summary.cancelled) out.line('(interrupted: probes still waiting for a reply were not counted)');
  }
  await out.close();
  if (summary.targets.some((t) => t.address === undefined)) return EXIT_NAME_UNRESOLVED;
  return summary.targets.every((t) => t.received > 0) ? EXIT_ALL_ALIVE : EXIT_SOME_UNREACHABLE;
}
