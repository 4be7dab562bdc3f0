// The two framings of POST /v1/ping:stream, chosen by Accept: SSE (`event: item` frames and a
// final `event: close`) or NDJSON (one JSON object per line; also the default).
import { preferredMediaType } from '../../http/encoding.js';

export interface Framing {
  contentType: string;
  /** Written before any event (SSE: a comment, so that the headers leave at once). */
  preamble: string;
  item(json: string): string;
  /** The end of the stream. */
  close: string;
}

export const SSE: Framing = {
  contentType: 'text/event-stream; charset=utf-8',
  preamble: ': sonde ping stream\n\n',
  item: (json) => `event: item\ndata: ${json}\n\n`,
  close: 'event: close\ndata: {"type":"completed"}\n\n',
};

export const NDJSON: Framing = {
  contentType: 'application/x-ndjson',
  preamble: '',
  item: (json) => `${json}\n`,
  close: '',
};

// Offered with the parameter SSE is sent with, so that an Accept naming it matches too.
const OFFERED = ['application/x-ndjson', 'text/event-stream;charset=utf-8'] as const;

/**
 * The framing the Accept header prefers by q-value (NDJSON on a tie and without Accept), or
 * null when it accepts neither (the route answers 406).
 */
export function framingFor(accept: string): Framing | null {
  const type = preferredMediaType(accept, OFFERED);
  return type === null ? null : type === 'application/x-ndjson' ? NDJSON : SSE;
}
