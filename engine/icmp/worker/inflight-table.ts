// The worker's table of probes, indexed by slot. A slot names the ICMP (id, seq) pair the
// probe was sent with: id = idBase + (slot >>> 16), seq = slot & 0xffff, so a block of
// `idCount` identifiers gives idCount × 65,536 slots and there is no 16-bit ceiling.
//
// Finished slots go to the tail of a FIFO free queue and keep their identity (job, target,
// token, state) until they are reused, so a duplicate or a late reply still finds its probe.
// The table prefers to grow over reusing a slot released less than `graceMs` ago, up to
// `graceGrowLimit` slots; beyond that (or at the hard maximum) the oldest slot is reused.
// Storage is columnar typed arrays that grow by doubling: no object per probe.

export const SlotState = {
  FREE: 0,
  /** Allocated and written into a request batch, not yet accepted by the kernel. */
  PENDING: 1,
  IN_FLIGHT: 2,
  ANSWERED: 3,
  TIMED_OUT: 4,
  /** Concluded by an ICMP error or a failed send. */
  ERRORED: 5,
  /** Taken back when its job was cancelled. */
  WITHDRAWN: 6,
} as const;
export type SlotStateValue = (typeof SlotState)[keyof typeof SlotState];

export const SLOTS_PER_ID = 65536;
export const SLOTS_PER_ID_SHIFT = 16;

export interface InFlightTableOptions {
  idCount: number;
  initialCapacity?: number;
  graceMs?: number;
  graceGrowLimit?: number;
}

export class InFlightTable {
  readonly maxCapacity: number;
  readonly graceMs: number;
  readonly graceGrowLimit: number;
  capacity = 0;
  state = new Uint8Array(0);
  jobSerial = new Uint32Array(0);
  target = new Uint32Array(0);
  probeSeq = new Uint32Array(0);
  tokenLo = new Uint32Array(0);
  tokenHi = new Uint32Array(0);
  sendLo = new Uint32Array(0);
  sendHi = new Uint32Array(0);
  /** performance.now() ms at which the slot was released (concluded). */
  releasedAt = new Float64Array(0);
  /** Slots currently PENDING or IN_FLIGHT. */
  busy = 0;
  private ring = new Int32Array(0);
  private head = 0;
  private queued = 0;
  private readonly growListeners: Array<(capacity: number) => void> = [];

  constructor(options: InFlightTableOptions) {
    this.maxCapacity = options.idCount * SLOTS_PER_ID;
    this.graceMs = options.graceMs ?? 2000;
    this.graceGrowLimit = Math.min(this.maxCapacity, options.graceGrowLimit ?? 1 << 16);
    this.grow(Math.min(this.maxCapacity, options.initialCapacity ?? 16384));
  }

  /** Called with the new capacity whenever the table grows (the timing wheel follows it). */
  onGrow(listener: (capacity: number) => void): void {
    this.growListeners.push(listener);
    listener(this.capacity);
  }

  /** A free slot, marked PENDING, or -1 when every slot is busy. */
  allocate(nowMs: number): number {
    if (this.queued > 0) {
      const s = this.ring[this.head];
      const lingering = this.state[s] !== SlotState.FREE && nowMs - this.releasedAt[s] < this.graceMs;
      if (lingering && this.capacity < this.graceGrowLimit) this.grow(this.capacity * 2);
    } else if (this.capacity < this.maxCapacity) {
      this.grow(this.capacity * 2);
    } else {
      return -1;
    }
    const slot = this.ring[this.head];
    this.head = (this.head + 1) % this.capacity;
    this.queued--;
    this.state[slot] = SlotState.PENDING;
    this.busy++;
    return slot;
  }

  /** Concludes a busy slot with `state` and queues it for reuse. */
  release(slot: number, state: SlotStateValue, nowMs: number): void {
    this.state[slot] = state;
    this.releasedAt[slot] = nowMs;
    this.busy--;
    this.ring[(this.head + this.queued) % this.capacity] = slot;
    this.queued++;
  }

  /** Slots waiting in the free queue (FREE or concluded). */
  get free(): number {
    return this.queued;
  }

  private grow(requested: number): void {
    const old = this.capacity;
    const cap = Math.min(this.maxCapacity, Math.max(requested, 1));
    if (cap <= old) return;
    this.state = growU8(this.state, cap);
    this.jobSerial = growU32(this.jobSerial, cap);
    this.target = growU32(this.target, cap);
    this.probeSeq = growU32(this.probeSeq, cap);
    this.tokenLo = growU32(this.tokenLo, cap);
    this.tokenHi = growU32(this.tokenHi, cap);
    this.sendLo = growU32(this.sendLo, cap);
    this.sendHi = growU32(this.sendHi, cap);
    const released = new Float64Array(cap);
    released.set(this.releasedAt);
    this.releasedAt = released;
    // New slots go to the front of the queue so the lingering ones keep lingering.
    const ring = new Int32Array(cap);
    let n = 0;
    for (let s = old; s < cap; s++) ring[n++] = s;
    for (let k = 0; k < this.queued; k++) ring[n++] = this.ring[(this.head + k) % old];
    this.ring = ring;
    this.head = 0;
    this.queued = n;
    this.capacity = cap;
    for (const listener of this.growListeners) listener(cap);
  }
}

function growU8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}

function growU32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a);
  return b;
}
