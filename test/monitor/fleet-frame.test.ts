// The dashboard's binary fleet frame over a real LiveState (the monitor's per-target state,
// its second rotation and status evaluation, as the live publisher runs them): a full frame
// decodes to the monitor's state, and each delta carries exactly the targets whose status,
// loss bucket or RTT (beyond the threshold) changed, so a client applying the frames holds
// the monitor's state second after second.
import { describe, expect, it } from 'vitest';
import { TARGET_STATUSES, type LiveMonitorSecond } from '../../engine/index.js';
import { LiveState } from '../../engine/monitor/live-state.js';
import { DEFAULT_STATUS_SETTINGS, evaluateStatus } from '../../engine/monitor/status-tracker.js';
import { decodeFleetFrame, FLEET_HEADER_BYTES, FLEET_MAGIC, FLEET_RECORD_BYTES, FleetState } from '../../server/live/fleet-frame.js';

const N = 300;
const WIRE: Record<string, number> = { unknown: 0, up: 1, degraded: 2, down: 3 };

/** SmokePing's loss scale, written out here independently of the encoder. */
function bucketOf(sent: number, received: number): number {
  if (sent === 0) return 0;
  const pct = (100 * (sent - received)) / sent;
  const limits = [0, 1, 5, 10, 25, 50];
  for (let b = 0; b < limits.length; b++) if (pct <= limits[b]) return b;
  return pct < 100 ? 6 : 7;
}

interface Held {
  status: number;
  loss: number;
  rtt: number;
}

class Monitor {
  readonly live = new LiveState();
  readonly rows = Array.from({ length: N }, (_, i) => i);
  readonly ids = this.rows.map((i) => `id-${i}`);
  readonly addresses = this.rows.map((i) => `127.0.1.${i % 250}`);
  private second = 0;
  constructor() {
    this.live.ensureRows(N);
  }

  /** One second: rtt(row) in ns, or null for a failed probe; then rotation and status. */
  tick(rtt: (row: number) => number | null): LiveMonitorSecond {
    const t = 1_700_000_000_000 + this.second++ * 1000;
    for (const row of this.rows) {
      const ns = rtt(row);
      if (ns === null) this.live.failed(row, t);
      else this.live.ok(row, ns, t);
    }
    this.live.second.rotate(t);
    evaluateStatus(this.live, this.rows, DEFAULT_STATUS_SETTINGS, () => undefined);
    const s = this.live.second;
    return {
      monitorId: 'm', rows: this.rows, ids: this.ids, addresses: this.addresses, sent: s.lastSent, received: s.lastReceived,
      p50Ns: s.lastP50Ns, maxNs: s.lastMaxNs, status: this.live.status, lastRttNs: this.live.lastRttNs, lossSent: s.lossSent, lossReceived: s.lossReceived,
    };
  }

  truth(k: number): Held {
    const row = this.rows[k];
    const s = this.live.second;
    return { status: WIRE[TARGET_STATUSES[this.live.status[row]]], loss: bucketOf(s.lossSent[row], s.lossReceived[row]), rtt: this.live.lastRttNs[row] / 1e6 };
  }
}

/** Whether a client holding `rtt` holds the truth closely enough that no update was due. */
function closeEnough(held: number, truth: number): boolean {
  if (Number.isNaN(held) || Number.isNaN(truth)) return Number.isNaN(held) === Number.isNaN(truth);
  const d = Math.abs(truth - held);
  return d < 0.05 || d <= 0.05 * held;
}

