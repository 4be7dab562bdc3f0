// The HTTP(S) probe of a monitor: the same socket-event timing as the one-off probe (http.ts),
// but built once per target and run every interval, so that what can be decided ahead is
// decided once: the URL parsed, the headers checked, the status set and the body patterns
// compiled, and (keep-alive) one bounded connection pool per target.
//
// What each mode measures:
//   - keepAlive (default): HTTP/1.1 connection reuse. The first probe opens the connection
//     (dns, connect, tls phases present); later ones reuse it, so their ttfb is the server's
//     time plus one round trip and dns/connect/tls are absent. This is what a client with a
//     connection pool sees, and costs the prober one socket per target.
//   - fresh (keepAlive: false): a new TCP connection and a full TLS handshake (no session
//     resumption) every probe, closed after the response: what a new visitor sees. Each probe
//     costs a handshake on both ends.
//
// Phases (ms, monotonic clock): dns = start → name resolved; connect = resolved → TCP
// established; tls = established → handshake done; ttfb = start → first response byte;
// total = start → end of the (bounded) body. So connect ≤ ttfb ≤ total. Over redirects the
// dns/connect/tls of every hop add up, and ttfb is that of the last response.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { EngineInputError } from '../types.js';
import { monotonicNs } from './clock.js';
import { abortedFailure, failureFromError } from './failure.js';
import { checkHttpUrl, checkedHeaders, type HttpProbeMethod } from './http.js';
import { settleProbe } from './settle.js';
import type { ProbeFailure } from './types.js';
import { checkFamily, checkTimeout } from './validate.js';

export const HTTP_CHECK_METHODS: readonly HttpProbeMethod[] = ['GET', 'HEAD', 'POST', 'PUT'];
export const DEFAULT_HTTP_CHECK_MAX_BODY_BYTES = 64 * 1024;
export const MAX_HTTP_CHECK_BODY_BYTES = 16 * 1024 * 1024;
export const DEFAULT_HTTP_CHECK_MAX_REDIRECTS = 10;
/** Connections a keep-alive pool holds per target: one probe per interval needs one; a second
 *  lets a probe start while a slow one is still reading. */
export const DEFAULT_HTTP_CHECK_POOL_SIZE = 2;
const USER_AGENT = 'sonde-monitor/0.1';
const MS_PER_DAY = 86_400_000;

export interface HttpCheckOptions {
  /** http: or https: URL probed. */
  url: string;
  /** Connect to this address instead of resolving the URL's host (a name resolved in the
   *  background); the Host header and TLS server name stay the URL's. */
  address?: string;
  method?: HttpProbeMethod;
  headers?: Record<string, string>;
  /** Request body (POST/PUT). */
  body?: string;
  /** Accepted statuses: codes (200) or classes ("2xx"). Default: any 2xx. */
  expectStatus?: ReadonlyArray<number | string>;
  /** The body (its first maxBodyBytes) must match this regular expression. */
  bodyMatches?: string;
  /** The body (its first maxBodyBytes) must not match this regular expression. */
  bodyNotMatches?: string;
  /** Bytes of body read at most; the connection is closed past it. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Follow 3xx Location (up to maxRedirects, default 10). Default true. */
  followRedirects?: boolean;
  maxRedirects?: number;
  /** https: verify the certificate chain and name. Default true. */
  tlsVerify?: boolean;
  /** https: PEM certificates to trust besides the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Reuse connections (HTTP/1.1 keep-alive) or open a fresh one each probe. Default true. */
  keepAlive?: boolean;
  /** keepAlive: connections per target at most. Default 2. */
  poolSize?: number;
  family?: 0 | 4 | 6;
  /** Whole-probe deadline, ms. */
  timeoutMs: number;
}

/** One probe's result: phases absent (undefined) when they did not happen on this probe. */
export interface HttpCheckResult {
  ok: boolean;
  failure: ProbeFailure | undefined;
  status: number | undefined;
  dnsMs: number | undefined;
  connectMs: number | undefined;
  tlsMs: number | undefined;
  ttfbMs: number | undefined;
  totalMs: number;
  /** The response came over a pooled connection opened by an earlier probe. */
  reused: boolean;
  redirects: number;
  bodyBytes: number;
  /** The body was cut at maxBodyBytes. */
  truncated: boolean;
  /** https: the peer (leaf) certificate's notAfter (Unix ms) and days from now to it. */
  certNotAfterMs: number | undefined;
  certDaysLeft: number | undefined;
}

