// The webhook sender against a real HTTP receiver on 127.0.0.1: a 4xx is not retried, a
// timeout is, and a full queue drops the oldest changes and says how many in the next POST.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateChange } from '../../engine/index.js';
import { MAX_QUEUED, WebhookSender } from '../../engine/monitor/webhooks.js';
import { sleep } from './helpers.js';

interface Post {
  dropped: number;
  events: StateChange[];
}

function change(id: number): StateChange {
  return { id, monitorId: 'm', targetId: `t${id}`, address: '127.0.0.1', from: 'up', to: 'down', atMs: id, reason: 'test' };
}

async function receiver(handle: (req: IncomingMessage, res: ServerResponse, body: Post) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => { text += d.toString(); });
    req.on('end', () => handle(req, res, JSON.parse(text) as Post));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

async function until(test: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await sleep(20);
  }
}

describe('webhooks', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  it('a 4xx is final: one request, the changes counted as failed', async () => {
    let requests = 0;
    const r = await receiver((_req, res) => { requests++; res.writeHead(404).end(); });
    const sender = new WebhookSender([{ url: r.url, retries: 3 }]);
    cleanup.push(() => sender.close(), () => r.server.close());
    sender.send([change(1), change(2)]);
    await until(() => sender.stats()[0].failed === 2);
    await sleep(1200); // longer than the first backoff: no retry came
    expect(requests).toBe(1);
    expect(sender.stats()[0]).toMatchObject({ delivered: 0, failed: 2, lastError: expect.stringContaining('404') });
  });

  it('a timeout is retried with the same changes', async () => {
    const bodies: Post[] = [];
    const r = await receiver((_req, res, body) => {
      bodies.push(body);
      if (bodies.length > 1) res.writeHead(204).end(); // the first request is left hanging
    });
    const sender = new WebhookSender([{ url: r.url, timeoutMs: 200, retries: 2 }]);
    cleanup.push(() => sender.close(), () => { r.server.closeAllConnections(); r.server.close(); });
    sender.send([change(7)]);
    await until(() => sender.stats()[0].delivered === 1);
    expect(bodies.map((b) => b.events.map((e) => e.id))).toEqual([[7], [7]]);
    expect(sender.stats()[0].lastError).toMatch(/timed out after 200 ms/);
  });

  it('a full queue drops the oldest changes and the next POST says how many', async () => {
    const bodies: Post[] = [];
    let release: (() => void) | null = null;
    const r = await receiver((_req, res, body) => {
      bodies.push(body);
      if (bodies.length === 1) release = () => res.writeHead(204).end(); // held until the queue overflowed
      else res.writeHead(204).end();
    });
    const sender = new WebhookSender([{ url: r.url, retries: 0 }]);
    cleanup.push(() => sender.close(), () => { r.server.closeAllConnections(); r.server.close(); });
    sender.send(Array.from({ length: 10 }, (_, i) => change(i + 1)));
    await until(() => release !== null);
    // 100 more than the queue holds while the first POST is in flight
    sender.send(Array.from({ length: MAX_QUEUED + 100 }, (_, i) => change(1000 + i)));
    expect(sender.stats()[0]).toMatchObject({ queued: MAX_QUEUED, dropped: 100 });
    release!();
    await until(() => sender.stats()[0].delivered === 10 + MAX_QUEUED);
    expect(bodies[0]).toMatchObject({ dropped: 0 });
    expect(bodies[0].events.map((e) => e.id)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(bodies[1].dropped).toBe(100);
    expect(bodies[1].events[0].id).toBe(1100);
    expect(bodies.slice(2).every((b) => b.dropped === 0)).toBe(true);
    expect(bodies.slice(1).reduce((n, b) => n + b.events.length, 0)).toBe(MAX_QUEUED);
    expect(Math.max(...bodies.map((b) => b.events.length))).toBeLessThanOrEqual(500);
  });
});
