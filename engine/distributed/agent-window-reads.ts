// Reads of remote agents' windows (agent_windows) for history, summary and /metrics: per
// vantage point (an agent's hostname) or merged across every agent that measured a target.
// A summary from windows cannot replay the per-probe hysteresis the local runtime keeps, so
// its status is judged on the stored windows: down when the agent's last window of the target
// had no answer (its probes sent, none received) and at least downAfter probes were sent in
// it; degraded when the loss over the period exceeds degradedLossPercent or the last window
// lost some; up otherwise; unknown before the first window (or none in the period). Merged:
// the counters summed over the agents, down when every agent says down, degraded when any
// agent is not up. History rows carry the series key of the local windows (series.ts: the
// controller's monitor seq, its probe kind and the phase, agent-series.ts), so a history by
// probe kind or phase picks the remote windows as it picks the local ones.
import type { Statement } from 'better-sqlite3';
import { seriesCode, seriesKey } from '../monitor/series.js';
import type { MonitorProbe, MonitorSummary, TargetStatus } from '../monitor/types.js';
import type { HistoryRow } from '../monitor/window-store.js';
import type { Db } from '../store/database.js';
import { TOTAL_SERIES_SQL, parseAgentSeriesId } from './agent-series.js';

export interface VantageStatusSettings {
  downAfter: number;
  degradedLossPercent: number;
}

interface PeriodRow {
  agent: string;
  targetId: string;
  address: string;
  sent: number;
  received: number;
  /** The last window of the target in the period. */
  lastStart: number;
  lastSpan: number;
  lastSent: number;
  lastReceived: number;
  lastSumNs: number;
}

export interface VantageCounts {
  monitorId: string;
  agent: string;
  counts: MonitorSummary['counts'];
  sent: number;
  received: number;
  /** Mean RTT of the answered probes of the period, ns (null: none answered). */
  meanNs: number | null;
}

const ORDER: Record<TargetStatus['status'], number> = { up: 0, degraded: 1, down: 2, unknown: 3 };

/** [start_at, monitor_id as stored, sent, received, min_ns, max_ns, hist] */
type StoredHistoryRow = [number, string, number, number, number | null, number | null, Buffer | null];

export class AgentWindowReads {
  private readonly history: Statement<[string, number, number], StoredHistoryRow>;
  private readonly historyOf: Statement<[string, string, number, number], StoredHistoryRow>;
  private readonly monitorOf: Statement<[string], { seq: number; probe: MonitorProbe }>;
  /** Stored monitor_id → series key (-1: a monitor the controller does not have). */
  private readonly keys = new Map<string, number>();
  private readonly period: Statement<[string, number], PeriodRow>;
  private readonly periodOf: Statement<[string, number, string], PeriodRow>;
  private readonly agentsOf: Statement<[string, number], string>;
  private readonly totals: Statement<[number], { monitorId: string; agent: string; sent: number; received: number; sumNs: number }>;

  constructor(db: Db) {
    // monitor_id becomes the series key of the controller's monitor (seriesKeyOf)
    const historySql = (agent: boolean) => `SELECT start_at, monitor_id, sent, received, min_ns, max_ns, hist
      FROM agent_windows WHERE ${agent ? 'agent = ? AND ' : ''}target_id = ? AND start_at >= ? AND start_at < ? ORDER BY start_at`;
    this.history = db.prepare<[string, number, number], StoredHistoryRow>(historySql(false)).raw(true);
    this.historyOf = db.prepare<[string, string, number, number], StoredHistoryRow>(historySql(true)).raw(true);
    this.monitorOf = db.prepare<[string], { seq: number; probe: MonitorProbe }>('SELECT seq, probe FROM monitors WHERE id = ?');
    // the bare columns of max(start_at) come from the row that has it (SQLite's rule)
    const periodSql = (agent: boolean) => `SELECT agent, target_id AS targetId, address, sum(sent) AS sent, sum(received) AS received,
        max(start_at) AS lastStart, span_ms AS lastSpan, sent AS lastSent, received AS lastReceived, sum_ns AS lastSumNs
      FROM agent_windows WHERE monitor_id = ? AND start_at >= ?${agent ? ' AND agent = ?' : ''} GROUP BY agent, target_id`;
    this.period = db.prepare<[string, number], PeriodRow>(periodSql(false));
    this.periodOf = db.prepare<[string, number, string], PeriodRow>(periodSql(true));
    this.agentsOf = db.prepare<[string, number], string>('SELECT DISTINCT agent FROM agent_windows WHERE monitor_id = ? AND start_at >= ? ORDER BY agent').pluck();
    this.totals = db.prepare(`SELECT monitor_id AS monitorId, agent, sum(sent) AS sent, sum(received) AS received, sum(sum_ns) AS sumNs
      FROM agent_windows WHERE start_at >= ? AND ${TOTAL_SERIES_SQL} GROUP BY monitor_id, agent ORDER BY monitor_id, agent`);
  }

