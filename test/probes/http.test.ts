import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttp } from '../../engine/probes/http.js';
import { buildProbePayload, modelHeaders } from '../../engine/probes/payload.js';

// A test server on 127.0.0.1 playing a model endpoint (network-safety rule: loopback only).

interface Seen {
  method?: string;
  headers?: http.IncomingHttpHeaders;
  body?: Buffer;
}

function modelEndpoint(seen: Seen): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.method = req.method;
      seen.headers = req.headers;
      seen.body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      switch (path) {
        case '/v1/embeddings': {
          // Echoes the payload, like an embedder returning a vector of the input's size.
          res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-42' });
          res.end(seen.body);
          return;
        }
        case '/timed': {
          // The server works 30 ms and says so; the client must see at least that much.
          setTimeout(() => {
            res.writeHead(200, { 'server-timing': 'db;dur=12.5;desc="Query", total;dur=30' });
            res.end('ok');
          }, 30);
          return;
        }
        case '/instants': {
          const received = process.hrtime.bigint();
          setTimeout(() => {
            // Absolute instants on the server's clock (same host: comparable with the client's).
            const anchor = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
            res.writeHead(200, {
              'server-timing': `recv;ts=${anchor + received}, send;ts=${anchor + process.hrtime.bigint()}`,
            });
            res.end('ok');
          }, 20);
          return;
        }
        case '/slow':
          setTimeout(() => {
            if (!res.destroyed) res.end('late');
          }, 3000).unref();
          return;
        case '/error':
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"error":"model overloaded"}');
          return;
        case '/big':
          res.writeHead(200);
          res.end(Buffer.alloc(200_000, 0x61));
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
  };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function close(server: net.Server & { closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('probeHttp over http', () => {
  const seen: Seen = {};
  const server = http.createServer(modelEndpoint(seen));
  let base = '';
  beforeAll(async () => {
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => close(server));

  it('POSTs a model payload with its metadata and times every phase', async () => {
    const payload = buildProbePayload({ payloadType: 'TEXT', payloadSizeBytes: 64 });
    const outcome = await probeHttp({
      url: `${base}/v1/embeddings`,
      body: payload.body,
      headers: { 'content-type': payload.contentType, ...modelHeaders({ targetType: 'EMBEDDER', provider: 'OPENAI', modelIdentifier: 'text-embedding-3-small' }) },
      timeoutMs: 5000,
    });
    expect(outcome).toMatchObject({ kind: 'http', ok: true, method: 'POST', status: 200, address: '127.0.0.1', family: 4, bytesSent: 64, bytesReceived: 64 });
    expect(outcome.failure).toBeUndefined();
    expect(seen.method).toBe('POST');
    expect(seen.body?.equals(payload.body)).toBe(true);
    expect(seen.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'content-length': '64',
      'x-sonde-target-type': 'EMBEDDER',
      'x-sonde-provider': 'OPENAI',
      'x-sonde-model': 'text-embedding-3-small',
    });
    expect(outcome.headers['x-request-id']).toBe('req-42');

    const { phases, timing } = outcome;
    expect(phases.dnsMs).toBeUndefined(); // IP literal
    expect(phases.tlsMs).toBeUndefined(); // plain http
    for (const phase of [phases.connectMs, phases.sendMs, phases.waitMs, phases.firstByteMs, phases.transferMs]) {
      expect(phase).toBeGreaterThanOrEqual(0);
    }
    expect(phases.firstByteMs!).toBeLessThanOrEqual(outcome.totalMs);
    // Client instants are ordered: start ≤ request sent ≤ first byte ≤ end.
    expect(outcome.startedAtUnixNs <= timing.requestSentUnixNs!).toBe(true);
    expect(timing.requestSentUnixNs! <= timing.firstByteUnixNs!).toBe(true);
    expect(timing.firstByteUnixNs! <= timing.responseEndUnixNs!).toBe(true);
    expect(timing.responseEndUnixNs).toBe(outcome.endedAtUnixNs);
    // No Server-Timing header: no server times.
    expect(outcome.serverTiming).toEqual([]);
    expect(timing.serverReceivedUnixNs).toBeUndefined();
  });

  it('GETs by default and resolves names (localhost) with a DNS phase', async () => {
    const url = new URL(base);
    const outcome = await probeHttp({ url: `http://localhost:${url.port}/v1/embeddings`, timeoutMs: 5000, family: 4 });
    expect(outcome).toMatchObject({ ok: true, method: 'GET', status: 200, bytesSent: 0, bytesReceived: 0, address: '127.0.0.1' });
    expect(outcome.phases.dnsMs).toBeGreaterThanOrEqual(0);
  });

  it('places the server inside the exchange from a Server-Timing duration', async () => {
    const outcome = await probeHttp({ url: `${base}/timed`, timeoutMs: 5000 });
    expect(outcome.ok).toBe(true);
    expect(outcome.serverTiming).toEqual([
      { name: 'db', dur: 12.5, desc: 'Query', params: { dur: '12.5', desc: 'Query' } },
      { name: 'total', dur: 30, params: { dur: '30' } },
    ]);
    const t = outcome.timing;
    expect(t.serverTimesEstimated).toBe(true);
    expect(t.serverSendUnixNs! - t.serverReceivedUnixNs!).toBe(30_000_000n);
    expect(t.requestSentUnixNs! <= t.serverReceivedUnixNs!).toBe(true);
    expect(t.serverSendUnixNs! <= t.firstByteUnixNs!).toBe(true);
    expect(outcome.phases.waitMs!).toBeGreaterThanOrEqual(30);
  });

  it('takes absolute server instants when the endpoint sends them', async () => {
    const outcome = await probeHttp({ url: `${base}/instants`, timeoutMs: 5000 });
    const t = outcome.timing;
    expect(t.serverTimesEstimated).toBe(false);
    const names = outcome.serverTiming.map((m) => m.name);
    expect(names).toEqual(['recv', 'send']);
    expect(t.serverReceivedUnixNs).toBe(BigInt(outcome.serverTiming[0].params['ts']));
    expect(t.serverSendUnixNs).toBe(BigInt(outcome.serverTiming[1].params['ts']));
    expect(t.serverSendUnixNs! - t.serverReceivedUnixNs! >= 19_000_000n).toBe(true);
  });

  it('reports a 500 as a failed probe that still carries the status and timing', async () => {
    const outcome = await probeHttp({ url: `${base}/error`, body: '{"input":"ping"}', headers: { 'content-type': 'application/json' }, timeoutMs: 5000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.status).toBe(500);
    expect(outcome.failure).toEqual({ kind: 'http-status', message: `HTTP 500 Internal Server Error from ${base}/error` });
    expect(outcome.bytesReceived).toBe('{"error":"model overloaded"}'.length);
    expect(outcome.timing.responseEndUnixNs).toBeDefined();
  });

  it('gives up at the deadline with the contract message', async () => {
    const outcome = await probeHttp({ url: `${base}/slow`, timeoutMs: 250 });
    expect(outcome.ok).toBe(false);
    expect(outcome.failure).toEqual({ kind: 'timeout', message: 'Probe exceeded timeout of 250 ms' });
    expect(outcome.status).toBeUndefined();
    expect(outcome.timing.requestSentUnixNs).toBeDefined();
    expect(outcome.timing.firstByteUnixNs).toBeUndefined();
    expect(outcome.totalMs).toBeGreaterThanOrEqual(249);
  });

  it('stops reading a large body at maxBodyBytes', async () => {
    const outcome = await probeHttp({ url: `${base}/big`, timeoutMs: 5000, maxBodyBytes: 1000 });
    expect(outcome).toMatchObject({ ok: true, status: 200, bytesReceived: 1000, truncated: true });
  });

  it('reports a refused connection', async () => {
    const spare = http.createServer();
    const port = await listen(spare);
    await close(spare);
    const outcome = await probeHttp({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 });
    expect(outcome.failure).toMatchObject({ kind: 'refused', code: 'ECONNREFUSED' });
    expect(outcome.bytesSent).toBe(0);
  });

  it('cancels through an AbortSignal', async () => {
    const controller = new AbortController();
    const pending = probeHttp({ url: `${base}/slow`, timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const outcome = await pending;
    expect(outcome.failure?.kind).toBe('aborted');
    expect(outcome.totalMs).toBeLessThan(5000);
  });

  it('rejects malformed requests with the field named', async () => {
    await expect(probeHttp({ url: 'ftp://127.0.0.1/', timeoutMs: 100 })).rejects.toMatchObject({ field: 'url' });
    await expect(probeHttp({ url: 'not a url', timeoutMs: 100 })).rejects.toMatchObject({ field: 'url' });
    await expect(probeHttp({ url: base, timeoutMs: -1 })).rejects.toMatchObject({ field: 'timeoutMs' });
    await expect(probeHttp({ url: base, timeoutMs: 100, headers: { 'x-bad': 'line\nbreak' } })).rejects.toMatchObject({ field: 'headers' });
    await expect(probeHttp({ url: base, timeoutMs: 100, headers: { 'bad name': 'x' } })).rejects.toMatchObject({ field: 'headers' });
  });
});

// HTTPS against a self-signed certificate made at test time with openssl.
const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!openssl)('probeHttp over https (skipped: openssl not found to make a test certificate)', () => {
  const seen: Seen = {};
  let dir = '';
  let cert = '';
  let server: https.Server;
  let base = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-https-'));
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, modelEndpoint(seen));
    base = `https://127.0.0.1:${await listen(server)}`;
  });
  afterAll(async () => {
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a self-signed certificate by default', async () => {
    const outcome = await probeHttp({ url: `${base}/v1/embeddings`, timeoutMs: 5000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.failure).toMatchObject({ kind: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('accepts it with insecureSkipVerify and times the TLS handshake', async () => {
    const outcome = await probeHttp({ url: `${base}/v1/embeddings`, body: 'ping', timeoutMs: 5000, insecureSkipVerify: true });
    expect(outcome).toMatchObject({ ok: true, status: 200, bytesSent: 4, bytesReceived: 4 });
    expect(outcome.tls).toMatchObject({ authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(outcome.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(outcome.phases.tlsMs).toBeGreaterThan(0);
    expect(outcome.phases.firstByteMs!).toBeGreaterThanOrEqual(outcome.phases.tlsMs!);
  });

  it('verifies it when the certificate is given as a trusted CA', async () => {
    const port = new URL(base).port;
    const outcome = await probeHttp({ url: `https://localhost:${port}/timed`, timeoutMs: 5000, ca: cert, family: 4 });
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    expect(outcome.tls?.authorized).toBe(true);
    expect(outcome.timing.serverTimesEstimated).toBe(true);
  });
});
