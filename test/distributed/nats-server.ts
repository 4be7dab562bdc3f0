// A real nats-server for the bus tests: an ephemeral loopback port (the server picks it and
// writes it to a ports file), JetStream in a temp dir, everything removed on stop(). Without
// the binary the suites skip with a message, except in CI (CI=true), where they fail:
// scripts/install-test-deps.sh, run by .ci/run, installs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { waitFor } from '../wait-for.js';

export const NATS_SERVER = process.env.SONDE_TEST_NATS_SERVER ?? '/usr/sbin/nats-server';
export const haveNatsServer = existsSync(NATS_SERVER);
const inCi = process.env.CI === 'true' || process.env.CI === '1';
export const NO_NATS = `needs nats-server at ${NATS_SERVER}: run scripts/install-test-deps.sh (apt-get install nats-server)`;

/** describe() when nats-server is there; otherwise a failing test in CI and a skipped suite elsewhere. */
export function natsSuite(name: string, body: () => void): void {
  if (haveNatsServer) {
    describe(name, body);
  } else if (inCi) {
    describe(name, () => {
      it('finds nats-server', () => {
        throw new Error(`${NO_NATS} (CI=true: a missing nats-server fails the suite instead of skipping it)`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${NO_NATS})`, body);
  }
}

export interface NatsServerOptions {
  /** Extra nats-server config text (authorization, accounts…), appended to the generated file. */
  config?: string;
  /** Reuse this JetStream store dir (a restart keeps streams and KV buckets). */
  storeDir?: string;
  /** Listen on this port (a restart on the same URL); default: one the server picks. */
  port?: number;
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** The running nats-server process (a new one after restart()). */
  readonly process: ChildProcess;
  /** Output the server wrote so far (for failure messages). */
  log(): string;
  /** SIGTERM, wait for exit; the temp dir (store included unless given) is removed. */
  stop(): Promise<void>;
  /** SIGTERM (a clean outage) and wait; the store stays for restart(). */
  halt(): Promise<void>;
  /** SIGKILL (a crash); the store stays for restart(); call stop() after to remove it. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and store (after halt() or kill()). */
  restart(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  exited: () => boolean;
  exit: Promise<void>;
  output: () => string;
}

async function spawnServer(configPath: string, portsDir: string): Promise<Running & { url: string }> {
  for (const f of readdirSync(portsDir)) rmSync(join(portsDir, f), { force: true });
  const child = spawn(NATS_SERVER, ['-c', configPath, '--ports_file_dir', portsDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { output += b.toString(); });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  try {
    const url = await waitFor(() => {
      if (exited) throw new Error(`nats-server exited at start: ${output}`);
      const file = readdirSync(portsDir).find((f) => f.endsWith('.ports'));
      if (file === undefined) return undefined;
      const ports = JSON.parse(readFileSync(join(portsDir, file), 'utf8')) as { nats?: string[] };
      return ports.nats?.[0];
    }, { timeoutMs: 10_000, message: 'nats-server ports file' });
    // JetStream may log "ready" a moment after the port opens.
    await waitFor(() => output.includes('Server is ready'), { timeoutMs: 10_000, message: 'nats-server ready' });
    return { child, exited: () => exited, exit, output: () => output, url };
  } catch (error) {
    child.kill('SIGKILL');
    await exit;
    throw error;
  }
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-nats-'));
  const storeDir = options.storeDir ?? join(dir, 'js');
  const portsDir = join(dir, 'ports');
  const configPath = join(dir, 'nats.conf');
  const writeConfig = (port: number): void => writeFileSync(configPath, [
    'host: 127.0.0.1',
    `port: ${port}`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)} }`,
    options.config ?? '',
  ].join('\n'));
  writeConfig(options.port ?? -1);
  mkdirSync(portsDir);
  // A store dir the caller gave is the caller's; everything else is ours to remove.
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  let running: Running;
  let url: string;
  try {
    const first = await spawnServer(configPath, portsDir);
    running = first;
    url = first.url;
  } catch (error) {
    cleanup();
    throw error;
  }
  const port = Number(new URL(url).port);
  writeConfig(port); // a restart listens where the clients reconnect to
  let earlier = '';
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (!running.exited()) running.child.kill(signal);
    await running.exit;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get process() {
      return running.child;
    },
    log: () => earlier + running.output(),
    async stop() {
      await end('SIGTERM');
      cleanup();
    },
    halt: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      earlier += running.output();
      running = await spawnServer(configPath, portsDir);
    },
  };
}
