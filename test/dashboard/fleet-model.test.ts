// The fleet view's data path without a browser: binary fleet frames (built here byte by byte
// as DASHBOARD-INTERFACE.md lays them out) decoded into the typed arrays, the status counts
// kept by deltas, and the filters and sorts of the grid. Type-checked by tsconfig.ui.json.
import { describe, expect, it } from 'vitest';
import { applyFleetFrame, FLEET_MAGIC } from '../../ui/views/fleet/fleet-frame.js';
import { FleetOrder, parseLabelSelector, type FleetFilter } from '../../ui/views/fleet/fleet-order.js';
import { FleetState, type FleetTarget } from '../../ui/views/fleet/fleet-state.js';

interface Rec { index: number; status: number; loss: number; rtt: number }

function frame(version: number, full: boolean, records: Rec[], t = 1_700_000_000_000): ArrayBuffer {
  const buf = new ArrayBuffer(24 + records.length * 12);
  const v = new DataView(buf);
  v.setUint32(0, FLEET_MAGIC, true);
  v.setUint32(4, version, true);
  v.setFloat64(8, t, true);
  v.setUint32(16, records.length, true);
  v.setUint8(20, full ? 1 : 0);
  records.forEach((r, k) => {
    const o = 24 + k * 12;
    v.setUint32(o, r.index, true);
    v.setUint8(o + 4, r.status);
    v.setUint8(o + 5, r.loss);
    v.setUint16(o + 6, 0, true);
    v.setFloat32(o + 8, r.rtt, true);
  });
  return buf;
}

function targets(n: number): FleetTarget[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `id-${i}`, name: `host-${i}`, address: `127.0.${i >> 8}.${i & 255}`, kind: i % 2 === 0 ? 'HOST' : 'TCP',
    labels: { site: i % 3 === 0 ? 'eu.paris' : 'us', rack: `r${i % 4}` },
  }));
}

const all: FleetFilter = { text: '', labels: [], kind: '', statusMask: 0, sort: 'name' };

