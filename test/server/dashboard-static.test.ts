// The dashboard's static files on a real server, from a fixture build in a temp dir (the
// shape `npm run build` writes into dist/ui): the redirect, the SPA fallback, cache headers,
// security headers, br/gzip by Accept-Encoding, HEAD, and the 503 of a missing build.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDaemon, type Daemon } from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { localResolver } from '../setup/local-resolver.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const INDEX = '<!doctype html><html><head><script type="module" src="/ui/assets/app-ab12cd.js"></script></head><body></body></html>';
const APP = `console.log(${JSON.stringify('x'.repeat(2000))});`;

async function serve(uiDir: string): Promise<{ daemon: Daemon<SondeServer>; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sonde-ui-data-'));
  const daemon = await openDaemon({
    dataDir, engine: null, agent: { resolver: localResolver },
    front: (services) => startServer({ daemon: services, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, uiDir }),
  });
  return { daemon, dataDir };
}

function expectSecurityHeaders(a: Answer): void {
  expect(a.headers['content-security-policy']).toBe("default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  expect(a.headers['x-content-type-options']).toBe('nosniff');
  expect(a.headers['referrer-policy']).toBe('no-referrer');
}

describe('dashboard static files', () => {
  let uiDir: string;
  let served: { daemon: Daemon<SondeServer>; dataDir: string };
  let url: string;

  beforeAll(async () => {
    uiDir = mkdtempSync(join(tmpdir(), 'sonde-ui-'));
    mkdirSync(join(uiDir, 'assets'));
    writeFileSync(join(uiDir, 'index.html'), INDEX);
    writeFileSync(join(uiDir, 'index.html.gz'), gzipSync(INDEX));
    writeFileSync(join(uiDir, 'assets', 'app-ab12cd.js'), APP);
    writeFileSync(join(uiDir, 'assets', 'app-ab12cd.js.gz'), gzipSync(APP));
    writeFileSync(join(uiDir, 'assets', 'app-ab12cd.js.br'), brotliCompressSync(APP));
    writeFileSync(join(uiDir, 'assets', 'app-ab12cd.css'), 'body{margin:0}');
    writeFileSync(join(uiDir, 'manifest.json'), JSON.stringify({ files: {} }));
    served = await serve(uiDir);
    url = served.daemon.front.url;
  });

  afterAll(async () => {
    await served?.daemon.close();
    rmSync(uiDir, { recursive: true, force: true });
    rmSync(served.dataDir, { recursive: true, force: true });
  });

  it('GET / redirects to /ui/', async () => {
    const a = await get(`${url}/`);
    expect(a.status).toBe(302);
    expect(a.headers.location).toBe('/ui/');
    expectSecurityHeaders(a);
  });

  it('serves index.html at /ui/ and for client-side routes, never cached stale', async () => {
    for (const path of ['/ui/', '/ui', '/ui/targets/0190a2b4-0000-7000-8000-000000000001?range=30h', '/ui/monitors/new']) {
      const a = await get(`${url}${path}`);
      expect(a.status, path).toBe(200);
      expect(a.body.toString(), path).toBe(INDEX);
      expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(a.headers['cache-control']).toBe('no-cache');
      expectSecurityHeaders(a);
    }
  });

  it('serves hashed assets for a year, br or gzip as Accept-Encoding prefers, identity otherwise', async () => {
    const br = await get(`${url}/ui/assets/app-ab12cd.js`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(APP);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expectSecurityHeaders(br);
    const gz = await get(`${url}/ui/assets/app-ab12cd.js`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(APP);
    const noBr = await get(`${url}/ui/assets/app-ab12cd.js`, { 'accept-encoding': 'br;q=0, gzip;q=0.5' });
    expect(noBr.headers['content-encoding']).toBe('gzip');
    const plain = await get(`${url}/ui/assets/app-ab12cd.js`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(APP);
    // a file without precompressed siblings is sent as it is, whatever the client accepts
    const css = await get(`${url}/ui/assets/app-ab12cd.css`, { 'accept-encoding': 'br, gzip' });
    expect(css.headers['content-encoding']).toBeUndefined();
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body.toString()).toBe('body{margin:0}');
  });

  it('answers HEAD with the headers and length of GET and no body', async () => {
    const head = await get(`${url}/ui/assets/app-ab12cd.js`, { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-encoding']).toBe('gzip');
    expect(Number(head.headers['content-length'])).toBe(gzipSync(APP).length);
    expect((await get(`${url}/`, {}, 'HEAD')).status).toBe(302);
  });

  it('a missing asset is a 404, not the page', async () => {
    const a = await get(`${url}/ui/assets/app-000000.js`);
    expect(a.status).toBe(404);
    expect(a.body.toString()).toContain('/ui/assets/app-000000.js');
  });
});

describe('dashboard not built', () => {
  it('answers /ui/ with 503 saying to run npm run build', async () => {
    const missing = join(tmpdir(), `sonde-no-ui-${process.pid}`);
    const served = await serve(missing);
    try {
      const a = await get(`${served.daemon.front.url}/ui/`);
      expect(a.status).toBe(503);
      expect(a.body.toString()).toMatch(/npm run build/);
      expect((await get(`${served.daemon.front.url}/`)).status).toBe(302);
      // the API is unaffected
      expect((await get(`${served.daemon.front.url}/healthz`)).status).toBe(200);
    } finally {
      await served.daemon.close();
      rmSync(served.dataDir, { recursive: true, force: true });
    }
  });
});
