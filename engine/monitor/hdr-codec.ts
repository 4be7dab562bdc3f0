// RTT distributions kept as HDR bucket counts (the bucketing of engine/stats/sparse-hdr.ts:
// lowest discernible value 1 ns, 2 significant digits), and their stored form.
//
// A stored window or rollup is a *counts blob*: one tag byte (COUNTS_TAG) and then the body of
// an HdrHistogram V2 encoding — ZigZag LEB128 counts, negative values runs of zeros — without
// its 40-byte header (every field of it is fixed by the bucketing above) and without zlib.
// It is smaller than the standard "V2 compressed" form (cookie, length, zlib deflate of header
// and body: deflate gains next to nothing on LEB128 counts and adds its own framing) at every
// spread measured (bench/README.md#design-counts-blob), and needs no deflate on the window
// writer's thread or inflate per window in history queries.
// Rows written before (V2 compressed, first byte 0x1c) are still read; toV2Compressed gives
// the standard form to whoever wants hdr-histogram-js's decodeFromCompressedBase64.
// Encoding goes straight from sorted (bucket, count) pairs; no histogram object is built.
import { deflateSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { HDR_SETTINGS, hdrBucketIndex, hdrBucketTop, MAX_TRACKED_VALUE } from '../stats/sparse-hdr.js';

/** First byte of a counts blob (never the first byte of a V2 cookie, 0x1c). */
const COUNTS_TAG = 0x01;
const V2_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_COOKIE = 0x1c849304 | 0x10;
const HEADER_BYTES = 40;
const DEFLATE_OPTIONS: ZlibOptions = { level: 6, windowBits: 9, memLevel: 1 };
const TWO_32 = 4294967296;
/** Bucket indices stay below this for values ≤ MAX_TRACKED_VALUE (see sparse-hdr.ts). */
export const BUCKET_LIMIT = 65536;
/** The longest V2 payload of this bucketing (a 9-byte number per bucket): a corrupt blob that
 *  inflates to more is refused instead of filling memory. */
const MAX_V2_PAYLOAD = HEADER_BYTES + 9 * BUCKET_LIMIT;

/** The HDR bucket of an RTT in ns (rounded, clamped to 1..MAX_TRACKED_VALUE). */
export function bucketOf(valueNs: number): number {
  const v = valueNs < 1 ? 1 : valueNs > MAX_TRACKED_VALUE ? MAX_TRACKED_VALUE : Math.round(valueNs);
  return hdrBucketIndex(v);
}

let scratch = Buffer.alloc(4096);

function ensure(bytes: number): void {
  if (scratch.length < bytes) {
    const next = Buffer.alloc(Math.max(bytes, scratch.length * 2));
    scratch.copy(next);
    scratch = next;
  }
}

function putZigZag(pos: number, value: number): number {
  let zz = value >= 0 ? value * 2 : -value * 2 - 1;
  while (zz >= 128) {
    scratch[pos++] = (zz % 128) | 0x80;
    zz = Math.floor(zz / 128);
  }
  scratch[pos++] = zz;
  return pos;
}

/** Writes the V2 body of sorted `pairs[i] = bucket * 2^32 + count` (i in [from, to)) into
 *  scratch from `pos` on; returns the end. */
function putCounts(pairs: Float64Array, from: number, to: number, pos: number): number {
  ensure(pos + (to - from) * 20 + 16);
  let next = 0; // next bucket index the payload describes
  for (let i = from; i < to; i++) {
    const bucket = Math.floor(pairs[i] / TWO_32);
    const count = pairs[i] % TWO_32;
    const zeros = bucket - next;
    if (zeros === 1) pos = putZigZag(pos, 0);
    else if (zeros > 1) pos = putZigZag(pos, -zeros);
    pos = putZigZag(pos, count);
    next = bucket + 1;
  }
  return pos;
}

/**
 * Encodes buckets given as sorted `pairs[i] = bucket * 2^32 + count` (i in [from, to))
 * as a counts blob.
 */
export function encodeBuckets(pairs: Float64Array, from: number, to: number): Buffer {
  scratch[0] = COUNTS_TAG;
  const end = putCounts(pairs, from, to, 1);
  return Buffer.from(scratch.subarray(0, end));
}

/** The same buckets in the standard V2 compressed form (header, zlib deflate). */
function encodeV2Compressed(pairs: Float64Array, from: number, to: number): Buffer {
  const maxBucket = Math.floor(pairs[to - 1] / TWO_32);
  const pos = putCounts(pairs, from, to, HEADER_BYTES);
  let highest = Math.max(2, hdrBucketTop(maxBucket));
  // hdr-histogram-js reads the low word of an int64 as signed: keep it below 2^31.
  if (highest >= 2 ** 31) highest = Math.ceil(highest / TWO_32) * TWO_32;
  scratch.writeInt32BE(V2_COOKIE, 0);
  scratch.writeInt32BE(pos - HEADER_BYTES, 4);
  scratch.writeInt32BE(0, 8); // normalizingIndexOffset
  scratch.writeInt32BE(HDR_SETTINGS.numberOfSignificantValueDigits, 12);
  scratch.writeInt32BE(0, 16);
  scratch.writeInt32BE(HDR_SETTINGS.lowestDiscernibleValue, 20);
  scratch.writeInt32BE(Math.floor(highest / TWO_32), 24);
  scratch.writeInt32BE(highest % TWO_32 | 0, 28);
  scratch.writeDoubleBE(1, 32); // integerToDoubleValueConversionRatio
  // zlib's own choice of codes; a 512-byte window and memLevel 1 (the payload is never
  // longer than a few hundred bytes) make the per-call stream set-up cheaper.
  const deflated = deflateSync(scratch.subarray(0, pos), DEFLATE_OPTIONS);
  const out = Buffer.allocUnsafe(8 + deflated.length);
  out.writeInt32BE(V2_COMPRESSED_COOKIE, 0);
  out.writeInt32BE(deflated.length, 4);
  deflated.copy(out, 8);
  return out;
}

/** A stored blob (either form) in the standard V2 compressed form, which hdr-histogram-js's
 *  decodeFromCompressedBase64 reads. */
export function toV2Compressed(blob: Uint8Array): Buffer {
  if (blob[0] !== COUNTS_TAG) {
    new CountsReader().open(blob); // validates
    return Buffer.from(blob);
  }
  const pairs: number[] = [];
  decodeBuckets(blob, (bucket, count) => { pairs.push(bucket * TWO_32 + count); });
  if (pairs.length === 0) throw new Error('HdrHistogram counts blob without any count');
  return encodeV2Compressed(Float64Array.from(pairs), 0, pairs.length);
}

function readInt32BE(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

/**
 * Reads a stored blob's counts one non-empty bucket at a time, in ascending bucket order: the
 * one ZigZag LEB128 walk (numbers of up to 9 bytes, 64-bit; negative values are runs of
 * zeros). A reader is reused blob after blob, and next() is one small monomorphic method, so
 * the loops that call it get it inlined and allocate nothing per counts blob or bucket.
 */
class CountsReader {
  private bytes: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private end = 0;
  private index = 0;
  /** The bucket and count next() last found. */
  bucket = 0;
  count = 0;

  /** Starts on a blob of either form; throws when it is neither. */
  open(blob: Uint8Array): void {
    this.index = 0;
    if (blob.length > 0 && blob[0] === COUNTS_TAG) {
      this.bytes = blob;
      this.pos = 1;
      this.end = blob.length;
      return;
    }
    // V2 compressed: only rows written by builds before the counts blobs, so node:zlib's
    // stream per call is paid on those alone.
    if (blob.length < 8 || readInt32BE(blob, 0) !== V2_COMPRESSED_COOKIE) throw new Error('not an HdrHistogram counts blob or V2 compressed blob');
    const length = readInt32BE(blob, 4);
    if (length < 0 || 8 + length > blob.length) throw new Error('HdrHistogram V2 compressed blob shorter than its header says');
    let payload: Buffer;
    try {
      payload = inflateSync(blob.subarray(8, 8 + length), { maxOutputLength: MAX_V2_PAYLOAD });
    } catch (error) {
      throw new Error(`HdrHistogram V2 compressed blob does not inflate (${(error as Error).message}): the stored row is corrupt`);
    }
    const n = payload.length;
    if (n < HEADER_BYTES || readInt32BE(payload, 0) !== V2_COOKIE) throw new Error('not an HdrHistogram V2 payload');
    if (readInt32BE(payload, 12) !== HDR_SETTINGS.numberOfSignificantValueDigits || readInt32BE(payload, 20) !== HDR_SETTINGS.lowestDiscernibleValue) {
      throw new Error('HdrHistogram blob with other bucketing than 1 ns / 2 digits');
    }
    const end = HEADER_BYTES + readInt32BE(payload, 4);
    if (end > n) throw new Error('HdrHistogram V2 payload shorter than its header says');
    this.bytes = payload;
    this.pos = HEADER_BYTES;
    this.end = end;
  }

  /** Moves to the next non-empty bucket (bucket, count); false at the end of the blob. */
  next(): boolean {
    const bytes = this.bytes;
    const end = this.end;
    let pos = this.pos;
    let index = this.index;
    while (pos < end) {
      let zz = 0;
      let scale = 1;
      for (let k = 0; k < 9; k++) {
        if (pos >= end) throw new Error('HdrHistogram counts cut off inside a number');
        const byte = bytes[pos++];
        if (k === 8) {
          zz += byte * scale;
          break;
        }
        zz += (byte & 0x7f) * scale;
        scale *= 128;
        if ((byte & 0x80) === 0) break;
      }
      const value = zz % 2 === 1 ? -(zz + 1) / 2 : zz / 2;
      if (value < 0) index -= value;
      else if (value === 0) index++;
      else {
        if (index >= BUCKET_LIMIT) throw new Error(`HdrHistogram bucket ${index} beyond the ${BUCKET_LIMIT} buckets of values up to 2^48 ns`);
        this.bucket = index;
        this.count = value;
        this.pos = pos;
        this.index = index + 1;
        return true;
      }
    }
    this.pos = pos;
    this.index = index;
    return false;
  }
}

/** Calls add(bucket, count) for every non-empty bucket of a stored blob, ascending. */
export function decodeBuckets(blob: Uint8Array, add: (bucket: number, count: number) => void): void {
  // Its own reader: `add` may decode another blob.
  const reader = new CountsReader();
  reader.open(blob);
  while (reader.next()) add(reader.bucket, reader.count);
}

/** hdr-histogram-js's count at a percentile (rounded up, ≥ 1). */
function countAtPercentile(percentile: number, total: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  const ulp = fp === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(fp))) - 52);
  return Math.max(Math.ceil(fp - ulp), 1);
}

