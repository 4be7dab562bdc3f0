// NDJSON read as it arrives (POST /v1/ping:stream): text chunks in, one parsed object per
// complete line out; a partial line waits for the rest, a line that is not JSON is reported
// rather than dropped.

export interface NdjsonHandlers {
  onObject(value: unknown): void;
  onBadLine(line: string, error: string): void;
}

export class NdjsonSplitter {
  private rest = '';

  constructor(private readonly handlers: NdjsonHandlers) {}

  push(chunk: string): void {
    const text = this.rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    const last = this.rest;
    this.rest = '';
    this.line(last);
  }

  private line(raw: string): void {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      this.handlers.onBadLine(line, (e as Error).message);
      return;
    }
    this.handlers.onObject(value);
  }
}

/** Reads a fetch body to the end through a splitter; resolves when the stream ends. */
export async function readNdjson(body: ReadableStream<Uint8Array>, handlers: NdjsonHandlers): Promise<void> {
  const splitter = new NdjsonSplitter(handlers);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    splitter.push(decoder.decode(value, { stream: true }));
  }
  splitter.push(decoder.decode());
  splitter.end();
}
