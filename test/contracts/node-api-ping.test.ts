// Contract A, POST /node/{hostname}/network/ping and the jobs it leaves, on a real server
// with the real probe engine (loopback only) and agents routed by hostname, _any, _all and
// labels. Success bodies are checked against test/contracts/schemas (seed 000).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, Engine, PingSummary } from '../../engine/index.js';
import { call } from '../server/helpers.js';
import { conforms, osapiError, startNodeApiServer, startTestEngine, type NodeApiServer } from './node-api-server.js';

interface PingItem { hostname: string; packets_sent: number; packets_received: number; packet_loss: number; min_rtt: string; avg_rtt: string; max_rtt: string; changed: boolean; error?: string; status: string }
interface PingBody { job_id: string; results: PingItem[] }

const canRaw = process.getuid?.() === 0;
const FAST = { count: 3, interval_ms: 20, timeout_ms: 1000 };

/** An agent that never answers a ping (until aborted), registered through the Agent interface. */
function silentAgent(hostname: string): Agent {
  return {
    hostname, serial: `SILENT-${hostname}`, labels: { site: 'lab.silent' },
    healthy: () => true, facts: () => ({ hostname }), resolveFact: async () => undefined,
    ping: (_request, signal) => new Promise<PingSummary>((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    }),
  };
}

