// Address → host index, open addressing over 16-byte keys: a lookup per packet allocates nothing.
import type { Family } from './addresses.js';
import { hashBytes } from './prng.js';

export class HostTable {
  private capacity = 1024;
  private keys = new Uint8Array(this.capacity * 16);
  /** 0 = empty slot, else the family (4 or 6). */
  private families = new Uint8Array(this.capacity);
  private values = new Int32Array(this.capacity);
  size = 0;

  /** The host index stored for the address at buf[offset..], or -1. */
  find(family: Family, buf: Uint8Array, offset: number): number {
    const n = family === 4 ? 4 : 16;
    const mask = this.capacity - 1;
    for (let i = hashBytes(buf, offset, n) & mask; ; i = (i + 1) & mask) {
      const f = this.families[i];
      if (f === 0) return -1;
      if (f === family && this.sameKey(i, buf, offset, n)) return this.values[i];
    }
  }

  insert(family: Family, buf: Uint8Array, offset: number, value: number): void {
    if ((this.size + 1) * 2 > this.capacity) this.grow();
    this.place(family, buf, offset, value);
    this.size++;
  }

  private sameKey(slot: number, buf: Uint8Array, offset: number, n: number): boolean {
    const k = slot * 16;
    for (let j = 0; j < n; j++) if (this.keys[k + j] !== buf[offset + j]) return false;
    return true;
  }

  private place(family: Family, buf: Uint8Array, offset: number, value: number): void {
    const n = family === 4 ? 4 : 16;
    const mask = this.capacity - 1;
    let i = hashBytes(buf, offset, n) & mask;
    while (this.families[i] !== 0) i = (i + 1) & mask;
    this.families[i] = family;
    this.values[i] = value;
    for (let j = 0; j < n; j++) this.keys[i * 16 + j] = buf[offset + j];
  }

  private grow(): void {
    const { keys, families, values, capacity } = this;
    this.capacity *= 2;
    this.keys = new Uint8Array(this.capacity * 16);
    this.families = new Uint8Array(this.capacity);
    this.values = new Int32Array(this.capacity);
    for (let i = 0; i < capacity; i++) {
      if (families[i] !== 0) this.place(families[i] as Family, keys, i * 16, values[i]);
    }
  }
}