/** A prepared HTTP(S) probe of one target. close() releases its pool. */
export class HttpCheck {
  readonly url: URL;
  readonly method: HttpProbeMethod;
  readonly timeoutMs: number;
  readonly keepAlive: boolean;
  private readonly headers: Record<string, string>;
  private readonly body: Buffer | undefined;
  private readonly statusOk: Uint8Array;
  private readonly mustMatch: RegExp | undefined;
  private readonly mustNotMatch: RegExp | undefined;
  private readonly maxBodyBytes: number;
  private readonly maxRedirects: number;
  private readonly tlsVerify: boolean;
  private readonly ca: HttpCheckOptions['ca'];
  private readonly family: 0 | 4 | 6;
  private readonly address: string | undefined;
  private readonly agent: http.Agent | undefined;
  /** notAfter (Unix ms) of the certificate a pooled TLS connection was opened with. */
  private readonly certOf = new WeakMap<Socket, number>();

  constructor(options: HttpCheckOptions) {
    this.url = checkHttpUrl(options.url);
    this.timeoutMs = checkTimeout(options.timeoutMs);
    this.family = checkFamily(options.family);
    const method = options.method ?? (options.body !== undefined ? 'POST' : 'GET');
    if (!HTTP_CHECK_METHODS.includes(method)) {
      throw new EngineInputError('method', `method must be one of ${HTTP_CHECK_METHODS.join(', ')} (got ${JSON.stringify(method)})`);
    }
    this.method = method;
    if (options.body !== undefined && typeof options.body !== 'string') throw new EngineInputError('body', 'body must be a string');
    this.body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
    this.headers = { 'user-agent': USER_AGENT, accept: '*/*', ...checkedHeaders(options.headers ?? {}) };
    if (this.body) this.headers['content-length'] = String(this.body.byteLength);
    if (options.address !== undefined) {
      if (net.isIP(options.address) === 0) throw new EngineInputError('address', `address must be an IP address (got ${JSON.stringify(options.address)})`);
      this.address = options.address;
      this.headers.host ??= this.url.host;
    }
    this.statusOk = statusSet(options.expectStatus);
    this.mustMatch = compile(options.bodyMatches, 'bodyMatches');
    this.mustNotMatch = compile(options.bodyNotMatches, 'bodyNotMatches');
    this.maxBodyBytes = intIn(options.maxBodyBytes ?? DEFAULT_HTTP_CHECK_MAX_BODY_BYTES, 0, MAX_HTTP_CHECK_BODY_BYTES, 'maxBodyBytes');
    this.maxRedirects = options.followRedirects === false ? 0 : intIn(options.maxRedirects ?? DEFAULT_HTTP_CHECK_MAX_REDIRECTS, 0, 50, 'maxRedirects');
    this.tlsVerify = options.tlsVerify !== false;
    this.ca = options.ca;
    this.keepAlive = options.keepAlive !== false;
    if (this.keepAlive) {
      const poolSize = intIn(options.poolSize ?? DEFAULT_HTTP_CHECK_POOL_SIZE, 1, 64, 'poolSize');
      const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: poolSize, maxFreeSockets: poolSize, scheduling: 'lifo' };
      this.agent = this.url.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    }
  }

  /** Connections this check holds open (pooled, in use or idle). */
  openConnections(): number {
    if (!this.agent) return 0;
    let n = 0;
    for (const list of Object.values(this.agent.sockets)) n += list?.length ?? 0;
    for (const list of Object.values(this.agent.freeSockets)) n += list?.length ?? 0;
    return n;
  }

  /** Closes the pooled connections; a probe still running ends as it would (reset). */
  close(): void {
    this.agent?.destroy();
  }

  /** One probe; never rejects (network and content failures are results). */
  run(signal?: AbortSignal): Promise<HttpCheckResult> {
    const start = monotonicNs();
    const result: HttpCheckResult = {
      ok: false, failure: undefined, status: undefined, dnsMs: undefined, connectMs: undefined, tlsMs: undefined, ttfbMs: undefined,
      totalMs: 0, reused: false, redirects: 0, bodyBytes: 0, truncated: false, certNotAfterMs: undefined, certDaysLeft: undefined,
    };
    const peer = this.url.href;
    if (signal?.aborted) return Promise.resolve(this.conclude(result, start, monotonicNs(), abortedFailure(peer)));
    return settleProbe<undefined, HttpCheckResult>(
      this.timeoutMs,
      signal,
      peer,
      (failure, end) => this.conclude(result, start, end, failure),
      (settle) => {
        let req: http.ClientRequest | undefined;
        let done = false;
        const hop = (url: URL): void => {
          req = this.request(url, start, result, (outcome) => {
            if (outcome.kind === 'redirect') {
              result.redirects++;
              hop(outcome.location);
              return;
            }
            done = outcome.reusable;
            settle(outcome.failure);
          });
        };
        try {
          hop(this.url);
        } catch (error) {
          settle(failureFromError(error, peer));
        }
        // A probe that ended cleanly left its connection to the pool; any other end destroys it.
        return () => {
          if (!done) req?.destroy();
        };
      },
    );
  }

  private conclude(result: HttpCheckResult, start: bigint, end: bigint, failure: ProbeFailure | undefined): HttpCheckResult {
    result.totalMs = Number(end - start) / 1e6;
    result.failure = failure;
    result.ok = failure === undefined;
    if (result.certNotAfterMs !== undefined) result.certDaysLeft = (result.certNotAfterMs - Date.now()) / MS_PER_DAY;
    return result;
  }

  /** One request (one hop). `end` is called once, with a redirect to follow or the final failure (undefined: ok). */
  private request(url: URL, start: bigint, result: HttpCheckResult, end: (outcome: HopEnd) => void): http.ClientRequest {
    const isHttps = url.protocol === 'https:';
    const sameOrigin = url.origin === this.url.origin;
    const options: https.RequestOptions = {
      method: this.method,
      headers: this.headers,
      // the pool serves the target's own origin; a redirect elsewhere gets a connection of its own
      agent: this.agent !== undefined && sameOrigin ? this.agent : false,
      family: this.family,
    };
    if (this.address !== undefined && sameOrigin) {
      options.host = this.address;
      if (isHttps) options.servername = net.isIP(url.hostname.replace(/^\[|\]$/g, '')) ? '' : url.hostname;
    }
    if (isHttps) {
      options.rejectUnauthorized = this.tlsVerify;
      if (this.ca !== undefined) options.ca = this.ca;
    }
    const peer = url.href;
    const req = (isHttps ? https : http).request(url, options);
    let connectStart = start;
    let connectAt: bigint | undefined;

    req.once('socket', (socket: Socket) => {
      if (req.reusedSocket) {
        result.reused = true;
        const notAfter = this.certOf.get(socket);
        if (notAfter !== undefined) result.certNotAfterMs = notAfter;
      } else {
        // listeners only on a new socket: a pooled one would collect them probe after probe
        socket.once('lookup', () => {
          const at = monotonicNs();
          result.dnsMs = (result.dnsMs ?? 0) + Number(at - connectStart) / 1e6;
          connectStart = at;
        });
        socket.once('connect', () => {
          connectAt = monotonicNs();
          result.connectMs = (result.connectMs ?? 0) + Number(connectAt - connectStart) / 1e6;
        });
        if (isHttps) {
          socket.once('secureConnect', () => {
            const at = monotonicNs();
            if (connectAt !== undefined) result.tlsMs = (result.tlsMs ?? 0) + Number(at - connectAt) / 1e6;
            const cert = (socket as TLSSocket).getPeerX509Certificate();
            if (cert) {
              const notAfter = Date.parse(cert.validTo);
              if (Number.isFinite(notAfter)) {
                result.certNotAfterMs = notAfter;
                this.certOf.set(socket, notAfter);
              }
            }
          });
        }
      }
      socket.once('data', () => {
        result.ttfbMs = Number(monotonicNs() - start) / 1e6;
      });
    });
    req.once('error', (error) => end({ kind: 'end', failure: failureFromError(error, peer), reusable: false }));
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      result.status = status;
      if (status >= 300 && status < 400 && result.redirects < this.maxRedirects && res.headers.location !== undefined) {
        let location: URL;
        try {
          location = new URL(res.headers.location, url);
        } catch {
          res.resume();
          end({ kind: 'end', failure: { kind: 'protocol', message: `redirect from ${peer} to an invalid Location: ${JSON.stringify(res.headers.location)}` }, reusable: false });
          return;
        }
        if (location.protocol !== 'http:' && location.protocol !== 'https:') {
          res.resume();
          end({ kind: 'end', failure: { kind: 'protocol', message: `redirect from ${peer} to ${location.protocol} (only http: and https: are followed)` }, reusable: false });
          return;
        }
        // drain the redirect's body so its connection goes back to the pool
        res.once('end', () => end({ kind: 'redirect', location }));
        res.once('error', (error) => end({ kind: 'end', failure: failureFromError(error, peer), reusable: false }));
        res.resume();
        return;
      }
      const statusFailure: ProbeFailure | undefined = status < this.statusOk.length && this.statusOk[status] === 1
        ? undefined
        : { kind: 'http-status', message: `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} from ${peer} is not an expected status` };
      const matching = statusFailure === undefined && (this.mustMatch !== undefined || this.mustNotMatch !== undefined);
      const chunks: Buffer[] | undefined = matching ? [] : undefined;
      const finish = (reusable: boolean): void => {
        const failure = chunks === undefined ? statusFailure : this.bodyFailure(Buffer.concat(chunks, result.bodyBytes).toString('utf8'), peer);
        end({ kind: 'end', failure, reusable });
      };
      let ended = false;
      res.on('data', (chunk: Buffer) => {
        if (ended) return;
        const room = this.maxBodyBytes - result.bodyBytes;
        if (chunk.length > room) {
          // past the bound: judge what was read, and drop the connection (its body is unread)
          ended = true;
          result.truncated = true;
          result.bodyBytes += room;
          if (chunks !== undefined && room > 0) chunks.push(chunk.subarray(0, room));
          finish(false);
          return;
        }
        result.bodyBytes += chunk.length;
        chunks?.push(chunk);
      });
      res.once('end', () => {
        if (ended) return;
        ended = true;
        finish(true);
      });
      res.once('error', (error) => end({ kind: 'end', failure: failureFromError(error, peer), reusable: false }));
      res.once('close', () => {
        if (!ended && !res.complete) {
          ended = true;
          end({ kind: 'end', failure: { kind: 'reset', message: `connection closed by ${peer} before the response body ended` }, reusable: false });
        }
      });
    });
    req.end(this.body);
    return req;
  }

  private bodyFailure(text: string, peer: string): ProbeFailure | undefined {
    if (this.mustMatch !== undefined && !this.mustMatch.test(text)) {
      return { kind: 'body', message: `the body from ${peer} does not match /${this.mustMatch.source}/` };
    }
    if (this.mustNotMatch !== undefined && this.mustNotMatch.test(text)) {
      return { kind: 'body', message: `the body from ${peer} matches /${this.mustNotMatch.source}/, which it must not` };
    }
    return undefined;
  }
}

