// Bad framing over raw node:net sockets: request lines with odd methods and versions,
// Content-Length that is wrong, negative, huge, repeated or not a number, chunked bodies that
// are malformed, headers that are too long, too many or have no colon, bodies cut short,
// several requests in one write. The property: whatever answer comes is not a 5xx (uWS's own
// 505 page for request lines it does not read as HTTP/1.1 is counted apart), a HEAD answer
// has no body, a request whose framing is complete is answered or its connection closed within
// the bound, and the daemon is healthy after every batch.
import net from 'node:net';
import fc from 'fast-check';
import { unsafeBodyReason } from './destinations.js';
import type { FuzzDaemon } from './fuzz-daemon.js';

export interface RawCase {
  method: string;
  path: string;
  version: string;
  headers: string[];
  body: string;
  /** What Content-Length says compared with the body: exact, fewer, more (the server waits), none. */
  framing: 'exact' | 'fewer' | 'more' | 'none' | 'chunked' | 'badChunked' | 'both' | 'garbage' | 'pipelined';
  /** Close our side after writing (the server sees EOF mid-request when the framing is short). */
  halfClose: boolean;
}

export interface RawStats {
  cases: number;
  statuses: Map<string, number>;
  fiveXx: number;
  /** uWS's own 505 answers (request lines it does not read as HTTP/1.1; HTTP/1.0 is issue 14's). */
  versionNotSupported: number;
  /** HEAD answers that carried a body (a failure: HEAD has none). */
  headWithBody: number;
  slowestMs: number;
}

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'get', 'G E T', 'XYZZY', '', 'POST\u0000', 'A'.repeat(300)];
const PATHS = ['/healthz', '/v1/targets', '/v1/keys', '/v1/jobs', '/openapi.json', '/nope', '*', '', 'http://127.0.0.1/healthz', '/%', '/..%2F..', `/${'a'.repeat(9000)}`, '/v1/targets?limit=1', '/v1/live', '/\u00ff', '/metrics'];
const ODD_VERSIONS = ['HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/11', 'http/1.1', 'HTTP/1.1 x', ''];
const EXTRA_HEADERS = ['Content-Type: application/json', 'Content-Type: text/csv', 'Connection: close', 'Connection: keep-alive', 'Expect: 100-continue', 'Host:', 'Host: a\r\nHost: b',
  'X-Nocolon', ': empty-name', 'Content-Length: -1', 'Content-Length: abc', 'Content-Length: 99999999999999999999', 'Content-Length: 1, 2', 'Transfer-Encoding: gzip',
  `X-Long: ${'v'.repeat(20_000)}`, 'Upgrade: websocket', 'Authorization: Bearer', 'Authorization: Basic Og==', 'X-API-Key: \u00ff\u00fe', ' Folded: header', '\tContinuation'];

export const rawCaseArbitrary: fc.Arbitrary<RawCase> = fc.record({
  method: fc.constantFrom(...METHODS),
  path: fc.constantFrom(...PATHS),
  // mostly HTTP/1.1: uWS answers every other version with its 505 page before reading further
  version: fc.oneof({ weight: 3, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom(...ODD_VERSIONS) }),
  headers: fc.array(fc.constantFrom(...EXTRA_HEADERS), { maxLength: 4 }),
  body: fc.oneof(fc.constant(''), fc.constant('{}'), fc.constant('{"kind":"HOST","address":"127.0.0.1"}'), fc.string({ maxLength: 64 }), fc.constant('x'.repeat(70_000))),
  framing: fc.constantFrom<RawCase['framing']>('exact', 'fewer', 'more', 'none', 'chunked', 'badChunked', 'both', 'garbage', 'pipelined'),
  halfClose: fc.boolean(),
});

