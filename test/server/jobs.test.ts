// /v1/jobs and /v1/agents on a real server; jobs run on agents registered through the
// engine's Agent interface.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, errorOf, startTestServer, type TestServer } from './helpers.js';
import { delayedAgent } from './test-agent.js';

interface JobBody { id: string; status: string; operation: string; selector: string | null; error: string | null; results: { hostname: string; status: string; error?: string }[] }

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('/v1/jobs', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    t.sonde.agents.register(delayedAgent('slow-1', 1000, { site: 'lab.a' }));
    t.sonde.agents.register(delayedAgent('fast-1', 1, { site: 'lab.b' }));
  });
  afterAll(async () => { await t.close(); });

  it('submits a ping job on a selector, polls it to completion, lists it', async () => {
    const writer = t.key(['network:write', 'job:read']);
    const submitted = await call(`${t.url}/v1/jobs`, { key: writer, body: { operation: 'ping', agent: 'fast-1', targets: ['127.0.0.1'], count: 2, intervalMs: 10 } });
    expect(submitted.status).toBe(202);
    const job = submitted.body as JobBody;
    expect(job).toMatchObject({ operation: 'network.ping', selector: 'fast-1' });
    expect(['submitted', 'processing']).toContain(job.status);

    let final: JobBody | undefined;
    await waitFor(async () => {
      final = (await call(`${t.url}/v1/jobs/${job.id}`, { key: writer })).body as JobBody;
      return final.status === 'completed';
    });
    expect(final!.results).toHaveLength(1);
    const raw = await call(`${t.url}/v1/jobs/${job.id}`, { key: writer });
    expect(raw.headers.get('content-type')).toBe('application/json');
    expect(raw.body).toEqual(JSON.parse(JSON.stringify(t.sonde.jobs.get(job.id))));
    expect(final!.results[0]).toMatchObject({ hostname: 'fast-1', status: 'ok' });

    const list = await call(`${t.url}/v1/jobs?status=completed&limit=5`, { key: writer });
    expect(list.status).toBe(200);
    const page = list.body as { items: JobBody[]; total: number; limit: number };
    expect(page.limit).toBe(5);
    expect(page.items.every((j) => j.status === 'completed')).toBe(true);
    expect(page.items.some((j) => j.id === job.id)).toBe(true);
  });

  it('cancels a running job (POST …/cancel and DELETE); a finished job cannot be cancelled', async () => {
    for (const how of ['post', 'delete'] as const) {
      const submitted = await call(`${t.url}/v1/jobs`, { key: t.adminKey, body: { operation: 'ping', agent: 'slow-1', targets: ['127.0.0.1'], count: 30 } });
      const job = submitted.body as JobBody;
      await waitFor(async () => ((await call(`${t.url}/v1/jobs/${job.id}`, { key: t.adminKey })).body as JobBody).status === 'processing');
      const cancelled = how === 'post'
        ? await call(`${t.url}/v1/jobs/${job.id}/cancel`, { method: 'POST', key: t.adminKey })
        : await call(`${t.url}/v1/jobs/${job.id}`, { method: 'DELETE', key: t.adminKey });
      expect(cancelled.status).toBe(200);
      await waitFor(async () => ((await call(`${t.url}/v1/jobs/${job.id}`, { key: t.adminKey })).body as JobBody).status === 'failed');
      const again = await call(`${t.url}/v1/jobs/${job.id}/cancel`, { method: 'POST', key: t.adminKey });
      expect(again.status).toBe(409);
      expect(errorOf(again)).toMatch(job.id);
    }
  });

  it('bad input → 4xx naming the problem', async () => {
    const k = t.adminKey;
    const cases: [string, RequestInit & { body?: unknown }, number, RegExp][] = [
      ['/v1/jobs?limit=101', {}, 400, /limit must be <= 100/],
      ['/v1/jobs?limit=0', {}, 400, /limit must be >= 1/],
      ['/v1/jobs?status=done', {}, 400, /status/],
      ['/v1/jobs?offset=x', {}, 400, /offset must be integer/],
      ['/v1/jobs/not-a-uuid', {}, 400, /id must be a valid uuid/],
      ['/v1/jobs/0b5e1a36-5c5b-4f7e-9d5e-2b1f1f0a0a0a', {}, 404, /not found/],
      ['/v1/jobs/0b5e1a36-5c5b-4f7e-9d5e-2b1f1f0a0a0a/cancel', { method: 'POST' }, 404, /not found/],
    ];
    for (const [path, init, status, message] of cases) {
      const r = await call(`${t.url}${path}`, { key: k, method: init.method });
      expect(r.status, path).toBe(status);
      expect(errorOf(r), path).toMatch(message);
    }
    const bodies: [unknown, RegExp][] = [
      [{ operation: 'exec', targets: ['127.0.0.1'] }, /operation must be "ping"/],
      [{ operation: 'ping', targets: [] }, /targets must NOT have fewer than 1 items/],
      [{ operation: 'ping', targets: ['127.0.0.1'], count: 0 }, /count must be >= 1/],
      [{ operation: 'ping', targets: ['127.0.0.1'], size: 70000 }, /size must be <= 65500/],
      [{ operation: 'ping', targets: '127.0.0.1' }, /targets must be array/],
      // neither an IP nor a host name: refused at once, not a job that fails later
      [{ operation: 'ping', targets: ['127.0.0.1', '999.1.1.1'] }, /^targets\[1\]: "999\.1\.1\.1" is not a valid IPv4 address/],
      [{ operation: 'ping', targets: ['a b'] }, /^targets\[0\]: "a b" is not an IP address or a valid host name/],
      [{ operation: 'ping', targets: ['127.0.0.1'], agent: 'nosuch' }, /target agent "nosuch" not found/],
      [{ operation: 'ping', targets: ['127.0.0.1'], agent: 'site:nowhere' }, /not found/],
    ];
    for (const [body, message] of bodies) {
      const r = await call(`${t.url}/v1/jobs`, { key: k, body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(r), JSON.stringify(body)).toMatch(message);
    }
    const malformed = await call(`${t.url}/v1/jobs`, { key: k, rawBody: '{operation:ping}' });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed)).toMatch(/malformed JSON/);
  });

  it('job:read cannot submit or cancel (403)', async () => {
    const reader = t.key(['job:read']);
    const r = await call(`${t.url}/v1/jobs`, { key: reader, body: { operation: 'ping', targets: ['127.0.0.1'] } });
    expect(r.status).toBe(403);
    expect(errorOf(r)).toMatch(/network:write/);
  });
});

