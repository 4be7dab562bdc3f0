// Line output assembled in one reused Buffer: text and numbers are written into it in place
// (no string per line, no toFixed), and it goes to the stream once per event-loop turn or
// when full. A 10,000-target `sonde ping` prints 50,000 lines; building them as strings
// kept the main thread collecting garbage for most of the run. Quiet on a closed pipe.

import { onClosedPipe } from './closed-pipe.js';

/** Bytes gathered before a write; a line is far shorter. */
const CHUNK = 64 * 1024;
/** Room always kept free for one line's numbers and punctuation. */
const SLACK = 256;

const POW10 = [1, 10, 100, 1000];

export class ByteLines {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;
  private scheduled = false;
  private closed = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    onClosedPipe(stream, () => { this.closed = true; });
  }

  /** Text (ASCII or UTF-8); grows the buffer for a text longer than it. */
  text(s: string): this {
    const need = Buffer.byteLength(s) + SLACK;
    if (this.pos + need > this.buf.length) {
      this.flush();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
    }
    this.pos += this.buf.write(s, this.pos);
    return this;
  }

  /** A non-negative integer in decimal. */
  uint(n: number): this {
    this.room();
    let v = Math.floor(n);
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    let at = this.pos + digits;
    this.pos = at;
    do {
      this.buf[--at] = 48 + (v % 10);
      v = Math.floor(v / 10);
    } while (v > 0);
    return this;
  }

  /** A non-negative number with `decimals` (0–3) digits after the point, rounded half up. */
  fixed(x: number, decimals: number): this {
    const scale = POW10[decimals];
    const scaled = Math.round(x * scale);
    this.uint(Math.floor(scaled / scale));
    if (decimals === 0) return this;
    this.room();
    this.buf[this.pos++] = 46; // '.'
    let frac = scaled % scale;
    for (let d = decimals - 1; d >= 0; d--) {
      this.buf[this.pos + d] = 48 + (frac % 10);
      frac = Math.floor(frac / 10);
    }
    this.pos += decimals;
    return this;
  }

  /** Milliseconds at fping's precision: three decimals below 1 ms, two below 100, none above. */
  ms(ms: number): this {
    if (!Number.isFinite(ms)) return this.text('-');
    if (ms < 0) return this.text(ms.toFixed(3));
    return this.fixed(ms, ms < 1 ? 3 : ms < 100 ? 2 : 0);
  }

  /** Ends the line; the text goes out at the end of this event-loop turn. */
  end(): void {
    this.room();
    this.buf[this.pos++] = 10;
    if (this.closed) {
      this.pos = 0;
      return;
    }
    if (this.pos > this.buf.length - SLACK) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** A whole line of text. */
  line(s: string): void {
    this.text(s).end();
  }

  flush(): void {
    if (this.pos === 0) return;
    // The stream may hold the chunk until it drains: it gets a copy, the buffer is reused.
    if (!this.closed) this.stream.write(Buffer.from(this.buf.subarray(0, this.pos)));
    this.pos = 0;
  }

  async close(): Promise<void> {
    this.flush();
    if (this.closed) return;
    await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
  }

  private room(): void {
    if (this.pos + SLACK > this.buf.length) this.flush();
  }
}
