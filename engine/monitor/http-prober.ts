// http and model monitors: one request per probe to the target's URL (its host as resolved
// in the background, the URL's name sent as Host and as TLS SNI); a model monitor's is a POST
// of its payload with the target's headers (socket-probers.ts). The phases of a probe, from its
// start (blackbox_exporter's probe_http_duration_seconds, cumulative where curl's are):
//   connect: the TCP handshake (its own duration; absent on a reused connection)
//   tls:     the TLS handshake (its own duration; absent on a reused connection or plain http)
//   ttfb:    start → the response's status line and headers (so connect + tls ≤ ttfb)
//   total:   start → the body read (the RTT; ttfb ≤ total)
// A status outside http.expectStatus fails as http-status, a body (read up to maxBodyBytes)
// that misses bodyMatch or hits bodyNotMatch as body; TLS, reset and protocol errors as
// their kinds; the job's deadline destroys the request (and its socket) as a timeout.
//
// keepAlive (default): one Agent per origin keeps at most KEEPALIVE_SOCKETS connections per
// target of that origin open and reuses them; off, every probe opens (and closes) its own.
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { MonitorErrorIndex } from './error-kinds.js';
import { DEFAULT_BODY_BYTES } from './monitor-options.js';
import type { Flight, SocketJob, SocketProber } from './socket-job.js';
import { socketErrorIndex } from './tcp-prober.js';
import type { HttpMonitorOptions } from './types.js';

/** Kept-alive connections per target at most (a slow answer and the next probe). */
export const KEEPALIVE_SOCKETS = 2;
const MAX_REDIRECTS = 5;

export interface HttpProbeTarget {
  url: URL;
  /** The IP address to connect to (the URL's host, resolved). */
  address: string;
  /** Headers of this target's requests beside the options' (a model target's kind, provider, model). */
  headers?: Record<string, string>;
}

interface Prepared {
  secure: boolean;
  options: https.RequestOptions;
  /** The URL asked (redirects resolve against it). */
  href: string;
}

function inRange(status: number, expect: readonly number[] | undefined): boolean {
  return expect === undefined ? status >= 200 && status < 400 : expect.includes(status);
}

export class HttpProber implements SocketProber {
  private readonly prepared: Prepared[];
  private readonly keepAlive: boolean;
  /** Kept-alive agents by origin (address, port, scheme), each allowing KEEPALIVE_SOCKETS per
   *  target of that origin: targets that share a server do not queue behind each other. */
  private readonly agents = new Map<string, http.Agent>();
  private readonly match: RegExp | null;
  private readonly notMatch: RegExp | null;
  private readonly readBody: boolean;
  private readonly maxBody: number;

  /** body: sent with every request (a model monitor's payload). */
  constructor(targets: readonly HttpProbeTarget[], private readonly o: HttpMonitorOptions, private readonly body: Buffer | null = null) {
    this.keepAlive = o.keepAlive ?? true;
    this.match = o.bodyMatch === undefined ? null : new RegExp(o.bodyMatch);
    this.notMatch = o.bodyNotMatch === undefined ? null : new RegExp(o.bodyNotMatch);
    this.readBody = this.match !== null || this.notMatch !== null;
    this.maxBody = o.maxBodyBytes ?? DEFAULT_BODY_BYTES;
    // the request options of each target are built once; then each agent gets its bound
    this.perOrigin = new Map();
    this.prepared = targets.map((t) => {
      const secure = t.url.protocol === 'https:';
      const name = t.url.hostname.startsWith('[') ? t.url.hostname.slice(1, -1) : t.url.hostname;
      const path = o.path ?? `${t.url.pathname}${t.url.search}`;
      const options: https.RequestOptions = {
        host: t.address,
        port: t.url.port === '' ? (secure ? 443 : 80) : Number(t.url.port),
        method: o.method ?? 'GET',
        path,
        headers: {
          'user-agent': 'sonde-monitor', ...o.headers, ...t.headers, host: t.url.host,
          ...(body === null ? {} : { 'content-length': String(body.length) }),
        },
        rejectUnauthorized: o.verifyTls ?? true,
      };
      options.agent = this.agentFor(secure, `${String(options.host)}:${String(options.port)}`);
      if (secure && isIP(name) === 0) options.servername = name;
      return { secure, options, href: t.url.href };
    });
    for (const [key, agent] of this.agents) agent.maxSockets = agent.maxFreeSockets = KEEPALIVE_SOCKETS * (this.perOrigin.get(key) ?? 1);
    this.perOrigin.clear();
  }

