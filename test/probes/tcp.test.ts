import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineInputError } from '../../engine/types.js';
import { probeTcp } from '../../engine/probes/tcp.js';

// Every target here is on loopback (network-safety rule).

function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** A port that was just in use and is now closed: connecting to it is refused. */
async function closedPort(host: string): Promise<number> {
  const server = net.createServer();
  const port = await listen(server, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ipv6Loopback = await (async () => {
  const server = net.createServer();
  try {
    await listen(server, '::1');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
})();

describe('probeTcp', () => {
  const server = net.createServer((socket) => socket.destroy());
  let port = 0;
  beforeAll(async () => {
    port = await listen(server, '127.0.0.1');
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('connects to a listening port and times the handshake', async () => {
    const outcome = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 2000 });
    expect(outcome).toMatchObject({ kind: 'tcp', ok: true, host: '127.0.0.1', port, address: '127.0.0.1', family: 4 });
    expect(outcome.failure).toBeUndefined();
    expect(outcome.lookupMs).toBeUndefined(); // IP literal: no resolution
    expect(outcome.connectMs).toBeGreaterThan(0);
    expect(outcome.connectMs).toBeLessThanOrEqual(outcome.totalMs);
    expect(outcome.endedAtUnixNs).toBeGreaterThan(outcome.startedAtUnixNs);
    // Anchored to the realtime clock: within a second of Date.now().
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    expect(outcome.endedAtUnixNs > nowNs - 1_000_000_000n && outcome.endedAtUnixNs < nowNs + 1_000_000_000n).toBe(true);
  });

  it('resolves a name (localhost, from /etc/hosts) and reports the lookup', async () => {
    const outcome = await probeTcp({ host: 'localhost', port, timeoutMs: 2000, family: 4 });
    expect(outcome.ok).toBe(true);
    expect(outcome.address).toBe('127.0.0.1');
    expect(outcome.lookupMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a closed port as refused', async () => {
    const closed = await closedPort('127.0.0.1');
    const outcome = await probeTcp({ host: '127.0.0.1', port: closed, timeoutMs: 2000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.failure).toMatchObject({ kind: 'refused', code: 'ECONNREFUSED' });
    expect(outcome.failure?.message).toContain(`127.0.0.1:${closed}`);
    expect(outcome.connectMs).toBeUndefined();
  });

  it.skipIf(!ipv6Loopback)('probes ::1 (skipped: no IPv6 loopback here)', async () => {
    const v6 = net.createServer((socket) => socket.destroy());
    const v6port = await listen(v6, '::1');
    try {
      const ok = await probeTcp({ host: '::1', port: v6port, timeoutMs: 2000 });
      expect(ok).toMatchObject({ ok: true, address: '::1', family: 6 });
      const bracketed = await probeTcp({ host: '[::1]', port: v6port, timeoutMs: 2000 });
      expect(bracketed.ok).toBe(true);
    } finally {
      v6.close();
    }
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 2000, signal: controller.signal });
    expect(outcome.failure?.kind).toBe('aborted');
  });

  it('rejects malformed requests with the field named', async () => {
    await expect(probeTcp({ host: '127.0.0.1', port: 0, timeoutMs: 100 })).rejects.toMatchObject({ field: 'port' });
    await expect(probeTcp({ host: '127.0.0.1', port: 70000, timeoutMs: 100 })).rejects.toBeInstanceOf(EngineInputError);
    await expect(probeTcp({ host: '', port: 80, timeoutMs: 100 })).rejects.toMatchObject({ field: 'host' });
    await expect(probeTcp({ host: '127.0.0.1', port: 80, timeoutMs: 0 })).rejects.toMatchObject({ field: 'timeoutMs' });
  });
});

// A listener whose accept queue is full drops further SYNs, so a connect neither succeeds
// nor is refused: the only way to get a real TCP connect timeout on loopback. Node always
// accepts, so the listener is a tiny Python process that listens with backlog 0 and never
// calls accept().
const python = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' }).stdout?.trim() === '1';

describe.skipIf(!python)('probeTcp timeout (skipped: needs python3 for a never-accepting listener)', () => {
  let child: ChildProcess | undefined;
  let port = 0;
  const fillers: net.Socket[] = [];

  beforeAll(async () => {
    child = spawn('python3', ['-c', [
      'import socket, sys, time',
      's = socket.socket()',
      "s.bind(('127.0.0.1', 0))",
      's.listen(0)',
      'print(s.getsockname()[1], flush=True)',
      'sys.stdin.read()', // exits when the test closes stdin
    ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
    port = await new Promise<number>((resolve, reject) => {
      child!.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
      child!.once('error', reject);
    });
    // Fill the accept queue (backlog 0 holds one connection; take two to be sure).
    for (let i = 0; i < 2; i++) {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', () => {});
      fillers.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
  afterAll(() => {
    for (const socket of fillers) socket.destroy();
    child?.stdin?.end();
    child?.kill();
  });

  it('reports a connect that never completes as a timeout, in the contract words', async () => {
    const outcome = await probeTcp({ host: '127.0.0.1', port, timeoutMs: 300 });
    expect(outcome.ok).toBe(false);
    expect(outcome.failure).toEqual({ kind: 'timeout', message: 'Probe exceeded timeout of 300 ms' });
    expect(outcome.totalMs).toBeGreaterThanOrEqual(299);
  });
});
