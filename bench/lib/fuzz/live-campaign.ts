// /v1/live over WebSocket: upgrades with fuzzed query strings and keys, then subscribe /
// unsubscribe messages built from the subscription shape and mutated (wrong types, extremes,
// deep and huge documents, invalid UTF-8 in binary frames, not JSON at all). The property: an
// upgrade is accepted or refused with a 4xx; every message gets its reply (subscribed,
// unsubscribed or an error naming the field) within the bound, never the "could not be
// handled" error that means an unexpected throw; the connection stays open unless the message
// was over the size limit; the daemon is healthy after every batch.
import fc from 'fast-check';
import WebSocket from 'ws';
import type { FuzzDaemon } from './fuzz-daemon.js';
import { applyMutation, mutationArbitrary } from './mutations.js';

export interface LiveStats {
  connections: number;
  messages: number;
  upgradeStatuses: Map<string, number>;
  replies: Map<string, number>;
  closes: Map<string, number>;
  slowestMs: number;
}

const selector = fc.dictionary(fc.constantFrom('site', 'fuzz', 'live', 'tier', 'a-b', 'x_y'), fc.constantFrom('seed', 'fuzz', 'eu', 'eu.paris', '1', ''), { maxKeys: 3 });
const QUERIES = ['', 'monitors=x', 'labels=site', 'labels=site:eu,tier:1', 'targets=00000000-0000-0000-0000-000000000000', 'bogus=1', 'monitors=' + 'a,'.repeat(200), '%FF', 'labels=:'];

/** Connections with their messages; ids name the campaign's own monitor and target half the time. */
function connectionArbitrary(monitorId: string, targetId: string) {
  const id = (known: string) => fc.oneof(fc.uuid(), fc.constant(known));
  const subscription = fc.record({
    monitors: fc.array(id(monitorId), { maxLength: 3 }),
    labels: fc.oneof(fc.array(selector, { maxLength: 2 }), selector),
    targets: fc.array(id(targetId), { maxLength: 3 }),
  }, { requiredKeys: [] });
  const message = fc.record({ op: fc.constantFrom('subscribe', 'unsubscribe'), sub: subscription, mutation: mutationArbitrary, binary: fc.boolean() });
  return fc.record({
    query: fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fc.constantFrom(...QUERIES, `monitors=${monitorId}`, `targets=${targetId}`) }),
    auth: fc.oneof({ weight: 8, arbitrary: fc.constant<'admin' | 'none' | 'bogus'>('admin') }, { weight: 1, arbitrary: fc.constantFrom<'admin' | 'none' | 'bogus'>('none', 'bogus') }),
    messages: fc.array(message, { minLength: 1, maxLength: 8 }),
  });
}

async function post(fd: FuzzDaemon, path: string, body: unknown): Promise<string> {
  const res = await fetch(`${fd.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${fd.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { id?: string };
  if (res.status !== 201 || json.id === undefined) throw new Error(`live campaign set-up: POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json.id;
}

type Opened = { ws: WebSocket } | { status: number };

function open(url: string, headers: Record<string, string>, boundMs: number): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: boundMs, maxPayload: 64 * 1024 * 1024 });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    ws.once('error', (e) => reject(new Error(`WebSocket upgrade to ${url} failed: ${e.message}`)));
  });
}

export async function runLiveCampaign(fd: FuzzDaemon, opts: { seed: number; connections: number; boundMs?: number }): Promise<LiveStats> {
  const boundMs = opts.boundMs ?? 5000;
  const stats: LiveStats = { connections: 0, messages: 0, upgradeStatuses: new Map(), replies: new Map(), closes: new Map(), slowestMs: 0 };
  const count = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1); };
  const wsUrl = fd.url.replace(/^http/, 'ws');
  const targetId = await post(fd, '/v1/targets', { kind: 'HOST', address: '127.0.0.1', labels: { live: 'fuzz' } });
  const monitorId = await post(fd, '/v1/monitors', { name: `live-fuzz-${Date.now()}`, selection: { labels: { live: 'fuzz' } }, intervalMs: 1000 });
  const property = fc.asyncProperty(connectionArbitrary(monitorId, targetId), async (c) => {
    const headers: Record<string, string> = c.auth === 'admin' ? { authorization: `Bearer ${fd.adminKey}` } : c.auth === 'bogus' ? { authorization: 'Bearer nope' } : {};
    const opened = await open(`${wsUrl}/v1/live${c.query === '' ? '' : `?${c.query}`}`, headers, boundMs);
    stats.connections++;
    if ('status' in opened) {
      count(stats.upgradeStatuses, String(opened.status));
      if (opened.status >= 500 || opened.status < 400) throw new Error(`upgrade ?${c.query} (${c.auth}) answered ${opened.status}`);
      return;
    }
    count(stats.upgradeStatuses, '101');
    const ws = opened.ws;
    const replies: string[] = [];
    let waiting: (() => void) | undefined;
    let closed: { code: number; reason: string } | undefined;
    ws.on('message', (d: Buffer) => { replies.push(d.toString('utf8')); waiting?.(); });
    ws.on('close', (code, reason) => { closed = { code, reason: reason.toString() }; waiting?.(); });
    try {
      for (const m of c.messages) {
        const value = { [m.op]: m.sub };
        const body = applyMutation(value, m.mutation);
        const had = replies.filter((r) => !r.startsWith('{"type":"frame"') && !r.startsWith('{"type":"state"')).length;
        const t0 = performance.now();
        ws.send(body.bytes, { binary: m.binary || body.mutation === 'invalidUtf8' });
        stats.messages++;
        const what = `${m.binary ? 'binary' : 'text'} message (${body.mutation}, ${body.bytes.length} B): ${JSON.stringify(body.bytes.subarray(0, 200).toString('utf8'))}`;
        // the reply to this message: the next one that is not a data frame
        const deadline = t0 + boundMs;
        const answers = (): string[] => replies.filter((r) => !r.startsWith('{"type":"frame"') && !r.startsWith('{"type":"state"'));
        while (answers().length === had && closed === undefined && performance.now() < deadline) {
          await new Promise<void>((r) => { waiting = r; setTimeout(r, 50); });
        }
        stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t0);
        if (closed !== undefined) {
          count(stats.closes, String(closed.code));
          // only a message over the server's payload limit (1 MiB, live-feed.ts) may end the connection
          if (body.bytes.length > 1024 * 1024 && (closed.code === 1009 || closed.code === 1006)) return;
          throw new Error(`the server closed the connection (${closed.code} ${closed.reason}) after ${what}`);
        }
        const reply = answers()[had];
        if (reply === undefined) throw new Error(`no reply within ${boundMs} ms to ${what}`);
        const type = (JSON.parse(reply) as { type?: string }).type ?? 'untyped';
        count(stats.replies, type);
        if (type !== 'subscribed' && type !== 'unsubscribed' && type !== 'error') throw new Error(`reply of type ${type} to ${what}: ${reply.slice(0, 300)}`);
        if (reply.includes('could not be handled')) throw new Error(`an unexpected error for ${what}: ${reply.slice(0, 300)}`);
      }
    } finally {
      ws.terminate();
    }
    if (!fd.alive()) throw new Error(`the daemon (pid ${fd.pid}) exited`);
    const health = await fd.health();
    if (health !== 200) throw new Error(`GET /healthz answered ${health || 'nothing'} after the connection`);
  });
  for (let round = 0; stats.connections < opts.connections; round++) {
    await fc.assert(property, { seed: opts.seed + round, numRuns: opts.connections - stats.connections });
  }
  return stats;
}
