// Probe timeouts without a timer per probe: a hashed timing wheel of `bucketCount` buckets,
// `tickMs` wide, over intrusive doubly linked lists indexed by in-flight slot. Insert and
// remove are O(1); advance() visits only the buckets whose time has come and expires the
// entries whose deadline has passed (entries further than one rotation away stay put).

const NONE = -1;

export class TimingWheel {
  readonly tickMs: number;
  private readonly mask: number;
  private readonly heads: Int32Array;
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  private deadline = new Float64Array(0);
  private bucket = new Int32Array(0);
  private member = new Uint8Array(0);
  private lastTick: number;
  size = 0;

  constructor(startMs: number, tickMs = 1, bucketCount = 4096) {
    if ((bucketCount & (bucketCount - 1)) !== 0) throw new Error(`TimingWheel: bucketCount ${bucketCount} is not a power of two`);
    this.tickMs = tickMs;
    this.mask = bucketCount - 1;
    this.heads = new Int32Array(bucketCount).fill(NONE);
    this.lastTick = Math.floor(startMs / tickMs);
  }

  /** Makes room for slots 0..capacity-1. */
  ensureCapacity(capacity: number): void {
    if (capacity <= this.next.length) return;
    const next = new Int32Array(capacity);
    next.set(this.next);
    const prev = new Int32Array(capacity);
    prev.set(this.prev);
    const deadline = new Float64Array(capacity);
    deadline.set(this.deadline);
    const bucket = new Int32Array(capacity);
    bucket.set(this.bucket);
    const member = new Uint8Array(capacity);
    member.set(this.member);
    this.next = next;
    this.prev = prev;
    this.deadline = deadline;
    this.bucket = bucket;
    this.member = member;
  }

  has(slot: number): boolean {
    return this.member[slot] === 1;
  }

  deadlineOf(slot: number): number {
    return this.deadline[slot];
  }

  insert(slot: number, deadlineMs: number): void {
    if (this.member[slot] === 1) this.remove(slot);
    // A deadline already behind the wheel goes into the current bucket, which the next
    // advance() visits first.
    const tick = Math.max(Math.floor(deadlineMs / this.tickMs), this.lastTick);
    const b = tick & this.mask;
    const head = this.heads[b];
    this.next[slot] = head;
    this.prev[slot] = NONE;
    if (head !== NONE) this.prev[head] = slot;
    this.heads[b] = slot;
    this.deadline[slot] = deadlineMs;
    this.bucket[slot] = b;
    this.member[slot] = 1;
    this.size++;
  }

  remove(slot: number): void {
    if (this.member[slot] !== 1) return;
    const n = this.next[slot];
    const p = this.prev[slot];
    if (p !== NONE) this.next[p] = n;
    else this.heads[this.bucket[slot]] = n;
    if (n !== NONE) this.prev[n] = p;
    this.member[slot] = 0;
    this.size--;
  }

  /** Expires (removes, then reports) every entry whose deadline is ≤ nowMs. `onExpire`
   *  must not remove other entries from the wheel. */
  advance(nowMs: number, onExpire: (slot: number) => void): void {
    const target = Math.floor(nowMs / this.tickMs);
    if (target < this.lastTick) return;
    const steps = Math.min(target - this.lastTick + 1, this.mask + 1);
    for (let k = 0; k < steps; k++) {
      const b = (this.lastTick + k) & this.mask;
      let s = this.heads[b];
      while (s !== NONE) {
        const n = this.next[s];
        if (this.deadline[s] <= nowMs) {
          this.remove(s);
          onExpire(s);
        }
        s = n;
      }
    }
    this.lastTick = target;
  }
}
