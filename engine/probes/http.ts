// HTTP/HTTPS probe (blackbox_exporter's prober/http.go, trimmed): one request on a fresh
// connection, timed from the request's socket events — name resolution ('lookup'), TCP
// connect ('connect'), TLS ('secureConnect'), request written ('finish'), first response
// byte (the socket's first 'data'), body end — plus the server's own receive/send times
// from a Server-Timing header when the endpoint sends one (see server-timing.ts).
//
// node:http rather than undici: undici's fetch exposes no per-phase events (only a
// resource-timing entry after the fact), while the socket events give each phase directly
// and work the same for http and https.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { EngineInputError } from '../types.js';
import { elapsedMs, monotonicNs, toUnixNs } from './clock.js';
import { abortedFailure, failureFromError } from './failure.js';
import { deriveServerTimes, parseServerTiming, type ServerTimingMetric } from './server-timing.js';
import { settleProbe } from './settle.js';
import type { ProbeFailure, ProbeOutcomeBase, ProbeRequestBase } from './types.js';
import { checkFamily, checkTimeout } from './validate.js';

export type HttpProbeMethod = 'GET' | 'POST' | 'HEAD' | 'PUT';

export interface HttpProbeRequest extends ProbeRequestBase {
  /** An http: or https: URL. */
  url: string;
  /** Default: POST when a body is given, else GET. */
  method?: HttpProbeMethod;
  body?: Uint8Array | string;
  /** Extra request headers (e.g. content-type, modelHeaders(…), authorization). */
  headers?: Record<string, string>;
  /** https: accept any certificate (self-signed lab endpoints). Default false. */
  insecureSkipVerify?: boolean;
  /** https: certificates (PEM) to trust in addition to the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Address family for a DNS name: 4, 6, or 0 (default) for either. */
  family?: 0 | 4 | 6;
  /** Read at most this many response body bytes (default 1 MiB); the rest is dropped and `truncated` set. */
  maxBodyBytes?: number;
}

/** Phase durations in ms. A phase that did not happen (IP literal: no DNS; http: no TLS) is absent. */
export interface HttpPhases {
  dnsMs?: number;
  /** TCP handshake. */
  connectMs?: number;
  tlsMs?: number;
  /** Connection ready → request fully written. */
  sendMs?: number;
  /** Request written → first response byte: server time plus one round trip. */
  waitMs?: number;
  /** Probe start → first response byte (time to first byte, including DNS/connect/TLS). */
  firstByteMs?: number;
  /** First response byte → end of body. */
  transferMs?: number;
}

/** Client-side instants (Unix-epoch ns) and the server's, when Server-Timing gave them. */
export interface HttpTiming {
  requestSentUnixNs?: bigint;
  firstByteUnixNs?: bigint;
  responseEndUnixNs?: bigint;
  serverReceivedUnixNs?: bigint;
  serverSendUnixNs?: bigint;
  /** True when the server times were estimated from a Server-Timing duration. */
  serverTimesEstimated?: boolean;
}

export interface HttpTlsInfo {
  protocol?: string;
  cipher?: string;
  /** Whether the certificate chain verified (false under insecureSkipVerify with a self-signed cert). */
  authorized: boolean;
  authorizationError?: string;
}

