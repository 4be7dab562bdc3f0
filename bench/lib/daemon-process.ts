// Runs `node dist/cli/index.js serve` as a child for the HTTP benchmarks and waits until it
// answers GET /healthz (engine/daemon/serve-child.ts, which `sonde capacity self` uses too).
// For a look inside the daemon during a benchmark: BENCH_DAEMON_NODE_ARGS (e.g. "--trace-gc"
// or "--cpu-prof --cpu-prof-dir=/tmp/prof") are given to its node, and with a fixed port its
// stdout goes to the file BENCH_DAEMON_STDOUT names.
import { once } from 'node:events';
import { join } from 'node:path';
import { startServeChild, type ServeChild } from '../../engine/daemon/serve-child.js';
import { repoRoot } from './paths.js';

export const cliEntry = join(repoRoot, 'dist', 'cli', 'index.js');

export type DaemonProcess = ServeChild;

/** A daemon of a big data directory may take minutes to open (migrations, the stores). */
const READY_TIMEOUT_MS = 10 * 60_000;

/**
 * `entry`: another build's dist/cli/index.js, to compare two builds in the same run.
 * Port 0: the daemon picks a free one, read from its "listening on" line.
 */
export function startDaemon(dataDir: string, port: number, env: Record<string, string> = {}, logLevel = 'warn', entry = cliEntry): Promise<DaemonProcess> {
  return startServeChild({
    entry, dataDir, port, env, logLevel,
    nodeArgs: process.env.BENCH_DAEMON_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? [],
    stdoutFile: process.env.BENCH_DAEMON_STDOUT || undefined,
    readyTimeoutMs: READY_TIMEOUT_MS,
    // bench:startup reports readyMs: checked often, so the figure is not the poll interval's
    pollMs: 2,
  });
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}
