// A second, optional listener that serves GET and HEAD /healthz and nothing else, on node:http,
// for health checkers that speak HTTP/1.0: HAProxy's default `option httpchk` and keepalived's
// HTTP_GET send HTTP/1.0 request lines, which uWS v20 answers with 505 before any handler runs
// (its parser accepts only "HTTP/1.1"). It answers with the /healthz route's own handler,
// so both ports say the same thing.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyRoute } from './http/route.js';

export interface HealthListener {
  readonly port: number;
  close(): Promise<void>;
}

export function startHealthListener(healthz: AnyRoute, host: string, port: number): Promise<HealthListener> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (path !== '/healthz') return send(404, { error: `this port serves only GET /healthz (got ${req.method ?? ''} ${path})`, code: 404 });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(405, { error: `method ${req.method ?? ''} is not allowed on /healthz; allowed: GET, HEAD`, code: 405 }, { Allow: 'GET, HEAD' });
    }
    Promise.resolve(healthz.handler({ params: {}, query: {}, body: undefined, rawBody: null, contentType: '', accept: '', acceptEncoding: '', key: null, method: 'GET', path } as never))
      .then((out) => send(out.status, out.body), () => send(500, { error: 'internal error while handling the request', code: 500 }));
  });
  // a check that connects and sends nothing must not hold a connection for long
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', (error: Error) => reject(new Error(`cannot listen for health checks on ${host}:${port}: ${error.message}; pick another listen.healthPort`)));
    server.listen(port, host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
