// `sonde serve` as a child process on a data directory, ready once it answers GET /healthz:
// for `sonde capacity self` (its cost measured from outside, as a deployment would see it, not
// mixed with the measuring client's) and for the HTTP benchmarks (bench/lib/daemon-process.ts).
// `entry` is the CLI's own script: the caller knows it, the engine does not.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ServeChildOptions {
  /** The CLI script (dist/cli/index.js, or another build's). */
  entry: string;
  dataDir: string;
  /** 0 (default): the daemon picks a free port, read from its "listening on" line. */
  port?: number;
  /** --host; absent: serve's default (127.0.0.1 unless the environment says otherwise). */
  host?: string;
  logLevel?: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Given to the child's node before the script (e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
  /** With a fixed port: the child's stdout goes to this file (else it is dropped). */
  stdoutFile?: string;
  /** Names the child in errors, e.g. 'sonde serve (for capacity self)'. */
  label?: string;
  /** Default 60 s: then the child is killed and start throws. */
  readyTimeoutMs?: number;
  /** How often readiness is checked (default 20 ms; a startup benchmark wants less). */
  pollMs?: number;
}

export interface ServeChild {
  child: ChildProcess;
  pid: number;
  url: string;
  /** ms from spawn() to the first 200 from /healthz. */
  readyMs: number;
  /** True once the process has ended. */
  exited(): boolean;
  /** The last lines of its stderr: what it said before an unexpected exit. */
  stderrTail(): string;
  /** SIGTERM and the exit code (the daemon writes its last windows first). */
  stop(): Promise<number | null>;
}

/** Keeps the start of stderr (a failing start says why in its first lines) and, after it, a
 *  rolling tail (a crash late in a long run says why in its last ones). */
const STDERR_KEPT = 10_000;
const STDERR_TAIL = 64 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // not listening yet
  }
}

export async function startServeChild(o: ServeChildOptions): Promise<ServeChild> {
  const port = o.port ?? 0;
  const label = o.label ?? 'sonde serve';
  const timeoutMs = o.readyTimeoutMs ?? 60_000;
  const pollMs = o.pollMs ?? 20;
  const args = [...(o.nodeArgs ?? []), o.entry, 'serve', '--data', o.dataDir, ...(o.host === undefined ? [] : ['--host', o.host]), '--port', String(port), '--log-level', o.logLevel ?? 'warn'];
  const stdout = port === 0 ? 'pipe' : o.stdoutFile !== undefined ? openSync(o.stdoutFile, 'w') : 'ignore';
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...o.env }, stdio: ['ignore', stdout, 'pipe'] });
  let stderr = '';
  let tail = '';
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    if (stderr.length < STDERR_KEPT) stderr += text;
    tail += text;
    if (tail.length > 2 * STDERR_TAIL) tail = tail.slice(-STDERR_TAIL);
  });
  let url = port === 0 ? '' : `http://${o.host ?? '127.0.0.1'}:${port}`;
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    if (url !== '') return;
    out += d.toString();
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m !== null) url = m[1];
  });
  let exited = false;
  child.once('exit', () => { exited = true; });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${label} exited before it was ready: ${stderr.trim() || 'no message'}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} was not ready after ${timeoutMs / 1000} s: ${stderr.trim() || 'no message'}`);
    }
    if (url !== '' && await healthy(url)) break;
    await sleep(pollMs);
  }
  return {
    child, pid: child.pid!, url, readyMs: performance.now() - t0,
    exited: () => exited,
    stderrTail: () => tail.slice(-STDERR_TAIL),
    async stop() {
      if (exited) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