describe('/v1/agents', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    t.sonde.agents.register(delayedAgent('extra-1', 1, { site: 'lab.a' }));
  });
  afterAll(async () => { await t.close(); });

  it('lists the local agent and registered ones; gets by hostname and by serial', async () => {
    const list = await call(`${t.url}/v1/agents`, { key: t.adminKey });
    expect(list.status).toBe(200);
    const items = (list.body as { items: { hostname: string; serial: string; local: boolean; healthy: boolean; facts: Record<string, string> }[] }).items;
    const local = items.find((a) => a.local)!;
    expect(local).toBeDefined();
    expect(local.facts.hostname).toBe(local.hostname);
    expect(items.some((a) => a.hostname === 'extra-1' && !a.local)).toBe(true);

    const byName = await call(`${t.url}/v1/agents/${encodeURIComponent(local.hostname)}`, { key: t.adminKey });
    expect(byName.status).toBe(200);
    expect((byName.body as { serial: string }).serial).toBe(local.serial);
    const bySerial = await call(`${t.url}/v1/agents/TEST-extra-1`, { key: t.adminKey });
    expect((bySerial.body as { hostname: string }).hostname).toBe('extra-1');

    const missing = await call(`${t.url}/v1/agents/no-such-agent`, { key: t.adminKey });
    expect(missing.status).toBe(404);
    expect(errorOf(missing)).toMatch(/no-such-agent/);
    const badEscape = await call(`${t.url}/v1/agents/%E0%A4%A`, { key: t.adminKey });
    expect(badEscape.status).toBe(400);
  });
});