export interface HttpProbeOutcome extends ProbeOutcomeBase {
  kind: 'http';
  url: string;
  method: HttpProbeMethod;
  address?: string;
  family?: 4 | 6;
  status?: number;
  statusText?: string;
  httpVersion?: string;
  /** Request body bytes written. */
  bytesSent: number;
  /** Response body bytes received (up to maxBodyBytes). */
  bytesReceived: number;
  truncated?: boolean;
  phases: HttpPhases;
  timing: HttpTiming;
  serverTiming: ServerTimingMetric[];
  /** Response headers, lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  tls?: HttpTlsInfo;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const USER_AGENT = 'sonde-probe/0.1';

export async function probeHttp(request: HttpProbeRequest): Promise<HttpProbeOutcome> {
  const url = checkHttpUrl(request.url);
  const timeoutMs = checkTimeout(request.timeoutMs);
  const family = checkFamily(request.family);
  const body = request.body === undefined ? undefined : typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body;
  const method: HttpProbeMethod = request.method ?? (body ? 'POST' : 'GET');
  if (!['GET', 'POST', 'HEAD', 'PUT'].includes(method)) {
    throw new EngineInputError('method', `method must be GET, POST, HEAD or PUT (got ${JSON.stringify(method)})`);
  }
  const maxBodyBytes = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new EngineInputError('maxBodyBytes', `maxBodyBytes must be a non-negative integer (got ${String(maxBodyBytes)})`);
  }
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*', ...checkedHeaders(request.headers ?? {}) };
  if (body) headers['content-length'] = String(body.byteLength);
  const isHttps = url.protocol === 'https:';
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const peer = url.href;

  const start = monotonicNs();
  let lookupAt: bigint | undefined;
  let connectAt: bigint | undefined;
  let tlsAt: bigint | undefined;
  let sentAt: bigint | undefined;
  let firstByteAt: bigint | undefined;
  let address: string | undefined = net.isIP(hostname) ? hostname : undefined;
  let addressFamily: 4 | 6 | undefined = net.isIPv4(hostname) ? 4 : net.isIPv6(hostname) ? 6 : undefined;
  let response: http.IncomingMessage | undefined;
  let bytesReceived = 0;
  let truncated = false;
  let tls: HttpTlsInfo | undefined;

  const finish = (end: bigint, failure?: ProbeFailure): HttpProbeOutcome => {
    const headers = response ? flattenHeaders(response.headers) : {};
    const serverTiming = response ? parseServerTiming(response.headers['server-timing']) : [];
    const timing: HttpTiming = {};
    if (sentAt !== undefined) timing.requestSentUnixNs = toUnixNs(sentAt);
    if (firstByteAt !== undefined) timing.firstByteUnixNs = toUnixNs(firstByteAt);
    if (response && failure?.kind !== 'timeout' && failure?.kind !== 'aborted') timing.responseEndUnixNs = toUnixNs(end);
    if (timing.firstByteUnixNs !== undefined && serverTiming.length > 0) {
      const server = deriveServerTimes(serverTiming, timing.requestSentUnixNs ?? toUnixNs(connectAt ?? start), timing.firstByteUnixNs);
      if (server) {
        timing.serverReceivedUnixNs = server.serverReceivedUnixNs;
        timing.serverSendUnixNs = server.serverSendUnixNs;
        timing.serverTimesEstimated = server.estimated;
      }
    }
    const phases: HttpPhases = {};
    if (lookupAt !== undefined) phases.dnsMs = elapsedMs(start, lookupAt);
    if (connectAt !== undefined) phases.connectMs = elapsedMs(lookupAt ?? start, connectAt);
    if (tlsAt !== undefined && connectAt !== undefined) phases.tlsMs = elapsedMs(connectAt, tlsAt);
    const readyAt = tlsAt ?? connectAt;
    if (sentAt !== undefined && readyAt !== undefined) phases.sendMs = elapsedMs(readyAt, sentAt);
    if (firstByteAt !== undefined) {
      phases.firstByteMs = elapsedMs(start, firstByteAt);
      if (sentAt !== undefined && sentAt <= firstByteAt) phases.waitMs = elapsedMs(sentAt, firstByteAt);
      if (timing.responseEndUnixNs !== undefined) phases.transferMs = elapsedMs(firstByteAt, end);
    }
    const outcome: HttpProbeOutcome = {
      kind: 'http',
      ok: failure === undefined,
      startedAtUnixNs: toUnixNs(start),
      endedAtUnixNs: toUnixNs(end),
      totalMs: elapsedMs(start, end),
      url: url.href,
      method,
      bytesSent: sentAt !== undefined ? (body?.byteLength ?? 0) : 0,
      bytesReceived,
      phases,
      timing,
      serverTiming,
      headers,
    };
    if (failure) outcome.failure = failure;
    if (address !== undefined) outcome.address = address;
    if (addressFamily !== undefined) outcome.family = addressFamily;
    if (response) {
      outcome.status = response.statusCode;
      if (response.statusMessage) outcome.statusText = response.statusMessage;
      outcome.httpVersion = response.httpVersion;
    }
    if (truncated) outcome.truncated = true;
    if (tls) outcome.tls = tls;
    return outcome;
  };

  if (request.signal?.aborted) return finish(monotonicNs(), abortedFailure(peer));

  const options: https.RequestOptions = {
    method,
    headers,
    agent: false, // a fresh connection per probe, so every phase is measured
    family,
  };
  if (isHttps) {
    options.rejectUnauthorized = !request.insecureSkipVerify;
    if (request.ca !== undefined) options.ca = request.ca;
  }

  return settleProbe<undefined, HttpProbeOutcome>(
    timeoutMs,
    request.signal,
    peer,
    (failure, end) => finish(end, failure),
    (settle) => {
      const req = (isHttps ? https : http).request(url, options);

      req.once('socket', (socket) => {
        socket.once('lookup', (error: Error | null, resolved: string, resolvedFamily: number | string | null) => {
          lookupAt = monotonicNs();
          if (!error) {
            address = resolved;
            addressFamily = resolvedFamily === 6 || resolvedFamily === 'IPv6' ? 6 : 4;
          }
        });
        socket.once('connect', () => {
          connectAt = monotonicNs();
        });
        if (isHttps) {
          socket.once('secureConnect', () => {
            tlsAt = monotonicNs();
            const tlsSocket = socket as TLSSocket;
            tls = { authorized: tlsSocket.authorized };
            const protocol = tlsSocket.getProtocol();
            if (protocol) tls.protocol = protocol;
            const cipher = tlsSocket.getCipher();
            if (cipher) tls.cipher = cipher.name;
            if (tlsSocket.authorizationError) tls.authorizationError = String(tlsSocket.authorizationError);
          });
        }
        socket.once('data', () => {
          firstByteAt ??= monotonicNs();
        });
      });
      req.once('finish', () => {
        sentAt = monotonicNs();
      });
      req.once('error', (error) => settle(failureFromError(error, peer)));
      req.once('response', (res) => {
        firstByteAt ??= monotonicNs();
        response = res;
        const status = res.statusCode ?? 0;
        const statusFailure: ProbeFailure | undefined =
          status >= 200 && status < 300
            ? undefined
            : { kind: 'http-status', message: `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} from ${peer}` };
        res.on('data', (chunk: Buffer) => {
          const room = maxBodyBytes - bytesReceived;
          if (chunk.length > room) {
            bytesReceived += Math.max(room, 0);
            truncated = true;
            settle(statusFailure);
            return;
          }
          bytesReceived += chunk.length;
        });
        res.once('end', () => settle(statusFailure));
        res.once('error', (error) => settle(failureFromError(error, peer)));
        res.once('close', () => {
          if (!res.complete) settle({ kind: 'reset', message: `connection closed by ${peer} before the response body ended` });
        });
      });

      req.end(body);
      return () => req.destroy();
    },
  );
}

/** The request's URL, parsed; an input error unless http: or https:. */
export function checkHttpUrl(text: unknown): URL {
  if (typeof text !== 'string') throw new EngineInputError('url', 'url must be a string');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EngineInputError('url', `url is not a valid URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EngineInputError('url', `url must use http: or https: (got ${url.protocol})`);
  }
  return url;
}

/** Lower-cases names and checks every header the way node:http would, but as input errors. */
export function checkedHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    } catch (error) {
      throw new EngineInputError('headers', `header ${JSON.stringify(name)} is not a valid HTTP header: ${(error as Error).message}`);
    }
    out[name.toLowerCase()] = String(value);
  }
  return out;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
