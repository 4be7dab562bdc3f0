// Diagnostic ping tasks in contract B's words: the five outcomes of GET /api/v1/ping/{task_id}/.
import type { DiagnosticTask, PingTestResult } from '../../../engine/index.js';

/** received/sent at or above this is a stable connection (docs/contracts.md#service-ping-outcomes). */
const STABLE_RATIO = 0.8;

type Status = 'stable' | 'intermittent' | 'no_internet' | 'error' | 'pending';

export interface ServicePingData {
  status: Status;
  sent: number;
  received: number;
  /** Percent; null when nothing was sent (no measurement). */
  packet_loss: number | null;
  rtt_min_ms: number | null;
  rtt_avg_ms: number | null;
  rtt_max_ms: number | null;
  progress?: number;
  address?: string | null;
}

export interface ServiceEnvelope<D> {
  ok: boolean;
  type: 'success' | 'info' | 'error';
  action: string;
  data: D;
  message: string | null;
  meta: null;
}

const round3 = (v: number | null): number | null => (v === null ? null : Math.round(v * 1000) / 1000);

function dataOf(status: Status, r: PingTestResult | null): ServicePingData {
  const sent = r?.sent ?? 0;
  const received = r?.received ?? 0;
  return {
    status,
    sent,
    received,
    packet_loss: sent > 0 ? Math.round(((sent - received) / sent) * 10000) / 100 : null,
    rtt_min_ms: round3(r?.minMs ?? null),
    rtt_avg_ms: round3(r?.avgMs ?? null),
    rtt_max_ms: round3(r?.maxMs ?? null),
    address: r?.address ?? null,
  };
}

const envelope = <D>(ok: boolean, type: ServiceEnvelope<D>['type'], action: string, data: D, message: string | null): ServiceEnvelope<D> => ({
  ok, type, action, data, message, meta: null,
});

export function pingResult(task: DiagnosticTask): ServiceEnvelope<ServicePingData | null> {
  const r = task.result as unknown as PingTestResult | null;
  if (task.status === 'pending' || task.status === 'running') {
    // The counts and RTTs of the probes answered so far.
    const data = dataOf('pending', r);
    data.progress = task.progress;
    return envelope(true, 'info', 'ping_pending', data, `the ping is still running (${task.progress}% done); poll again`);
  }
  if (task.status === 'failed' || r === null) {
    // What was measured before it failed (e.g. up to a restart) stays in data.
    return envelope(false, 'error', 'ping_failed', dataOf('error', r), task.error ?? 'the ping could not run');
  }
  if (r.sent === 0) return envelope(false, 'error', 'ping_failed', dataOf('error', r), `no probe could be sent to ${r.address ?? r.destination}`);
  const ratio = r.received / r.sent;
  if (ratio >= STABLE_RATIO) return envelope(true, 'success', 'stable_connection', dataOf('stable', r), null);
  if (ratio > 0) return envelope(true, 'info', 'intermittent_connection', dataOf('intermittent', r), `${r.received} of ${r.sent} replies`);
  return envelope(true, 'info', 'no_internet', dataOf('no_internet', r), `no reply from ${r.address ?? r.destination} to ${r.sent} probes`);
}
