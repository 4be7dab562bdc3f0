// Which series a remote agent's window is in agent_windows.monitor_id: the monitor's id for
// its total (the only series of icmp, tcp and dns monitors), `<id>#<phase>` for a phase of an
// http monitor (connect, tls, ttfb). No column of its own, so no migration: the primary key
// (agent, target, start, monitor_id, span) keeps a phase's windows apart from the total's,
// and every read by `monitor_id = ?` (summary, state changes, /metrics) sees the totals as
// before. Monitor ids (UUIDs) hold no '#'.
import { MONITOR_PHASES, type MonitorPhase } from '../monitor/types.js';

const SEPARATOR = '#';

export function agentSeriesId(monitorId: string, phase: MonitorPhase = 'total'): string {
  return phase === 'total' ? monitorId : `${monitorId}${SEPARATOR}${phase}`;
}

/** The monitor id and phase of a stored monitor_id (null: a suffix sonde does not write). */
export function parseAgentSeriesId(stored: string): { monitorId: string; phase: MonitorPhase } | null {
  const at = stored.lastIndexOf(SEPARATOR);
  if (at < 0) return { monitorId: stored, phase: 'total' };
  const phase = stored.slice(at + 1) as MonitorPhase;
  return MONITOR_PHASES.includes(phase) && phase !== 'total' ? { monitorId: stored.slice(0, at), phase } : null;
}

/** SQL: whether the monitor_id column is a total's (the phases' rows left out of sums by monitor). */
export const TOTAL_SERIES_SQL = `instr(monitor_id, '${SEPARATOR}') = 0`;
