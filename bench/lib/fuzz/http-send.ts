// One HTTP request with node:http (keep-alive), timed to the last body byte, bounded: a
// request that gets no complete answer within the bound is reported as status 0 with why.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Sent {
  status: number;
  ms: number;
  body: Buffer;
  /** Set when there was no complete answer: timeout, reset, … */
  error?: string;
  /** The kept-alive connection was closed by the server before this request; sent again on a new one. */
  retriedStale?: boolean;
}

export interface Outgoing {
  method: string;
  /** Path and query, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** On a connection of its own, closed after the answer. */
  fresh?: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * A request that finds its kept-alive connection closed by the server before any answer byte
 * (the race every keep-alive client has) is sent once more on a new connection, as browsers do.
 */
export async function send(base: URL, req: Outgoing, boundMs: number): Promise<Sent> {
  const first = await sendOnce(base, req, boundMs, req.fresh === true ? false : agent);
  if (first.stale !== true) return first;
  return { ...(await sendOnce(base, req, boundMs, false)), retriedStale: true };
}

function sendOnce(base: URL, req: Outgoing, boundMs: number, via: http.Agent | false): Promise<Sent & { stale?: boolean }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (s: Omit<Sent, 'ms'> & { stale?: boolean }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...s, ms: performance.now() - t0 });
    };
    let answered = false;
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(req.body.length);
    const r = http.request({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent: via }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', (e) => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), error: e.message }));
    });
    const timer = setTimeout(() => {
      done({ status: 0, body: Buffer.alloc(0), error: `no complete answer within ${boundMs} ms` });
      r.destroy();
    }, boundMs);
    r.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      done({ status: 0, body: Buffer.alloc(0), error: `${code} ${e.message}`.trim(), stale: !answered && r.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') });
    });
    r.end(req.body);
  });
}

export function closeAgent(): void {
  agent.destroy();
}
