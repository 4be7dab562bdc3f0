// Seeded randomness, profiles, the host table, the delay queue and address helpers.
import { describe, expect, it } from 'vitest';
import { nthAddress, parseAddress, parsePrefix, prefixContains, prefixInSimRange } from '../../netsim/addresses.js';
import { DelayQueue } from '../../netsim/delay-queue.js';
import { HostTable } from '../../netsim/host-table.js';
import { createRandom, normalAt, uniformAt } from '../../netsim/prng.js';
import { compileProfile, compileSelector, SelectKind } from '../../netsim/profile.js';

describe('seeded randomness', () => {
  it('is a pure function of (seed, host, index, salt) and roughly uniform', () => {
    expect(uniformAt(1, 2, 3, 4)).toBe(uniformAt(1, 2, 3, 4));
    expect(uniformAt(1, 2, 3, 4)).not.toBe(uniformAt(2, 2, 3, 4));
    const n = 100_000;
    let below20 = 0;
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = uniformAt(42, 7, i, 1);
      if (!(u >= 0 && u < 1)) outside++;
      if (u < 0.2) below20++;
      sum += u;
    }
    expect(outside).toBe(0);
    expect(below20 / n).toBeGreaterThan(0.19);
    expect(below20 / n).toBeLessThan(0.21);
    expect(sum / n).toBeGreaterThan(0.49);
    expect(sum / n).toBeLessThan(0.51);
  });

  it('gives standard normal samples', () => {
    const n = 50_000;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const z = normalAt(9, 9, i, 7);
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
  });

  it('createRandom repeats for a seed', () => {
    const a = createRandom(5);
    const b = createRandom(5);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(new Set(xs).size).toBe(3);
  });
});

describe('profiles', () => {
  it('compiles selectors', () => {
    expect(compileSelector(20, 'loss')).toMatchObject({ kind: SelectKind.Percent, fraction: 0.2 });
    expect(compileSelector({ every: 5 }, 'loss')).toMatchObject({ kind: SelectKind.Every, every: 5, start: 5 });
    expect(compileSelector({ every: 5, start: 1 }, 'loss')).toMatchObject({ start: 1 });
    expect(compileSelector({ seqs: [1, 2] }, 'loss').set).toEqual(new Set([1, 2]));
    expect(compileSelector(0, 'loss').kind).toBe(SelectKind.None);
  });

  it('names the bad field', () => {
    const bad = (p: unknown) => { try { compileProfile(p as never); return ''; } catch (e) { return (e as { field: string }).field; } };
    expect(bad({ loss: 120 })).toBe('profile.loss.percent');
    expect(bad({ loss: { every: 0 } })).toBe('profile.loss.every');
    expect(bad({ latency: { ms: -1 } })).toBe('profile.latency.ms');
    expect(bad({ latency: { ms: 5, distribution: 'pareto' } })).toBe('profile.latency.distribution');
    expect(bad({ late: 10 })).toBe('profile.lateDelayMs');
    expect(bad({ unreachable: { code: 300 } })).toBe('profile.unreachable.code');
    expect(bad({ timeExceeded: { fromHop: 0 } })).toBe('profile.timeExceeded.fromHop');
    expect(bad({ timeExceeded: { fromHop: 3, routers: ['nope'] } })).toBe('profile.timeExceeded.routers[0]');
    expect(bad({ lossy: 1 })).toBe('profile.lossy');
    expect(bad({ ttl: 0 })).toBe('profile.ttl');
    expect(bad({ loss: { seqs: [1, 70000] } })).toBe('profile.loss.seqs[1]');
    expect(bad({ loss: 20, latency: { ms: 50, jitterMs: 5 } })).toBe('');
  });
});

describe('addresses', () => {
  it('parses prefixes and checks the simulator ranges', () => {
    expect(parsePrefix('198.18.1.7/24').text).toBe('198.18.1.0/24');
    expect(parsePrefix('2001:db8::1').text).toBe('2001:db8::1');
    expect(prefixInSimRange(parsePrefix('198.18.0.0/15'))).toBe(true);
    expect(prefixInSimRange(parsePrefix('198.16.0.0/12'))).toBe(false);
    expect(prefixInSimRange(parsePrefix('10.0.0.1'))).toBe(false);
    expect(prefixInSimRange(parsePrefix('2001:db8:5::/48'))).toBe(true);
    expect(prefixInSimRange(parsePrefix('2001:db9::1'))).toBe(false);
    const p = parsePrefix('198.18.4.0/22');
    expect(prefixContains(p, 4, parseAddress('198.18.7.255').bytes, 0)).toBe(true);
    expect(prefixContains(p, 4, parseAddress('198.18.8.0').bytes, 0)).toBe(false);
    expect(() => parsePrefix('198.18.0.0/33')).toThrow(/prefix length/);
    expect(nthAddress('198.18.0.0/15', 256 + 5)).toBe('198.18.1.5');
    expect(nthAddress('2001:db8::/32', 65536 + 1)).toBe('2001:db8::1:1');
    expect(() => nthAddress('198.18.0.0/24', 256)).toThrow(/does not fit/);
  });
});

describe('host table', () => {
  it('finds what it stored across growth, keeping families apart', () => {
    const t = new HostTable();
    const addrs = Array.from({ length: 5000 }, (_, i) => parseAddress(nthAddress(i % 2 ? '198.18.0.0/15' : '2001:db8::/32', i)));
    addrs.forEach((a, i) => t.insert(a.family, a.bytes, 0, i));
    addrs.forEach((a, i) => expect(t.find(a.family, a.bytes, 0)).toBe(i));
    expect(t.find(4, parseAddress('198.19.0.1').bytes, 0)).toBe(-1);
    // IPv4 198.18.0.1 and an IPv6 address starting with the same 4 bytes are different keys.
    const six = new Uint8Array(16);
    six.set(parseAddress('198.18.0.1').bytes.subarray(0, 4));
    expect(t.find(6, six, 0)).toBe(-1);
  });
});

describe('delay queue', () => {
  it('pops in due order, FIFO for equal due times, and reuses slots', () => {
    const q = new DelayQueue(4);
    const rnd = createRandom(3);
    const dues: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const due = Math.floor(rnd() * 50);
      const slot = q.add(due, Buffer.from([i & 0xff, i >> 8]), 0, 2);
      q.seq[slot] = i;
      dues.push(due);
    }
    const order: Array<[number, number]> = [];
    while (q.size > 0) {
      const due = q.nextDue();
      const slot = q.pop();
      const b = q.buffer(slot);
      expect(b[0] | (b[1] << 8)).toBe(q.seq[slot]);
      order.push([due, q.seq[slot]]);
      q.release(slot);
    }
    const expected = dues.map((d, i) => [d, i] as [number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(order).toEqual(expected);
    expect(q.nextDue()).toBe(Infinity);
  });
});
