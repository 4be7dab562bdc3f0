// The daemon under fuzz: `sonde serve` from dist/ as a child process on a free port, in a temp
// data directory, named localhost (its facts resolve no other name), without a rate limit in
// the way, and the admin key it wrote on first start.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, type DaemonProcess } from '../daemon-process.js';

export interface FuzzDaemon {
  daemon: DaemonProcess;
  url: string;
  port: number;
  pid: number;
  dataDir: string;
  adminKey: string;
  /** The process has not exited. */
  alive(): boolean;
  /** GET /healthz status within 5 s (0 when it does not answer). */
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
      try {
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        return res.status;
      } catch {
        return 0;
      }
    },
    async stop() {
      await daemon.stop().catch(() => null);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