describe.skipIf(!canRaw)('node API: POST /node/{hostname}/network/ping (needs root for raw ICMP)', () => {
  let engine: Engine;
  let t: NodeApiServer;
  let writer: string;
  const ping = (hostname: string, body: unknown, key = writer) =>
    call(`${t.url}/node/${encodeURIComponent(hostname)}/network/ping`, { key, body });

  beforeAll(async () => {
    engine = startTestEngine();
    t = await startNodeApiServer({ engine });
    t.addAgent('peer-a', { labels: { site: 'eu.paris' } });
    t.addAgent('peer-b', { labels: { site: 'eu' } });
    t.addAgent('peer-c', { labels: { site: 'euro' } });
    writer = t.key(['network:write', 'job:read']);
  });
  afterAll(async () => {
    await t?.close();
    await engine?.close();
  });

  it('pings 127.0.0.1 from the agent named in the path: seed-000 body, Go durations, a persisted job', async () => {
    const res = await ping('localhost', { address: '127.0.0.1', ...FAST });
    expect(res.status).toBe(200);
    expect(conforms('A.ping.200', res.body)).toEqual([]);
    const body = res.body as PingBody;
    expect(body.results).toHaveLength(1);
    const item = body.results[0];
    expect(item).toMatchObject({ hostname: 'localhost', packets_sent: 3, packets_received: 3, packet_loss: 0, changed: false, status: 'ok' });
    expect(item.error).toBeUndefined();
    for (const d of [item.min_rtt, item.avg_rtt, item.max_rtt]) expect(d).not.toBe('0s');

    const job = await call(`${t.url}/job/${body.job_id}`, { key: writer });
    expect(job.status).toBe(200);
    expect(conforms('A.job.200', job.body)).toEqual([]);
    expect(job.body).toMatchObject({
      id: body.job_id, status: 'completed', hostname: 'localhost',
      operation: { type: 'network.ping.do', data: { address: '127.0.0.1', count: 3, interval_ms: 20, timeout_ms: 1000, size: 56 } },
      result: item,
      responses: { localhost: { status: 'completed', hostname: 'localhost', data: item } },
    });
  });

  it('pings ::1, and the default of 3 probes applies when only the address is given (osapi body)', async () => {
    const res = await ping('localhost', { address: '::1', interval_ms: 20 });
    expect(res.status).toBe(200);
    expect(conforms('A.ping.200', res.body)).toEqual([]);
    expect((res.body as PingBody).results[0]).toMatchObject({ packets_sent: 3, packets_received: 3, status: 'ok' });
  });

  it('resolves @fact. references on the agent: hostname (localhost, from /etc/hosts) and custom facts', async () => {
    for (const address of ['@fact.hostname', '@fact.custom.loop4', '@fact.custom.loop6']) {
      const res = await ping('localhost', { address, ...FAST });
      expect(res.status, address).toBe(200);
      expect(conforms('A.ping.200', res.body)).toEqual([]);
      expect((res.body as PingBody).results[0], address).toMatchObject({ packets_received: 3, status: 'ok' });
    }
  });

  it('an unknown fact fails that agent\'s item with "unresolvable fact reference @fact.x"', async () => {
    const res = await ping('localhost', { address: '@fact.custom.nope', ...FAST });
    expect(res.status).toBe(200);
    expect(conforms('A.ping.200', res.body)).toEqual([]);
    expect((res.body as PingBody).results[0]).toMatchObject({
      hostname: 'localhost', packets_sent: 0, status: 'failed', error: 'unresolvable fact reference @fact.custom.nope', min_rtt: '0s',
    });
    const job = (await call(`${t.url}/job/${(res.body as PingBody).job_id}`, { key: writer })).body as { status: string; error: string };
    expect(job).toMatchObject({ status: 'failed', error: 'unresolvable fact reference @fact.custom.nope' });
  });

  it('a name that does not resolve (under .invalid) fails the item and says so', async () => {
    const res = await ping('localhost', { address: 'no-such-host.invalid', ...FAST });
    expect(res.status).toBe(200);
    const item = (res.body as PingBody).results[0];
    expect(item.status).toBe('failed');
    expect(item.error).toMatch(/no-such-host\.invalid.*did not resolve/);
  });

  it('_all: one item per healthy agent, ordered by hostname, each measured', async () => {
    const res = await ping('_all', { address: '127.0.0.1', ...FAST });
    expect(res.status).toBe(200);
    expect(conforms('A.ping.200', res.body)).toEqual([]);
    const results = (res.body as PingBody).results;
    expect(results.map((r) => r.hostname)).toEqual(['localhost', 'peer-a', 'peer-b', 'peer-c']);
    for (const r of results) expect(r, r.hostname).toMatchObject({ packets_sent: 3, packets_received: 3, status: 'ok' });
    const job = (await call(`${t.url}/job/${(res.body as PingBody).job_id}`, { key: writer })).body as Record<string, unknown>;
    expect(conforms('A.job.200', job)).toEqual([]);
    expect(Object.keys(job.responses as object).sort()).toEqual(['localhost', 'peer-a', 'peer-b', 'peer-c']);
    expect(job.hostname).toBeUndefined();
  });

  it('_any: exactly one agent per request, spread over the healthy agents', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await ping('_any', { address: '127.0.0.1', count: 1, timeout_ms: 1000 });
      expect(res.status).toBe(200);
      const results = (res.body as PingBody).results;
      expect(results).toHaveLength(1);
      seen.add(results[0].hostname);
    }
    expect(seen.size).toBe(4);
  });

  it('key:value matches the value or a dot-segment prefix of it (site:eu → eu, eu.paris; not euro)', async () => {
    const res = await ping('site:eu', { address: '127.0.0.1', count: 1 });
    expect(res.status).toBe(200);
    expect((res.body as PingBody).results.map((r) => r.hostname)).toEqual(['peer-a', 'peer-b']);
    const exact = await ping('site:eu.paris', { address: '127.0.0.1', count: 1 });
    expect((exact.body as PingBody).results.map((r) => r.hostname)).toEqual(['peer-a']);
  });

  it('nothing matches → 400 target agent "<x>" not found, in the osapi envelope', async () => {
    for (const selector of ['no-such-agent', 'site:mars', 'nokey:x']) {
      const res = await ping(selector, { address: '127.0.0.1' });
      expect(res.status, selector).toBe(400);
      expect(osapiError(res)).toBe(`target agent "${selector}" not found`);
    }
    const bad = await ping('site:bad value!', { address: '127.0.0.1' });
    expect(bad.status).toBe(400);
    expect(osapiError(bad)).toMatch(/^target agent "site:bad value!" not found/);
  });

  it('an agent that does not answer within the job timeout gets "timeout: agent did not respond"', async () => {
    t.sonde.agents.register(silentAgent('zz-silent'));
    try {
      const res = await ping('_all', { address: '127.0.0.1', count: 1, timeout_ms: 50 });
      expect(res.status).toBe(200);
      expect(conforms('A.ping.200', res.body)).toEqual([]);
      const results = (res.body as PingBody).results;
      expect(results.map((r) => r.hostname)).toEqual(['localhost', 'peer-a', 'peer-b', 'peer-c', 'zz-silent']);
      expect(results[4]).toMatchObject({ status: 'failed', error: 'timeout: agent did not respond', packets_sent: 0 });
      expect(results[0]).toMatchObject({ status: 'ok', packets_received: 1 });
      const job = (await call(`${t.url}/job/${(res.body as PingBody).job_id}`, { key: writer })).body as { status: string };
      expect(job.status).toBe('partial_failure');
    } finally {
      t.sonde.agents.unregister('zz-silent');
    }
  });

  it('bad input → 400 naming the field (never 5xx); oversized body → 413; all in the osapi envelope', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /address is required/],
      [{ address: 42 }, /address must be string/],
      [{ address: 'not an address!' }, /^address: "not an address!" is not an IP address or a valid host name/],
      [{ address: '@fact.' }, /^address: "@fact\." is not a valid @fact.<key> reference/],
      // neither a valid IPv4 address nor a host name (an all-numeric last label): invalid payload, not a failed item
      [{ address: '999.1.1.1' }, /^address: "999\.1\.1\.1" is not a valid IPv4 address/],
      [{ address: 'a.b.300' }, /^address: "a\.b\.300" is not a valid IPv4 address or host name/],
      [{ address: '::g' }, /^address: "::g" is not a valid IPv6 address/],
      [{ address: '127.0.0.1', count: 0 }, /count must be >= 1/],
      [{ address: '127.0.0.1', count: 101 }, /count must be <= 100/],
      [{ address: '127.0.0.1', size: 70000 }, /size must be <= 65500/],
      [{ address: '127.0.0.1', colour: 'red' }, /unknown field "colour"/],
      [{ address: '127.0.0.1', count: 100, interval_ms: 10_000 }, /is 991000 ms; a synchronous ping may take at most 300000 ms/],
    ];
    for (const [body, message] of cases) {
      const res = await ping('localhost', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(osapiError(res)).toMatch(message);
      expect(osapiError(res)).not.toMatch(/targets\[/); // the contract's field names only
    }
    const malformed = await call(`${t.url}/node/localhost/network/ping`, { key: writer, rawBody: '{"address":' });
    expect(malformed.status).toBe(400);
    osapiError(malformed);
    const big = await call(`${t.url}/node/localhost/network/ping`, { key: writer, rawBody: JSON.stringify({ address: 'x'.repeat(70_000) }) });
    expect(big.status).toBe(413);
    osapiError(big);
  });

  it('401 without or with an unknown key, 403 without network:write; both key headers work', async () => {
    const none = await call(`${t.url}/node/localhost/network/ping`, { body: { address: '127.0.0.1' } });
    expect(none.status).toBe(401);
    expect(osapiError(none)).toMatch(/missing API key/);
    const unknown = await ping('localhost', { address: '127.0.0.1' }, 'sonde_not-a-real-key');
    expect(unknown.status).toBe(401);
    osapiError(unknown);
    const reader = t.key(['job:read', 'network:read']);
    const forbidden = await ping('localhost', { address: '127.0.0.1' }, reader);
    expect(forbidden.status).toBe(403);
    expect(osapiError(forbidden)).toMatch(/lacks the scope "network:write"/);
    const viaHeader = await call(`${t.url}/node/localhost/network/ping`, { headers: { 'x-api-key': writer }, body: { address: '127.0.0.1', count: 1 } });
    expect(viaHeader.status).toBe(200);
  });
});

describe('node API: rate limit', () => {
  let t: NodeApiServer;
  beforeAll(async () => { t = await startNodeApiServer({ rateLimit: { perSecond: 1, burst: 2 } }); });
  afterAll(async () => { await t?.close(); });

  it('429 in the osapi envelope with Retry-After and the X-RateLimit headers', async () => {
    const key = t.key(['network:write', 'job:read']);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await call(`${t.url}/job?limit=1`, { key });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(limited).toBeDefined();
    expect(osapiError(limited!)).toMatch(/rate limit exceeded/);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('x-ratelimit-limit-second')).toBe('2');
    expect(limited!.headers.get('x-ratelimit-remaining-second')).toBe('0');
    const ping = await call(`${t.url}/node/localhost/network/ping`, { key, body: { address: '127.0.0.1' } });
    expect(ping.status).toBe(429);
    osapiError(ping);
  });
});
