// A real sonde for the node-API contract tests: SQLite in a temp dir, the real probe engine
// (loopback only), the real uWS server on an ephemeral port. The local agent is called
// `localhost`, so `@fact.hostname` resolves from /etc/hosts and never through DNS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createEngine, openDaemon, type Engine, type Scope, type Sonde, type SondeConfig } from '../../engine/index.js';
import { LocalAgent } from '../../engine/agents/local-agent.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { contractErrors } from './schemas/index.js';
import type { Call } from '../server/helpers.js';
import { localResolver } from '../setup/local-resolver.js';

export interface NodeApiServer {
  sonde: Sonde;
  server: SondeServer;
  url: string;
  dataDir: string;
  adminKey: string;
  engine: Engine | null;
  key(scopes: Scope[]): string;
  /** Registers another in-process agent (a LocalAgent on the same engine). */
  addAgent(hostname: string, options?: { labels?: Record<string, string>; execAllow?: string[] }): void;
  /** Stops server and sonde; the data directory stays unless `removeData`. */
  close(options?: { removeData?: boolean; graceMs?: number }): Promise<void>;
}

export interface NodeApiServerOptions {
  engine?: Engine | null;
  execAllow?: string[];
  maxOutputBytes?: number;
  rateLimit?: SondeConfig['rateLimit'];
  bodyLimit?: number;
  /** Reopen an existing data directory (restart tests). */
  dataDir?: string;
  facts?: Record<string, string>;
}

export async function startNodeApiServer(options: NodeApiServerOptions = {}): Promise<NodeApiServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sonde-node-api-'));
  const engine = options.engine ?? null;
  const sonde = await openDaemon({
    dataDir,
    rateLimit: options.rateLimit ?? { perSecond: 10_000, burst: 10_000 },
    agent: {
      resolver: localResolver,
      hostname: 'localhost',
      labels: { site: 'lab.local' },
      facts: { loop4: '127.0.0.1', loop6: '::1', ...options.facts },
      exec: { allow: options.execAllow ?? [], maxOutputBytes: options.maxOutputBytes },
    },
    engine,
    closeEngine: false,
    front: (daemon) => startServer({ daemon, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, bodyLimit: options.bodyLimit }),
  });
  const server = sonde.front;
  const adminKey = sonde.keys.create(`admin-${Date.now()}`, ['admin']).secret;
  const extra: LocalAgent[] = [];
  return {
    sonde, server, url: server.url, dataDir, adminKey, engine,
    key: (scopes) => sonde.keys.create(`k-${scopes.join('+')}-${Math.random().toString(36).slice(2)}`, scopes).secret,
    addAgent(hostname, agentOptions = {}) {
      const agent = new LocalAgent({
        hostname, serial: `TEST-${hostname}`, labels: agentOptions.labels, engine,
        exec: { allow: agentOptions.execAllow ?? [] }, resolver: localResolver,
      });
      extra.push(agent);
      sonde.agents.register(agent);
    },
    async close(closeOptions = {}) {
      await sonde.close({ graceMs: closeOptions.graceMs ?? 0 });
      for (const a of extra) a.close();
      if (closeOptions.removeData !== false && options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function startTestEngine(): Engine {
  return createEngine({ threads: 1 });
}

/** Asserts the body against the contract schema `name` (test/contracts/schemas). */
export function conforms(name: string, body: unknown): string[] {
  return contractErrors(name, body);
}

/** The osapi error envelope `{ error, details, code }` (code = status), asserted; returns `error`. */
export function osapiError(c: Call): string {
  const errors = contractErrors('A.error', c.body);
  if (errors.length > 0 || (c.body as { code?: unknown }).code !== c.status) {
    throw new Error(`not an osapi error envelope (status ${c.status}): ${c.text} — ${errors.join('; ')}`);
  }
  return (c.body as { error: string }).error;
}