function bytesOf(c: RawCase, key: string, port: number): { bytes: Buffer; complete: boolean } {
  // the network guard, as for every body (text/csv is what a header here may claim)
  const body = Buffer.from(unsafeBodyReason(Buffer.from(c.body), c.headers.join('\n')) === null ? c.body : '{}');
  const lines = [`${c.method} ${c.path} ${c.version}`.trimEnd(), `Host: 127.0.0.1:${port}`, `Authorization: Bearer ${key}`, ...c.headers];
  let payload = body;
  let complete = true;
  switch (c.framing) {
    case 'exact': lines.push(`Content-Length: ${body.length}`); break;
    case 'fewer': lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`); break;
    case 'more': lines.push(`Content-Length: ${body.length + 10}`); complete = false; break;
    case 'none': break;
    case 'chunked': lines.push('Transfer-Encoding: chunked'); payload = Buffer.from(`${body.length.toString(16)}\r\n${body.toString()}\r\n0\r\n\r\n`); break;
    case 'badChunked': lines.push('Transfer-Encoding: chunked'); payload = Buffer.from(`zz\r\n${body.toString()}\r\n-1\r\n`); break;
    case 'both': lines.push('Transfer-Encoding: chunked', `Content-Length: ${body.length}`); payload = Buffer.from(`${body.length.toString(16)}\r\n${body.toString()}\r\n0\r\n\r\n`); break;
    case 'garbage': return { bytes: Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01]), body, Buffer.from('\r\n\r\n')]), complete: false };
    case 'pipelined': {
      const one = `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`;
      return { bytes: Buffer.from(`${one}${lines.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n${body.toString()}${one}`), complete: true };
    }
  }
  // a header line that breaks the header block makes the request incomplete to some parsers
  if (c.headers.some((h) => /Content-Length: (-1|abc|9{20}|1, 2)|Expect|Upgrade/.test(h))) complete = false;
  // uWS neither answers nor closes a header block with a line that has no colon or starts with
  // white space (obs-fold): it waits until its idle timeout (~10 s). Counted, not failed.
  if (c.headers.some((h) => /^(X-Nocolon|\s)/.test(h))) complete = false;
  return { bytes: Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]), complete };
}

/** Writes the case, reads until the server closes or goes quiet; the status lines seen. */
function exchange(port: number, bytes: Buffer, halfClose: boolean, boundMs: number): Promise<{ data: Buffer; closed: boolean; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1');
    let quiet: NodeJS.Timeout | undefined;
    const finish = (closed: boolean): void => {
      clearTimeout(quiet);
      clearTimeout(bound);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed, ms: performance.now() - t0 });
    };
    const bound = setTimeout(() => finish(false), boundMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // an answer came: wait briefly for more (a pipelined second answer), then stop
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(false), 150);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(bytes, () => { if (halfClose) socket.end(); });
  });
}

export async function runRawCampaign(fd: FuzzDaemon, opts: { seed: number; cases: number; boundMs?: number }): Promise<RawStats> {
  const boundMs = opts.boundMs ?? 5000;
  const stats: RawStats = { cases: 0, statuses: new Map(), fiveXx: 0, versionNotSupported: 0, headWithBody: 0, slowestMs: 0 };
  const property = fc.asyncProperty(fc.array(rawCaseArbitrary, { minLength: 1, maxLength: 10 }), async (cases) => {
    for (const c of cases) {
      const { bytes, complete } = bytesOf(c, fd.adminKey, fd.port);
      // an incomplete request is rightly left waiting: a shorter look at it
      const r = await exchange(fd.port, bytes, c.halfClose, complete ? boundMs : 800);
      stats.cases++;
      const text = r.data.toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]));
      for (const s of statuses) stats.statuses.set(String(s), (stats.statuses.get(String(s)) ?? 0) + 1);
      if (statuses.length === 0) stats.statuses.set(r.closed ? 'closed without an answer' : 'no answer (waiting for more bytes)', (stats.statuses.get(r.closed ? 'closed without an answer' : 'no answer (waiting for more bytes)') ?? 0) + 1);
      if (statuses.length > 0) stats.slowestMs = Math.max(stats.slowestMs, r.ms);
      const what = `${JSON.stringify(bytes.subarray(0, 300).toString('latin1'))}${bytes.length > 300 ? ` … (${bytes.length} B)` : ''}`;
      for (const s of statuses) {
        // uWS's own 505 page: its answer to any request line it does not read as HTTP/1.1
        // (HTTP/1.0, and the leftovers of a body it did not take as one). Counted apart.
        if (s === 505 && text.includes('uWebSockets')) { stats.versionNotSupported++; continue; }
        if (s >= 500) {
          stats.fiveXx++;
          throw new Error(`${s} for raw request ${what}\n  answer: ${JSON.stringify(text.slice(0, 400))}`);
        }
      }
      // HEAD: the headers of GET and no body (RFC 9110), or a keep-alive client desynchronizes.
      // uWS's own error pages (a request it refuses before sonde sees it) close the connection
      // with their body; they cannot desynchronize anything and are left out.
      if (c.method === 'HEAD' && c.framing !== 'pipelined' && statuses.length === 1 && c.version === 'HTTP/1.1' && !text.includes('uWebSockets')) {
        const bodyBytes = text.length - (text.indexOf('\r\n\r\n') + 4);
        if (text.includes('\r\n\r\n') && bodyBytes > 0 && !/^HTTP\/1\.1 (100|505)/.test(text)) {
          stats.headWithBody++;
          throw new Error(`HEAD answered with ${bodyBytes} body bytes for raw request ${what}\n  answer: ${JSON.stringify(text.slice(0, 400))}`);
        }
      }
      // A complete request over HTTP/1.1 gets an answer or a close within the bound.
      if (complete && !c.halfClose && statuses.length === 0 && !r.closed && c.version === 'HTTP/1.1' && /^[A-Z]+$/.test(c.method) && c.path.startsWith('/') && c.path.length < 8000) {
        throw new Error(`no answer and no close within ${boundMs} ms for raw request ${what}`);
      }
    }
    if (!fd.alive()) throw new Error(`the daemon (pid ${fd.pid}) exited: code ${fd.daemon.child.exitCode}, signal ${fd.daemon.child.signalCode}`);
    const health = await fd.health();
    if (health !== 200) throw new Error(`GET /healthz answered ${health || 'nothing'} after the batch`);
  });
  for (let round = 0; stats.cases < opts.cases; round++) {
    await fc.assert(property, { seed: opts.seed + round, numRuns: Math.max(1, Math.ceil((opts.cases - stats.cases) / 5.5)) });
  }
  return stats;
}
