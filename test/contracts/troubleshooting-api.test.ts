// Contract C, the troubleshooting API (seed 004), on a real server and the real probe engine
// running inside a netsim namespace (loopback inside it, and simulated hosts k hops away for
// traceroute); tcp/http/nslookup against servers and names on this host's loopback. Every
// success body is checked against test/contracts/schemas/troubleshooting-api.ts, every
// error against the { errorCode, message } envelope with the codes of
// docs/contracts.md#troubleshooting-errors.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Agent, type Engine, type PingSummary } from '../../engine/index.js';
import { netsimAvailability, startNetsim, type Netsim } from '../../netsim/netsim.js';
import { call, type Call } from '../server/helpers.js';
import { conformant, pollUntil, SERIAL, startDiagnosticServer, type DiagnosticServer } from './troubleshooting-harness.js';

const BASE = '/network-troubleshooting/v1alpha1';
const availability = netsimAvailability();

interface Created { location: string; status: string; startTime: string }
interface Operation<O = Record<string, unknown>> {
  startTime: string; endTime: string | null; rawOutput: string | null; output: O | null;
  failReason: string | null; progressPercent: number; status: 'INITIATED' | 'RUNNING' | 'COMPLETED' | 'FAILED';
}
interface HpeError { errorCode: string; message: string }

function offlineAgent(): Agent {
  return {
    hostname: 'offline-ap', serial: 'OFFLINE-0001', labels: {}, healthy: () => false, facts: () => ({}), resolveFact: async () => undefined,
    ping: async (): Promise<PingSummary> => { throw new Error('offline'); },
  };
}

function hpe(c: Call, status: number, errorCode: string): HpeError {
  expect(c.status, c.text).toBe(status);
  const body = conformant<HpeError>('C.error', c);
  expect(body.errorCode).toBe(errorCode);
  return body;
}

