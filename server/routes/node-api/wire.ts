// Engine job records → the node API's wire format (osapi field names, Go durations).
import {
  EXEC_OPERATION,
  NODE_PING_OPERATION,
  type ExecResult,
  type JobAgentResult,
  type JobRecord,
  type JsonValue,
  type NodePingData,
} from '../../../engine/index.js';
import { formatGoDurationMs } from '../../format/go-duration.js';

export interface PingItem {
  hostname: string;
  packets_sent: number;
  packets_received: number;
  packet_loss: number;
  min_rtt: string;
  avg_rtt: string;
  max_rtt: string;
  changed: false;
  error?: string;
  status: 'ok' | 'failed';
}

export interface ExecItem {
  hostname: string;
  stdout: string;
  stderr: string;
  exit_code: number;
  duration_ms: number;
  changed: true;
  error?: string;
  truncated?: boolean;
}

const isObject = (v: JsonValue | undefined): v is { [key: string]: JsonValue } => typeof v === 'object' && v !== null && !Array.isArray(v);
const rtt = (ms: number | null | undefined): string => (typeof ms === 'number' && ms > 0 ? formatGoDurationMs(ms) : '0s');

export function pingItem(r: JobAgentResult): PingItem {
  const data = r.status === 'ok' && isObject(r.data) ? (r.data as unknown as NodePingData) : null;
  if (data === null) {
    return {
      hostname: r.hostname, packets_sent: 0, packets_received: 0, packet_loss: 0,
      min_rtt: '0s', avg_rtt: '0s', max_rtt: '0s', changed: false, error: r.error ?? 'no result', status: 'failed',
    };
  }
  return {
    hostname: r.hostname,
    packets_sent: data.sent,
    packets_received: data.received,
    packet_loss: Number.isFinite(data.lossPercent) ? data.lossPercent : 0,
    min_rtt: rtt(data.minMs),
    avg_rtt: rtt(data.avgMs),
    max_rtt: rtt(data.maxMs),
    changed: false,
    status: 'ok',
  };
}

export function execItem(r: JobAgentResult): ExecItem {
  const data = r.status === 'ok' && isObject(r.data) ? (r.data as unknown as ExecResult) : null;
  if (data === null) {
    return {
      hostname: r.hostname, stdout: '', stderr: '', exit_code: -1, duration_ms: Math.round(r.durationMs),
      changed: true, error: r.error ?? 'no result',
    };
  }
  const item: ExecItem = {
    hostname: r.hostname,
    stdout: data.stdout,
    stderr: data.stderr,
    exit_code: data.exitCode,
    duration_ms: data.durationMs,
    changed: true,
  };
  if (data.error !== undefined) item.error = data.error;
  if (data.truncated) item.truncated = true;
  return item;
}

const byHostname = (a: JobAgentResult, b: JobAgentResult): number => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0);

/** Per-agent items in hostname order (the job records them in the order they finished). */
export function itemsOf<T>(job: JobRecord, toItem: (r: JobAgentResult) => T): T[] {
  return job.results.slice().sort(byHostname).map(toItem);
}

/** One agent's result as GET /job shows it: node API operations in their own wire format. */
function resultData(job: JobRecord, r: JobAgentResult): unknown {
  if (job.operation === NODE_PING_OPERATION) return pingItem(r);
  if (job.operation === EXEC_OPERATION) return execItem(r);
  return r.data;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** GET /job/{id}: osapi's JobDetailResponse. */
export function jobDetail(job: JobRecord): Record<string, unknown> {
  const detail: Record<string, unknown> = {
    id: job.id,
    status: job.status,
    operation: { type: job.operation, data: job.params },
    created: iso(job.createdAtMs),
    updated_at: iso(job.finishedAtMs ?? job.startedAtMs ?? job.createdAtMs),
  };
  const results = job.results.slice().sort(byHostname);
  if (results.length === 1) {
    detail.hostname = results[0].hostname;
    detail.result = resultData(job, results[0]);
  }
  if (job.error !== null) detail.error = job.error;
  if (results.length > 0) {
    const responses: Record<string, unknown> = {};
    for (const r of results) {
      const entry: Record<string, unknown> = { status: r.status === 'ok' ? 'completed' : 'failed', hostname: r.hostname };
      if (r.error !== undefined) entry.error = r.error;
      const data = resultData(job, r);
      if (data !== undefined) entry.data = data;
      responses[r.hostname] = entry;
    }
    detail.responses = responses;
  }
  return detail;
}
