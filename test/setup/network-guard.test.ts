// The test network guard fires: names other than localhost and addresses outside loopback and
// the simulator's ranges throw before anything is sent, here, in worker threads and in
// spawned node processes; names under .invalid get ENOTFOUND without a query. The forbidden
// destination is the limited broadcast address: should the guard ever fail, the kernel itself
// refuses a TCP connect or an unflagged UDP send to it locally, so nothing leaves the host.
import dgram from 'node:dgram';
import dns from 'node:dns';
import { lookup as importedLookup } from 'node:dns/promises';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { GUARD_LOG_ENV, isAllowedAddress, isNetworkRuleError, withdrawBreach, type Breach, type NetworkRuleError } from './network-guard.js';

const FORBIDDEN = '255.255.255.255';
/** A made-up name (the .example TLD of RFC 2606), as agents' hostnames in tests are. */
const NAME = 'sonde-guard.example';

/** Runs `call`, which the guard must stop with a synchronous throw, and takes the breach back. */
function blocked(call: () => unknown): Breach {
  let caught: unknown;
  try {
    call();
  } catch (error) {
    caught = error;
  }
  expect(isNetworkRuleError(caught), String(caught)).toBe(true);
  const error = caught as NetworkRuleError;
  expect(error.message).toMatch(/test network rule \(RULES\.md\)/);
  withdrawBreach(error.breach);
  return error.breach;
}

const dir = mkdtempSync(join(tmpdir(), 'sonde-guard-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('network guard: DNS', () => {
  it('a lookup of a name other than localhost throws, through every entry point', () => {
    expect(blocked(() => dns.lookup(NAME, () => {})).call).toBe('dns.lookup');
    expect(blocked(() => dns.promises.lookup(NAME)).target).toBe(NAME);
    // The binding `import { lookup } from 'node:dns/promises'` that engine/ code uses.
    expect(blocked(() => importedLookup(NAME)).call).toBe('dns.promises.lookup');
    expect(blocked(() => dns.resolve4(NAME, () => {})).call).toBe('dns.resolve4');
    expect(blocked(() => dns.promises.resolveTxt(NAME)).call).toBe('dns.promises.resolveTxt');
    expect(blocked(() => new dns.promises.Resolver().resolve6(NAME)).call).toBe('dns.promises.Resolver.resolve6');
    expect(blocked(() => new dns.Resolver().resolveAny(NAME, () => {})).call).toBe('dns.Resolver.resolveAny');
    expect(blocked(() => dns.promises.lookupService('127.0.0.1', 0)).call).toBe('dns.promises.lookupService');
    expect(blocked(() => dns.promises.reverse('127.0.0.1')).call).toBe('dns.promises.reverse');
  });

  it('a name under .invalid is answered ENOTFOUND at once, as RFC 6761 asks, by every entry point', async () => {
    await expect(dns.promises.lookup('no-such-host.invalid')).rejects.toMatchObject({ code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'no-such-host.invalid' });
    await expect(importedLookup('a.b.INVALID.', { all: true })).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(new Promise((resolve) => dns.lookup('x.invalid', (error) => resolve(error)))).resolves.toMatchObject({ code: 'ENOTFOUND' });
    await expect(dns.promises.resolve4('x.invalid')).rejects.toMatchObject({ code: 'ENOTFOUND', syscall: 'queryA' });
    await expect(new dns.promises.Resolver().resolve6('x.invalid')).rejects.toMatchObject({ code: 'ENOTFOUND', syscall: 'queryAaaa' });
    // a connection to such a name fails the way a real one does, after the (local) lookup
    const failure = await new Promise<NodeJS.ErrnoException>((resolve) => net.connect(80, 'x.invalid').once('error', resolve));
    expect(failure).toMatchObject({ code: 'ENOTFOUND' });
    // "invalid" as a label elsewhere is a name like any other
    expect(blocked(() => dns.promises.lookup('invalid.example')).target).toBe('invalid.example');
  });

  it('localhost and IP literals still resolve', async () => {
    const local = await dns.promises.lookup('localhost');
    expect(isAllowedAddress(local.address)).toBe(true);
    expect((await importedLookup('127.0.0.1')).address).toBe('127.0.0.1');
  });

  it('a resolver the test points at its own DNS server on loopback may ask for any name', async () => {
    const server = dgram.createSocket('udp4');
    const queries: Buffer[] = [];
    server.on('message', (msg) => queries.push(msg));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    try {
      const resolver = new dns.promises.Resolver({ timeout: 200, tries: 1 });
      resolver.setServers([`127.0.0.1:${server.address().port}`]);
      // The server never answers: the query times out, and it reached the test's server.
      await expect(resolver.resolve4(NAME)).rejects.toMatchObject({ code: 'ETIMEOUT' });
      expect(queries.length).toBeGreaterThan(0);
      // Pointed elsewhere again, it is back under the rule.
      resolver.setServers([FORBIDDEN]);
      blocked(() => resolver.resolve4(NAME));
    } finally {
      server.close();
    }
  });
});

