// The whole-process comparison: `sonde ping` and `fping` started as commands with the same
// command line (start-up, sending, receiving and exit included), wall time from spawn to exit.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const CLI = fileURLToPath(new URL('../../cli/index.js', import.meta.url));

export interface WholeProcessOptions {
  targetsFile: string;
  count: number;
  periodMs: number;
  timeoutMs: number;
}

/** The shared command line: -c K -p P -i 0 -t T -f FILE. */
export function wholeProcessArgs(o: WholeProcessOptions): string[] {
  return ['-c', String(o.count), '-p', String(o.periodMs), '-i', '0', '-t', String(o.timeoutMs), '-f', o.targetsFile];
}

/** Runs one command line to its end with stdout and stderr drained to /dev/null; ms. */
export function timeWholeProcess(command: string, args: string[]): number {
  const s = performance.now();
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  const ms = performance.now() - s;
  // fping and sonde ping: 0 all answered, 1 some did not; anything else is a failure.
  if (r.status !== 0 && r.status !== 1) throw new Error(`${command} ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr ?? '').slice(-500)}`);
  return ms;
}

export const sondeCommand = { command: process.execPath, prefix: [CLI, 'ping'] } as const;