/** hdrBucketTop memoized (NaN: not yet computed); hdr-histogram-js's arithmetic took a third
 *  of a 1,440-point history query's merge. Allocated on first use. */
let tops: Float64Array | undefined;

function bucketTop(b: number): number {
  if (tops === undefined) tops = new Float64Array(BUCKET_LIMIT).fill(NaN);
  let v = tops[b];
  if (Number.isNaN(v)) {
    v = hdrBucketTop(b);
    tops[b] = v;
  }
  return v;
}

/**
 * Dense bucket counts for merging many windows (one reused instance per query): adds are
 * O(1), clear() touches only the buckets used, and the list of used buckets is sorted only
 * when adds came out of order (one window's blob alone arrives in order).
 */
export class BucketAccumulator {
  private readonly counts = new Float64Array(BUCKET_LIMIT);
  private readonly used = new Uint32Array(BUCKET_LIMIT);
  private usedLen = 0;
  private sorted = true;
  private readonly reader = new CountsReader();
  total = 0;
  readonly add = (bucket: number, count: number): void => {
    if (this.counts[bucket] === 0) {
      if (this.usedLen > 0 && bucket < this.used[this.usedLen - 1]) this.sorted = false;
      this.used[this.usedLen++] = bucket;
    }
    this.counts[bucket] += count;
    this.total += count;
  };

