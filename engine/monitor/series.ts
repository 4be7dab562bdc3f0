// Which series a stored window belongs to: latency_windows.monitor_seq holds the monitor's seq
// plus SERIES_STRIDE × the series code (probe kind and phase). ICMP's code is 0, so the rows
// written before monitors had other kinds keep their meaning; a monitor changed from tcp to
// http writes under another code and its histories stay apart; each HTTP phase (http, model) is a series of
// its own with the same rows, rollups and retention as the total. seq < 2^32 and
// code < 2^20 keep the key a safe integer.
import type { MonitorPhase, MonitorProbe } from './types.js';

export const SERIES_STRIDE = 2 ** 32;

/** Code → [probe, phase]. The order is stored: append, never reorder. */
const SERIES: readonly (readonly [MonitorProbe, MonitorPhase])[] = [
  ['icmp', 'total'],
  ['tcp', 'total'],
  ['dns', 'total'],
  ['http', 'total'],
  ['http', 'connect'],
  ['http', 'tls'],
  ['http', 'ttfb'],
  ['model', 'total'],
  ['model', 'connect'],
  ['model', 'tls'],
  ['model', 'ttfb'],
];

export function seriesCode(probe: MonitorProbe, phase: MonitorPhase): number {
  return SERIES.findIndex(([p, f]) => p === probe && f === phase);
}

export function seriesKey(monitorSeq: number, probe: MonitorProbe, phase: MonitorPhase = 'total'): number {
  const code = seriesCode(probe, phase);
  if (code < 0) throw new Error(`a ${probe} monitor has no ${phase} phase`);
  return monitorSeq + code * SERIES_STRIDE;
}

/** The monitor seq, probe and phase of a stored monitor_seq (unknown codes: null). */
export function decodeSeries(key: number): { monitorSeq: number; probe: MonitorProbe; phase: MonitorPhase } | null {
  const code = Math.floor(key / SERIES_STRIDE);
  const s = SERIES[code];
  return s === undefined ? null : { monitorSeq: key - code * SERIES_STRIDE, probe: s[0], phase: s[1] };
}
