// The daemon under fuzz: `sonde serve` from dist/ as a child process on a free port, in a temp
// data directory, named localhost (its facts resolve no other name), without a rate limit in
// the way, and the admin key it wrote on first start.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type DaemonProcess } from '../daemon-process.js';
import { send } from './http-send.js';

export interface FuzzDaemon {
  daemon: DaemonProcess;
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  adminKey: string;
  /** The process has not exited. */
  alive(): boolean;
  /** GET /healthz status within 5 s (0 when it does not answer completely). */
  health(): Promise<number>;
  stop(): Promise<void>;
}

/** `dataDir`: one prepared beforehand (removed by stop() as well). */
export async function startFuzzDaemon(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'sonde-fuzz-'))): Promise<FuzzDaemon> {
  const daemon = await startDaemon(dataDir, 0, {
    SONDE_AGENT_HOSTNAME: 'localhost', SONDE_RATE_LIMIT: '1000000', SONDE_RATE_BURST: '1000000', SONDE_THREADS: '1', ...env,
  }, 'warn');
  const url = daemon.url;
  return {
    daemon, url, port: Number(new URL(url).port), pid: daemon.child.pid!, dataDir,
    adminKey: readFileSync(join(dataDir, 'admin.key'), 'utf8').trim(),
    alive: () => daemon.child.exitCode === null && daemon.child.signalCode === null,
    async health() {
      // on a connection of its own: a pooled one the server closed while this process was
      // busy (the config campaign runs synchronously) would fail the check, not the daemon
      return (await send(new URL(url), { method: 'GET', path: '/healthz', headers: {}, fresh: true }, 5000)).status;
    },
    async stop() {
      await daemon.stop().catch(() => null);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
