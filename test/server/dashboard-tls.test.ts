// listen.tls on a real server over 127.0.0.1 with self-signed certificates made by openssl in
// the test: HTTPS and WSS served, the session cookie Secure, a reload (SIGHUP's
// reloadTls) serving new connections with the new certificate while an open WebSocket goes
// on, and a bad pair refused at reload with the old certificate still served. The plain-HTTP
// sign-in refusal for non-loopback clients is tested on its decision function (no
// non-loopback client can be made here).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openDaemon, type Daemon } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { localResolver } from '../setup/local-resolver.js';
import { makeCert, servedCert } from './tls-certs.js';
import { INSECURE_SIGN_IN_FIX, insecureSignInRefusal, isLoopback } from '../../server/dashboard/sign-in-policy.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function https(url: string, ca: Buffer, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = request(url, {
      method: init.method ?? (body !== undefined ? 'POST' : 'GET'), ca, agent: false,
      headers: { ...init.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('listen.tls', () => {
  let dir: string;
  let daemon: Daemon<SondeServer>;
  let admin: string;
  let files: { cert: string; key: string };
  let firstCa: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-tls-'));
    files = makeCert(dir, 'first');
    firstCa = readFileSync(files.cert);
    daemon = await openDaemon({
      dataDir: join(dir, 'data'), engine: null, rateLimit: { perSecond: 10_000, burst: 10_000 }, agent: { resolver: localResolver },
      front: (services) => startServer({ daemon: services, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, tls: files }),
    });
    admin = daemon.keys.create('admin', ['admin']).secret;
  });

  afterAll(async () => {
    await daemon?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with the configured certificate; the session cookie is Secure', async () => {
    expect(daemon.front.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const health = await https(`${daemon.front.url}/healthz`, firstCa);
    expect(health.status).toBe(200);
    const signIn = await https(`${daemon.front.url}/v1/session`, firstCa, { body: { key: admin } });
    expect(signIn.status).toBe(200);
    const cookie = String(signIn.headers['set-cookie']);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const list = await https(`${daemon.front.url}/v1/targets`, firstCa, { headers: { cookie: cookie.split(';')[0] } });
    expect(list.status).toBe(200);
  });

  it('opens WSS from the daemon\'s https origin; an http:// origin of the same host is foreign', async () => {
    const url = daemon.front.url.replace('https://', 'wss://') + '/v1/live';
    const host = new URL(daemon.front.url).host;
    const open = (origin: string): Promise<number> => new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { ca: firstCa, headers: { authorization: `Bearer ${admin}`, origin } });
      ws.once('open', () => { ws.close(); resolve(101); });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', (e) => { if (!String(e).includes('Unexpected server response')) reject(e); });
    });
    expect(await open(`https://${host}`)).toBe(101);
    expect(await open(`http://${host}`)).toBe(403);
  });

  it('reloadTls serves new connections with the re-read files while an open WebSocket goes on; a bad pair keeps the old one', async () => {
    const port = daemon.front.port;
    expect(await servedCert(port)).toBe('first');
    const url = daemon.front.url.replace('https://', 'wss://') + '/v1/live';
    const ws = new WebSocket(url, { ca: firstCa, headers: { authorization: `Bearer ${admin}` } });
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });

    // a broken pair: the reload fails saying why, the old certificate is still served
    writeFileSync(files.key, 'not a key');
    await expect(daemon.front.reloadTls()).rejects.toThrow(/listen\.tls\.key .* not a PEM private key/);
    expect(await servedCert(port)).toBe('first');

    const second = makeCert(dir, 'second');
    writeFileSync(files.cert, readFileSync(second.cert));
    writeFileSync(files.key, readFileSync(second.key));
    await daemon.front.reloadTls();
    expect(await servedCert(port)).toBe('second');
    const health = await https(`${daemon.front.url}/healthz`, readFileSync(second.cert));
    expect(health.status).toBe(200);
    expect(new X509Certificate(readFileSync(files.cert)).subject).toBe('CN=second');

    // the WebSocket opened before the reload still answers
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('not json');
    expect(JSON.parse(await reply)).toMatchObject({ type: 'error', field: 'message' });
    ws.close();
  });
});

describe('sign-in over plain HTTP', () => {
  it('is refused from a non-loopback client unless TLS is served or dashboard.allowInsecureSignIn is set', () => {
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '0000:0000:0000:0000:0000:0000:0000:0001', '::ffff:127.0.0.1']) {
      expect(isLoopback(address), address).toBe(true);
      expect(insecureSignInRefusal(false, address, false), address).toBeNull();
    }
    for (const address of ['192.0.2.10', '2001:db8::1', '::ffff:192.0.2.10', '', 'nonsense']) {
      expect(isLoopback(address), address).toBe(false);
      expect(insecureSignInRefusal(false, address, false), address).toMatch(/plain HTTP .* not on this machine/);
      expect(insecureSignInRefusal(true, address, false), address).toBeNull();
      expect(insecureSignInRefusal(false, address, true), address).toBeNull();
    }
    // the 403's details say what to do, naming both config keys
    expect(INSECURE_SIGN_IN_FIX).toContain('dashboard.allowInsecureSignIn');
    expect(INSECURE_SIGN_IN_FIX).toContain('listen.tls');
  });
});
