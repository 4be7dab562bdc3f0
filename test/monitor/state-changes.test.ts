// State changes with hysteresis through the network simulator: a simulated host that goes
// dark becomes degraded, then down after downAfter failed probes; back, it is up after
// upAfter answered probes. Each change is stored (GET /v1/monitors/{id}/events), sent on
// the live feed, and POSTed to a webhook receiver on 127.0.0.1 (which fails its first
// request, so the retry is exercised too). A neighbour that keeps answering never changes.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createEngine, openDaemon, type Daemon, type Engine, type StateChange } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { builtWorker, canRaw4 } from '../engine/helpers.js';
import { netsimAvailability, startNetsim, type Netsim } from '../../netsim/netsim.js';
import { sleep } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

const available = netsimAvailability();
const skip = !canRaw4 || !builtWorker || !available.ok;
if (skip) console.warn(`state-change suite skipped: ${!available.ok ? available.reason : 'needs raw sockets and the build'}`);

const DARK = '198.18.0.1';
const STEADY = '198.18.0.2';

describe.skipIf(skip)('state changes through the network simulator', () => {
  let sim: Netsim;
  let engine: Engine;
  let sonde: Daemon;
  let server: SondeServer;
  let receiver: Server;
  let dataDir: string;
  const posts: { status: number; body: { source: string; dropped: number; events: StateChange[] } }[] = [];
  const live: { type: string; topic: string; changes?: StateChange[] }[] = [];

  beforeAll(async () => {
    sim = await startNetsim({ seed: 6, hosts: {} });
    engine = createEngine({ threads: 1, netns: sim.netns });
    let requests = 0;
    receiver = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => { text += d.toString(); });
      req.on('end', () => {
        // the first POST fails: the sender must retry it
        const status = ++requests === 1 ? 503 : 204;
        posts.push({ status, body: JSON.parse(text) as (typeof posts)[number]['body'] });
        res.writeHead(status).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    dataDir = mkdtempSync(join(tmpdir(), 'sonde-states-'));
    const daemon = await openDaemon({
      dataDir, engine, rateLimit: { perSecond: 10_000, burst: 10_000 },
      monitoring: { windowMs: 1000, rollupMs: 10_000, reconcileMs: 100, downAfter: 3, upAfter: 3, webhooks: [{ url: hook, timeoutMs: 2000, retries: 3 }] },
      front: (services) => startServer({ daemon: services, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 }),
      agent: { resolver: localResolver },
    });
    sonde = daemon;
    server = daemon.front;
  }, 30_000);

  afterAll(async () => {
    await sonde?.close();
    await engine?.close();
    await sim?.stop();
    receiver?.close();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('dark → degraded → down after 3 failed probes; back → up after 3 answers; stored, live, POSTed', async () => {
    const dark = sonde.targets.create({ kind: 'HOST', address: DARK, labels: { sim: 'yes' } });
    const steady = sonde.targets.create({ kind: 'HOST', address: STEADY, labels: { sim: 'yes' } });
    const service = sonde.monitors;
    // one probe a second: a round is a second, and the status is evaluated once a second
    const m = service.create({ name: 'sim', selection: { labels: { sim: 'yes' } }, intervalMs: 1000, timeoutMs: 300 });
    const key = sonde.keys.create('reader', ['network:read']).secret;
    const ws = new WebSocket(`${server.url.replace('http://', 'ws://')}/v1/live?monitors=${m.id}`, { headers: { authorization: `Bearer ${key}` } });
    ws.on('message', (d) => live.push(JSON.parse(String(d)) as (typeof live)[number]));
    await once(ws, 'open');

    const until = async (what: string, test: () => boolean, ms = 10_000): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; events ${JSON.stringify(service.events(m.id))}`);
        await sleep(100);
      }
    };
    const statusOf = (id: string): string | undefined => service.summary(m.id).targets.find((t) => t.targetId === id)?.status;
    await until('both up', () => statusOf(dark.id) === 'up' && statusOf(steady.id) === 'up');
    expect(service.events(m.id)).toEqual([]); // a first status of up is no change

    await sim.setProfile(DARK, { blackhole: true });
    await until('down', () => statusOf(dark.id) === 'down');
    const down = service.summary(m.id).targets.find((t) => t.targetId === dark.id)!;
    expect(down.failStreak).toBeGreaterThanOrEqual(3);
    await sim.setProfile(DARK, null);
    await until('up again', () => statusOf(dark.id) === 'up');
    await until('stored', () => service.events(m.id).length >= 3);

    const events = service.events(m.id);
    expect(events.map((e) => [e.targetId, e.from, e.to])).toEqual([
      [dark.id, 'up', 'degraded'],
      [dark.id, 'degraded', 'down'],
      [dark.id, 'down', 'up'],
    ]);
    const fails = Number(/^(\d+) consecutive failed probes/.exec(events[1].reason)?.[1]);
    // down at the first evaluation after the 3rd failure (one probe a second: the 3rd or, with a late timer, the 4th)
    expect(fails).toBeGreaterThanOrEqual(3);
    expect(fails).toBeLessThanOrEqual(4);
    expect(events[2].reason).toMatch(/^[34] consecutive answered probes \(up after 3\)$/);
    for (const e of events) expect(e).toMatchObject({ monitorId: m.id, address: DARK });
    expect(events[0].atMs).toBeLessThan(events[1].atMs);
    expect(events[1].atMs).toBeLessThan(events[2].atMs);

    // the same changes over HTTP
    const res = await fetch(`${server.url}/v1/monitors/${m.id}/events?targetId=${dark.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: events, truncated: false });
    const two = await fetch(`${server.url}/v1/monitors/${m.id}/events?limit=2`, { headers: { authorization: `Bearer ${key}` } });
    expect(await two.json()).toEqual({ items: events.slice(0, 2), truncated: true });
    const bad = await fetch(`${server.url}/v1/monitors/${m.id}/events?limit=0`, { headers: { authorization: `Bearer ${key}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/limit/);
    const none = await fetch(`${server.url}/v1/monitors/${m.id}/events?targetId=${steady.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(await none.json()).toEqual({ items: [], truncated: false });

    // on the live feed, as they happened
    await until('live', () => live.filter((x) => x.type === 'state').length >= 3);
    const onFeed = live.filter((x) => x.type === 'state').flatMap((x) => x.changes ?? []);
    expect(onFeed).toEqual(events);
    expect(live.filter((x) => x.type === 'state').every((x) => x.topic === `monitor:${m.id}`)).toBe(true);

    // the webhook got every change; the first POST failed (503) and was retried with the same events
    await until('webhook', () => posts.filter((p) => p.status === 204).flatMap((p) => p.body.events).length >= 3, 15_000);
    expect(posts[0].status).toBe(503);
    expect(posts[1].body.events).toEqual(posts[0].body.events);
    const delivered = posts.filter((p) => p.status === 204).flatMap((p) => p.body.events);
    expect(delivered).toEqual(events);
    for (const p of posts) expect(p.body).toMatchObject({ source: 'sonde', dropped: 0 });
    ws.close();
  }, 40_000);
});
