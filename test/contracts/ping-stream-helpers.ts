// Helpers of the contract D suites: a real sonde with the real ICMP engine behind a real uWS
// server, a model endpoint on 127.0.0.1, and the two stream readers (SSE through
// eventsource-parser, NDJSON through a line reader).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createParser } from 'eventsource-parser';
import { pino } from 'pino';
import { createEngine, openDaemon, type Engine, type Sonde, type SondeConfig, type TargetInput } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { contractErrors } from './schemas/index.js';
import { localResolver } from '../setup/local-resolver.js';

export interface StreamServer {
  engine: Engine;
  sonde: Sonde;
  server: SondeServer;
  url: string;
  key: string;
  target(input: TargetInput): string;
  close(): Promise<void>;
}

export async function startStreamServer(options: { rateLimit?: SondeConfig['rateLimit'] } = {}): Promise<StreamServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sonde-ping-stream-'));
  const engine = createEngine({ threads: 1 });
  const sonde = await openDaemon({
    dataDir, engine, rateLimit: options.rateLimit ?? { perSecond: 100_000, burst: 100_000 },
    front: (daemon) => startServer({ daemon, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 }),
    agent: { resolver: localResolver },
  });
  const server = sonde.front;
  const key = sonde.keys.create('stream-test', ['network:write']).secret;
  return {
    engine, sonde, server, url: server.url, key,
    target: (input) => sonde.targets.create(input).id,
    async close() {
      await sonde.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function post(s: StreamServer, path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

export interface StreamEvent {
  /** 'item' or 'close' (SSE); always 'item' for NDJSON lines. */
  type: string;
  data: Record<string, unknown>;
  /** The raw JSON text, to check that nanosecond times are exact. */
  raw: string;
}

/** Yields SSE events as eventsource-parser reports them. */
export async function* sseEvents(response: Response): AsyncGenerator<StreamEvent> {
  const queue: StreamEvent[] = [];
  const parser = createParser({
    onEvent: (e) => queue.push({ type: e.event ?? 'message', data: JSON.parse(e.data) as Record<string, unknown>, raw: e.data }),
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    while (queue.length > 0) yield queue.shift()!;
  }
}

/** Yields one event per NDJSON line. */
export async function* ndjsonEvents(response: Response): AsyncGenerator<StreamEvent> {
  const lines = createInterface({ input: Readable.fromWeb(response.body as unknown as WebReadableStream), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') throw new Error('an empty line in an NDJSON stream');
    yield { type: 'item', data: JSON.parse(line) as Record<string, unknown>, raw: line };
  }
}

export async function collect(events: AsyncGenerator<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** Every item must match contract D's event schema, the SSE close frame its own. */
export function schemaErrors(events: readonly StreamEvent[]): string[] {
  const errors: string[] = [];
  events.forEach((e, i) => {
    const name = e.type === 'close' ? 'D.stream.close' : 'D.stream.event';
    for (const error of contractErrors(name, e.data)) errors.push(`event ${i} (${e.raw.slice(0, 80)}…): ${error}`);
  });
  return errors;
}

export const results = (events: readonly StreamEvent[]) => events.filter((e) => 'result' in e.data).map((e) => e.data.result as Record<string, unknown> & { seq: number; ok: boolean; timing: Record<string, unknown> });
export const notices = (events: readonly StreamEvent[]) => events.filter((e) => 'notice' in e.data).map((e) => e.data.notice as { code: string; message: string; details?: Record<string, string | number> });
export const summaries = (events: readonly StreamEvent[]) => events.filter((e) => 'summary' in e.data).map((e) => e.data.summary as Record<string, unknown>);

export interface ModelEndpoint {
  url: string;
  /** Requests received, per path. */
  hits: Map<string, number>;
  last?: { method: string; headers: http.IncomingHttpHeaders; body: Buffer };
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 playing a model endpoint:
 *   /embeddings        200 with an embedding, Server-Timing total;dur=1.5
 *   /plain             200 without Server-Timing
 *   /slow              answers after 2 s
 *   /fail              500
 *   /big-headers       200 with a 15 KB x-request-id (large result events)
 */
export async function startModelEndpoint(): Promise<ModelEndpoint> {
  const hits = new Map<string, number>();
  const endpoint: ModelEndpoint = { url: '', hits, close: async () => {} };
  const bigId = 'r'.repeat(15_000);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      endpoint.last = { method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      const json = '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]}]}';
      switch (path) {
        case '/embeddings':
          res.writeHead(200, { 'content-type': 'application/json', 'server-timing': 'total;dur=1.5', 'x-request-id': 'req-123' });
          res.end(json);
          return;
        case '/plain':
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(json);
          return;
        case '/slow': {
          const timer = setTimeout(() => { res.writeHead(200); res.end(json); }, 2000);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case '/fail':
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"model overloaded"}}');
          return;
        case '/big-headers':
          res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': bigId });
          res.end('{}');
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return endpoint;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
