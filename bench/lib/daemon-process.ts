// Runs `node dist/cli/index.js serve` as a child for the HTTP benchmarks and waits until it
// answers GET /healthz. For a look inside the daemon during a benchmark:
// BENCH_DAEMON_NODE_ARGS (e.g. "--trace-gc" or "--cpu-prof --cpu-prof-dir=/tmp/prof") are
// given to its node, and its stdout goes to the file BENCH_DAEMON_STDOUT names.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from './paths.js';

export const cliEntry = join(repoRoot, 'dist', 'cli', 'index.js');

export interface DaemonProcess {
  child: ChildProcess;
  url: string;
  /** ms from spawn() to the first 200 from /healthz. */
  readyMs: number;
  /** The last 64 KiB of its stderr: what it said before an unexpected exit. */
  stderrTail(): string;
  stop(): Promise<number | null>;
}

const STDERR_TAIL_BYTES = 64 * 1024;

/**
 * `entry`: another build's dist/cli/index.js, to compare two builds in the same run.
 * Port 0: the daemon picks a free one, read from its "listening on" line.
 */
export async function startDaemon(dataDir: string, port: number, env: Record<string, string> = {}, logLevel = 'warn', entry = cliEntry): Promise<DaemonProcess> {
  let url = port === 0 ? '' : `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const nodeArgs = process.env.BENCH_DAEMON_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? [];
  const stdout = port === 0 ? 'pipe' : process.env.BENCH_DAEMON_STDOUT ? openSync(process.env.BENCH_DAEMON_STDOUT, 'w') : 'ignore';
  const child = spawn(process.execPath, [...nodeArgs, entry, 'serve', '--data', dataDir, '--port', String(port), '--log-level', logLevel], {
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.length > 2 * STDERR_TAIL_BYTES) stderr = stderr.slice(-STDERR_TAIL_BYTES);
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (url !== '') return;
    out += d.toString();
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m !== null) url = m[1];
  });
  let exited = false;
  child.once('exit', () => { exited = true; });
  for (;;) {
    if (exited) throw new Error(`sonde serve exited before it was ready: ${stderr.trim()}`);
    if (url === '') {
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) {
        await res.arrayBuffer();
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  const readyMs = performance.now() - t0;
  return {
    child, url, readyMs,
    stderrTail: () => stderr.slice(-STDERR_TAIL_BYTES),
    async stop() {
      if (exited) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
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
