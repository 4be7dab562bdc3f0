// A real sonde (SQLite in a temp dir) behind a real uWS server on an ephemeral port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { openDaemon, type Scope, type Sonde, type SondeConfig } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { localResolver } from '../setup/local-resolver.js';

/** A one-page dashboard build, so that / and /ui/ answer as with `npm run build` done. */
export const FIXTURE_UI = fileURLToPath(new URL('./fixtures/ui', import.meta.url));

export interface TestServer {
  sonde: Sonde;
  server: SondeServer;
  url: string;
  dataDir: string;
  adminKey: string;
  /** Creates a key with these scopes and returns its secret. */
  key(scopes: Scope[], name?: string): string;
  close(): Promise<void>;
}

export async function startTestServer(options: { rateLimit?: SondeConfig['rateLimit']; bodyLimit?: number; healthPort?: number } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sonde-server-test-'));
  const sonde = await openDaemon({
    dataDir, engine: null, rateLimit: options.rateLimit ?? { perSecond: 10_000, burst: 10_000 },
    front: (daemon) => startServer({
      daemon, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, bodyLimit: options.bodyLimit, uiDir: FIXTURE_UI,
      ...(options.healthPort !== undefined ? { healthPort: options.healthPort } : {}),
    }),
    agent: { resolver: localResolver },
  });
  const server = sonde.front;
  const adminKey = sonde.keys.create('test-admin', ['admin']).secret;
  return {
    sonde, server, url: server.url, dataDir, adminKey,
    key: (scopes, name = `test-${scopes.join('+')}`) => sonde.keys.create(name, scopes).secret,
    async close() {
      await sonde.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Call {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function call(url: string, init: { method?: string; key?: string; body?: unknown; rawBody?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {}): Promise<Call> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
  let body: string | Buffer | undefined;
  if (init.rawBody !== undefined) {
    body = init.rawBody;
    headers['content-type'] = init.contentType ?? 'application/json';
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = init.contentType ?? 'application/json';
  }
  const res = await fetch(url, { method: init.method ?? (body !== undefined ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** The native error envelope's message, asserting the envelope's shape on the way. */
export function errorOf(c: Call): string {
  const b = c.body as { error?: unknown; code?: unknown };
  if (typeof b?.error !== 'string' || b.code !== c.status) throw new Error(`not a native error envelope (status ${c.status}): ${c.text}`);
  return b.error;
}
