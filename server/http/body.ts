// Reading a request body with a size limit. The caller must have attached res.onAborted
// already (uWS requires it before any asynchronous work) and passes in an `aborted` probe.
import type { HttpResponse } from '../uws.js';
import { HttpError } from './errors.js';

/** Bytes of an oversized body that are read and dropped before the 413 goes out: a client
 *  still writing its body reads the answer (and may keep the connection) instead of meeting
 *  a connection closed under it (EPIPE, or a reset that loses the answer). A body longer
 *  than the limit plus this is answered at once and the connection closed. */
export const DISCARD_BYTES = 16 * 1024 * 1024;

/** A 413; `closeConnection` when the rest of the body was not read. */
export class BodyTooLarge extends HttpError {
  constructor(limit: number, got: number | undefined, readonly closeConnection: boolean) {
    super(413, `request body too large: the limit is ${limit} bytes, got ${got === undefined ? 'more than that' : `${got} bytes`}`,
      'send a smaller body or raise http.bodyLimit in the config');
  }
}

/**
 * Resolves with the whole body, or rejects with a BodyTooLarge once it exceeds `limit`: after
 * reading (and dropping, never buffering) the rest of it up to DISCARD_BYTES, so that the
 * answer arrives where the client reads it. Never settles if the client aborts; the
 * pipeline's onAborted handler covers that case.
 */
export function readBody(res: HttpResponse, limit: number, declaredLength: number): Promise<Buffer> {
  if (declaredLength > limit + DISCARD_BYTES) return Promise.reject(new BodyTooLarge(limit, declaredLength, true));
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let discarding = false;
    let settled = false;
    res.onData((chunk, isLast) => {
      if (settled) return;
      size += chunk.byteLength;
      if (size > limit && !discarding) {
        discarding = true;
        chunks = [];
      }
      if (discarding) {
        if (isLast) reject(new BodyTooLarge(limit, size, false));
        else if (size > limit + DISCARD_BYTES) reject(new BodyTooLarge(limit, undefined, true));
        else return;
        settled = true;
        return;
      }
      // uWS neuters the ArrayBuffer after the callback returns: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (isLast) {
        settled = true;
        resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
      }
    });
  });
}

/**
 * Reads and drops the body of a request answered without it (no route, a method the route
 * lacks), then calls `answer`: a client still writing its body reads the answer and keeps its
 * connection, as with a 413. A body declared or sent longer than DISCARD_BYTES is answered at
 * once, and `answer` is told to close the connection. Nothing is answered after an abort.
 */
export function discardBody(res: HttpResponse, declaredLength: number, answer: (close: boolean) => void): void {
  if (declaredLength > DISCARD_BYTES) {
    answer(true);
    return;
  }
  let aborted = false;
  let done = false;
  let size = 0;
  res.onAborted(() => { aborted = true; });
  res.onData((chunk, isLast) => {
    if (done) return;
    size += chunk.byteLength;
    if (!isLast && size <= DISCARD_BYTES) return;
    done = true;
    if (!aborted) answer(!isLast);
  });
}

/** JSON.parse with a 400 that says where the JSON broke. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) {
    throw new HttpError(400, 'request body is empty: expected a JSON document', 'send Content-Type: application/json with a JSON body');
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new HttpError(400, `malformed JSON in request body: ${reason}`);
  }
}
