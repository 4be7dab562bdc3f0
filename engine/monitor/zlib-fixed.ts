// A small zlib (RFC 1950) stream writer for the short payloads of window histograms: one final
// deflate block with the fixed Huffman codes (RFC 1951 §3.2.6), literals, and runs of one
// repeated byte as distance-1 matches (the V2 header's zeros). No hash chains, no allocation
// but the output.
//
// Why not node:zlib deflateSync: each call sets up a zlib stream, ~30–70 µs for a 100-byte
// payload on this machine — 50,000 targets' windows cost 2–3 s of main-thread time per window.
// This writer takes ~1–2 µs and its output is ~10 bytes longer (no general LZ77 matching); any
// inflater reads it (hdr-histogram-js's pako included: the tests decode with it).

/** Reversed fixed-Huffman codes and lengths of literal/length symbols 0..287. */
const LIT_CODE = new Uint16Array(288);
const LIT_BITS = new Uint8Array(288);
/** Per match length 3..258: its symbol, extra bits and extra value. */
const LEN_SYMBOL = new Uint16Array(259);
const LEN_EXTRA_BITS = new Uint8Array(259);
const LEN_EXTRA = new Uint16Array(259);
const MIN_RUN = 4;
const MAX_MATCH = 258;

function reverse(code: number, bits: number): number {
  let out = 0;
  for (let i = 0; i < bits; i++) out = (out << 1) | ((code >>> i) & 1);
  return out;
}

(function buildTables(): void {
  for (let s = 0; s < 288; s++) {
    let code: number;
    let bits: number;
    if (s < 144) { code = 0x30 + s; bits = 8; }
    else if (s < 256) { code = 0x190 + s - 144; bits = 9; }
    else if (s < 280) { code = s - 256; bits = 7; }
    else { code = 0xc0 + s - 280; bits = 8; }
    LIT_CODE[s] = reverse(code, bits);
    LIT_BITS[s] = bits;
  }
  const base = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
  const extra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
  for (let i = 0; i < base.length; i++) {
    const last = i + 1 < base.length ? base[i + 1] - 1 : 258;
    for (let len = base[i]; len <= last && len <= MAX_MATCH; len++) {
      LEN_SYMBOL[len] = 257 + i;
      LEN_EXTRA_BITS[len] = extra[i];
      LEN_EXTRA[len] = len - base[i];
    }
  }
})();

class BitWriter {
  pos: number;
  private bits = 0;
  private count = 0;

  constructor(private readonly out: Buffer, start: number) {
    this.pos = start;
  }

  put(value: number, n: number): void {
    this.bits |= value << this.count;
    this.count += n;
    while (this.count >= 8) {
      this.out[this.pos++] = this.bits & 0xff;
      this.bits >>>= 8;
      this.count -= 8;
    }
  }

  symbol(s: number): void {
    this.put(LIT_CODE[s], LIT_BITS[s]);
  }

  flush(): void {
    if (this.count > 0) this.out[this.pos++] = this.bits & 0xff;
    this.bits = 0;
    this.count = 0;
  }
}

/** The zlib stream of `data[from, to)`, written into a new Buffer after `headroom` bytes. */
export function zlibFixed(data: Uint8Array, from: number, to: number, headroom = 0): Buffer {
  // worst case: every byte a 9-bit literal, plus headers and the checksum
  const out = Buffer.allocUnsafe(headroom + 2 + Math.ceil(((to - from) * 9 + 10) / 8) + 1 + 4);
  out[headroom] = 0x78; // deflate, 32 KiB window
  out[headroom + 1] = 0x01; // (0x7801 % 31 === 0), no dictionary, fastest
  const w = new BitWriter(out, headroom + 2);
  w.put(1, 1); // BFINAL
  w.put(1, 2); // BTYPE = 01, fixed Huffman codes
  let i = from;
  while (i < to) {
    const b = data[i];
    let run = 1;
    while (i + run < to && data[i + run] === b && run < MAX_MATCH + 1) run++;
    w.symbol(b);
    if (run >= MIN_RUN) {
      // the byte, then (run − 1) copies of it at distance 1
      const len = run - 1;
      w.symbol(LEN_SYMBOL[len]);
      if (LEN_EXTRA_BITS[len] > 0) w.put(LEN_EXTRA[len], LEN_EXTRA_BITS[len]);
      w.put(0, 5); // distance code 0 = distance 1
      i += run;
    } else {
      i++;
    }
  }
  w.symbol(256); // end of block
  w.flush();
  let a = 1;
  let c = 0;
  for (let k = from; k < to; k++) {
    a = (a + data[k]) % 65521;
    c = (c + a) % 65521;
  }
  const end = w.pos;
  out.writeUInt32BE(((c << 16) | a) >>> 0, end);
  return out.subarray(0, end + 4);
}