describe('fleet frames', () => {
  it('encode the header and records as the interface says (little-endian, 24 + 12 × count bytes)', () => {
    const m = new Monitor();
    const second = m.tick(() => 20_000);
    const state = new FleetState();
    state.reset(N);
    const bytes = state.update(second, 7, 1_700_000_000_000, true);
    expect(bytes.byteLength).toBe(FLEET_HEADER_BYTES + N * FLEET_RECORD_BYTES);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(0, true)).toBe(FLEET_MAGIC);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('FDNS');
    expect(view.getUint32(4, true)).toBe(7);
    expect(view.getFloat64(8, true)).toBe(1_700_000_000_000);
    expect(view.getUint32(16, true)).toBe(N);
    expect([view.getUint8(20), view.getUint8(21), view.getUint8(22), view.getUint8(23)]).toEqual([1, 0, 0, 0]);
    expect(view.getUint32(24 + 12 * 5, true)).toBe(5);
    expect(view.getUint16(24 + 12 * 5 + 6, true)).toBe(0);
    expect(view.getFloat32(24 + 12 * 5 + 8, true)).toBeCloseTo(0.02, 6);
  });

  it('a full frame decodes to the monitor\'s state; deltas carry exactly what changed', () => {
    const m = new Monitor();
    const state = new FleetState();
    state.reset(N);
    const held: Held[] = [];
    // second by second: a steady fleet, then jitter below the threshold, one RTT jump, targets
    // that stop answering (degraded, then down after downAfter) and come back
    const scenario: ((row: number, s: number) => number | null)[] = [];
    for (let s = 0; s < 14; s++) {
      scenario.push((row) => {
        if (row >= 40 && row < 50 && s >= 4 && s < 9) return null; // dark for 5 s
        if (row === 7 && s >= 3) return 2_000_000; // 0.02 ms → 2 ms
        return 20_000 + ((row + s) % 3) * 1000; // jitter of 0.001–0.002 ms: below the 0.05 ms floor
      });
    }
    let deltas = 0;
    const statusesSent = new Set<number>();
    const lossSent = new Set<number>();
    for (let s = 0; s < scenario.length; s++) {
      const second = m.tick((row) => scenario[s](row, s));
      const frame = decodeFleetFrame(state.update(second, 1, 1_700_000_000_000 + s * 1000, s === 0));
      expect(frame.full).toBe(s === 0);
      if (s === 0) {
        expect(frame.records.map((r) => r.index)).toEqual(m.rows);
        for (const r of frame.records) held[r.index] = { status: r.status, loss: r.lossBucket, rtt: r.lastRttMs };
      } else {
        deltas += frame.records.length;
        for (const r of frame.records) {
          const before = held[r.index];
          // nothing is sent that the client already holds
          expect(before.status !== r.status || before.loss !== r.lossBucket || !closeEnough(before.rtt, r.lastRttMs), `second ${s} index ${r.index}`).toBe(true);
          held[r.index] = { status: r.status, loss: r.lossBucket, rtt: r.lastRttMs };
          statusesSent.add(r.status);
          lossSent.add(r.lossBucket);
        }
      }
      // after applying the frame the client holds the monitor's state
      for (let k = 0; k < N; k++) {
        const truth = m.truth(k);
        expect(held[k].status, `second ${s} index ${k} status`).toBe(truth.status);
        expect(held[k].loss, `second ${s} index ${k} loss`).toBe(truth.loss);
        expect(closeEnough(held[k].rtt, truth.rtt), `second ${s} index ${k} rtt ${held[k].rtt} vs ${truth.rtt}`).toBe(true);
      }
    }
    // the dark targets went down and came back, the jump was sent once
    expect(deltas).toBeGreaterThan(10);
    expect(deltas).toBeLessThan(N);
    expect(statusesSent).toEqual(new Set([WIRE.degraded, WIRE.down, WIRE.up]));
    expect(Math.max(...lossSent)).toBeGreaterThanOrEqual(5); // 5 of up to 14 probes lost: > 25 %
    expect(held[45].status).toBe(WIRE.up);
    expect(held[7].rtt).toBeCloseTo(2, 5);
  });

  it('a steady second costs only the header; a joining client gets a full frame of what others hold', () => {
    const m = new Monitor();
    const state = new FleetState();
    state.reset(N);
    state.update(m.tick(() => 20_000), 1, 0, true);
    const steady = state.update(m.tick(() => 20_000), 1, 1000, false);
    expect(steady.byteLength).toBe(FLEET_HEADER_BYTES);
    const joined = decodeFleetFrame(state.fullFrame(1, 1000));
    expect(joined.full).toBe(true);
    expect(joined.records).toHaveLength(N);
    for (const r of joined.records) expect(r).toMatchObject({ status: m.truth(r.index).status, lossBucket: 0 });
  });
});
