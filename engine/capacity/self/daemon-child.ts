// `sonde serve` as a child process on a data directory, for `sonde capacity self`: its cost is
// measured from outside (/proc), as a deployment would see it, not mixed with the measuring
// client's. `entry` is the CLI's own script (the caller knows it; the engine does not).
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface DaemonChild {
  pid: number;
  url: string;
  /** True once the process has ended. */
  exited(): boolean;
  /** SIGTERM and the exit code (the daemon writes its last windows first). */
  stop(): Promise<number | null>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startDaemonChild(options: { entry: string; dataDir: string; env: Record<string, string>; readyTimeoutMs?: number }): Promise<DaemonChild> {
  const child = spawn(process.execPath, [options.entry, 'serve', '--data', options.dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn'], {
    // no config file of the caller's: the defaults are what is measured
    env: { ...process.env, SONDE_CONFIG: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let out = '';
  let url = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 10_000) stderr += d.toString(); });
  child.stdout.on('data', (d: Buffer) => {
    if (url !== '') return;
    out += d.toString();
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m !== null) url = m[1];
  });
  let exited = false;
  child.once('exit', () => { exited = true; });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) throw new Error(`sonde serve (for capacity self) exited before it was ready: ${stderr.trim() || 'no message'}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sonde serve (for capacity self) was not ready after ${(options.readyTimeoutMs ?? 60_000) / 1000} s: ${stderr.trim() || 'no message'}`);
    }
    if (url !== '') {
      const ok = await fetch(`${url}/healthz`).then(async (r) => { await r.arrayBuffer(); return r.status === 200; }, () => false);
      if (ok) break;
    }
    await sleep(20);
  }
  return {
    pid: child.pid!,
    url,
    exited: () => exited,
    async stop() {
      if (exited) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
