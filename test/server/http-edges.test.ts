// HTTP edge semantics over real sockets against the real uWS server: HEAD (RFC 9110 §9.3.2:
// allowed wherever GET is, GET's status and headers, no body — a body after a HEAD answer
// desynchronizes a keep-alive client), HTTP/1.0 (what uWS v20 refuses, and the ways a health
// checker gets through), and an oversized body answered 413 — or a body sent where no route
// takes one answered 404/405 — where a client still writing reads it (it used to meet EPIPE).
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDaemon } from '../../engine/index.js';
import { startServer } from '../../server/index.js';
import { DISCARD_BYTES } from '../../server/http/body.js';
import { startTestServer, type TestServer } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';
import { rawExchange } from './raw-http.js';

let t: TestServer;
let port: number;

beforeAll(async () => {
  t = await startTestServer({ bodyLimit: 64 * 1024, healthPort: 0 });
  port = t.server.port;
});

afterAll(async () => {
  await t?.close();
});

interface NodeAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  reusedSocket: boolean;
}

function nodeRequest(agent: Agent, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<NodeAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    if (body !== undefined) {
      // in pieces, as a client streaming an upload does
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
    }
    req.end();
  });
}

describe('HEAD', () => {
  it('HEAD /nope: 404 with GET\'s headers (Content-Length of the JSON) and no body; the next request on the connection is read right', async () => {
    const get = await rawExchange(port, 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n', [false]);
    const x = await rawExchange(port, 'HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', [true, false]);
    const [head, next] = x.responses;
    expect(head.status).toBe(404);
    // the length of the body it would have (its message names the method: HEAD)
    expect(get.responses[0].body).toBe('{"error":"no route for GET /nope; GET /openapi.json lists every route","code":404}');
    expect(head.headers['content-length']).toBe('83');
    expect(head.headers['content-type']).toBe(get.responses[0].headers['content-type']);
    expect(head.body).toBe('');
    // the bytes right after the HEAD answer are the next response, not a body
    expect(next.statusLine).toBe('HTTP/1.1 200 OK');
    expect(JSON.parse(next.body)).toMatchObject({ status: 'ok' });
    expect(x.rest).toBe('');
    expect(x.closed).toBe(false);
  });

  it('HEAD on GET routes answers as GET does, without the body: /healthz, /openapi.json, /v1/keys (with and without a key)', async () => {
    const spec = await rawExchange(port, 'GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\nHEAD /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n', [false, true]);
    expect(spec.responses.map((r) => r.status)).toEqual([200, 200]);
    expect(spec.responses[1].headers['content-length']).toBe(String(Buffer.byteLength(spec.responses[0].body)));
    expect(spec.responses[1].headers['content-type']).toBe('application/json');
    expect(spec.rest).toBe('');

    const auth = `Authorization: Bearer ${t.adminKey}\r\n`;
    const x = await rawExchange(port, `HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /v1/keys HTTP/1.1\r\nHost: x\r\n${auth}\r\nHEAD /v1/keys HTTP/1.1\r\nHost: x\r\n\r\nGET /v1/keys HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, [true, true, true, false]);
    const [healthz, keys, noKey, getKeys] = x.responses;
    expect(healthz.status).toBe(200);
    expect(healthz.headers['content-type']).toBe('application/json');
    expect(Number(healthz.headers['content-length'])).toBeGreaterThan(0);
    expect(keys.status).toBe(200);
    expect(keys.headers['x-ratelimit-limit-second']).toBe(getKeys.headers['x-ratelimit-limit-second']);
    expect(keys.headers['content-length']).toBe(String(Buffer.byteLength(getKeys.body)));
    expect(noKey.status).toBe(401);
    expect(Number(noKey.headers['content-length'])).toBeGreaterThan(0);
    expect([healthz.body, keys.body, noKey.body]).toEqual(['', '', '']);
    expect(x.rest).toBe('');
  });

  it('HEAD on a streamed GET (/metrics): its status and headers, no Content-Length (not known up front), no body', async () => {
    // one request: the answer is asynchronous, and uWS v20 closes a connection on which a
    // request arrives while an earlier one is still being answered asynchronously
    const x = await rawExchange(port, 'HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n', [true]);
    expect(x.responses[0].status).toBe(200);
    expect(x.responses[0].headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(x.responses[0].headers['transfer-encoding']).toBeUndefined();
    // nothing followed the headers, and the connection stays open for the next request
    expect(x.rest).toBe('');
    expect(x.closed).toBe(false);
  });

  it('405 lists HEAD next to GET, and HEAD on a POST-only route is a 405 without a body', async () => {
    const x = await rawExchange(port, 'DELETE /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', [false]);
    expect(x.responses[0].status).toBe(405);
    expect(x.responses[0].headers.allow).toBe('GET, HEAD');
    const post = await rawExchange(port, 'HEAD /v1/ping:stream HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', [true, false]);
    expect(post.responses[0].status).toBe(405);
    expect(post.responses[0].headers.allow).toBe('POST');
    expect(post.responses[0].body).toBe('');
    expect(post.responses[1].status).toBe(200);
    expect(post.rest).toBe('');
  });

  it('node:http on one keep-alive socket: HEAD /nope, then GET /healthz, then HEAD /healthz, then GET', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers: NodeAnswer[] = [];
      answers.push(await nodeRequest(agent, 'HEAD', '/nope'));
      answers.push(await nodeRequest(agent, 'GET', '/healthz'));
      answers.push(await nodeRequest(agent, 'HEAD', '/healthz'));
      answers.push(await nodeRequest(agent, 'GET', '/nope'));
      expect(answers.map((a) => a.status)).toEqual([404, 200, 200, 404]);
      expect(answers.map((a) => a.body === '')).toEqual([true, false, true, false]);
      expect(answers[0].headers['content-length']).toBe(String(Buffer.byteLength(answers[3].body.replace('GET /nope', 'HEAD /nope'))));
      // every request after the first went over the same connection
      expect(answers.map((a) => a.reusedSocket)).toEqual([false, true, true, true]);
    } finally {
      agent.destroy();
    }
  });
});

describe('HTTP/1.0 (uWS v20 parses only "HTTP/1.1" request lines)', () => {
  it('GET /healthz HTTP/1.0 on the API port is refused by uWS with 505 before sonde sees it', async () => {
    const x = await rawExchange(port, 'GET /healthz HTTP/1.0\r\n\r\n', [false]);
    expect(x.responses[0].status).toBe(505);
    expect(x.closed).toBe(true);
  });

  it('an HTTP/1.1 check with a Host header and Connection: close (HAProxy http-check send ver HTTP/1.1) gets 200 and a closed connection', async () => {
    const x = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: sonde\r\nConnection: close\r\n\r\n', [false]);
    expect(x.responses[0].status).toBe(200);
    expect(JSON.parse(x.responses[0].body)).toMatchObject({ status: 'ok' });
    expect(x.closed).toBe(true);
    // uWS requires the Host header that HTTP/1.1 makes mandatory: 400, and it closes
    const noHost = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nUser-Agent: check\r\n\r\n', [false]);
    expect(noHost.responses[0].status).toBe(400);
    expect(noHost.closed).toBe(true);
  });
});

describe('the health-check port (listen.healthPort, node:http)', () => {
  it('answers HTTP/1.0 checks as keepalived\'s HTTP_GET and HAProxy\'s httpchk send them, with /healthz\'s own body, and closes', async () => {
    const health = t.server.healthPort!;
    expect(health).toBeGreaterThan(0);
    const keepalived = await rawExchange(health, `GET /healthz HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:${health}\r\n\r\n`, [false]);
    expect(keepalived.responses[0].statusLine).toMatch(/^HTTP\/1\.[01] 200 OK$/);
    expect(JSON.parse(keepalived.responses[0].body)).toMatchObject({ status: 'ok', runningJobs: 0 });
    expect(keepalived.closed).toBe(true);
    const bare = await rawExchange(health, 'GET /healthz HTTP/1.0\r\n\r\n', [false]);
    expect(bare.responses[0].status).toBe(200);
    const head = await rawExchange(health, 'HEAD /healthz HTTP/1.0\r\n\r\n', [true]);
    expect(head.responses[0].status).toBe(200);
    expect(Number(head.responses[0].headers['content-length'])).toBe(Buffer.byteLength(bare.responses[0].body));
    expect(head.rest).toBe('');
    // HAProxy's `option httpchk` with no arguments sends OPTIONS /: not this port's route
    const options = await rawExchange(health, 'OPTIONS / HTTP/1.0\r\n\r\n', [false]);
    expect(options.responses[0].status).toBe(404);
    const post = await rawExchange(health, 'POST /healthz HTTP/1.0\r\nContent-Length: 0\r\n\r\n', [false]);
    expect([post.responses[0].status, post.responses[0].headers.allow]).toEqual([405, 'GET, HEAD']);
  });
});

describe('/healthz without a probe engine', () => {
  it('says "ok" where none is expected (tool mode, this suite), "down" with 503 in a daemon meant to probe', async () => {
    expect(await (await fetch(`${t.url}/healthz`)).json()).toMatchObject({ status: 'ok' });
    const dataDir = mkdtempSync(join(tmpdir(), 'sonde-no-engine-'));
    const daemon = await openDaemon({
      agent: { resolver: localResolver },
      dataDir, engine: null,
      front: (services) => startServer({ daemon: services, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, requireEngine: true }),
    });
    try {
      const res = await fetch(`${daemon.front.url}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'down', reason: expect.stringMatching(/^the probe engine did not start/) });
    } finally {
      await daemon.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('an oversized body', () => {
  it('2 MiB sent by node:http while the limit is 64 KiB: the client reads the 413 (no EPIPE) and keeps its connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}`, 'content-length': String(body.length) };
      const big = await nodeRequest(agent, 'POST', '/v1/keys', headers, body);
      expect(big.status).toBe(413);
      expect(JSON.parse(big.body)).toMatchObject({ code: 413, error: `request body too large: the limit is 65536 bytes, got ${body.length} bytes` });
      expect(big.headers.connection).not.toBe('close');
      const next = await nodeRequest(agent, 'GET', '/healthz');
      expect(next.status).toBe(200);
      expect(next.reusedSocket).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('a chunked 2 MiB body: 413 after it was read, the connection still usable', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
      const big = await nodeRequest(agent, 'POST', '/v1/keys', { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` }, body);
      expect(big.status).toBe(413);
      const next = await nodeRequest(agent, 'GET', '/healthz');
      expect([next.status, next.reusedSocket]).toEqual([200, true]);
    } finally {
      agent.destroy();
    }
  });

  it('a body sent to no route (404) or with a method the route lacks (405): read and dropped, the answer read, the connection kept', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = Buffer.alloc(2 * 1024 * 1024, 0x61);
      // five rounds: the connection used to be closed after each answer, and a client still
      // writing its body met EPIPE before reading it (about one request in three)
      for (let round = 0; round < 5; round++) {
        const nope = await nodeRequest(agent, 'POST', '/nope', { 'content-type': 'application/json', 'content-length': String(body.length) }, body);
        expect(nope.status).toBe(404);
        expect(JSON.parse(nope.body)).toMatchObject({ code: 404 });
        expect(nope.headers.connection).not.toBe('close');
        const chunked = await nodeRequest(agent, 'POST', '/healthz', { 'content-type': 'application/json' }, body);
        expect([chunked.status, chunked.headers.allow, chunked.reusedSocket]).toEqual([405, 'GET, HEAD', true]);
        expect(chunked.headers.connection).not.toBe('close');
        const next = await nodeRequest(agent, 'GET', '/healthz');
        expect([next.status, next.reusedSocket]).toEqual([200, true]);
      }
      // without a body there is nothing to wait for
      const bare = await nodeRequest(agent, 'DELETE', '/nope');
      expect([bare.status, bare.reusedSocket]).toEqual([404, true]);
    } finally {
      agent.destroy();
    }
  });

  it('a declared length beyond what is worth reading to no route: 404 at once, then the connection is closed', async () => {
    const x = await rawExchange(port, `POST /nope HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${DISCARD_BYTES + 1}\r\n\r\n{`, [false]);
    expect(x.responses[0].status).toBe(404);
    expect(x.responses[0].headers.connection).toBe('close');
    expect(x.closed).toBe(true);
  });

  it('a declared length beyond what is worth reading (limit + 16 MiB): 413 at once, then the connection is closed', async () => {
    const declared = 64 * 1024 + DISCARD_BYTES + 1;
    const x = await rawExchange(port, `POST /v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n{`, [false]);
    expect(x.responses[0].status).toBe(413);
    expect(JSON.parse(x.responses[0].body)).toMatchObject({ error: `request body too large: the limit is 65536 bytes, got ${declared} bytes` });
    expect(x.responses[0].headers.connection).toBe('close');
    expect(x.closed).toBe(true);
  });
});
