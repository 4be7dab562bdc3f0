// The two framings of POST /v1/ping:stream, chosen by Accept: SSE (`event: item` frames and a
// final `event: close`) or NDJSON (one JSON object per line; also the default).

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

/** SSE when Accept names text/event-stream before application/x-ndjson, NDJSON otherwise. */
export function framingFor(accept: string): Framing {
  const lower = accept.toLowerCase();
  const sse = lower.indexOf('text/event-stream');
  if (sse === -1) return NDJSON;
  const ndjson = lower.indexOf('application/x-ndjson');
  return ndjson === -1 || sse < ndjson ? SSE : NDJSON;
}