  private perOrigin: Map<string, number>;

  /** The kept-alive agent of an origin (false: a fresh connection per probe). */
  private agentFor(secure: boolean, origin: string): http.Agent | false {
    if (!this.keepAlive) return false;
    const key = `${secure ? 'https' : 'http'}://${origin}`;
    this.perOrigin.set(key, (this.perOrigin.get(key) ?? 0) + 1);
    let agent = this.agents.get(key);
    if (agent === undefined) {
      const config = { keepAlive: true, maxSockets: KEEPALIVE_SOCKETS, maxFreeSockets: KEEPALIVE_SOCKETS };
      agent = secure ? new https.Agent({ ...config, rejectUnauthorized: this.o.verifyTls ?? true }) : new http.Agent(config);
      this.agents.set(key, agent);
    }
    return agent;
  }

  start(flight: Flight, job: SocketJob): void {
    const p = this.prepared[flight.targetIndex];
    this.request(flight, job, flight.gen, p.secure, p.options, p.href, 0);
  }

  private request(flight: Flight, job: SocketJob, gen: number, secure: boolean, options: https.RequestOptions, href: string, hops: number): void {
    const req = (secure ? https : http).request(options);
    flight.handle = req;
    req.on('socket', (socket) => {
      // a reused connection is open already: no connect or tls phase in this probe
      if (!socket.connecting || hops > 0) return;
      let connectedAt = NaN;
      socket.once('connect', () => {
        connectedAt = performance.now();
        flight.connectNs = (connectedAt - flight.startPerf) * 1e6;
      });
      if (secure) {
        socket.once('secureConnect', () => {
          flight.tlsNs = (performance.now() - connectedAt) * 1e6;
          const notAfter = (socket as TLSSocket).getPeerCertificate().valid_to;
          if (notAfter !== undefined) flight.certExpiresAtMs = Date.parse(notAfter);
        });
      }
    });
    req.on('error', (error) => job.fail(flight, gen, socketErrorIndex(error)));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if ((this.o.followRedirects ?? false) && status >= 300 && status < 400 && location !== undefined && hops < MAX_REDIRECTS) {
        res.resume();
        let next: URL;
        try {
          next = new URL(location, href);
        } catch {
          return job.fail(flight, gen, MonitorErrorIndex.PROTOCOL);
        }
        const nextSecure = next.protocol === 'https:';
        this.request(flight, job, gen, nextSecure, {
          ...options, host: next.hostname, port: next.port === '' ? (nextSecure ? 443 : 80) : Number(next.port), path: `${next.pathname}${next.search}`,
          headers: { ...options.headers, host: next.host }, agent: this.agentFor(nextSecure, next.host),
          servername: isIP(next.hostname) === 0 ? next.hostname : undefined,
        }, next.href, hops + 1);
        return;
      }
      flight.ttfbNs = (performance.now() - flight.startPerf) * 1e6;
      const statusOk = inRange(status, this.o.expectStatus);
      if (!this.readBody) {
        res.resume();
        res.once('end', () => {
          if (!statusOk) return job.fail(flight, gen, MonitorErrorIndex.HTTP_STATUS);
          job.ok(flight, gen, (performance.now() - flight.startPerf) * 1e6);
        });
        res.once('error', (error) => job.fail(flight, gen, socketErrorIndex(error)));
        return;
      }
      const chunks: Buffer[] = [];
      let read = 0;
      const judge = (): void => {
        const rttNs = (performance.now() - flight.startPerf) * 1e6;
        if (!statusOk) return job.fail(flight, gen, MonitorErrorIndex.HTTP_STATUS);
        const body = Buffer.concat(chunks).toString('utf8', 0, Math.min(read, this.maxBody));
        if ((this.match !== null && !this.match.test(body)) || (this.notMatch !== null && this.notMatch.test(body))) {
          return job.fail(flight, gen, MonitorErrorIndex.BODY);
        }
        job.ok(flight, gen, rttNs);
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        read += chunk.length;
        if (read >= this.maxBody) {
          // enough read for the patterns: the rest is not waited for (nor the connection kept)
          judge();
          req.destroy();
        }
      });
      res.once('end', judge);
      res.once('error', (error) => job.fail(flight, gen, socketErrorIndex(error)));
    });
    if (this.body === null) req.end();
    else req.end(this.body);
  }

  cancel(flight: Flight): void {
    (flight.handle as http.ClientRequest | null)?.destroy();
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
  }
}
