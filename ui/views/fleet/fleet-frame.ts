// Decodes the binary fleet frame of /v1/live (DASHBOARD-INTERFACE.md "Fleet frames") into a
// FleetState's typed arrays:
//   header (24 bytes, little-endian): u32 magic 0x534E4446, u32 indexVersion, f64 t,
//     u32 count, u8 full, 3 bytes pad
//   count × 12 bytes: u32 index, u8 status, u8 lossBucket, u16 reserved, f32 lastRttMs
import type { FleetState } from './fleet-state.js';

export const FLEET_MAGIC = 0x534e4446;
export const FLEET_HEADER_BYTES = 24;
export const FLEET_RECORD_BYTES = 12;

/** 'applied'; 'stale' (for an index we do not hold: wait for the next fleet-index); 'bad'. */
export type FrameOutcome = 'applied' | 'stale' | 'bad';

export function applyFleetFrame(buffer: ArrayBuffer, state: FleetState): FrameOutcome {
  if (buffer.byteLength < FLEET_HEADER_BYTES) return 'bad';
  const view = new DataView(buffer);
  if (view.getUint32(0, true) !== FLEET_MAGIC) return 'bad';
  const version = view.getUint32(4, true);
  const count = view.getUint32(16, true);
  if (FLEET_HEADER_BYTES + count * FLEET_RECORD_BYTES > buffer.byteLength) return 'bad';
  if (version !== state.version) return 'stale';
  const full = view.getUint8(20) === 1;
  const { status, loss, rtt, counts, changed, n } = state;
  if (full) {
    // A full frame names every target; any it leaves out is unknown.
    status.fill(0);
    loss.fill(0);
    rtt.fill(Number.NaN);
    counts.fill(0);
    counts[0] = n;
  }
  let changedCount = 0;
  let statusChanges = 0;
  let off = FLEET_HEADER_BYTES;
  for (let r = 0; r < count; r++, off += FLEET_RECORD_BYTES) {
    const i = view.getUint32(off, true);
    if (i >= n) continue;
    const s = view.getUint8(off + 4) & 3;
    if (status[i] !== s) {
      counts[status[i]!]!--;
      counts[s]!++;
      statusChanges++;
    }
    status[i] = s;
    loss[i] = view.getUint8(off + 5) & 7;
    rtt[i] = view.getFloat32(off + 8, true);
    changed[changedCount++] = i;
  }
  state.changedCount = changedCount;
  state.statusChanges = statusChanges;
  state.lastFull = full;
  state.lastT = view.getFloat64(8, true);
  state.framed = true;
  return 'applied';
}
