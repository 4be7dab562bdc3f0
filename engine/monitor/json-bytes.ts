// JSON written as UTF-8 bytes into one growing, reused buffer, numbers digit by digit:
// nothing is allocated per value. The base of the monitor summary snapshots
// (summary-writer.ts) and of the live feed's frames (server/live/frame-writer.ts), both
// ~10 MB a second at 50,000 targets.
const NULL_BYTES = Buffer.from('null');

export class JsonBytes {
  protected buf: Buffer = Buffer.allocUnsafe(1 << 20);
  protected pos = 0;

  /** Starts over (views taken earlier are overwritten). */
  reset(): void {
    this.pos = 0;
  }

  /** Appends bytes (a native copy: for constant heads and tails). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** What was written, valid until the next reset(). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Copies src[from, to) in JS: for these short runs, cheaper than a native copy call.
   *  The caller has ensured room. */
  protected put(src: Uint8Array, from = 0, to = src.length): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) buf[p++] = src[i];
    this.pos = p;
  }

  protected null(): void {
    this.put(NULL_BYTES);
  }

  /** A non-negative integer in decimal. */
  protected int(v: number): void {
    const buf = this.buf;
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    for (let x = v; digits-- > 0; x = Math.floor(x / 10)) buf[--p] = 0x30 + (x % 10);
  }

  /** v / 1000 to 3 decimals, trailing zeros left out as JSON.stringify does (v a
   *  non-negative integer): 0, 0.04, 12.345. */
  protected thousandths(v: number): void {
    this.int(Math.floor(v / 1000));
    const frac = v % 1000;
    if (frac === 0) return;
    const buf = this.buf;
    buf[this.pos++] = 0x2e; // .
    buf[this.pos++] = 0x30 + Math.floor(frac / 100);
    if (frac % 100 === 0) return;
    buf[this.pos++] = 0x30 + (Math.floor(frac / 10) % 10);
    if (frac % 10 === 0) return;
    buf[this.pos++] = 0x30 + (frac % 10);
  }

  /** ns as ms to 3 decimals (µs precision), or null for NaN. */
  protected ms(ns: number): void {
    if (ns !== ns) this.null();
    else this.thousandths(Math.round(ns / 1000));
  }
}