/** A hop ends with a redirect to follow or the final outcome; `reusable`: the response was read
 *  to its end, so its connection may go back to the pool. */
type HopEnd = { kind: 'redirect'; location: URL } | { kind: 'end'; failure: ProbeFailure | undefined; reusable: boolean };

/** Days to a certificate's expiry at or under which "cert expires soon" holds. */
export function certExpiresSoon(result: Pick<HttpCheckResult, 'certDaysLeft'>, thresholdDays: number): boolean {
  return result.certDaysLeft !== undefined && result.certDaysLeft < thresholdDays;
}

/** A lookup table status → accepted (1), from codes and "Nxx" classes; default 2xx. */
function statusSet(expect: ReadonlyArray<number | string> | undefined): Uint8Array {
  const ok = new Uint8Array(600);
  if (expect === undefined || expect.length === 0) {
    ok.fill(1, 200, 300);
    return ok;
  }
  if (!Array.isArray(expect)) throw new EngineInputError('expectStatus', 'expectStatus must be an array of status codes (200) or classes ("2xx")');
  for (const item of expect) {
    if (typeof item === 'number' && Number.isInteger(item) && item >= 100 && item <= 599) ok[item] = 1;
    else if (typeof item === 'string' && /^[1-5]xx$/i.test(item)) {
      const base = Number(item[0]) * 100;
      ok.fill(1, base, base + 100);
    } else if (typeof item === 'string' && /^[1-5]\d\d$/.test(item)) ok[Number(item)] = 1;
    else throw new EngineInputError('expectStatus', `expectStatus entries are status codes 100..599 or classes like "2xx" (got ${JSON.stringify(item)})`);
  }
  return ok;
}

function compile(source: string | undefined, field: string): RegExp | undefined {
  if (source === undefined) return undefined;
  if (typeof source !== 'string' || source.length === 0 || source.length > 1000) {
    throw new EngineInputError(field, `${field} must be a regular expression of 1 to 1000 characters`);
  }
  try {
    return new RegExp(source);
  } catch (error) {
    throw new EngineInputError(field, `${field} is not a valid regular expression: ${(error as Error).message}`);
  }
}

function intIn(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EngineInputError(field, `${field} must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
  return value;
}