describe('fleet frames', () => {
  it('a full frame sets every target and the counts; a delta frame changes only its records', () => {
    const s = new FleetState();
    s.setIndex(7, targets(5));
    expect(Array.from(s.counts)).toEqual([5, 0, 0, 0]);
    const full = frame(7, true, [0, 1, 2, 3, 4].map((i) => ({ index: i, status: 1, loss: 0, rtt: 0.5 + i })));
    expect(applyFleetFrame(full, s)).toBe('applied');
    expect(Array.from(s.counts)).toEqual([0, 5, 0, 0]);
    expect(Array.from(s.rtt)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    expect(s.lastFull).toBe(true);
    expect(s.lastT).toBe(1_700_000_000_000);

    expect(applyFleetFrame(frame(7, false, [{ index: 3, status: 3, loss: 7, rtt: Number.NaN }, { index: 1, status: 2, loss: 2, rtt: 9 }]), s)).toBe('applied');
    expect(Array.from(s.counts)).toEqual([0, 3, 1, 1]);
    expect(Array.from(s.status)).toEqual([1, 2, 1, 3, 1]);
    expect(Array.from(s.loss)).toEqual([0, 2, 0, 7, 0]);
    expect(Number.isNaN(s.rtt[3])).toBe(true);
    expect(Array.from(s.changed.subarray(0, s.changedCount))).toEqual([3, 1]);
    expect(s.statusChanges).toBe(2);
    expect(s.lastFull).toBe(false);

    // the same status again: no count moves
    applyFleetFrame(frame(7, false, [{ index: 3, status: 3, loss: 7, rtt: Number.NaN }]), s);
    expect(Array.from(s.counts)).toEqual([0, 3, 1, 1]);
    expect(s.statusChanges).toBe(0);
  });

  it('a full frame that leaves targets out makes them unknown', () => {
    const s = new FleetState();
    s.setIndex(1, targets(3));
    applyFleetFrame(frame(1, true, [0, 1, 2].map((i) => ({ index: i, status: 1, loss: 0, rtt: 1 }))), s);
    applyFleetFrame(frame(1, true, [{ index: 2, status: 3, loss: 7, rtt: Number.NaN }]), s);
    expect(Array.from(s.counts)).toEqual([2, 0, 0, 1]);
    expect(Array.from(s.status)).toEqual([0, 0, 3]);
  });

  it('frames for another index version are stale; short, truncated or foreign buffers are bad and change nothing', () => {
    const s = new FleetState();
    s.setIndex(2, targets(2));
    expect(applyFleetFrame(frame(3, true, [{ index: 0, status: 1, loss: 0, rtt: 1 }]), s)).toBe('stale');
    expect(applyFleetFrame(new ArrayBuffer(10), s)).toBe('bad');
    const truncated = frame(2, true, [{ index: 0, status: 1, loss: 0, rtt: 1 }]).slice(0, 30);
    expect(applyFleetFrame(truncated, s)).toBe('bad');
    const foreign = frame(2, true, []);
    new DataView(foreign).setUint32(0, 0x12345678, true);
    expect(applyFleetFrame(foreign, s)).toBe('bad');
    expect(Array.from(s.counts)).toEqual([2, 0, 0, 0]);
    // an index beyond the target list is skipped, not written past the arrays
    expect(applyFleetFrame(frame(2, false, [{ index: 99, status: 3, loss: 7, rtt: 1 }]), s)).toBe('applied');
    expect(Array.from(s.counts)).toEqual([2, 0, 0, 0]);
  });
});

describe('fleet order', () => {
  const state = () => {
    const s = new FleetState();
    s.setIndex(1, targets(12));
    const recs = Array.from({ length: 12 }, (_, i) => ({ index: i, status: i === 5 ? 3 : i === 7 ? 2 : 1, loss: i === 5 ? 7 : i === 7 ? 3 : i === 2 ? 1 : 0, rtt: i === 5 ? Number.NaN : 1 + (i * 7) % 12 }));
    applyFleetFrame(frame(1, true, recs), s);
    return s;
  };
  const shown = (s: FleetState, f: Partial<FleetFilter>) => {
    const o = new FleetOrder();
    o.rebuild(s, { ...all, ...f });
    const idx = Array.from(o.order.subarray(0, o.length));
    idx.forEach((i, cell) => expect(o.cellOf[i]).toBe(cell));
    expect(Array.from(o.cellOf).filter((c) => c >= 0).length).toBe(o.length);
    return idx;
  };

  it('sorts by name with numbers in order, by loss worst first, by RTT slowest first (no answer first)', () => {
    const s = state();
    expect(shown(s, {})).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const byLoss = shown(s, { sort: 'loss' });
    expect(byLoss.slice(0, 3)).toEqual([5, 7, 2]);
    const byRtt = shown(s, { sort: 'rtt' });
    expect(byRtt[0]).toBe(5);
    const rtts = byRtt.slice(1).map((i) => s.rtt[i]!);
    expect(rtts).toEqual([...rtts].sort((a, b) => b - a));
  });

  it('orders names naturally and case-insensitively; a target without a name goes by its address', () => {
    const s = new FleetState();
    s.setIndex(1, [
      { id: 'a', name: 'Host-10', address: '127.0.0.10', kind: 'HOST', labels: {} },
      { id: 'b', name: 'host-9', address: '127.0.0.9', kind: 'HOST', labels: {} },
      { id: 'c', name: null as unknown as string, address: '127.0.0.2', kind: 'HOST', labels: {} },
      { id: 'd', name: 'host-9', address: '127.0.0.1', kind: 'HOST', labels: {} },
    ]);
    expect(s.targets[2]!.name).toBe('127.0.0.2');
    const o = new FleetOrder();
    o.rebuild(s, all);
    expect(Array.from(o.order.subarray(0, o.length))).toEqual([2, 3, 1, 0]);
  });

  it('filters by text (name or address), label selector with dotted prefixes, kind and status', () => {
    const s = state();
    expect(shown(s, { text: 'host-1' })).toEqual([1, 10, 11]);
    expect(shown(s, { text: '127.0.0.7' })).toEqual([7]);
    expect(shown(s, { labels: parseLabelSelector('site:eu') })).toEqual([0, 3, 6, 9]);
    expect(shown(s, { labels: parseLabelSelector('site:eu rack:r2') })).toEqual([6]);
    expect(shown(s, { labels: parseLabelSelector('site:e') })).toEqual([]);
    expect(shown(s, { labels: parseLabelSelector('rack') })).toHaveLength(12);
    expect(shown(s, { kind: 'TCP' })).toEqual([1, 3, 5, 7, 9, 11]);
    expect(shown(s, { statusMask: (1 << 3) | (1 << 2) })).toEqual([5, 7]);
  });
});
