// The dashboard's fleet frame on /v1/live (docs/live-feed.md#fleet-frames): per monitor, a
// fleet-index JSON message naming the targets in order, then once a second one binary
// message with a 12-byte record per target that changed (or every target, `full`):
//   header 24 bytes: u32 magic 0x534E4446, u32 indexVersion, f64 t (ms), u32 count, u8 full, 3 pad
//   record 12 bytes: u32 index, u8 status, u8 lossBucket, u16 reserved, f32 lastRttMs (NaN: none)
// all little-endian. At 50,000 targets a full frame is 600 KB and a second where little
// changed a few KB, against ~9.6 MB of JSON for the monitor frame.
//
// FleetState keeps what the subscribers were last sent, per index, and writes a frame into one
// reused buffer: nothing is allocated per target. Each frame is built once per second per
// topic and published to every subscriber of it.
import { TARGET_STATUSES, type LiveMonitorSecond } from '../../engine/index.js';

export const FLEET_MAGIC = 0x534e4446;
export const FLEET_HEADER_BYTES = 24;
export const FLEET_RECORD_BYTES = 12;
/** Wire status codes: 0 unknown, 1 up, 2 degraded, 3 down. */
export const FLEET_STATUS_CODES = ['unknown', 'up', 'degraded', 'down'] as const;
/** An RTT is sent again when it moved by more than this fraction and at least RTT_MIN_DELTA_MS. */
export const RTT_RELATIVE_DELTA = 0.05;
export const RTT_MIN_DELTA_MS = 0.05;

/** TARGET_STATUSES index → wire code. */
const WIRE_STATUS = Uint8Array.from(TARGET_STATUSES, (s) => FLEET_STATUS_CODES.indexOf(s));

/** SmokePing's loss scale: 0 = 0 %, 1 ≤ 1 %, 2 ≤ 5 %, 3 ≤ 10 %, 4 ≤ 25 %, 5 ≤ 50 %, 6 < 100 %, 7 = 100 %
 *  (nothing sent counts as 0 %: the status says whether the target answers). */
export function lossBucket(sent: number, received: number): number {
  if (sent === 0 || received >= sent) return 0;
  if (received === 0) return 7;
  const pct = (100 * (sent - received)) / sent;
  return pct <= 1 ? 1 : pct <= 5 ? 2 : pct <= 10 ? 3 : pct <= 25 ? 4 : pct <= 50 ? 5 : 6;
}

/** Whether a subscriber holding `was` needs `now` (both f32 ms, NaN = no answer). */
export function rttChanged(was: number, now: number): boolean {
  if (was !== was || now !== now) return (was !== was) !== (now !== now);
  const delta = Math.abs(now - was);
  return delta >= RTT_MIN_DELTA_MS && delta > RTT_RELATIVE_DELTA * was;
}

export class FleetState {
  private status = new Uint8Array(0);
  private loss = new Uint8Array(0);
  private rtt = new Float32Array(0);
  private buf = Buffer.alloc(0);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private size = 0;

  /** Forgets what was sent (a new index): the next frame is full. */
  reset(size: number): void {
    this.size = size;
    if (this.status.length < size) {
      this.status = new Uint8Array(size);
      this.loss = new Uint8Array(size);
      this.rtt = new Float32Array(size);
    }
    const bytes = FLEET_HEADER_BYTES + size * FLEET_RECORD_BYTES;
    if (this.buf.length < bytes) {
      this.buf = Buffer.alloc(bytes);
      this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    }
  }

  /**
   * Writes the frame of second t from a monitor's second (its members in index order): every
   * target when `full`, else only those that changed since the last frame; what it writes
   * becomes what subscribers hold. The view is valid until the next call.
   */
  update(m: LiveMonitorSecond, version: number, t: number, full: boolean): Uint8Array {
    const { rows, status, lastRttNs, lossSent, lossReceived } = m;
    const n = Math.min(rows.length, this.size);
    const view = this.view;
    let count = 0;
    let at = FLEET_HEADER_BYTES;
    for (let k = 0; k < n; k++) {
      const row = rows[k];
      const st = WIRE_STATUS[status[row]];
      const lb = lossBucket(lossSent[row], lossReceived[row]);
      const rttNs = lastRttNs[row];
      const rtt = Math.fround(rttNs / 1e6);
      if (!full && st === this.status[k] && lb === this.loss[k] && !rttChanged(this.rtt[k], rtt)) continue;
      this.status[k] = st;
      this.loss[k] = lb;
      this.rtt[k] = rtt;
      this.record(view, at, k);
      at += FLEET_RECORD_BYTES;
      count++;
    }
    return this.finish(version, t, count, full, at);
  }

  /** A full frame of what subscribers hold now (for one that joins between seconds). */
  fullFrame(version: number, t: number): Uint8Array {
    let at = FLEET_HEADER_BYTES;
    for (let k = 0; k < this.size; k++) {
      this.record(this.view, at, k);
      at += FLEET_RECORD_BYTES;
    }
    return this.finish(version, t, this.size, true, at);
  }

  private record(view: DataView, at: number, k: number): void {
    view.setUint32(at, k, true);
    view.setUint8(at + 4, this.status[k]);
    view.setUint8(at + 5, this.loss[k]);
    view.setUint16(at + 6, 0, true);
    view.setFloat32(at + 8, this.rtt[k], true);
  }

  private finish(version: number, t: number, count: number, full: boolean, end: number): Uint8Array {
    const view = this.view;
    view.setUint32(0, FLEET_MAGIC, true);
    view.setUint32(4, version, true);
    view.setFloat64(8, t, true);
    view.setUint32(16, count, true);
    view.setUint32(20, full ? 1 : 0, true); // u8 full + 3 bytes of padding, zero
    return this.buf.subarray(0, end);
  }
}

/** One decoded fleet frame (the tests' and the bench's reader; the page has its own). */
export interface DecodedFleetFrame {
  version: number;
  t: number;
  full: boolean;
  records: { index: number; status: number; lossBucket: number; lastRttMs: number }[];
}

export function decodeFleetFrame(bytes: Uint8Array): DecodedFleetFrame {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < FLEET_HEADER_BYTES || view.getUint32(0, true) !== FLEET_MAGIC) throw new Error('not a fleet frame (bad magic or too short)');
  const count = view.getUint32(16, true);
  if (bytes.byteLength !== FLEET_HEADER_BYTES + count * FLEET_RECORD_BYTES) throw new Error(`fleet frame of ${bytes.byteLength} bytes does not hold ${count} records`);
  const records: DecodedFleetFrame['records'] = [];
  for (let i = 0, at = FLEET_HEADER_BYTES; i < count; i++, at += FLEET_RECORD_BYTES) {
    records.push({ index: view.getUint32(at, true), status: view.getUint8(at + 4), lossBucket: view.getUint8(at + 5), lastRttMs: view.getFloat32(at + 8, true) });
  }
  return { version: view.getUint32(4, true), t: view.getFloat64(8, true), full: view.getUint8(20) === 1, records };
}
