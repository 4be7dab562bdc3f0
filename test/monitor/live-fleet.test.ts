// Fleet frames on /v1/live over a real uWS server, with a monitor probing loopback targets
// on the real engine, opened as the dashboard opens it (session cookie, same Origin): the
// fleet-index names the monitor's targets, the first binary frame after it is full, later
// ones carry only changes, a client joining later gets its own full frame while the first
// keeps getting deltas, and the state a client builds from the frames is the monitor's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createEngine, openDaemon, type Daemon, type Engine } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { localResolver } from '../setup/local-resolver.js';
import { decodeFleetFrame, type DecodedFleetFrame } from '../../server/live/fleet-frame.js';
import { builtWorker, canRaw4, loopbackTargets } from '../engine/helpers.js';
import { sleep } from './helpers.js';

const N = 500;

interface FleetIndex {
  type: 'fleet-index';
  topic: string;
  monitorId: string;
  version: number;
  targets: { id: string; name: string | null; address: string; kind: string; labels: Record<string, string> }[];
}
type Message = { kind: 'json'; value: { type: string } & Record<string, unknown> } | { kind: 'binary'; frame: DecodedFleetFrame };

class FleetClient {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  readonly opened: Promise<void>;

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      this.messages.push(isBinary ? { kind: 'binary', frame: decodeFleetFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)) } : { kind: 'json', value: JSON.parse(String(buf)) as { type: string } });
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  async waitFor(test: (ms: Message[]) => boolean, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this.messages)) {
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((m) => (m.kind === 'json' ? m.value.type : `binary:${m.frame.records.length}`)))}`);
      await sleep(20);
    }
  }

  binary(): DecodedFleetFrame[] {
    return this.messages.flatMap((m) => (m.kind === 'binary' ? [m.frame] : []));
  }
}

describe.skipIf(!canRaw4 || !builtWorker)('/v1/live fleet frames', () => {
  let dataDir: string;
  let engine: Engine;
  let daemon: Daemon<SondeServer>;
  let monitorId: string;
  let cookie: string;
  let url: string;
  let origin: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sonde-fleet-'));
    engine = createEngine({ threads: 1 });
    daemon = await openDaemon({
      dataDir, engine, closeEngine: false, rateLimit: { perSecond: 10_000, burst: 10_000 }, agent: { resolver: localResolver },
      monitoring: { windowMs: 1000, rollupMs: 10_000, reconcileMs: 100 },
      front: (services) => startServer({ daemon: services, logger: pino({ level: 'warn' }), host: '127.0.0.1', port: 0 }),
    });
    for (const [i, address] of loopbackTargets(N).entries()) daemon.targets.create({ kind: 'HOST', address, name: `host-${i}`, labels: { grp: 'fleet' } });
    const admin = daemon.keys.create('admin', ['admin']).secret;
    const base = daemon.front.url;
    const created = await fetch(`${base}/v1/monitors`, {
      method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'fleet', selection: { labels: { grp: 'fleet' } }, intervalMs: 1000, timeoutMs: 500 }),
    });
    expect(created.status).toBe(201);
    monitorId = ((await created.json()) as { id: string }).id;
    const reader = daemon.keys.create('viewer', ['network:read', 'targets:read']).secret;
    const signIn = await fetch(`${base}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: reader }) });
    cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    url = base.replace('http://', 'ws://') + '/v1/live';
    origin = base;
  }, 30_000);

  afterAll(async () => {
    await daemon?.close();
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the index, a full first frame, then deltas; a later client gets its own full frame', async () => {
    const a = new FleetClient(`${url}?fleet=${monitorId}`, { cookie, origin });
    await a.opened;
    await a.waitFor((ms) => ms.some((m) => m.kind === 'binary'));
    const subscribed = a.messages[0];
    expect(subscribed).toMatchObject({ kind: 'json', value: { type: 'subscribed', topics: [{ topic: `fleet:${monitorId}`, kind: 'fleet', targets: N }] } });
    // the latest index before the first binary frame (the members may be re-read once the runner starts)
    const firstBinary = a.messages.findIndex((m) => m.kind === 'binary');
    const indexes = a.messages.slice(0, firstBinary).flatMap((m) => (m.kind === 'json' && m.value.type === 'fleet-index' ? [m.value as unknown as FleetIndex] : []));
    expect(indexes.length).toBeGreaterThanOrEqual(1);
    let index = indexes.at(-1)!;
    expect(index).toMatchObject({ topic: `fleet:${monitorId}`, monitorId });
    expect(index.targets).toHaveLength(N);
    const members = await (await fetch(`${origin}/v1/monitors/${monitorId}/summary`, { headers: { cookie } })).json() as { targets: { targetId: string; address: string; status: string }[] };
    expect(new Set(index.targets.map((t) => t.id))).toEqual(new Set(members.targets.map((t) => t.targetId)));
    for (const t of index.targets) {
      expect(t.kind).toBe('HOST');
      expect(t.labels).toEqual({ grp: 'fleet' });
      expect(t.name).toMatch(/^host-\d+$/);
    }
    const first = a.binary()[0];
    expect(first.full).toBe(true);
    expect(first.version).toBe(index.version);
    expect(first.records.map((r) => r.index)).toEqual(index.targets.map((_, i) => i));

    // a second client joins: index at once, then a full frame of its own; the first gets deltas
    const b = new FleetClient(url, { cookie, origin });
    await b.opened;
    b.ws.send(JSON.stringify({ subscribe: { fleet: monitorId } }));
    await b.waitFor((ms) => ms.some((m) => m.kind === 'binary'));
    const bIndex = b.messages.find((m) => m.kind === 'json' && m.value.type === 'fleet-index');
    expect(bIndex).toBeDefined();
    const bFirst = b.binary()[0];
    expect(bFirst.full).toBe(true);
    expect(bFirst.records).toHaveLength(N);
    // a few more seconds of frames to A after B joined
    const framesBefore = a.binary().length;
    await a.waitFor(() => a.binary().length >= framesBefore + 3);

    // a client applying A's frames: no record repeats what it holds; it ends at the monitor's state
    const held = new Map<number, { status: number; loss: number; rtt: number }>();
    let version = 0;
    for (const m of a.messages) {
      if (m.kind === 'json' && m.value.type === 'fleet-index') {
        index = m.value as unknown as FleetIndex;
        held.clear();
        continue;
      }
      if (m.kind !== 'binary') continue;
      const f = m.frame;
      if (f.full) version = f.version;
      expect(f.version).toBe(index.version);
      if (!f.full) {
        expect(f.version).toBe(version);
        for (const r of f.records) {
          const was = held.get(r.index)!;
          const same = was.status === r.status && was.loss === r.lossBucket && (Number.isNaN(was.rtt) ? Number.isNaN(r.lastRttMs) : Math.abs(was.rtt - r.lastRttMs) < 0.05);
          expect(same, `index ${r.index} sent again unchanged`).toBe(false);
        }
      }
      for (const r of f.records) held.set(r.index, { status: r.status, loss: r.lossBucket, rtt: r.lastRttMs });
    }
    const frames = a.binary();
    expect(frames.length).toBeGreaterThanOrEqual(4);
    expect(frames.slice(1).every((f) => !f.full || f.version !== frames[0].version)).toBe(true);
    const t = frames.map((f) => f.t);
    for (let i = 1; i < t.length; i++) expect(t[i] - t[i - 1]).toBe(1000);
    // loopback answers: every target up with an RTT, as the summary says
    const summary = await (await fetch(`${origin}/v1/monitors/${monitorId}/summary`, { headers: { cookie } })).json() as { targets: { targetId: string; status: string }[] };
    const statusOf = new Map(summary.targets.map((s) => [s.targetId, s.status]));
    expect(held.size).toBe(N);
    for (const [i, h] of held) {
      expect(statusOf.get(index.targets[i].id)).toBe('up');
      expect(h.status).toBe(1);
      expect(h.loss).toBe(0);
      expect(h.rtt).toBeGreaterThan(0);
    }
    a.ws.close();
    b.ws.close();
  }, 30_000);

  it('GET summary?targetId= answers one target (the fleet hover) with counts of all', async () => {
    const all = await (await fetch(`${origin}/v1/monitors/${monitorId}/summary`, { headers: { cookie } })).json() as { counts: Record<string, number>; targets: { targetId: string; address: string }[] };
    const pick = all.targets[17];
    const one = await fetch(`${origin}/v1/monitors/${monitorId}/summary?targetId=${pick.targetId}`, { headers: { cookie } });
    expect(one.status).toBe(200);
    const body = await one.json() as { counts: Record<string, number>; targets: { targetId: string; address: string; status: string; lossPercent: number | null }[] };
    expect(body.targets).toHaveLength(1);
    expect(body.targets[0]).toMatchObject({ targetId: pick.targetId, address: pick.address, status: 'up' });
    expect(Object.values(body.counts).reduce((a, b) => a + b, 0)).toBe(N);
    const stranger = await fetch(`${origin}/v1/monitors/${monitorId}/summary?targetId=01a22fa4-0000-7000-8000-000000000000`, { headers: { cookie } });
    expect(((await stranger.json()) as { targets: unknown[] }).targets).toEqual([]);
    expect((await fetch(`${origin}/v1/monitors/${monitorId}/summary?targetId=nope`, { headers: { cookie } })).status).toBe(400);
  });

  it('refuses a fleet subscription of an unknown monitor, naming the field', async () => {
    const c = new FleetClient(url, { cookie, origin });
    await c.opened;
    c.ws.send(JSON.stringify({ subscribe: { fleet: '01a22fa4-0000-7000-8000-000000000000' } }));
    await c.waitFor((ms) => ms.some((m) => m.kind === 'json' && m.value.type === 'error'));
    expect(c.messages.find((m) => m.kind === 'json' && m.value.type === 'error')).toMatchObject({ value: { field: 'subscribe.fleet[0]', message: expect.stringContaining('not found') } });
    c.ws.close();
  });
});
