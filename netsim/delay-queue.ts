// Replies waiting for their send time: one binary min-heap keyed by (due time, insertion
// order) over a pool of reusable packet slots. No timer per packet: the owner arms a single
// timer for nextDue().

/** What a queued packet is, for the statistics taken when it is written. */
export const PacketKind = { Reply: 0, Duplicate: 1, Error: 2 } as const;
export type PacketKind = (typeof PacketKind)[keyof typeof PacketKind];

const SLOT_BYTES = 2048;

export class DelayQueue {
  private capacity = 0;
  private heap = new Int32Array(0);
  private heapSize = 0;
  private free = new Int32Array(0);
  private freeCount = 0;
  private order = 0;
  private buffers: Buffer[] = [];
  due = new Float64Array(0);
  private seqOrder = new Float64Array(0);
  length = new Int32Array(0);
  host = new Int32Array(0);
  seq = new Int32Array(0);
  ordinal = new Float64Array(0);
  kind = new Uint8Array(0);
  readAt = new Float64Array(0);
  scheduledMs = new Float64Array(0);
  /** Send time from the request's payload (monotonic ms), NaN when it carried none. */
  sentAt = new Float64Array(0);

  constructor(initialSlots = 1024) {
    this.grow(initialSlots);
  }

  get size(): number {
    return this.heapSize;
  }

  /** Due time of the earliest packet, or Infinity. */
  nextDue(): number {
    return this.heapSize === 0 ? Infinity : this.due[this.heap[0]];
  }

  /** Copies the packet src[offset, + length) into a slot due at `due`. Returns the slot. */
  add(due: number, src: Buffer, offset: number, length: number): number {
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const slot = this.free[--this.freeCount];
    let buf = this.buffers[slot];
    if (buf === undefined || buf.length < length) {
      buf = Buffer.allocUnsafe(Math.max(SLOT_BYTES, length));
      this.buffers[slot] = buf;
    }
    src.copy(buf, 0, offset, offset + length);
    this.length[slot] = length;
    this.due[slot] = due;
    this.seqOrder[slot] = this.order++;
    this.siftUp(this.heapSize++, slot);
    return slot;
  }

  /** Removes and returns the earliest slot (call only when size > 0). Release it after use. */
  pop(): number {
    const top = this.heap[0];
    const last = this.heap[--this.heapSize];
    if (this.heapSize > 0) this.siftDown(0, last);
    return top;
  }

  buffer(slot: number): Buffer {
    return this.buffers[slot];
  }

  release(slot: number): void {
    if (this.buffers[slot].length > SLOT_BYTES * 8) this.buffers[slot] = Buffer.allocUnsafe(SLOT_BYTES);
    this.free[this.freeCount++] = slot;
  }

  private before(a: number, b: number): boolean {
    const da = this.due[a];
    const db = this.due[b];
    return da < db || (da === db && this.seqOrder[a] < this.seqOrder[b]);
  }

  private siftUp(i: number, slot: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(slot, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = slot;
  }

  private siftDown(i: number, slot: number): void {
    const heap = this.heap;
    const n = this.heapSize;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.before(heap[child + 1], heap[child])) child++;
      if (!this.before(heap[child], slot)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = slot;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    const f64 = (a: Float64Array) => { const b = new Float64Array(capacity); b.set(a); return b; };
    const i32 = (a: Int32Array) => { const b = new Int32Array(capacity); b.set(a); return b; };
    this.heap = i32(this.heap);
    this.due = f64(this.due);
    this.seqOrder = f64(this.seqOrder);
    this.length = i32(this.length);
    this.host = i32(this.host);
    this.seq = i32(this.seq);
    this.ordinal = f64(this.ordinal);
    this.readAt = f64(this.readAt);
    this.scheduledMs = f64(this.scheduledMs);
    this.sentAt = f64(this.sentAt);
    const kind = new Uint8Array(capacity);
    kind.set(this.kind);
    this.kind = kind;
    const free = new Int32Array(capacity);
    free.set(this.free.subarray(0, this.freeCount));
    for (let s = capacity - 1; s >= old; s--) free[this.freeCount++] = s;
    this.free = free;
    this.capacity = capacity;
  }
}
