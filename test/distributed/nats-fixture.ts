// A real nats-server (Debian's package, /usr/sbin/nats-server) on a loopback port with
// JetStream in a temp dir; stop()/start() restart it on the same port and store, so a test
// can take the bus away and bring it back with its streams and consumers intact.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../wait-for.js';

export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class NatsServerFixture {
  private child: ChildProcess | undefined;
  readonly storeDir = mkdtempSync(join(tmpdir(), 'sonde-nats-'));
  private constructor(readonly port: number) {}

  static async start(): Promise<NatsServerFixture> {
    const f = new NatsServerFixture(await freePort());
    await f.start();
    return f;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], { stdio: 'ignore' });
    this.child = child;
    await waitFor(async () => child.exitCode === null && (await accepts(this.port)), { timeoutMs: 10_000, message: `nats-server on port ${this.port}` });
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