describe('network guard: connections and datagrams', () => {
  it('net.connect to an address outside the allowed ranges throws before a socket exists', () => {
    expect(blocked(() => net.connect({ host: FORBIDDEN, port: 9 })).call).toBe('net.connect');
    expect(blocked(() => net.createConnection(9, FORBIDDEN)).target).toBe(FORBIDDEN);
    expect(blocked(() => net.connect({ host: NAME, port: 9 })).target).toBe(NAME);
  });

  it('Socket#connect throws before the socket has a file descriptor', () => {
    const socket = new net.Socket();
    expect(blocked(() => socket.connect(9, FORBIDDEN)).call).toBe('net.Socket.connect');
    expect(socket.connecting).toBe(false);
    expect((socket as unknown as { _handle: unknown })._handle).toBeNull();
    socket.destroy();
  });

  it('tls.connect, http.get and fetch are stopped the same way', async () => {
    expect(blocked(() => tls.connect({ host: FORBIDDEN, port: 443 })).call).toBe('tls.connect');
    expect(blocked(() => http.get(`http://${FORBIDDEN}:9/`)).call).toMatch(/^net\./);
    const failure = await fetch(`http://${FORBIDDEN}:8080/`).then(() => null, (error: unknown) => error);
    const cause = (failure as { cause?: unknown } | null)?.cause;
    expect(isNetworkRuleError(cause), String(failure)).toBe(true);
    withdrawBreach((cause as NetworkRuleError).breach);
  });

  it('a datagram to an address outside the allowed ranges throws before the socket is bound', () => {
    const socket = dgram.createSocket('udp4');
    try {
      expect(blocked(() => socket.send(Buffer.from('x'), 9, FORBIDDEN)).call).toBe('dgram.Socket.send');
      expect(() => socket.address()).toThrow(/not running|EBADF/i);
      expect(blocked(() => socket.connect(9, FORBIDDEN)).call).toBe('dgram.Socket.connect');
    } finally {
      socket.close();
    }
  });

  it('loopback and the simulator ranges are allowed', () => {
    for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '198.18.0.1', '198.19.255.254', '2001:db8::1']) {
      expect(isAllowedAddress(a), a).toBe(true);
    }
    for (const a of [FORBIDDEN, '10.0.0.1', '198.20.0.1', '2001:db9::1', 'fe80::1', '::ffff:10.0.0.1']) {
      expect(isAllowedAddress(a), a).toBe(false);
    }
  });
});

describe('network guard: beyond this thread', () => {
  it('a worker thread this process starts is guarded and logs the breach', async () => {
    const log = join(dir, 'worker.log');
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       try { require('node:dns').lookup(${JSON.stringify(NAME)}, () => {}); parentPort.postMessage('sent'); }
       catch (e) { parentPort.postMessage(e.code); }`,
      { eval: true, env: { ...process.env, [GUARD_LOG_ENV]: log } },
    );
    const answer = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer).toBe('ERR_SONDE_TEST_NETWORK_RULE');
    const breach = JSON.parse(readFileSync(log, 'utf8').trim()) as Breach;
    expect(breach).toMatchObject({ pid: process.pid, call: 'dns.lookup', target: NAME });
    expect(breach.threadId).not.toBe(0);
  });

  it('a node process a test spawns is guarded (NODE_OPTIONS) and logs the breach', () => {
    const log = join(dir, 'child.log');
    const child = spawnSync(process.execPath, ['-e', `
      try { require('node:net').connect(9, '${FORBIDDEN}'); console.log('sent'); }
      catch (e) { console.log(e.code); }`], { encoding: 'utf8', env: { ...process.env, [GUARD_LOG_ENV]: log } });
    expect(child.stdout.trim()).toBe('ERR_SONDE_TEST_NETWORK_RULE');
    const breach = JSON.parse(readFileSync(log, 'utf8').trim()) as Breach;
    expect(breach).toMatchObject({ pid: child.pid, call: 'net.connect', target: FORBIDDEN });
  });
});
