import { describe, expect, it } from 'vitest';
import { TimingWheel } from '../../engine/icmp/worker/timing-wheel.js';

function expireAt(wheel: TimingWheel, now: number): number[] {
  const out: number[] = [];
  wheel.advance(now, (s) => out.push(s));
  return out.sort((a, b) => a - b);
}

describe('TimingWheel', () => {
  it('expires entries when their deadline has passed, not before', () => {
    const wheel = new TimingWheel(1000, 1, 16);
    wheel.ensureCapacity(10);
    wheel.insert(1, 1005);
    wheel.insert(2, 1005.5);
    wheel.insert(3, 1010);
    expect(expireAt(wheel, 1004.9)).toEqual([]);
    expect(expireAt(wheel, 1005.2)).toEqual([1]);
    expect(expireAt(wheel, 1006)).toEqual([2]);
    expect(wheel.size).toBe(1);
    expect(expireAt(wheel, 1200)).toEqual([3]);
    expect(wheel.size).toBe(0);
  });

  it('handles deadlines beyond one rotation (they wait for their round)', () => {
    const wheel = new TimingWheel(0, 1, 8);
    wheel.ensureCapacity(4);
    wheel.insert(0, 3);
    wheel.insert(1, 19); // same bucket as 3, two rotations later
    expect(expireAt(wheel, 3)).toEqual([0]);
    expect(expireAt(wheel, 11)).toEqual([]);
    expect(expireAt(wheel, 18.9)).toEqual([]);
    expect(expireAt(wheel, 19)).toEqual([1]);
  });

  it('removes entries in O(1) from anywhere in a bucket list', () => {
    const wheel = new TimingWheel(0, 1, 4);
    wheel.ensureCapacity(8);
    for (let s = 0; s < 6; s++) wheel.insert(s, 2);
    wheel.remove(0);
    wheel.remove(5);
    wheel.remove(3);
    wheel.remove(3);
    expect(wheel.has(3)).toBe(false);
    expect(expireAt(wheel, 2)).toEqual([1, 2, 4]);
  });

  it('puts deadlines already behind it into the next bucket it visits', () => {
    const wheel = new TimingWheel(0, 1, 8);
    wheel.ensureCapacity(4);
    wheel.advance(100, () => {});
    wheel.insert(1, 50);
    expect(expireAt(wheel, 100.5)).toEqual([1]);
  });

  it('re-inserting moves an entry, and growth keeps existing links', () => {
    const wheel = new TimingWheel(0, 1, 8);
    wheel.ensureCapacity(2);
    wheel.insert(1, 5);
    wheel.ensureCapacity(1000);
    wheel.insert(999, 5);
    wheel.insert(1, 7);
    expect(expireAt(wheel, 6)).toEqual([999]);
    expect(expireAt(wheel, 7)).toEqual([1]);
  });

  it('after a long pause, one advance expires everything due', () => {
    const wheel = new TimingWheel(0, 1, 16);
    wheel.ensureCapacity(100);
    for (let s = 0; s < 100; s++) wheel.insert(s, s * 3);
    expect(expireAt(wheel, 10_000)).toHaveLength(100);
  });
});
