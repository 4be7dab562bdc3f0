// A real sonde for the service (B) and troubleshooting (C) contract tests: SQLite in a temp
// dir, the real probe engine (loopback, or inside a netsim namespace), the real uWS server
// on an ephemeral port, composed and closed as the daemon is (openDaemon).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { openDaemon, type Engine, type Scope, type Sonde, type SondeConfig } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { call, type Call } from '../server/helpers.js';
import { contractErrors } from './schemas/index.js';
import { localResolver } from '../setup/local-resolver.js';

export const SERIAL = 'SONDE-TEST-0001';

export interface DiagnosticServer {
  sonde: Sonde;
  server: SondeServer;
  url: string;
  dataDir: string;
  key(scopes: Scope[]): string;
  /** The daemon's close(): server, then the task service (running tasks: "interrupted by restart"), then the core; the engine stays open (the caller's). */
  close(options?: { removeData?: boolean }): Promise<void>;
}

export async function startDiagnosticServer(options: {
  engine: Engine | null;
  dataDir?: string;
  rateLimit?: SondeConfig['rateLimit'];
  bodyLimit?: number;
}): Promise<DiagnosticServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sonde-diag-'));
  const sonde = await openDaemon({
    dataDir,
    rateLimit: options.rateLimit ?? { perSecond: 10_000, burst: 10_000 },
    agent: { resolver: localResolver, hostname: 'localhost', serial: SERIAL },
    engine: options.engine,
    closeEngine: false,
    front: (daemon) => startServer({ daemon, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, bodyLimit: options.bodyLimit }),
  });
  const server = sonde.front;
  let n = 0;
  return {
    sonde, server, url: server.url, dataDir,
    key: (scopes) => sonde.keys.create(`k${n++}-${scopes.join('+')}`, scopes).secret,
    async close(closeOptions = {}) {
      await sonde.close();
      if (closeOptions.removeData !== false) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Asserts a body against a contract schema (test/contracts/schemas); returns the body typed. */
export function conformant<T>(name: string, c: Call): T {
  const errors = contractErrors(name, c.body);
  if (errors.length > 0) throw new Error(`${name}: status ${c.status}, body ${c.text}\n  ${errors.join('\n  ')}`);
  return c.body as T;
}

/** Polls `url` until `done(body)` or the deadline; returns every body seen, in order. */
export async function pollUntil<T>(url: string, key: string, done: (body: T) => boolean, timeoutMs = 20_000, everyMs = 50): Promise<{ last: T; seen: T[] }> {
  const seen: T[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await call(url, { key });
    if (c.status !== 200) throw new Error(`GET ${url}: ${c.status} ${c.text}`);
    const body = c.body as T;
    seen.push(body);
    if (done(body)) return { last: body, seen };
    if (Date.now() > deadline) throw new Error(`GET ${url}: not finished after ${timeoutMs} ms; last: ${c.text}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