describe.skipIf(!availability.ok)('troubleshooting API: POST …/aps/{serial}/{test} → 202 → GET …/async-operations/{taskId}', () => {
  let sim: Netsim;
  let engine: Engine;
  let t: DiagnosticServer;
  let key: string;
  let tls: { dir: string; key: string; cert: string };
  let httpServer: http.Server;
  let httpsServer: https.Server;
  let httpPort: number;
  let httpsPort: number;

  const post = (test: string, body: unknown, serial = SERIAL, k = key) => call(`${t.url}${BASE}/aps/${serial}/${test}`, { key: k, body });
  async function start(test: string, body: unknown): Promise<Created> {
    const c = await post(test, body);
    expect(c.status, c.text).toBe(202);
    const created = conformant<Created>(`C.${test}.create.202`, c);
    expect(created.status).toBe('INITIATED');
    return created;
  }
  async function runTest<O>(test: string, body: unknown): Promise<{ last: Operation<O>; seen: Operation<O>[]; created: Created }> {
    const created = await start(test, body);
    const polled = await pollUntil<Operation<O>>(`${t.url}${created.location}`, key, (b) => b.status === 'COMPLETED' || b.status === 'FAILED');
    for (const b of polled.seen) {
      conformant(`C.${test}.result.200`, { status: 200, body: b, text: JSON.stringify(b), headers: new Headers() });
      expect(b.startTime).toBe(created.startTime);
    }
    return { ...polled, created };
  }

  beforeAll(async () => {
    sim = await startNetsim({ seed: 11, hosts: { '198.18.7.1': { timeExceeded: { fromHop: 4 } }, '198.18.7.2': {}, '2001:db8::7': { timeExceeded: { fromHop: 3 } }, '198.18.7.3': { blackhole: true } } });
    engine = createEngine({ threads: 1, netns: sim.netns });
    t = await startDiagnosticServer({ engine });
    t.sonde.agents.register(offlineAgent());
    key = t.key(['network:write', 'job:read']);

    const dir = mkdtempSync(join(tmpdir(), 'sonde-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost', '-days', '1'], { stdio: 'ignore' });
    tls = { dir, key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    const handler: http.RequestListener = (req, res) => {
      if (req.url === '/fail') res.writeHead(500).end('boom');
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    };
    httpServer = http.createServer(handler).listen(0, '127.0.0.1');
    httpsServer = https.createServer({ key: tls.key, cert: tls.cert }, handler).listen(0, '127.0.0.1');
    await Promise.all([once(httpServer, 'listening'), once(httpsServer, 'listening')]);
    httpPort = (httpServer.address() as AddressInfo).port;
    httpsPort = (httpsServer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    httpServer?.close();
    httpsServer?.close();
    await t?.close();
    await engine?.close();
    await sim?.stop();
    if (tls) rmSync(tls.dir, { recursive: true, force: true });
  });

  it('ping: COMPLETED with the seed\'s output and the BSD ping text line for line', async () => {
    const { last, seen } = await runTest<{ replies: Array<Record<string, string>> } & Record<string, unknown>>('ping', { destination: '127.0.0.1', count: 2 });
    expect(last).toMatchObject({ status: 'COMPLETED', progressPercent: 100, failReason: null });
    expect(last.endTime! >= last.startTime).toBe(true);
    expect(seen.every((b) => b.status === 'RUNNING' || b.status === 'COMPLETED')).toBe(true);
    const lines = last.rawOutput!.split('\n');
    expect(lines.slice(0, 3)).toEqual(['', 'COMMAND=ping 127.0.0.1', 'PING 127.0.0.1 (127.0.0.1): 56 data bytes']);
    expect(lines[3]).toMatch(/^64 bytes from 127\.0\.0\.1: icmp_seq=0 ttl=64 time=\d+\.\d ms$/);
    expect(lines[4]).toMatch(/^64 bytes from 127\.0\.0\.1: icmp_seq=1 ttl=64 time=\d+\.\d ms$/);
    expect(lines.slice(5, 8)).toEqual(['', '--- 127.0.0.1 ping statistics ---', '2 packets transmitted, 2 packets received, 0% packet loss']);
    expect(lines[8]).toMatch(/^round-trip min\/avg\/max = \d+\.\d\/\d+\.\d\/\d+\.\d ms$/);
    expect(lines.slice(9)).toEqual(['']);
    const o = last.output!;
    expect(o).toMatchObject({
      receivedPacketsCount: '2', packetLossPercent: '0', destination: '127.0.0.1', resolvedIp: '127.0.0.1', transmittedPacketsCount: '2',
    });
    expect(o.replies.map((r) => r.sentPacketIcmpSequenceNumber)).toEqual(['0', '1']);
    o.replies.forEach((r, i) => {
      expect(r).toMatchObject({ sentPacketAddress: '127.0.0.1', sentPacketTimeToLive: '64', sentPacketSizeBytes: '64' });
      expect(lines[3 + i]).toContain(`time=${r.sentPacketTimeMilliseconds} ms`);
    });
    const [min, avg, max] = /= (\S+)\/(\S+)\/(\S+) ms/.exec(lines[8])!.slice(1);
    expect([o.minimumRoundTripTimeMilliseconds, o.averageRoundTripTimeMilliseconds, o.maximumRoundTripTimeMilliseconds]).toEqual([min, avg, max]);
  });

  it('ping: packetSize sets the data bytes; includeRawOutput:false leaves rawOutput null', async () => {
    const { last } = await runTest<Record<string, unknown>>('ping', { destination: '127.0.0.1', count: 1, packetSize: 100, includeRawOutput: false });
    expect(last.status).toBe('COMPLETED');
    expect(last.rawOutput).toBeNull();
    expect((last.output as { replies: Array<{ sentPacketSizeBytes: string }> }).replies[0].sentPacketSizeBytes).toBe('108');
    const withText = await runTest<Record<string, unknown>>('ping', { destination: '127.0.0.1', count: 1, packetSize: 100 });
    expect(withText.last.rawOutput).toContain('PING 127.0.0.1 (127.0.0.1): 100 data bytes\n108 bytes from 127.0.0.1: icmp_seq=0');
  });

  it('ping: progressPercent advances while the test runs (RUNNING), then 100 (COMPLETED)', async () => {
    const { seen } = await runTest('ping', { destination: '198.18.7.2', count: 3 });
    const running = seen.filter((b) => b.status === 'RUNNING');
    expect(running.length).toBeGreaterThan(1);
    for (const b of running) expect(b).toMatchObject({ endTime: null, rawOutput: null, output: null, failReason: null });
    const progress = seen.map((b) => b.progressPercent);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    expect(new Set(running.map((b) => b.progressPercent)).size).toBeGreaterThan(1);
    expect(progress.at(-1)).toBe(100);
  });

  it('ping: FAILED with a failReason when the destination does not resolve', async () => {
    const { last } = await runTest('ping', { destination: 'no-such-host.invalid', count: 1 });
    expect(last).toMatchObject({ status: 'FAILED', rawOutput: null, output: null });
    expect(last.failReason).toMatch(/no-such-host\.invalid.*did not resolve/);
    expect(last.endTime).not.toBeNull();
  });

  it('traceroute: hops 1..3 are the simulator\'s routers (time exceeded), hop 4 the destination', async () => {
    type Out = { destination: string; resolvedIp: string; maxHops: string; destinationReached: boolean; hops: Array<{ hopNumber: string; address: string; roundTripTimesMilliseconds: string[] }> };
    const { last } = await runTest<Out>('traceroute', { destination: '198.18.7.1' });
    expect(last.status).toBe('COMPLETED');
    const o = last.output!;
    expect(o).toMatchObject({ destination: '198.18.7.1', resolvedIp: '198.18.7.1', maxHops: '30', destinationReached: true });
    expect(o.hops.map((h) => [h.hopNumber, h.address])).toEqual([['1', '198.19.254.1'], ['2', '198.19.254.2'], ['3', '198.19.254.3'], ['4', '198.18.7.1']]);
    for (const hop of o.hops) {
      expect(hop.roundTripTimesMilliseconds).toHaveLength(3);
      for (const ms of hop.roundTripTimesMilliseconds) expect(ms).toMatch(/^\d+\.\d{3}$/);
    }
    const lines = last.rawOutput!.split('\n');
    expect(lines.slice(0, 3)).toEqual(['', 'COMMAND=traceroute 198.18.7.1', 'traceroute to 198.18.7.1 (198.18.7.1), 30 hops max, 60 byte packets']);
    expect(lines[3]).toMatch(/^ 1  198\.19\.254\.1  \d+\.\d{3} ms  \d+\.\d{3} ms  \d+\.\d{3} ms$/);
    expect(lines[6]).toMatch(/^ 4  198\.18\.7\.1  \d+\.\d{3} ms  \d+\.\d{3} ms  \d+\.\d{3} ms$/);
    expect(lines.slice(7)).toEqual(['']);
  });

  it('traceroute over IPv6: hop limits 1..2 answered by the simulator\'s routers, hop 3 the destination', async () => {
    const { last } = await runTest<{ destinationReached: boolean; hops: Array<{ hopNumber: string; address: string }> }>('traceroute', { destination: '2001:db8::7' });
    expect(last.output).toMatchObject({ destinationReached: true });
    expect(last.output!.hops.map((h) => h.address)).toEqual(['2001:db8:fffe::1', '2001:db8:fffe::2', '2001:db8::7']);
    expect(last.rawOutput).toContain('traceroute to 2001:db8::7 (2001:db8::7), 30 hops max, 80 byte packets');
  });

  it('traceroute: maxHops below the distance stops there, destination not reached', async () => {
    const { last } = await runTest<{ destinationReached: boolean; hops: Array<{ address: string }>; maxHops: string }>('traceroute', { destination: '198.18.7.1', maxHops: 2 });
    expect(last.output).toMatchObject({ maxHops: '2', destinationReached: false });
    expect(last.output!.hops.map((h) => h.address)).toEqual(['198.19.254.1', '198.19.254.2']);
  });

  it('traceroute: hops where nothing answers are "*"', async () => {
    const { last } = await runTest<{ destinationReached: boolean; hops: Array<{ hopNumber: string; address: string; roundTripTimesMilliseconds: string[] }> }>('traceroute', { destination: '198.18.7.3', maxHops: 2 });
    expect(last.status).toBe('COMPLETED');
    expect(last.output).toMatchObject({
      destinationReached: false,
      hops: [{ hopNumber: '1', address: '*', roundTripTimesMilliseconds: ['*', '*', '*'] }, { hopNumber: '2', address: '*', roundTripTimesMilliseconds: ['*', '*', '*'] }],
    });
    expect(last.rawOutput!.split('\n').slice(3)).toEqual([' 1  * * *', ' 2  * * *', '']);
  });

  it('traceroute: progressPercent advances window by window (8 hops at a time)', async () => {
    const { seen, last } = await runTest('traceroute', { destination: '198.18.7.3', maxHops: 16 });
    expect(last.status).toBe('COMPLETED');
    const running = seen.filter((b) => b.status === 'RUNNING').map((b) => b.progressPercent);
    expect(running).toContain(0);
    expect(running).toContain(50); // the first 8 of 16 hops timed out together
    for (let i = 1; i < running.length; i++) expect(running[i]).toBeGreaterThanOrEqual(running[i - 1]);
  });

  it('traceroute: loopback is one hop away; an unresolvable destination FAILS', async () => {
    const { last } = await runTest<{ destinationReached: boolean; hops: Array<{ address: string }> }>('traceroute', { destination: '127.0.0.1' });
    expect(last.output).toMatchObject({ destinationReached: true, hops: [{ hopNumber: '1', address: '127.0.0.1' }] });
    const failed = await runTest('traceroute', { destination: 'nowhere.invalid' });
    expect(failed.last).toMatchObject({ status: 'FAILED' });
    expect(failed.last.failReason).toMatch(/nowhere\.invalid.*does not resolve/);
  });

  it('tcp: a listening 127.0.0.1 port connects (connect time); a closed one is refused', async () => {
    const listener = net.createServer((s) => s.end()).listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const open = (listener.address() as AddressInfo).port;
    const closedServer = net.createServer().listen(0, '127.0.0.1');
    await once(closedServer, 'listening');
    const closed = (closedServer.address() as AddressInfo).port;
    closedServer.close();
    await once(closedServer, 'close');
    try {
      const ok = await runTest<Record<string, unknown>>('tcp', { host: '127.0.0.1', port: open });
      expect(ok.last.status).toBe('COMPLETED');
      expect(ok.last.output).toMatchObject({ host: '127.0.0.1', port: String(open), resolvedIp: '127.0.0.1', connected: true });
      expect(Number((ok.last.output as { connectTimeMilliseconds: string }).connectTimeMilliseconds)).toBeGreaterThan(0);
      expect(ok.last.rawOutput).toMatch(new RegExp(`Connection to 127\\.0\\.0\\.1 ${open} port \\[tcp\\] succeeded in \\d+\\.\\d{3} ms`));
      const refused = await runTest<Record<string, unknown>>('tcp', { host: '127.0.0.1', port: closed });
      expect(refused.last.status).toBe('COMPLETED');
      expect(refused.last.output).toMatchObject({ connected: false });
      expect((refused.last.output as { error: string }).error).toMatch(/refused/);
    } finally {
      listener.close();
    }
  });

  it('http: status, time to first byte and total time from a test server on 127.0.0.1; a 500 is reported', async () => {
    type Out = { url: string; statusCode: string; timeToFirstByteMilliseconds: string; totalTimeMilliseconds: string; tcpConnectTimeMilliseconds: string; error?: string };
    const { last } = await runTest<Out>('http', { url: `http://127.0.0.1:${httpPort}/ok` });
    expect(last.status).toBe('COMPLETED');
    const o = last.output!;
    expect(o).toMatchObject({ url: `http://127.0.0.1:${httpPort}/ok`, statusCode: '200', resolvedIp: '127.0.0.1' });
    expect(o.error).toBeUndefined();
    expect(Number(o.timeToFirstByteMilliseconds)).toBeGreaterThan(0);
    expect(Number(o.totalTimeMilliseconds)).toBeGreaterThanOrEqual(Number(o.timeToFirstByteMilliseconds));
    expect(last.rawOutput).toContain('< HTTP/1.1 200 OK');
    const bare = await runTest<Out>('http', { url: `127.0.0.1:${httpPort}/fail` });
    expect(bare.last.output).toMatchObject({ url: `http://127.0.0.1:${httpPort}/fail`, statusCode: '500' });
    expect(bare.last.output!.error).toMatch(/500/);
  });

  it('https: TLS handshake time; a self-signed certificate is reported as not verified', async () => {
    type Out = { statusCode?: string; tlsHandshakeTimeMilliseconds?: string; error?: string };
    const { last } = await runTest<Out>('https', { url: `https://127.0.0.1:${httpsPort}/ok` });
    expect(last.status).toBe('COMPLETED');
    expect(last.output!.error).toMatch(/certificate|self.signed/i);
    const wrongScheme = await post('https', { url: `http://127.0.0.1:${httpPort}/` });
    expect(hpe(wrongScheme, 400, 'HPE_GRAVITY_BAD_REQUEST').message).toMatch(/^Validation errors - url must be an https:\/\/ URL/);
  });

  it('nslookup: localhost answers from the system resolver; a name under .invalid does not resolve', async () => {
    type Out = { host: string; server: string; answers: Array<{ type: string; address: string }>; resolutionTimeMilliseconds: string; error?: string };
    const { last } = await runTest<Out>('nslookup', { host: 'localhost' });
    expect(last.status).toBe('COMPLETED');
    expect(last.output).toMatchObject({ host: 'localhost', server: 'system' });
    expect(last.output!.answers.map((a) => a.address)).toEqual(expect.arrayContaining([expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]));
    expect(last.output!.error).toBeUndefined();
    expect(last.rawOutput).toMatch(/Name:\tlocalhost\nAddress: (127\.0\.0\.1|::1)/);
    const none = await runTest<Out>('nslookup', { host: 'nonexistent.invalid' });
    expect(none.last.status).toBe('COMPLETED');
    expect(none.last.output).toMatchObject({ host: 'nonexistent.invalid', answers: [] });
    expect(none.last.output!.error).toMatch(/name not found/);
    expect(none.last.rawOutput).toContain("** server can't find nonexistent.invalid: NXDOMAIN");
  });

  describe('errors: { errorCode, message } with the HPE_GRAVITY_* codes', () => {
    it('400 HPE_GRAVITY_BAD_REQUEST worded as the seed ("Validation errors - …")', async () => {
      expect(hpe(await post('ping', { destination: '127.0.0.1', packetSize: 5 }), 400, 'HPE_GRAVITY_BAD_REQUEST').message)
        .toBe('Validation errors - packetSize must be between 10 and 2000');
      expect(hpe(await post('ping', { destination: '127.0.0.1', count: 101 }), 400, 'HPE_GRAVITY_BAD_REQUEST').message)
        .toBe('Validation errors - count must be between 1 and 100');
      expect(hpe(await post('ping', { count: 1 }), 400, 'HPE_GRAVITY_BAD_REQUEST').message).toBe('Validation errors - destination is required');
      expect(hpe(await post('ping', { destination: 42 }), 400, 'HPE_GRAVITY_BAD_REQUEST').message).toBe('Validation errors - destination must be string');
      expect(hpe(await post('traceroute', { destination: '127.0.0.1', maxHops: 65 }), 400, 'HPE_GRAVITY_BAD_REQUEST').message)
        .toBe('Validation errors - maxHops must be between 1 and 64');
      expect(hpe(await post('tcp', { host: '127.0.0.1', port: 0 }), 400, 'HPE_GRAVITY_BAD_REQUEST').message).toBe('Validation errors - port must be between 1 and 65535');
      expect(hpe(await post('nslookup', { host: 'a b' }), 400, 'HPE_GRAVITY_BAD_REQUEST').message).toMatch(/^Validation errors - host must be an IP address or a DNS name/);
      expect(hpe(await call(`${t.url}${BASE}/aps/${SERIAL}/ping`, { key, rawBody: '{"destination":' }), 400, 'HPE_GRAVITY_BAD_REQUEST').message)
        .toMatch(/^Validation errors - malformed JSON/);
    });

    it('401 HPE_GRAVITY_UNAUTHORIZED ("Authentication required."), 403 without the scope', async () => {
      const missing = hpe(await call(`${t.url}${BASE}/aps/${SERIAL}/ping`, { body: { destination: '127.0.0.1' } }), 401, 'HPE_GRAVITY_UNAUTHORIZED');
      expect(missing.message).toBe('Authentication required.');
      const noKey = await call(`${t.url}${BASE}/aps/${SERIAL}/ping`, { body: { destination: '127.0.0.1' } });
      expect(noKey.headers.get('x-sonde-error-detail')).toMatch(/^missing API key/);
      const unknown = await post('ping', { destination: '127.0.0.1' }, SERIAL, 'sonde_unknown');
      expect(hpe(unknown, 401, 'HPE_GRAVITY_UNAUTHORIZED').message).toBe('Authentication required.');
      expect(unknown.headers.get('x-sonde-error-detail')).toMatch(/unknown or revoked API key/);
      const reader = t.key(['job:read']);
      expect(hpe(await post('ping', { destination: '127.0.0.1' }, SERIAL, reader), 403, 'HPE_GRAVITY_FORBIDDEN').message).toMatch(/lacks the scope "network:write"/);
      const created = await start('ping', { destination: '127.0.0.1', count: 1 });
      const writeOnly = t.key(['network:write']);
      hpe(await call(`${t.url}${created.location}`, { key: writeOnly }), 403, 'HPE_GRAVITY_FORBIDDEN');
    });

    it('404 HPE_GRAVITY_DEVICE_NOT_FOUND for an unknown serial, HPE_GRAVITY_TASK_NOT_FOUND for an unknown task', async () => {
      expect(hpe(await post('ping', { destination: '127.0.0.1' }, 'NO-SUCH-AP'), 404, 'HPE_GRAVITY_DEVICE_NOT_FOUND').message).toBe('Device not found: NO-SUCH-AP');
      const created = await start('ping', { destination: '127.0.0.1', count: 1 });
      const taskId = created.location.split('/').pop()!;
      hpe(await call(`${t.url}${BASE}/aps/NO-SUCH-AP/ping/async-operations/${taskId}`, { key }), 404, 'HPE_GRAVITY_DEVICE_NOT_FOUND');
      const unknown = 'c7a3f2d1-e8a9-4b7c-8d1e-0f9a3b2c1d0e';
      expect(hpe(await call(`${t.url}${BASE}/aps/${SERIAL}/ping/async-operations/${unknown}`, { key }), 404, 'HPE_GRAVITY_TASK_NOT_FOUND').message)
        .toBe(`Async operation task not found: ${unknown}`);
      // A task is found only under its own test type and device.
      hpe(await call(`${t.url}${BASE}/aps/${SERIAL}/tcp/async-operations/${taskId}`, { key }), 404, 'HPE_GRAVITY_TASK_NOT_FOUND');
      hpe(await call(`${t.url}${BASE}/aps/OFFLINE-0001/ping/async-operations/${taskId}`, { key }), 404, 'HPE_GRAVITY_TASK_NOT_FOUND');
    });

    it('409 HPE_GRAVITY_DEVICE_OFFLINE when the agent is not taking work', async () => {
      expect(hpe(await post('ping', { destination: '127.0.0.1' }, 'OFFLINE-0001'), 409, 'HPE_GRAVITY_DEVICE_OFFLINE').message).toMatch(/^Device offline: OFFLINE-0001/);
    });

    it('413 for a body over the limit', async () => {
      hpe(await post('ping', { destination: '127.0.0.1', pad: 'x'.repeat(70_000) }), 413, 'HPE_GRAVITY_PAYLOAD_TOO_LARGE');
    });
  });
});

describe.skipIf(!availability.ok)('troubleshooting API: rate limit and restarts', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = createEngine({ threads: 1 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('429 HPE_GRAVITY_TOO_MANY_REQUESTS ("Rate limit exceeded.") with Retry-After', async () => {
    const t = await startDiagnosticServer({ engine, rateLimit: { perSecond: 1, burst: 1 } });
    try {
      const key = t.key(['network:write', 'job:read']);
      const first = await call(`${t.url}${BASE}/aps/${SERIAL}/nslookup`, { key, body: { host: 'localhost' } });
      expect(first.status).toBe(202);
      const second = await call(`${t.url}${BASE}/aps/${SERIAL}/nslookup`, { key, body: { host: 'localhost' } });
      expect(hpe(second, 429, 'HPE_GRAVITY_TOO_MANY_REQUESTS').message).toBe('Rate limit exceeded.');
      expect(second.headers.get('x-sonde-error-detail')).toMatch(/rate limit exceeded for API key .*retry after/);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });

  it('a test running when the daemon stops reads FAILED "interrupted by restart" after it restarts', async () => {
    const t = await startDiagnosticServer({ engine });
    const key = t.key(['network:write', 'job:read']);
    const c = await call(`${t.url}${BASE}/aps/${SERIAL}/ping`, { key, body: { destination: '127.0.0.1', count: 50 } });
    const { location } = conformant<Created>('C.ping.create.202', c);
    await pollUntil<Operation>(`${t.url}${location}`, key, (b) => b.status === 'RUNNING' && b.progressPercent > 0);
    await t.close({ removeData: false });
    const again = await startDiagnosticServer({ engine, dataDir: t.dataDir });
    try {
      const r = await call(`${again.url}${location}`, { key: again.key(['job:read']) });
      const body = conformant<Operation>('C.ping.result.200', r);
      expect(body).toMatchObject({ status: 'FAILED', failReason: 'interrupted by restart', rawOutput: null, output: null });
      expect(body.endTime).not.toBeNull();
    } finally {
      await again.close();
    }
  });
});
