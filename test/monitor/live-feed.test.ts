// WebSocket /v1/live over a real uWS server, with a monitor probing 2,000 loopback targets
// on the real engine: frames once a second with the right targets (monitor, label and
// target-id subscriptions), errors naming the field for bad input, the upgrade refused
// without a key, and a client that stops reading dropped (code 4008) while another keeps
// receiving.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createEngine, openDaemon, type Engine, type Sonde } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { builtWorker, canRaw4, loopbackTargets } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { sleep } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

const N = 2000;

interface Logged {
  msg: string;
  buffered?: number;
}

interface Entry {
  t: number;
  targetId: string;
  monitorId: string;
  sent: number;
  received: number;
  rttP50Ms: number | null;
  rttMaxMs: number | null;
  status: string;
}
interface Frame {
  type: 'frame';
  topic: string;
  t: number;
  targets: Entry[];
}
interface Subscribed {
  type: 'subscribed' | 'unsubscribed';
  topics: { topic: string; kind: string; targets: number }[];
}
type Message = Frame | { type: 'error'; field: string; message: string } | Subscribed;

/** A client that keeps every message it gets. */
class Client {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  private cursor = 0;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string, key: string | null) {
    this.ws = new WebSocket(url, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
    this.ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as Message));
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  frames(topic?: string): Frame[] {
    return this.messages.filter((m): m is Frame => m.type === 'frame' && (topic === undefined || m.topic === topic));
  }

  /** The next message (after the last one next() returned) that passes the test. */
  async next<T extends Message>(test: (m: Message) => m is T, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.messages.findIndex((m, i) => i >= this.cursor && test(m));
      if (at >= 0) {
        this.cursor = at + 1;
        return this.messages[at] as T;
      }
      if (Date.now() > deadline) throw new Error(`no such message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(this.cursor).map((m) => m.type))}`);
      await sleep(20);
    }
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }
}

const isError = (m: Message): m is Extract<Message, { type: 'error' }> => m.type === 'error';
const isSubscribed = (m: Message): m is Subscribed => m.type === 'subscribed';

