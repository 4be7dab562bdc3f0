// Writing responses. Everything is written inside res.cork so that status, headers and body
// leave in one syscall, also when we answer after an await.
import type { HttpResponse } from '../uws.js';
import { startStream, type StreamingBody } from './stream.js';

const STATUS_LINE: Record<number, string> = {
  200: '200 OK', 201: '201 Created', 202: '202 Accepted', 204: '204 No Content',
  400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found',
  405: '405 Method Not Allowed', 409: '409 Conflict', 413: '413 Payload Too Large',
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

/** Writes the whole response (status, headers and body in one corked write). */
export function writeResponse(res: HttpResponse, out: OutgoingResponse, extraHeaders?: Readonly<Record<string, string>>): void {
  if (out.stream !== undefined) {
    startStream(res, statusLine(out.status), out.contentType ?? 'application/octet-stream', [extraHeaders, out.headers], out.stream);
    return;
  }
  let payload: string | Buffer | undefined;
  let contentType = out.contentType;
  if (out.body === undefined || out.status === 204) {
    payload = undefined;
  } else if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) {
    payload = out.body;
    contentType ??= 'text/plain; charset=utf-8';
  } else {
    payload = JSON.stringify(out.body);
    contentType ??= 'application/json';
  }
  res.cork(() => {
    res.writeStatus(statusLine(out.status));
    if (contentType !== undefined && payload !== undefined) res.writeHeader('Content-Type', contentType);
    if (extraHeaders !== undefined) for (const k in extraHeaders) res.writeHeader(k, extraHeaders[k]);
    if (out.headers !== undefined) for (const k in out.headers) res.writeHeader(k, out.headers[k]);
    // endWithoutBody(undefined, …) does not count as an answer in this uWS build: no args.
    if (out.status === 204) {
      if (out.close === true) res.endWithoutBody(0, true);
      else res.endWithoutBody();
    }
    else res.end(payload ?? '', out.close === true);
  });
}
