// Streamed response bodies (SSE, NDJSON) with uWS backpressure.
//
// uWS's res.write() never refuses data: when the socket cannot take a chunk it keeps it and
// returns false. So the producer must stop at that signal: from the first false on, further
// chunks wait here (bounded: the producer is paused, only results already in flight arrive)
// and backpressure() hands the producer a promise that settles when the socket drains.
// On writable, the held chunks go out in one write — a write also flushes what uWS holds —
// or, with nothing held, an empty cork flushes uWS's own buffer (with an onWritable handler
// registered uWS does not drain by itself). getWriteOffset()/tryEnd() are for bodies of a
// known length and are not used: a stream's length is not known up front.
// A client that takes nothing for uWS's HTTP timeout (10 s) after a refused write is
// disconnected by uWS, which aborts the stream like any disconnect.
import type { HttpResponse } from '../uws.js';

export interface ResponseStream {
  /** Queues one chunk; false when the client is behind (the chunk is kept, stop producing). */
  write(chunk: string): boolean;
  /** null when the client keeps up; else a promise that settles when it has drained or left. */
  backpressure(): Promise<void> | null;
  /** Sends what is held plus `last` and ends the response. */
  end(last?: string): void;
  /** True once the client has disconnected before the end. */
  readonly aborted: boolean;
  /** Bytes held here (not yet handed to uWS) because the client is behind. */
  readonly heldBytes: number;
}

export interface StreamingBody {
  /** Called once, after the status and headers are queued; the response belongs to the stream from then on. */
  start(stream: ResponseStream): void;
  /** Written first, e.g. an SSE comment so that the client gets the headers before any event. */
  preamble?: string;
  /** Called once if the client disconnects before the end. */
  onAbort?(): void;
}

export function startStream(
  res: HttpResponse,
  statusLine: string,
  contentType: string,
  headerSets: ReadonlyArray<Readonly<Record<string, string>> | undefined>,
  body: StreamingBody,
): void {
  let closed = false;
  let aborted = false;
  let backlogged = false;
  let held: string[] = [];
  let heldBytes = 0;
  let drained: Promise<void> | null = null;
  let settleDrained: (() => void) | null = null;

  const release = (): void => {
    backlogged = false;
    const settle = settleDrained;
    drained = null;
    settleDrained = null;
    settle?.();
  };

  res.onAborted(() => {
    closed = true;
    aborted = true;
    held = [];
    heldBytes = 0;
    release();
    body.onAbort?.();
  });
  res.onWritable(() => {
    if (closed) return true;
    if (held.length > 0) {
      const data = held.length === 1 ? held[0] : held.join('');
      held = [];
      heldBytes = 0;
      let ok = false;
      res.cork(() => { ok = res.write(data); });
      if (!ok) return false;
    } else {
      res.cork(() => {});
    }
    release();
    return true;
  });

  const stream: ResponseStream = {
    write(chunk) {
      if (closed) return false;
      if (backlogged) {
        held.push(chunk);
        heldBytes += chunk.length;
        return false;
      }
      let ok = false;
      res.cork(() => { ok = res.write(chunk); });
      if (!ok) backlogged = true;
      return ok;
    },
    backpressure() {
      if (closed || !backlogged) return null;
      drained ??= new Promise<void>((resolve) => { settleDrained = resolve; });
      return drained;
    },
    end(last = '') {
      if (closed) return;
      closed = true;
      const data = held.join('') + last;
      held = [];
      heldBytes = 0;
      res.cork(() => { res.end(data); });
      release();
    },
    get aborted() {
      return aborted;
    },
    get heldBytes() {
      return heldBytes;
    },
  };

  res.cork(() => {
    res.writeStatus(statusLine);
    res.writeHeader('Content-Type', contentType);
    for (const headers of headerSets) if (headers !== undefined) for (const k in headers) res.writeHeader(k, headers[k]);
    if (body.preamble !== undefined && body.preamble !== '') {
      if (!res.write(body.preamble)) backlogged = true;
    }
  });
  try {
    body.start(stream);
  } catch {
    // Headers are out: no error status is possible any more; end the body instead of hanging.
    stream.end();
  }
}
