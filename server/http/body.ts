// Reading a request body with a size limit. The caller must have attached res.onAborted
// already (uWS requires it before any asynchronous work) and passes in an `aborted` probe.
import type { HttpResponse } from '../uws.js';
import { HttpError } from './errors.js';

export function tooLarge(limit: number, got?: number): HttpError {
  const seen = got === undefined ? 'more than that' : `${got} bytes`;
  return new HttpError(413, `request body too large: the limit is ${limit} bytes, got ${seen}`,
    'send a smaller body or raise http.bodyLimit in the config');
}

/**
 * Resolves with the whole body, or rejects with a 413 HttpError as soon as it exceeds
 * `limit` (the rest of the upload is not buffered). Never settles if the client aborts;
 * the pipeline's onAborted handler covers that case.
 */
export function readBody(res: HttpResponse, limit: number, declaredLength: number): Promise<Buffer> {
  if (declaredLength > limit) return Promise.reject(tooLarge(limit, declaredLength));
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        chunks = [];
        reject(tooLarge(limit));
        return;
      }
      // uWS neuters the ArrayBuffer after the callback returns: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk).slice()));
      if (isLast) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
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
