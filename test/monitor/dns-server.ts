// A small DNS server for the dns-monitor suites (node:dgram on 127.0.0.1, or ::1): answers A and MX
// from a table, NXDOMAIN for names it does not know, SERVFAIL for one, and never answers another.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

export interface DnsZone {
  /** name → A addresses */
  a: Record<string, string[]>;
  /** name → [priority, exchange] */
  mx: Record<string, [number, string][]>;
  servfail: string[];
  silent: string[];
}

export interface DnsServer {
  port: number;
  /** Queries received. */
  queries(): number;
  close(): Promise<void>;
}

function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter((p) => p !== '');
  return Buffer.concat([...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])), Buffer.from([0])]);
}

function parseQuestion(msg: Buffer): { id: number; name: string; type: number; end: number } {
  let at = 12;
  const labels: string[] = [];
  while (msg[at] !== 0) {
    const n = msg[at];
    labels.push(msg.toString('ascii', at + 1, at + 1 + n));
    at += 1 + n;
  }
  at++;
  return { id: msg.readUInt16BE(0), name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(at), end: at + 4 };
}

function answer(query: Buffer, zone: DnsZone): Buffer | null {
  const q = parseQuestion(query);
  if (zone.silent.includes(q.name)) return null;
  const question = query.subarray(12, q.end);
  let rcode = 0;
  const records: Buffer[] = [];
  const rr = (type: number, rdata: Buffer): Buffer => {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    head.writeUInt16BE(type, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt32BE(60, 6);
    head.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([head, rdata]);
  };
  if (zone.servfail.includes(q.name)) rcode = 2;
  else if (zone.a[q.name] === undefined && zone.mx[q.name] === undefined) rcode = 3;
  else if (q.type === 1) for (const a of zone.a[q.name] ?? []) records.push(rr(1, Buffer.from(a.split('.').map(Number))));
  else if (q.type === 15) {
    for (const [pref, exchange] of zone.mx[q.name] ?? []) {
      const p = Buffer.alloc(2);
      p.writeUInt16BE(pref, 0);
      records.push(rr(15, Buffer.concat([p, encodeName(exchange)])));
    }
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  header.writeUInt16BE(0x8180 | rcode, 2); // response, recursion desired + available
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, question, ...records]);
}

export async function startDnsServer(zone: DnsZone, host = '127.0.0.1'): Promise<DnsServer> {
  const socket = dgram.createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  let queries = 0;
  socket.on('message', (msg, peer) => {
    queries++;
    const reply = answer(msg, zone);
    if (reply !== null) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return {
    port: socket.address().port,
    queries: () => queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
