// A batch of packed echo-request records (layout REQ) plus, per record, the in-flight slot
// it belongs to. One batch per socket; it is filled, handed to IcmpSocket.send in one call,
// and whatever the kernel did not accept (EAGAIN) stays at the front for the next attempt.
import { REQ } from '../../../native-bindings/layout.js';

const W = REQ.SIZE / 4; // 32-bit words per record

export class RequestBatch {
  readonly buffer: Buffer;
  readonly capacity: number;
  /** In-flight slot of each record. */
  readonly slots: Int32Array;
  count = 0;
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    const ab = new ArrayBuffer(capacity * REQ.SIZE);
    this.buffer = Buffer.from(ab);
    this.u8 = new Uint8Array(ab);
    this.u16 = new Uint16Array(ab);
    this.u32 = new Uint32Array(ab);
    this.i32 = new Int32Array(ab);
    this.slots = new Int32Array(capacity);
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /**
   * Appends one request. `addrWords` holds 16-byte address slots as 32-bit words;
   * `addrWord` is the first word of this target's slot.
   */
  push(
    slot: number, addrWords: Uint32Array, addrWord: number, id: number, seq: number,
    ttl: number, payloadSize: number, tokenLo: number, tokenHi: number,
  ): void {
    const i = this.count++;
    const w = i * W;
    const u32 = this.u32;
    u32[w] = addrWords[addrWord];
    u32[w + 1] = addrWords[addrWord + 1];
    u32[w + 2] = addrWords[addrWord + 2];
    u32[w + 3] = addrWords[addrWord + 3];
    const h = i * (REQ.SIZE / 2);
    this.u16[h + REQ.ID / 2] = id;
    this.u16[h + REQ.SEQ / 2] = seq;
    this.u8[i * REQ.SIZE + REQ.TTL] = ttl;
    this.u8[i * REQ.SIZE + REQ.TTL + 1] = 0;
    this.u16[h + REQ.PAYLOAD_SIZE / 2] = payloadSize;
    u32[w + REQ.TOKEN / 4] = tokenLo;
    u32[w + REQ.TOKEN / 4 + 1] = tokenHi;
    u32[w + REQ.SEND_TIME_NS / 4] = 0;
    u32[w + REQ.SEND_TIME_NS / 4 + 1] = 0;
    this.i32[w + REQ.ERROR / 4] = 0;
    this.slots[i] = slot;
  }

  sendTimeLo(i: number): number {
    return this.u32[i * W + REQ.SEND_TIME_NS / 4];
  }

  sendTimeHi(i: number): number {
    return this.u32[i * W + REQ.SEND_TIME_NS / 4 + 1];
  }

  error(i: number): number {
    return this.i32[i * W + REQ.ERROR / 4];
  }

  tokenLo(i: number): number {
    return this.u32[i * W + REQ.TOKEN / 4];
  }

  /** Drops the first `n` records (sent), moving the rest to the front. */
  shift(n: number): void {
    if (n <= 0) return;
    const rest = this.count - n;
    if (rest > 0) {
      this.u8.copyWithin(0, n * REQ.SIZE, this.count * REQ.SIZE);
      this.slots.copyWithin(0, n, this.count);
    }
    this.count = rest;
  }

  /** Keeps only records for which `keep(slot, tokenLo)` is true, in order. */
  retain(keep: (slot: number, tokenLo: number) => boolean): void {
    let out = 0;
    for (let i = 0; i < this.count; i++) {
      if (!keep(this.slots[i], this.tokenLo(i))) continue;
      if (out !== i) {
        this.u8.copyWithin(out * REQ.SIZE, i * REQ.SIZE, (i + 1) * REQ.SIZE);
        this.slots[out] = this.slots[i];
      }
      out++;
    }
    this.count = out;
  }
}
