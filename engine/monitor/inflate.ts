// zlib inflate (RFC 1950/1951) for the small blobs of stored windows, into one reused buffer.
// Why not node:zlib: inflateSync creates a zlib stream per call, costlier than a blob this
// small, and a 24 h history query reads 1,440 of them; fflate and tiny-inflate build their
// tables per call too (bench/README.md#design-history-query).
// This one builds canonical Huffman tables in preallocated arrays
// (after zlib's contrib/puff) and allocates nothing per call. Output is checked against the
// stream's Adler-32, and every read and table is bounds-checked: a corrupt blob throws.

const MAX_BITS = 15;

let src: Uint8Array = new Uint8Array(0);
let srcPos = 0;
let srcEnd = 0;
let bitBuf = 0;
let bitCnt = 0;
/** Inflated bytes of the last call are out[0, outLen). */
let out: Uint8Array = new Uint8Array(1 << 16);
let outLen = 0;

class Huffman {
  readonly count = new Uint16Array(MAX_BITS + 1);
  readonly symbol: Uint16Array;
  constructor(symbols: number) {
    this.symbol = new Uint16Array(symbols);
  }
}

const lencode = new Huffman(288);
const distcode = new Huffman(30);
const fixedLen = new Huffman(288);
const lengths = new Uint8Array(288 + 30);
const offs = new Uint16Array(MAX_BITS + 1);

const LEN_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LEN_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
const CL_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

function fail(what: string): never {
  throw new Error(`corrupt zlib stream in a stored histogram: ${what}`);
}

function bits(need: number): number {
  let val = bitBuf;
  while (bitCnt < need) {
    if (srcPos >= srcEnd) fail('ends early');
    val |= src[srcPos++] << bitCnt;
    bitCnt += 8;
  }
  bitBuf = val >>> need;
  bitCnt -= need;
  return val & ((1 << need) - 1);
}

/** Canonical code from lengths[from, from + n); false when over-subscribed. */
function construct(h: Huffman, from: number, n: number): boolean {
  const count = h.count;
  count.fill(0);
  for (let s = 0; s < n; s++) count[lengths[from + s]]++;
  if (count[0] === n) return true; // no codes: only an error if one is then used
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = left * 2 - count[len];
    if (left < 0) return false;
  }
  offs[1] = 0;
  for (let len = 1; len < MAX_BITS; len++) offs[len + 1] = offs[len] + count[len];
  for (let s = 0; s < n; s++) {
    const l = lengths[from + s];
    if (l !== 0) h.symbol[offs[l]++] = s;
  }
  return true;
}

function decode(h: Huffman): number {
  const count = h.count;
  let code = 0;
  let first = 0;
  let index = 0;
  let buf = bitBuf;
  let left = bitCnt;
  for (let len = 1; len <= MAX_BITS; len++) {
    if (left === 0) {
      if (srcPos >= srcEnd) fail('ends early');
      buf = src[srcPos++];
      left = 8;
    }
    code |= buf & 1;
    buf >>>= 1;
    left--;
    const c = count[len];
    if (code - c < first) {
      bitBuf = buf;
      bitCnt = left;
      return h.symbol[index + (code - first)];
    }
    index += c;
    first = (first + c) << 1;
    code <<= 1;
  }
  return fail('bad Huffman code');
}

function room(n: number): void {
  if (outLen + n <= out.length) return;
  const next = new Uint8Array(Math.max(out.length * 2, outLen + n));
  next.set(out.subarray(0, outLen));
  out = next;
}

function codes(len: Huffman, dist: Huffman): void {
  for (;;) {
    let sym = decode(len);
    if (sym < 256) {
      if (outLen >= out.length) room(1);
      out[outLen++] = sym;
    } else if (sym === 256) {
      return;
    } else {
      sym -= 257;
      if (sym >= 29) fail('bad length code');
      const n = LEN_BASE[sym] + bits(LEN_EXTRA[sym]);
      const d = decode(dist);
      if (d >= 30) fail('bad distance code');
      const back = DIST_BASE[d] + bits(DIST_EXTRA[d]);
      if (back > outLen) fail('distance too far back');
      room(n);
      for (let k = 0; k < n; k++, outLen++) out[outLen] = out[outLen - back];
    }
  }
}

function stored(): void {
  bitBuf = 0;
  bitCnt = 0;
  if (srcPos + 4 > srcEnd) fail('ends early');
  const n = src[srcPos] | (src[srcPos + 1] << 8);
  if ((src[srcPos + 2] | (src[srcPos + 3] << 8)) !== (~n & 0xffff)) fail('stored block length check');
  srcPos += 4;
  if (srcPos + n > srcEnd) fail('ends early');
  room(n);
  out.set(src.subarray(srcPos, srcPos + n), outLen);
  outLen += n;
  srcPos += n;
}

