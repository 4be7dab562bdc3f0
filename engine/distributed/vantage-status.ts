// State changes of remote agents' targets, judged by the controller on each window it stores
// (agent_state_changes, migration 13), in the transaction that stores the window: a window
// delivered twice is stored once and judged once. Per (agent, monitor, target), in window
// order: the unanswered probes since the last answer make a streak; down once the streak
// reaches downAfter; from down, back when a window has at least upAfter answers; degraded when
// a window lost some (or the streak is short of downAfter); up when a window lost none. The
// first status being up is no change (as for local monitors). A window older than the last
// one judged for its key (a late redelivery) is stored but not judged.
import type { Statement } from 'better-sqlite3';
import type { StateChange, TargetStatus } from '../monitor/types.js';
import type { Db } from '../store/database.js';

type Status = TargetStatus['status'];

export interface VantageStatusRules {
  downAfter: number;
  upAfter: number;
}

export interface VantageStateChange extends StateChange {
  agent: string;
}

interface KeyState {
  status: Status;
  streak: number;
  lastStart: number;
}

export interface JudgedWindow {
  targetId: string;
  address: string;
  startMs: number;
  sent: number;
  received: number;
}

export class VantageStatus {
  private readonly states = new Map<string, KeyState>();
  private readonly lastOf: Statement<[string, string, string], { to_status: Status; at: number }>;
  private readonly insert: Statement<[string, string, string, string, string, string, number, string]>;
  private readonly select: Statement<[string, string | null, string | null, string | null, string | null, number, number, number], Row>;
  /** Changes of the current transaction, handed to listeners after it commits. */
  pending: VantageStateChange[] = [];

  constructor(db: Db, private readonly rules: VantageStatusRules) {
    this.lastOf = db.prepare('SELECT to_status, at FROM agent_state_changes WHERE agent = ? AND monitor_id = ? AND target_id = ? ORDER BY at DESC, seq DESC LIMIT 1');
    this.insert = db.prepare('INSERT INTO agent_state_changes (agent, monitor_id, target_id, address, from_status, to_status, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq');
    this.select = db.prepare(`SELECT seq, agent, monitor_id, target_id, address, from_status, to_status, at, reason FROM agent_state_changes
      WHERE monitor_id = ? AND (? IS NULL OR agent = ?) AND (? IS NULL OR target_id = ?) AND at >= ? AND at < ? ORDER BY at, seq LIMIT ?`);
  }

  /** Judges one newly stored window; inside the storing transaction. */
  observe(agent: string, monitorId: string, spanMs: number, w: JudgedWindow): void {
    if (w.sent === 0) return;
    const key = `${agent}\u0000${monitorId}\u0000${w.targetId}`;
    let state = this.states.get(key);
    if (state === undefined) {
      const last = this.lastOf.get(agent, monitorId, w.targetId);
      state = { status: last?.to_status ?? 'unknown', streak: 0, lastStart: -1 };
      this.states.set(key, state);
    }
    if (w.startMs <= state.lastStart) return;
    state.lastStart = w.startMs;
    state.streak = w.received === 0 ? state.streak + w.sent : 0;
    const next = this.next(state, w);
    if (next === state.status) return;
    const from = state.status;
    state.status = next;
    if (from === 'unknown' && next === 'up') return;
    const atMs = w.startMs + spanMs;
    const reason = `agent ${agent}: ${w.received} of ${w.sent} probes answered in the window at ${new Date(w.startMs).toISOString()}`
      + (next === 'down' ? ` (${state.streak} unanswered in a row)` : '');
    const seq = (this.insert.get(agent, monitorId, w.targetId, w.address, from, next, atMs, reason) as { seq: number }).seq;
    this.pending.push({ id: seq, agent, monitorId, targetId: w.targetId, address: w.address, from, to: next, atMs, reason });
  }

  private next(state: KeyState, w: JudgedWindow): Status {
    if (state.streak >= this.rules.downAfter) return 'down';
    if (state.status === 'down' && w.received < this.rules.upAfter) return 'down';
    return w.received < w.sent || state.streak > 0 ? 'degraded' : 'up';
  }

  /** Stored changes of a monitor, oldest first: one agent's or every agent's. */
  list(monitorId: string, fromMs: number, toMs: number, limit: number, agent?: string, targetId?: string): VantageStateChange[] {
    const a = agent ?? null;
    const t = targetId ?? null;
    const out: VantageStateChange[] = [];
    for (const r of this.select.all(monitorId, a, a, t, t, fromMs, toMs, limit)) {
      out.push({ id: r.seq, agent: r.agent, monitorId: r.monitor_id, targetId: r.target_id, address: r.address, from: r.from_status, to: r.to_status, atMs: r.at, reason: r.reason });
    }
    return out;
  }
}

interface Row {
  seq: number;
  agent: string;
  monitor_id: string;
  target_id: string;
  address: string;
  from_status: Status;
  to_status: Status;
  at: number;
  reason: string;
}