describe.skipIf(!canRaw4 || !builtWorker)('/v1/live', () => {
  let dataDir: string;
  let engine: Engine;
  let sonde: Sonde;
  let server: SondeServer;
  let reader: string;
  let url: string;
  let monitorId: string;
  const ids: string[] = [];
  const logged: Logged[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sonde-live-'));
    engine = createEngine({ threads: 1 });
    // a client more than 256 KiB behind when the next frames are due is dropped
    const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line) as Logged) });
    const daemon = await openDaemon({
      dataDir, engine, rateLimit: { perSecond: 10_000, burst: 10_000 },
      monitoring: { windowMs: 1000, rollupMs: 10_000, reconcileMs: 100 },
      front: (services) => startServer({ daemon: services, logger, host: '127.0.0.1', port: 0, live: { maxBufferedBytes: 256 * 1024 } }),
      agent: { resolver: localResolver },
    });
    sonde = daemon;
    server = daemon.front;
    url = server.url.replace('http://', 'ws://') + '/v1/live';
    reader = sonde.keys.create('reader', ['network:read']).secret;
    for (const [i, address] of loopbackTargets(N).entries()) {
      ids.push(sonde.targets.create({ kind: 'HOST', address, labels: { grp: 'live', half: i < N / 2 ? 'first' : 'second' } }).id);
    }
    const admin = sonde.keys.create('admin', ['admin']).secret;
    const res = await fetch(`${server.url}/v1/monitors`, {
      method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'live', selection: { labels: { grp: 'live' } }, intervalMs: 1000, timeoutMs: 500 }),
    });
    expect(res.status).toBe(201);
    monitorId = ((await res.json()) as { id: string }).id;
  }, 30_000);

  afterAll(async () => {
    await sonde?.close();
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends one frame a second per topic with the right targets (monitor, labels, target ids)', async () => {
    const c = new Client(`${url}?monitors=${monitorId}`, reader);
    await c.opened;
    const sub = await c.next(isSubscribed);
    expect(sub.topics).toEqual([{ topic: `monitor:${monitorId}`, kind: 'monitor', targets: N }]);
    c.send({ subscribe: { labels: [{ half: 'second' }], targets: [ids[0], ids[1], ids[1]] } });
    const both = await c.next(isSubscribed);
    expect(both.topics.map((t) => [t.kind, t.targets])).toEqual([['monitor', N], ['labels', N / 2], ['targets', 2]]);
    const since = c.messages.length;
    const topics = [`labels:half=second`, `monitor:${monitorId}`, both.topics[2].topic];
    const frames = await waitFor(() => {
      const seen = (c.messages.slice(since).filter((m) => m.type === 'frame')) as Frame[];
      return topics.every((topic) => seen.filter((f) => f.topic === topic).length >= 4) && seen;
    }, { timeoutMs: 10_000, intervalMs: 20, message: 'four frames on each topic' });
    const byTopic = new Map<string, Frame[]>();
    for (const f of frames) byTopic.set(f.topic, [...(byTopic.get(f.topic) ?? []), f]);
    expect([...byTopic.keys()].sort()).toEqual(topics.sort());
    for (const [topic, list] of byTopic) {
      // one frame per second: consecutive windows by the frames' own timestamps, none repeated
      // (how many arrived by the time the test looked depends on its clock, so is not counted)
      expect(list.length, topic).toBeGreaterThanOrEqual(4);
      for (let i = 1; i < list.length; i++) expect(list[i].t - list[i - 1].t, topic).toBe(1000);
      for (const f of list) for (const e of f.targets) expect(e.t).toBe(f.t);
    }
    const monitorFrames = byTopic.get(`monitor:${monitorId}`)!;
    for (const f of monitorFrames) {
      expect(f.targets.map((e) => e.targetId).sort()).toEqual([...ids].sort());
      expect(new Set(f.targets.map((e) => e.monitorId))).toEqual(new Set([monitorId]));
    }
    for (const f of byTopic.get('labels:half=second')!) expect(f.targets.map((e) => e.targetId).sort()).toEqual(ids.slice(N / 2).sort());
    for (const f of byTopic.get(both.topics[2].topic)!) expect(f.targets.map((e) => e.targetId).sort()).toEqual([ids[0], ids[1]].sort());
    // steady state: every target is probed once a second and answers on loopback
    const last = monitorFrames.slice(-3);
    const sent = last.reduce((n, f) => n + f.targets.reduce((m, e) => m + e.sent, 0), 0);
    const received = last.reduce((n, f) => n + f.targets.reduce((m, e) => m + e.received, 0), 0);
    expect(sent).toBeGreaterThanOrEqual(3 * N - N / 10);
    expect(sent).toBeLessThanOrEqual(3 * N + N / 10);
    expect(received).toBe(sent);
    for (const e of last.at(-1)!.targets) {
      expect(e.status).toBe('up');
      if (e.received > 0) {
        expect(e.rttP50Ms).toBeGreaterThan(0);
        expect(e.rttMaxMs).toBeGreaterThanOrEqual(e.rttP50Ms!);
      } else {
        expect(e).toMatchObject({ rttP50Ms: null, rttMaxMs: null });
      }
    }
    // unsubscribing stops a topic
    c.send({ unsubscribe: { labels: [{ half: 'second' }], targets: [ids[1], ids[0]] } });
    const left = await c.next((m): m is Subscribed => m.type === 'unsubscribed');
    expect(left.topics.map((t) => t.kind)).toEqual(['monitor']);
    c.ws.close();
    await c.closed;
  }, 20_000);

  it('answers bad input with an error naming the field and keeps the connection', async () => {
    const c = new Client(url, reader);
    await c.opened;
    c.send('not json');
    expect(await c.next(isError)).toMatchObject({ field: 'message' });
    c.send({ subscribe: { monitors: ['nope'] } });
    expect(await c.next(isError)).toMatchObject({ field: 'subscribe.monitors[0]', message: expect.stringContaining('not a UUID') });
    c.send({ subscribe: { monitors: [ids[0]] } });
    expect(await c.next(isError)).toMatchObject({ field: 'subscribe.monitors[0]', message: expect.stringContaining('not found') });
    c.send({ subscribe: { labels: [{ grp: 5 }] } });
    expect(await c.next(isError)).toMatchObject({ field: 'subscribe.labels[0].grp' });
    c.send({ subscribe: { sites: ['x'] } });
    expect(await c.next(isError)).toMatchObject({ field: 'subscribe.sites' });
    c.send({ watch: {} });
    expect(await c.next(isError)).toMatchObject({ field: 'message' });
    c.send({ subscribe: { targets: [ids[5]] } });
    expect((await c.next(isSubscribed)).topics).toHaveLength(1);
    c.ws.close();
    await c.closed;

    await expect(new Client(url, null).opened).rejects.toThrow('upgrade refused: 401');
    const writer = sonde.keys.create('jobs-only', ['job:read']);
    await expect(new Client(url, writer.secret).opened).rejects.toThrow('upgrade refused: 403');
    // Audited like every /v1 route: the refusal against the key that was refused.
    sonde.audit.flush();
    const live = sonde.audit.recent(1000).filter((e) => e.path === '/v1/live');
    expect(live.some((e) => e.keyId === writer.key.id && e.status === 403 && e.method === 'GET')).toBe(true);
    expect(live.some((e) => e.keyId !== writer.key.id && e.status === 101)).toBe(true);
    await expect(new Client(`${url}?monitors=abc`, reader).opened).rejects.toThrow('upgrade refused: 400');
  }, 20_000);

  /** A sample of /metrics without labels, or null when the series is absent. */
  const metric = async (name: string): Promise<number | null> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m === null ? null : Number(m[1]);
  };

  it('drops a client that stops reading (4008) while another keeps receiving; /metrics counts the drop', async () => {
    const droppedBefore = await metric('sonde_live_slow_clients_dropped_total');
    expect(droppedBefore).not.toBeNull();
    const clientsBefore = (await metric('sonde_live_clients'))!;
    const fast = new Client(`${url}?monitors=${monitorId}`, reader);
    const slow = new Client(`${url}?monitors=${monitorId}`, reader);
    await Promise.all([fast.opened, slow.opened]);
    await waitFor(async () => (await metric('sonde_live_clients')) === clientsBefore + 2, { timeoutMs: 5000, message: 'sonde_live_clients up by 2' });
    // the slow client reads nothing from now on: the kernel's buffers fill, then uWS's
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    const deadline = Date.now() + 25_000;
    while (!logged.some((l) => l.msg === 'live feed: slow client dropped')) {
      if (Date.now() > deadline) throw new Error(`the slow client was not dropped within 25 s (frames to the fast one: ${fast.frames().length})`);
      await sleep(100);
    }
    const drop = logged.find((l) => l.msg === 'live feed: slow client dropped')!;
    expect(drop.buffered).toBeGreaterThan(256 * 1024);
    // the close frame waits behind the data the client has not read: it sees it once it reads
    socket.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/slow client/);
    // counted once per client dropped (only the slow one was)
    const drops = logged.filter((l) => l.msg === 'live feed: slow client dropped').length;
    expect(drops).toBe(1);
    expect(await metric('sonde_live_slow_clients_dropped_total')).toBe(droppedBefore! + drops);
    await waitFor(async () => (await metric('sonde_live_clients')) === clientsBefore + 1, { timeoutMs: 5000, message: 'sonde_live_clients down by the dropped one' });
    // the other client goes on receiving a frame a second
    const t0 = fast.frames().at(-1)!.t;
    await waitFor(() => fast.frames().filter((f) => f.t > t0).length >= 2, { timeoutMs: 10_000, message: 'two more frames to the fast client' });
    expect(fast.frames().filter((f) => f.t > t0).length).toBeGreaterThanOrEqual(2);
    expect(fast.ws.readyState).toBe(WebSocket.OPEN);
    fast.ws.close();
    await fast.closed;
  }, 40_000);
});