  /** Adds every bucket of a stored blob (decodeBuckets without a callback per bucket). */
  addBlob(blob: Uint8Array): void {
    const reader = this.reader;
    const counts = this.counts;
    const used = this.used;
    reader.open(blob);
    while (reader.next()) {
      const index = reader.bucket;
      if (counts[index] === 0) {
        if (this.usedLen > 0 && index < used[this.usedLen - 1]) this.sorted = false;
        used[this.usedLen++] = index;
      }
      counts[index] += reader.count;
      this.total += reader.count;
    }
  }

  clear(): void {
    const counts = this.counts;
    const used = this.used;
    for (let i = 0; i < this.usedLen; i++) counts[used[i]] = 0;
    this.usedLen = 0;
    this.sorted = true;
    this.total = 0;
  }

  private sortUsed(): void {
    if (!this.sorted) this.used.subarray(0, this.usedLen).sort();
    this.sorted = true;
  }

  /** Values (ns) at the percentiles, as hdr-histogram-js getValueAtPercentile reports them. */
  percentiles(percentiles: readonly number[]): number[] {
    const out = new Array<number>(percentiles.length).fill(NaN);
    if (this.total === 0) return out;
    this.sortUsed();
    const counts = this.counts;
    const used = this.used;
    for (let k = 0; k < percentiles.length; k++) {
      const p = percentiles[k];
      const want = countAtPercentile(p, this.total);
      let cumulative = 0;
      for (let i = 0; i < this.usedLen; i++) {
        const b = used[i];
        cumulative += counts[b];
        if (cumulative >= want) {
          // like getValueAtPercentile: the lowest equivalent value for 0, else the highest
          out[k] = p === 0 ? (b === 0 ? 0 : bucketTop(b - 1) + 1) : bucketTop(b);
          break;
        }
      }
    }
    return out;
  }

  /** The merged buckets as a counts blob (null when empty). */
  encode(): Buffer | null {
    if (this.total === 0) return null;
    this.sortUsed();
    const pairs = new Float64Array(this.usedLen);
    for (let i = 0; i < this.usedLen; i++) pairs[i] = this.used[i] * TWO_32 + this.counts[this.used[i]];
    return encodeBuckets(pairs, 0, pairs.length);
  }
}
