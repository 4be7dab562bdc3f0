import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpCheck, certExpiresSoon, type HttpCheckOptions, type HttpCheckResult } from '../../engine/probes/http-check.js';
import { waitFor } from '../wait-for.js';

// Real servers on 127.0.0.1 (network-safety rule: loopback only): a plain HTTP one and an
// HTTPS one with a self-signed certificate made here by openssl, valid for 5 days.

function routes(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  switch (path) {
    case '/ok':
      res.end('service healthy');
      return;
    case '/slow':
      setTimeout(() => {
        if (!res.destroyed) res.end('late');
      }, 150);
      return;
    case '/hang':
      return; // never answers: the probe's deadline must end it and free the socket
    case '/status':
      res.writeHead(503);
      res.end('down for maintenance');
      return;
    case '/error-page':
      res.end('<h1>Internal error</h1>');
      return;
    case '/big':
      res.end(Buffer.alloc(300_000, 0x61));
      return;
    case '/redirect':
      res.writeHead(302, { location: '/ok' });
      res.end();
      return;
    default:
      res.writeHead(404);
      res.end();
  }
}

/** A server counting the TCP connections it accepted and holding the open ones. */
function counted<S extends net.Server>(server: S): { server: S; accepted: () => number; open: () => number } {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return { server, accepted: () => accepted, open: () => sockets.size };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The phases add up: connect ≤ ttfb ≤ total on every probe that got an answer. */
function expectPhasesOrdered(r: HttpCheckResult): void {
  expect(r.ttfbMs).toBeDefined();
  if (r.connectMs !== undefined) expect(r.connectMs).toBeLessThanOrEqual(r.ttfbMs!);
  if (r.dnsMs !== undefined && r.connectMs !== undefined) expect(r.dnsMs + r.connectMs + (r.tlsMs ?? 0)).toBeLessThanOrEqual(r.ttfbMs!);
  expect(r.ttfbMs!).toBeLessThanOrEqual(r.totalMs);
}

describe('HttpCheck over http', () => {
  let plain: ReturnType<typeof counted<http.Server>>;
  let base = '';
  const checks: HttpCheck[] = [];
  const check = (options: Omit<HttpCheckOptions, 'timeoutMs'> & { timeoutMs?: number }): HttpCheck => {
    const c = new HttpCheck({ timeoutMs: 2000, ...options });
    checks.push(c);
    return c;
  };

  beforeAll(async () => {
    plain = counted(http.createServer(routes));
    base = `http://127.0.0.1:${await listen(plain.server)}`;
  });
  afterAll(async () => {
    for (const c of checks) c.close();
    await close(plain.server);
  });

  it('measures the phases of a fresh connection and of reused ones', async () => {
    const c = check({ url: `${base}/ok` });
    const first = await c.run();
    expect(first).toMatchObject({ ok: true, status: 200, reused: false, bodyBytes: 15 });
    expect(first.connectMs).toBeGreaterThan(0);
    expect(first.dnsMs).toBeUndefined(); // an IP literal
    expect(first.tlsMs).toBeUndefined();
    expectPhasesOrdered(first);
    const second = await c.run();
    expect(second).toMatchObject({ ok: true, reused: true, connectMs: undefined });
    expectPhasesOrdered(second);
  });

  it('keeps one connection for N keep-alive probes and opens N fresh ones without', async () => {
    const before = plain.accepted();
    const pooled = check({ url: `${base}/ok` });
    for (let i = 0; i < 10; i++) expect((await pooled.run()).ok).toBe(true);
    expect(plain.accepted() - before).toBe(1);
    expect(pooled.openConnections()).toBe(1);

    const fresh = check({ url: `${base}/ok`, keepAlive: false });
    const mid = plain.accepted();
    const results: HttpCheckResult[] = [];
    for (let i = 0; i < 10; i++) results.push(await fresh.run());
    expect(plain.accepted() - mid).toBe(10);
    for (const r of results) {
      expect(r).toMatchObject({ ok: true, reused: false });
      expect(r.connectMs).toBeGreaterThan(0);
      expectPhasesOrdered(r);
    }
    pooled.close();
    // every connection this file opened outside the pools is closed again
    await waitFor(() => plain.open() === checks.reduce((n, c) => n + c.openConnections(), 0), { message: 'fresh connections closed' });
  });

  it('fails on an unexpected status, and accepts the status when it is expected', async () => {
    const r = await check({ url: `${base}/status` }).run();
    expect(r).toMatchObject({ ok: false, status: 503, failure: { kind: 'http-status' } });
    expect(r.failure!.message).toContain('503');
    expect((await check({ url: `${base}/status`, expectStatus: [503] }).run()).ok).toBe(true);
    expect((await check({ url: `${base}/status`, expectStatus: ['5xx'] }).run()).ok).toBe(true);
    expect((await check({ url: `${base}/ok`, expectStatus: ['5xx'] }).run()).failure?.kind).toBe('http-status');
  });

  it('checks the body against must / must-not patterns', async () => {
    expect((await check({ url: `${base}/ok`, bodyMatches: 'healthy' }).run()).ok).toBe(true);
    const missing = await check({ url: `${base}/error-page`, bodyMatches: 'healthy' }).run();
    expect(missing).toMatchObject({ ok: false, status: 200, failure: { kind: 'body' } });
    const forbidden = await check({ url: `${base}/error-page`, bodyNotMatches: 'Internal error' }).run();
    expect(forbidden).toMatchObject({ ok: false, failure: { kind: 'body' } });
  });

  it('reads at most maxBodyBytes and drops that connection rather than pooling it', async () => {
    const c = check({ url: `${base}/big`, maxBodyBytes: 1000, bodyMatches: '^a+$' });
    const r = await c.run();
    expect(r).toMatchObject({ ok: true, truncated: true, bodyBytes: 1000 });
    await waitFor(() => c.openConnections() === 0, { message: 'the truncated connection destroyed' });
  });

  it('follows a redirect, or reports it as the status when told not to', async () => {
    const followed = await check({ url: `${base}/redirect`, bodyMatches: 'healthy' }).run();
    expect(followed).toMatchObject({ ok: true, status: 200, redirects: 1 });
    const kept = await check({ url: `${base}/redirect`, followRedirects: false }).run();
    expect(kept).toMatchObject({ ok: false, status: 302, redirects: 0, failure: { kind: 'http-status' } });
    expect((await check({ url: `${base}/redirect`, followRedirects: false, expectStatus: [302] }).run()).ok).toBe(true);
  });

  it('ends a hanging request at its timeout and frees the socket', async () => {
    const c = check({ url: `${base}/hang`, timeoutMs: 200 });
    const openBefore = plain.open();
    const r = await c.run();
    expect(r).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect(r.totalMs).toBeGreaterThanOrEqual(199);
    expect(r.totalMs).toBeLessThan(1000);
    await waitFor(() => c.openConnections() === 0, { message: 'the pool let the timed-out connection go' });
    await waitFor(() => plain.open() <= openBefore, { message: 'the server saw the hung connection close' });
  });

  it('times the slow answer into ttfb', async () => {
    const r = await check({ url: `${base}/slow` }).run();
    expect(r.ok).toBe(true);
    expect(r.ttfbMs).toBeGreaterThanOrEqual(140);
    expectPhasesOrdered(r);
  });

  it('classifies a refused connection', async () => {
    const closed = http.createServer();
    const port = await listen(closed);
    await close(closed);
    const r = await check({ url: `http://127.0.0.1:${port}/` }).run();
    expect(r).toMatchObject({ ok: false, failure: { kind: 'refused' } });
  });

  it('rejects bad options naming the field', () => {
    expect(() => new HttpCheck({ url: `${base}/`, timeoutMs: 1000, bodyMatches: '(' })).toThrow(/bodyMatches/);
    expect(() => new HttpCheck({ url: `${base}/`, timeoutMs: 1000, expectStatus: ['2yy'] })).toThrow(/expectStatus/);
    expect(() => new HttpCheck({ url: 'ftp://127.0.0.1/', timeoutMs: 1000 })).toThrow(/url/);
    expect(() => new HttpCheck({ url: `${base}/`, timeoutMs: 1000, maxBodyBytes: -1 })).toThrow(/maxBodyBytes/);
  });
});

const openssl = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!openssl)('HttpCheck over https (skipped: openssl not found to make a test certificate)', () => {
  let dir = '';
  let cert = '';
  let tls: ReturnType<typeof counted<https.Server>>;
  let base = '';
  const checks: HttpCheck[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-https-check-'));
    const made = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '5',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    tls = counted(https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, routes));
    base = `https://127.0.0.1:${await listen(tls.server)}`;
  });
  afterAll(async () => {
    for (const c of checks) c.close();
    await close(tls.server);
    rmSync(dir, { recursive: true, force: true });
  });
  const check = (options: Omit<HttpCheckOptions, 'timeoutMs'>): HttpCheck => {
    const c = new HttpCheck({ timeoutMs: 3000, ...options });
    checks.push(c);
    return c;
  };

  it('fails verification of the self-signed certificate by default', async () => {
    const r = await check({ url: `${base}/ok` }).run();
    expect(r).toMatchObject({ ok: false, failure: { kind: 'tls' } });
  });

  it('times the TLS handshake and reads the days to expiry (5), also over a reused connection', async () => {
    const c = check({ url: `${base}/ok`, ca: cert });
    const first = await c.run();
    expect(first).toMatchObject({ ok: true, status: 200, reused: false });
    expect(first.tlsMs).toBeGreaterThan(0);
    expectPhasesOrdered(first);
    expect(first.connectMs! + first.tlsMs!).toBeLessThanOrEqual(first.ttfbMs!);
    expect(first.certDaysLeft).toBeGreaterThan(4.9);
    expect(first.certDaysLeft).toBeLessThanOrEqual(5);
    expect(certExpiresSoon(first, 7)).toBe(true);
    expect(certExpiresSoon(first, 3)).toBe(false);
    const second = await c.run();
    expect(second).toMatchObject({ ok: true, reused: true, tlsMs: undefined });
    expect(second.certNotAfterMs).toBe(first.certNotAfterMs);
  });

  it('with verification off: a fresh TLS connection each probe, one pooled for keep-alive', async () => {
    const before = tls.accepted();
    const fresh = check({ url: `${base}/ok`, tlsVerify: false, keepAlive: false });
    for (let i = 0; i < 5; i++) {
      const r = await fresh.run();
      expect(r).toMatchObject({ ok: true, reused: false });
      expect(r.tlsMs).toBeGreaterThan(0);
      expect(r.certDaysLeft).toBeGreaterThan(4.9);
      expectPhasesOrdered(r);
    }
    expect(tls.accepted() - before).toBe(5);
    const mid = tls.accepted();
    const pooled = check({ url: `${base}/ok`, tlsVerify: false });
    for (let i = 0; i < 5; i++) expect((await pooled.run()).ok).toBe(true);
    expect(tls.accepted() - mid).toBe(1);
  });

  it('wrong status and wrong body over TLS', async () => {
    expect((await check({ url: `${base}/status`, ca: cert }).run()).failure?.kind).toBe('http-status');
    expect((await check({ url: `${base}/error-page`, ca: cert, bodyMatches: 'healthy' }).run()).failure?.kind).toBe('body');
  });
});
