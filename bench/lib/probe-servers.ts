// The loopback servers bench:monitor --probe tcp|http|dns probes, run in a process of their own
// (so their CPU is not sonde's): `node dist/bench/lib/probe-servers.js <kind> <addresses> <certDir>`
// where kind is tcp | http | https | dns and addresses a comma-separated list of 127.0.0.0/8
// addresses; every server listens on the same free port of each address (spreading the
// connections over several addresses keeps the client's ephemeral ports and TIME_WAIT entries
// per destination low). Prints one JSON line {"port":…} when listening; on SIGUSR2 prints
// {"accepted":…,"requests":…,"open":…} (counters since start); exits on SIGTERM.
//
// tcp: accepts and lets the client close. http/https: answers every request "ok" (200,
// keep-alive, 60 s idle timeout so pooled connections stay). dns: answers every query for an
// A record with 127.0.0.1 (any other type: an empty NOERROR answer).
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';

const [kind, addressList, certDir] = process.argv.slice(2);
const addresses = (addressList ?? '').split(',').filter((a) => a !== '');
if (!['tcp', 'http', 'https', 'dns'].includes(kind ?? '') || addresses.length === 0 || addresses.some((a) => !a.startsWith('127.'))) {
  console.error('usage: probe-servers.js tcp|http|https|dns <127.x.y.z,…> [certDir]');
  process.exit(2);
}

let accepted = 0;
let requests = 0;
let open = 0;
const countConnection = (socket: net.Socket): void => {
  accepted++;
  open++;
  socket.once('close', () => open--);
};

function listenAll(make: () => net.Server): Promise<number> {
  // the first on port 0 picks the port, the others take the same one
  return new Promise((resolve, reject) => {
    const first = make();
    first.once('error', reject);
    first.listen({ host: addresses[0], port: 0, backlog: 4096 }, async () => {
      const port = (first.address() as net.AddressInfo).port;
      for (const address of addresses.slice(1)) {
        await new Promise<void>((ok, fail) => {
          const s = make();
          s.once('error', fail);
          s.listen({ host: address, port, backlog: 4096 }, ok);
        });
      }
      resolve(port);
    });
  });
}

const answer: http.RequestListener = (_req, res) => {
  requests++;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
  res.end('ok');
};

function httpServer(tls: boolean): net.Server {
  const server = tls
    ? https.createServer({ key: readFileSync(join(certDir!, 'key.pem')), cert: readFileSync(join(certDir!, 'cert.pem')) }, answer)
    : http.createServer(answer);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 0;
  // 'connection' is the TCP accept for both (https: before the handshake)
  server.on('connection', countConnection);
  return server;
}

/** A DNS answer to `query` (its header and question copied): A → 127.0.0.1, else no records. */
function dnsAnswer(query: Buffer): Buffer | null {
  if (query.length < 12) return null;
  let at = 12;
  while (at < query.length && query[at] !== 0) at += query[at] + 1;
  const questionEnd = at + 5;
  if (questionEnd > query.length) return null;
  const type = query.readUInt16BE(at + 1);
  const record = type === 1 ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]) : Buffer.alloc(0);
  const out = Buffer.allocUnsafe(questionEnd + record.length);
  query.copy(out, 0, 0, questionEnd);
  out[2] = 0x80 | (query[2] & 0x79); // QR, the query's opcode and RD
  out[3] = 0x80; // RA, NOERROR
  out.writeUInt16BE(1, 4); // QDCOUNT
  out.writeUInt16BE(type === 1 ? 1 : 0, 6); // ANCOUNT
  out.writeUInt32BE(0, 8); // NSCOUNT, ARCOUNT
  record.copy(out, questionEnd);
  return out;
}

async function listenDns(): Promise<number> {
  const bind = (address: string, port: number): Promise<number> => new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    socket.on('message', (msg, rinfo) => {
      requests++;
      const reply = dnsAnswer(msg);
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    });
    socket.once('error', reject);
    socket.bind(port, address, () => resolve(socket.address().port));
  });
  const port = await bind(addresses[0]!, 0);
  for (const address of addresses.slice(1)) await bind(address, port);
  return port;
}

const port = kind === 'dns'
  ? await listenDns()
  : await listenAll(() => {
    if (kind === 'tcp') {
      const server = net.createServer((socket) => {
        countConnection(socket);
        socket.on('error', () => undefined);
        socket.resume();
      });
      return server;
    }
    return httpServer(kind === 'https');
  });
console.log(JSON.stringify({ port }));
process.on('SIGUSR2', () => console.log(JSON.stringify({ accepted, requests, open })));
process.on('SIGTERM', () => process.exit(0));
