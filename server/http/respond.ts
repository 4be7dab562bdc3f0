// Writing responses. Status, headers and body leave in one syscall: uWS corks the socket
// while a handler runs, and an answer written later (after an await) is wrapped in res.cork.
// Constant strings (status lines, header names, content types) are handed to uWS as bytes
// encoded once, which spares a UTF-8 conversion per header per request.
import type { RateLimitDecision } from '../../engine/index.js';
import type { HttpResponse } from '../uws.js';
import { startStream, type StreamingBody } from './stream.js';

const STATUS_LINE: Record<number, string> = {
  200: '200 OK', 201: '201 Created', 202: '202 Accepted', 204: '204 No Content',
  400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found',
  405: '405 Method Not Allowed', 406: '406 Not Acceptable', 409: '409 Conflict', 413: '413 Payload Too Large',
  415: '415 Unsupported Media Type', 429: '429 Too Many Requests', 500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export function statusLine(status: number): string {
  return STATUS_LINE[status] ?? String(status);
}

export interface OutgoingResponse {
  status: number;
  /** Serialized with JSON.stringify unless it is already a string/Buffer (then sent as is). */
  body?: unknown;
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
  /** Close the connection after this response (used when the request body was not read). */
  close?: boolean;
  /** A streamed body (stream.ts) instead of `body`: status and headers go out, then it takes the response over. */
  stream?: StreamingBody;
}

/** A string uWS would otherwise convert on every call, as bytes encoded once. */
const encoded = new Map<string, Uint8Array>();
const MAX_ENCODED = 512; // header names and content types are few; beyond this, no memo

function bytes(text: string): Uint8Array | string {
  const known = encoded.get(text);
  if (known !== undefined) return known;
  if (encoded.size >= MAX_ENCODED) return text;
  const b = Buffer.from(text, 'utf8');
  encoded.set(text, b);
  return b;
}

const STATUS_BYTES = new Map<number, Uint8Array>(Object.entries(STATUS_LINE).map(([k, v]) => [Number(k), Buffer.from(v, 'latin1')]));
const CONTENT_TYPE = Buffer.from('Content-Type', 'latin1');
const CONTENT_LENGTH = Buffer.from('Content-Length', 'latin1');
const RATE_LIMIT = Buffer.from('X-RateLimit-Limit-second', 'latin1');
const RATE_REMAINING = Buffer.from('X-RateLimit-Remaining-second', 'latin1');
const RATE_POLICY = Buffer.from('RateLimit-Policy', 'latin1');
const JSON_TYPE = Buffer.from('application/json', 'latin1');
const TEXT_TYPE = Buffer.from('text/plain; charset=utf-8', 'latin1');

function write(res: HttpResponse, status: number, contentType: Uint8Array | string | undefined, payload: string | Buffer | undefined,
  out: OutgoingResponse, rate: RateLimitDecision | null, extraHeaders: Readonly<Record<string, string>> | undefined, head: boolean): void {
  // 200 is what uWS sends when no status is written.
  if (status !== 200) res.writeStatus(STATUS_BYTES.get(status) ?? String(status));
  if (contentType !== undefined && (payload !== undefined || head)) res.writeHeader(CONTENT_TYPE, contentType);
  if (rate !== null) {
    res.writeHeader(RATE_LIMIT, String(rate.limit));
    res.writeHeader(RATE_REMAINING, String(rate.remaining));
    res.writeHeader(RATE_POLICY, rate.policy);
  }
  if (extraHeaders !== undefined) for (const k in extraHeaders) res.writeHeader(bytes(k), extraHeaders[k]);
  const headers = out.headers;
  if (headers !== undefined) for (const k in headers) res.writeHeader(bytes(k), headers[k]);
  // endWithoutBody(undefined, …) does not count as an answer in this uWS build: no args;
  // nor does endWithoutBody(length), so a HEAD answer writes its Content-Length itself (the
  // length GET would send, RFC 9110 §9.3.2) and ends with no args, keeping the connection.
  if (head) {
    if (payload !== undefined && status !== 204) res.writeHeader(CONTENT_LENGTH, String(Buffer.byteLength(payload)));
    res.endWithoutBody();
  } else if (status === 204) {
    if (out.close === true) res.endWithoutBody(0, true);
    else res.endWithoutBody();
  } else res.end(payload ?? '', out.close === true);
}

/**
 * Writes the whole response. `corked`: the caller is inside the uWS request handler (uWS has
 * corked the socket already); false after an await. `rate`: the key's rate-limit decision,
 * written as the X-RateLimit-* headers. `head`: the answer to a HEAD request, GET's status and
 * headers without the body (a streamed body is not started: its onAbort is called). Serialization
 * happens before anything is written, so a body that cannot be serialized throws with the
 * response still untouched.
 */
export function sendResponse(res: HttpResponse, out: OutgoingResponse, corked: boolean, rate: RateLimitDecision | null = null,
  extraHeaders?: Readonly<Record<string, string>>, head = false): void {
  if (out.stream !== undefined && !head) {
    const rateHeaders = rate === null ? undefined : {
      'X-RateLimit-Limit-second': String(rate.limit), 'X-RateLimit-Remaining-second': String(rate.remaining), 'RateLimit-Policy': rate.policy,
    };
    startStream(res, statusLine(out.status), out.contentType ?? 'application/octet-stream', [rateHeaders, extraHeaders, out.headers], out.stream);
    return;
  }
  let payload: string | Buffer | undefined;
  let contentType: Uint8Array | string | undefined;
  const status = out.status;
  if (out.stream !== undefined) {
    // HEAD of a streamed GET: its length is not known up front, so no Content-Length
    out.stream.onAbort?.();
    payload = undefined;
    contentType = bytes(out.contentType ?? 'application/octet-stream');
  } else if (out.body === undefined || status === 204) {
    payload = undefined;
  } else if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) {
    payload = out.body;
    contentType = out.contentType !== undefined ? bytes(out.contentType) : TEXT_TYPE;
  } else {
    payload = JSON.stringify(out.body);
    contentType = out.contentType !== undefined ? bytes(out.contentType) : JSON_TYPE;
  }
  if (corked) write(res, status, contentType, payload, out, rate, extraHeaders, head);
  else res.cork(() => write(res, status, contentType, payload, out, rate, extraHeaders, head));
}

/** Writes the whole response (status, headers and body in one corked write; no body for HEAD). */
export function writeResponse(res: HttpResponse, out: OutgoingResponse, extraHeaders?: Readonly<Record<string, string>>, head = false): void {
  sendResponse(res, out, false, null, extraHeaders, head);
}
