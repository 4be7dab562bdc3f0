import { describe, expect, it } from 'vitest';
import { InFlightTable, SLOTS_PER_ID, SlotState } from '../../engine/icmp/worker/inflight-table.js';

describe('InFlightTable', () => {
  it('has idCount × 65,536 slots: no 16-bit ceiling', () => {
    const table = new InFlightTable({ idCount: 4, initialCapacity: 1024 });
    expect(table.maxCapacity).toBe(4 * SLOTS_PER_ID);
    const seen = new Set<number>();
    let max = -1;
    for (let i = 0; i < 3 * SLOTS_PER_ID; i++) {
      const s = table.allocate(0);
      seen.add(s);
      if (s > max) max = s;
    }
    expect(seen.has(-1)).toBe(false);
    expect(seen.size).toBe(3 * SLOTS_PER_ID);
    expect(table.busy).toBe(3 * SLOTS_PER_ID);
    expect(max).toBeGreaterThanOrEqual(2 * SLOTS_PER_ID);
  });

  it('returns -1 only when every slot is busy, and recovers when one is released', () => {
    const table = new InFlightTable({ idCount: 1, initialCapacity: 16 });
    for (let i = 0; i < SLOTS_PER_ID; i++) table.allocate(0);
    expect(table.allocate(0)).toBe(-1);
    table.release(12345, SlotState.ANSWERED, 1);
    expect(table.allocate(10_000)).toBe(12345);
  });

  it('keeps released slots (with their identity) until reuse, oldest first', () => {
    const table = new InFlightTable({ idCount: 1, initialCapacity: 4, graceMs: 100, graceGrowLimit: 8 });
    const a = table.allocate(0);
    const b = table.allocate(0);
    table.target[a] = 11;
    table.release(a, SlotState.ANSWERED, 10);
    table.release(b, SlotState.TIMED_OUT, 20);
    // Two never-used slots come first.
    const c = table.allocate(30);
    const d = table.allocate(30);
    expect([c, d]).not.toContain(a);
    expect(table.state[a]).toBe(SlotState.ANSWERED);
    expect(table.target[a]).toBe(11);
    // a is within its grace period: the table grows (to 8) instead of reusing it.
    const e = table.allocate(50);
    expect(table.capacity).toBe(8);
    expect(e).toBeGreaterThanOrEqual(4);
    expect(table.state[a]).toBe(SlotState.ANSWERED);
    for (let i = 0; i < 3; i++) table.allocate(50);
    // At the grace growth limit, the oldest released slot is reused even within grace.
    expect(table.allocate(60)).toBe(a);
    expect(table.state[a]).toBe(SlotState.PENDING);
    // After its grace period b is reused without growth.
    expect(table.allocate(200)).toBe(b);
  });

  it('reuses a slot after its grace period instead of growing', () => {
    const table = new InFlightTable({ idCount: 1, initialCapacity: 2, graceMs: 100 });
    const a = table.allocate(0);
    const b = table.allocate(0);
    table.release(a, SlotState.ANSWERED, 0);
    table.release(b, SlotState.ANSWERED, 0);
    expect(table.allocate(150)).toBe(a);
    expect(table.capacity).toBe(2);
  });

  it('notifies listeners when it grows', () => {
    const table = new InFlightTable({ idCount: 2, initialCapacity: 2 });
    const sizes: number[] = [];
    table.onGrow((c) => sizes.push(c));
    for (let i = 0; i < 5; i++) table.allocate(0);
    expect(sizes).toEqual([2, 4, 8]);
  });
});
