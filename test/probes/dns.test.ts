import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDns } from '../../engine/probes/dns.js';

// The host's configured nameserver is not on loopback, so nothing here may query it
// (network-safety rule): the system resolver is only asked about localhost (answered
// from /etc/hosts) and .invalid (answered without a query), and the DNS protocol path is
// tested against a small authoritative server on 127.0.0.1 started by the test.

interface Zone {
  a?: Array<[string, number]>; // [address, ttl]
  aaaa?: Array<[string, number]>;
  rcode?: number; // 2 SERVFAIL, 3 NXDOMAIN
  silent?: boolean;
}

const ZONE: Record<string, Zone> = {
  'probe.test': { a: [['127.0.0.1', 300], ['127.0.0.2', 300]], aaaa: [['::1', 60]] },
  'v4only.test': { a: [['127.0.0.3', 30]] },
  'missing.test': { rcode: 3 },
  'broken.test': { rcode: 2 },
  'silent.test': { silent: true },
};

/** Reads the question of a DNS query: [name, qtype, end offset of the question]. */
function readQuestion(msg: Buffer): [string, number, number] {
  const labels: string[] = [];
  let offset = 12;
  while (msg[offset] !== 0) {
    const length = msg[offset];
    labels.push(msg.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += 1 + length;
  }
  offset += 1;
  return [labels.join('.').toLowerCase(), msg.readUInt16BE(offset), offset + 4];
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function answer(query: Buffer): Buffer | undefined {
  const [name, qtype, questionEnd] = readQuestion(query);
  const zone = ZONE[name];
  if (zone?.silent) return undefined;
  const rcode = zone ? (zone.rcode ?? 0) : 3;
  const records = !zone ? [] : qtype === 1 ? (zone.a ?? []) : qtype === 28 ? (zone.aaaa ?? []) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | rcode, 2); // QR AA RD? rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const parts = [header, query.subarray(12, questionEnd)];
  for (const [address, ttl] of records) {
    const rdata = qtype === 1 ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(qtype, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(rdata.length, 10);
    parts.push(rr, rdata);
  }
  return Buffer.concat(parts);
}

describe('probeDns with explicit servers (a test DNS server on 127.0.0.1)', () => {
  const socket = dgram.createSocket('udp4');
  let server = '';
  let queries = 0;

  beforeAll(async () => {
    socket.on('message', (msg, peer) => {
      queries++;
      const reply = answer(msg);
      if (reply) socket.send(reply, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    server = `127.0.0.1:${socket.address().port}`;
  });
  afterAll(() => new Promise<void>((resolve) => socket.close(() => resolve())));

  it('returns A and AAAA answers with TTLs and the resolver time', async () => {
    const outcome = await probeDns({ host: 'probe.test', servers: [server], timeoutMs: 2000 });
    expect(outcome).toMatchObject({ kind: 'dns', ok: true, host: 'probe.test', resolver: server });
    expect(outcome.answers).toEqual([
      { address: '127.0.0.1', family: 4, ttl: 300 },
      { address: '127.0.0.2', family: 4, ttl: 300 },
      { address: '::1', family: 6, ttl: 60 },
    ]);
    expect(outcome.resolveMs).toBeGreaterThan(0);
    expect(outcome.resolveMs).toBe(outcome.totalMs);
  });

  it('asks only for the family requested, and a name with no AAAA is still answered', async () => {
    const v6 = await probeDns({ host: 'probe.test', servers: [server], timeoutMs: 2000, family: 6 });
    expect(v6.answers).toEqual([{ address: '::1', family: 6, ttl: 60 }]);
    const v4only = await probeDns({ host: 'v4only.test', servers: [server], timeoutMs: 2000 });
    expect(v4only).toMatchObject({ ok: true, answers: [{ address: '127.0.0.3', family: 4, ttl: 30 }] });
  });

  it('reports NXDOMAIN as name-not-found', async () => {
    const outcome = await probeDns({ host: 'missing.test', servers: [server], timeoutMs: 2000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.answers).toEqual([]);
    expect(outcome.failure).toMatchObject({ kind: 'name-not-found', code: 'ENOTFOUND' });
    expect(outcome.failure?.message).toContain('missing.test');
  });

  it('reports SERVFAIL as a resolver failure', async () => {
    const outcome = await probeDns({ host: 'broken.test', servers: [server], timeoutMs: 2000 });
    expect(outcome.failure).toMatchObject({ kind: 'dns-failure', code: 'ESERVFAIL' });
  });

  it('times out when the server never answers', async () => {
    const outcome = await probeDns({ host: 'silent.test', servers: [server], timeoutMs: 300 });
    expect(outcome.failure).toMatchObject({ kind: 'timeout', message: 'Probe exceeded timeout of 300 ms' });
  });

  it('sends no query for .invalid names', async () => {
    const before = queries;
    const outcome = await probeDns({ host: 'nothing.invalid', servers: [server], timeoutMs: 2000 });
    expect(outcome.failure?.kind).toBe('name-not-found');
    expect(queries).toBe(before);
  });

  it('rejects a malformed server list with the field named', async () => {
    await expect(probeDns({ host: 'probe.test', servers: ['not an address'], timeoutMs: 100 })).rejects.toMatchObject({ field: 'servers' });
    await expect(probeDns({ host: 'probe.test', servers: [], timeoutMs: 100 })).rejects.toMatchObject({ field: 'servers' });
  });
});

describe('probeDns with the system resolver', () => {
  it('resolves localhost from /etc/hosts', async () => {
    const outcome = await probeDns({ host: 'localhost', timeoutMs: 2000 });
    expect(outcome).toMatchObject({ kind: 'dns', ok: true, resolver: 'system' });
    expect(outcome.answers.length).toBeGreaterThan(0);
    for (const a of outcome.answers) expect(['127.0.0.1', '::1']).toContain(a.address);
    expect(outcome.answers.every((a) => a.ttl === undefined)).toBe(true);
  });

  it('reports a name under .invalid as not found (RFC 6761), without a query', async () => {
    const outcome = await probeDns({ host: 'sonde-test.invalid', timeoutMs: 2000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.failure).toMatchObject({ kind: 'name-not-found', code: 'ENOTFOUND' });
    expect(outcome.failure?.message).toBe('name not found: sonde-test.invalid (the .invalid TLD never resolves (RFC 6761), no query sent)');
  });

  it('answers an IP literal as itself', async () => {
    expect((await probeDns({ host: '127.0.0.1', timeoutMs: 100 })).answers).toEqual([{ address: '127.0.0.1', family: 4 }]);
    expect((await probeDns({ host: '::1', timeoutMs: 100, family: 4 })).failure?.kind).toBe('name-not-found');
  });
});