function dynamic(): void {
  const nlen = bits(5) + 257;
  const ndist = bits(5) + 1;
  const ncode = bits(4) + 4;
  if (nlen > 286 || ndist > 30) fail('bad counts');
  lengths.fill(0, 0, 19);
  for (let i = 0; i < ncode; i++) lengths[CL_ORDER[i]] = bits(3);
  if (!construct(lencode, 0, 19)) fail('bad code lengths code');
  let i = 0;
  while (i < nlen + ndist) {
    let sym = decode(lencode);
    if (sym < 16) {
      lengths[i++] = sym;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (sym === 16) {
      if (i === 0) fail('repeat with no first length');
      value = lengths[i - 1];
      repeat = 3 + bits(2);
    } else if (sym === 17) repeat = 3 + bits(3);
    else repeat = 11 + bits(7);
    if (i + repeat > nlen + ndist) fail('too many lengths');
    for (sym = 0; sym < repeat; sym++) lengths[i++] = value;
  }
  if (lengths[256] === 0) fail('no end-of-block code');
  if (!construct(lencode, 0, nlen)) fail('bad literal/length code');
  lengths.copyWithin(0, nlen, nlen + ndist);
  if (!construct(distcode, 0, ndist)) fail('bad distance code');
  codes(lencode, distcode);
}

/** Fixed literal/length codes by their next 9 input bits: symbol << 4 | code length. */
const FIXED_LIT = new Uint16Array(512);

function reverse(code: number, len: number): number {
  let r = 0;
  for (let i = 0; i < len; i++) r |= ((code >>> i) & 1) << (len - 1 - i);
  return r;
}

/** Fixed distance codes (5 bits, sent most significant bit first) by the bits as read. */
const REV5 = Uint8Array.from({ length: 32 }, (_, i) => reverse(i, 5));

/** Fixed-Huffman blocks: one table look-up per literal/length symbol instead of a bit loop. */
function fixedCodes(): void {
  for (;;) {
    while (bitCnt < 9) {
      // past the data, zeros (the end-of-block code is 0000000); inflateZlib checks none was used
      bitBuf |= (srcPos < srcEnd ? src[srcPos] : 0) << bitCnt;
      srcPos++;
      bitCnt += 8;
    }
    const e = FIXED_LIT[bitBuf & 511];
    const n = e & 15;
    bitBuf >>>= n;
    bitCnt -= n;
    let sym = e >>> 4;
    if (sym < 256) {
      if (outLen >= out.length) room(1);
      out[outLen++] = sym;
    } else if (sym === 256) {
      return;
    } else {
      sym -= 257;
      if (sym >= 29) fail('bad length code');
      const len = LEN_BASE[sym] + bits(LEN_EXTRA[sym]);
      const d = REV5[bits(5)];
      if (d >= 30) fail('bad distance code');
      const back = DIST_BASE[d] + bits(DIST_EXTRA[d]);
      if (back > outLen) fail('distance too far back');
      room(len);
      for (let k = 0; k < len; k++, outLen++) out[outLen] = out[outLen - back];
    }
  }
}

function buildFixed(): void {
  lengths.fill(8, 0, 144);
  lengths.fill(9, 144, 256);
  lengths.fill(7, 256, 280);
  lengths.fill(8, 280, 288);
  construct(fixedLen, 0, 288);
  // canonical codes of the fixed literal/length code, bit-reversed (deflate sends them MSB first)
  const next = new Uint16Array(MAX_BITS + 2);
  for (let len = 1, code = 0; len <= MAX_BITS; len++) {
    code = (code + fixedLen.count[len - 1]) << 1;
    next[len] = code;
  }
  const lenOf = (sym: number): number => (sym < 144 ? 8 : sym < 256 ? 9 : sym < 280 ? 7 : 8);
  for (let sym = 0; sym < 288; sym++) {
    const len = lenOf(sym);
    const r = reverse(next[len]++, len);
    for (let fill = r; fill < 512; fill += 1 << len) FIXED_LIT[fill] = (sym << 4) | len;
  }
}
buildFixed();

/**
 * Inflates a zlib stream (bytes [from, to) of data). The result is valid until the next
 * call: inflated()[0, return value). Throws on a corrupt or truncated stream.
 */
export function inflateZlib(data: Uint8Array, from: number, to: number): number {
  if (to - from < 6) fail('too short');
  const cmf = data[from];
  const flg = data[from + 1];
  if ((cmf & 0x0f) !== 8 || (cmf * 256 + flg) % 31 !== 0 || (flg & 0x20) !== 0) fail('bad zlib header');
  src = data;
  srcPos = from + 2;
  srcEnd = to - 4;
  bitBuf = 0;
  bitCnt = 0;
  outLen = 0;
  let last = 0;
  do {
    last = bits(1);
    const type = bits(2);
    if (type === 0) stored();
    else if (type === 1) fixedCodes();
    else if (type === 2) dynamic();
    else fail('bad block type');
  } while (last === 0);
  if (srcPos > srcEnd && bitCnt < (srcPos - srcEnd) * 8) fail('ends early');
  // Adler-32 of the output against the stream's trailer
  let a = 1;
  let b = 0;
  for (let i = 0; i < outLen; ) {
    const end = Math.min(outLen, i + 3800);
    for (; i < end; i++) {
      a += out[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  const t = srcEnd;
  const want = ((data[t] << 24) | (data[t + 1] << 16) | (data[t + 2] << 8) | data[t + 3]) >>> 0;
  if (((b << 16) | a) >>> 0 !== want) fail('Adler-32 mismatch');
  src = new Uint8Array(0);
  return outLen;
}

/** The buffer the last inflateZlib call wrote to. */
export function inflated(): Uint8Array {
  return out;
}
