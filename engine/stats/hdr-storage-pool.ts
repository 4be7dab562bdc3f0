// Storage of SparseHdrTable (three parallel typed arrays), recycled within a thread.
//
// Why: a job's table starts small and grows ×1.5 as distinct (target, bucket) pairs appear,
// and the tables it outgrew are old-generation ArrayBuffers. A worker's V8 heap is small, and
// V8 frees them only at its next major GC, which external memory alone triggers late — so
// every job left its tables resident and RSS climbed job after job
// (bench/README.md#design-hdr-storage-pool).
// A finished job hands its table's storage back here and the next job starts on the largest
// one kept, so a repeated job does not grow its table again and allocates nothing new.
// (Outgrown storages are not kept: that would pin every intermediate size.)
//
// Bounded: one storage per thread (the largest handed back, up to MAX_KEPT_BYTES): a second
// big job running at the same time allocates its own; a table only takes a kept storage up to REUSE_FACTOR times
// larger than it asked for, so a small job does not clear and scan a big one.

export interface HdrStorage {
  readonly capacity: number;
  /** -1 = empty slot. */
  readonly keyTarget: Int32Array;
  readonly keyBucket: Uint16Array;
  readonly counts: Uint32Array;
}

const BYTES_PER_SLOT = 4 + 2 + 4;
const MAX_KEPT = 1;
const MAX_KEPT_BYTES = 32 * 1024 * 1024;
const REUSE_FACTOR = 16;
/** Below this a storage is cheap to allocate and not worth keeping. */
const MIN_KEPT_CAPACITY = 1 << 14;

const kept: HdrStorage[] = [];

/** An empty storage of at least `capacity` slots: a kept one when one fits, else a new one. */
export function takeHdrStorage(capacity: number): HdrStorage {
  let best = -1;
  for (let i = 0; i < kept.length; i++) {
    const c = kept[i].capacity;
    if (c >= capacity && c <= Math.max(capacity, MIN_KEPT_CAPACITY) * REUSE_FACTOR && (best < 0 || c > kept[best].capacity)) best = i;
  }
  if (best < 0) {
    return { capacity, keyTarget: new Int32Array(capacity).fill(-1), keyBucket: new Uint16Array(capacity), counts: new Uint32Array(capacity) };
  }
  const storage = kept[best];
  kept.splice(best, 1);
  storage.keyTarget.fill(-1);
  return storage;
}

/** Hands a storage back (its table must not use it any more). */
export function giveHdrStorage(storage: HdrStorage): void {
  if (storage.capacity < MIN_KEPT_CAPACITY) return;
  kept.push(storage);
  kept.sort((a, b) => b.capacity - a.capacity);
  let bytes = 0;
  let n = 0;
  while (n < kept.length && n < MAX_KEPT && bytes + kept[n].capacity * BYTES_PER_SLOT <= MAX_KEPT_BYTES) {
    bytes += kept[n].capacity * BYTES_PER_SLOT;
    n++;
  }
  kept.length = n;
}

/** What this thread keeps (for tests and benchmarks). */
export function keptHdrStorage(): { count: number; bytes: number } {
  return { count: kept.length, bytes: kept.reduce((s, k) => s + k.capacity * BYTES_PER_SLOT, 0) };
}

/** A Float64Array of at least n elements, reused across calls on this thread (contents undefined). */
let scratch = new Float64Array(0);
export function hdrScratch(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.ceil(n * 1.25));
  return scratch;
}