  /** History rows of a target (queryHistory's shape), by start; one agent's or every agent's. */
  historyRows(targetId: string, fromMs: number, toMs: number, agent?: string): HistoryRow[] {
    const rows = agent === undefined ? this.history.all(targetId, fromMs, toMs) : this.historyOf.all(agent, targetId, fromMs, toMs);
    // the monitor's kind now (a history query is short: read once per query and stored id)
    this.keys.clear();
    return rows.map(([start, stored, ...rest]): HistoryRow => [start, this.seriesKeyOf(stored), ...rest]);
  }

  private seriesKeyOf(stored: string): number {
    let key = this.keys.get(stored);
    if (key === undefined) {
      const series = parseAgentSeriesId(stored);
      const m = series === null ? undefined : this.monitorOf.get(series.monitorId);
      key = series === null || m === undefined || seriesCode(m.probe, series.phase) < 0 ? -1 : seriesKey(m.seq, m.probe, series.phase);
      this.keys.set(stored, key);
    }
    return key;
  }

  /** The agents with windows of a monitor since fromMs. */
  agents(monitorId: string, fromMs: number): string[] {
    return this.agentsOf.all(monitorId, fromMs);
  }

  /**
   * A monitor's summary from its agents' windows since fromMs: `members` (the selection now)
   * in order, each with one agent's figures or all agents' merged.
   */
  summary(
    monitorId: string, members: readonly { id: string; address: string }[], fromMs: number, settings: VantageStatusSettings, agent?: string,
  ): Pick<MonitorSummary, 'counts' | 'targets'> {
    const rows = agent === undefined ? this.period.all(monitorId, fromMs) : this.periodOf.all(monitorId, fromMs, agent);
    const byTarget = new Map<string, PeriodRow[]>();
    for (const r of rows) {
      const list = byTarget.get(r.targetId);
      if (list === undefined) byTarget.set(r.targetId, [r]);
      else list.push(r);
    }
    const counts = { up: 0, degraded: 0, down: 0, unknown: 0 };
    const targets: TargetStatus[] = [];
    for (const m of members) {
      const t = merge(m.id, m.address, byTarget.get(m.id) ?? [], settings);
      counts[t.status]++;
      targets.push(t);
    }
    return { counts, targets };
  }

  /** Per monitor and agent since fromMs: the targets by status and the probe totals (for /metrics). */
  countsByAgent(fromMs: number, settings: VantageStatusSettings): VantageCounts[] {
    const out: VantageCounts[] = [];
    for (const t of this.totals.all(fromMs)) {
      const counts = { up: 0, degraded: 0, down: 0, unknown: 0 };
      for (const r of this.periodOf.all(t.monitorId, fromMs, t.agent)) counts[statusOf(r, settings)]++;
      out.push({ monitorId: t.monitorId, agent: t.agent, counts, sent: t.sent, received: t.received, meanNs: t.received > 0 ? t.sumNs / t.received : null });
    }
    return out;
  }
}

function statusOf(r: PeriodRow, s: VantageStatusSettings): TargetStatus['status'] {
  if (r.sent === 0) return 'unknown';
  if (r.lastSent > 0 && r.lastReceived === 0 && r.lastSent >= s.downAfter) return 'down';
  const loss = (100 * (r.sent - r.received)) / r.sent;
  if (loss > s.degradedLossPercent || r.lastReceived < r.lastSent) return 'degraded';
  return 'up';
}

function merge(targetId: string, address: string, rows: readonly PeriodRow[], s: VantageStatusSettings): TargetStatus {
  if (rows.length === 0) {
    return { targetId, address, status: 'unknown', lastRttMs: null, lastProbeAtMs: null, failStreak: 0, sent: 0, received: 0, lossPercent: null };
  }
  let sent = 0;
  let received = 0;
  let last: PeriodRow = rows[0];
  let downs = 0;
  let worst: TargetStatus['status'] = 'up';
  for (const r of rows) {
    sent += r.sent;
    received += r.received;
    if (r.lastStart > last.lastStart) last = r;
    const st = statusOf(r, s);
    if (st === 'down') downs++;
    if (st !== 'unknown' && ORDER[st] > ORDER[worst]) worst = st;
  }
  const status: TargetStatus['status'] = downs === rows.length ? 'down' : worst === 'down' ? 'degraded' : worst;
  return {
    targetId, address, status,
    lastRttMs: last.lastReceived > 0 ? last.lastSumNs / last.lastReceived / 1e6 : null,
    lastProbeAtMs: last.lastStart + last.lastSpan,
    failStreak: last.lastReceived === 0 ? last.lastSent : 0,
    sent, received,
    lossPercent: sent === 0 ? null : (100 * (sent - received)) / sent,
  };
}
