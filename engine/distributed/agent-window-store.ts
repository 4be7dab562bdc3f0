// Stores window batches from remote agents (table agent_windows, migration 9) exactly once:
// the primary key is the window's idempotent key, and a row already stored is left as it is
// (INSERT … ON CONFLICT DO NOTHING), so a redelivered or republished batch changes nothing.
// An http monitor's phase series are stored beside its total under the series id of
// agent-series.ts; only the totals are judged for state changes.
import type { Statement } from 'better-sqlite3';
import type { MonitorPhase } from '../monitor/types.js';
import type { Db } from '../store/database.js';
import { agentSeriesId } from './agent-series.js';
import type { VantageStatus } from './vantage-status.js';
import type { WindowBatch } from './window-wire.js';

export interface StoredCounts {
  stored: number;
  duplicates: number;
}

export interface AgentWindowRow {
  agent: string;
  targetId: string;
  monitorId: string;
  spanMs: number;
  startMs: number;
  address: string;
  sent: number;
  received: number;
  /** RTTs of the window's replies, ns; null when none came back. */
  minNs: number | null;
  maxNs: number | null;
  sumNs: number;
  /** Failed probes per error kind, in MONITOR_ERROR_KINDS order (engine/monitor/error-kinds.ts). */
  errors: number[];
  sealedAt: number;
  storedAt: number;
}

export class AgentWindowStore {
  private readonly db: Db;
  private readonly insert: Statement;
  private readonly writeBatch: (batch: WindowBatch, now: number, hists: readonly (Buffer | null)[] | undefined) => StoredCounts;
  private readonly selectRange: Statement<[string, number, number], AgentWindowRow & { errors: string }>;
  private readonly selectOfAgent: Statement<[string, string, number, number, number], AgentWindowRow & { errors: string }>;

  /** `status`: judges each newly stored window in its transaction (the controller's state changes of remote agents). */
  constructor(db: Db, private readonly status: VantageStatus | null = null) {
    this.db = db;
    this.insert = db.prepare(`INSERT INTO agent_windows
      (agent, target_id, start_at, monitor_id, span_ms, address, sent, received, duplicates, late, errors, min_ns, max_ns, sum_ns, hist, sealed_at, stored_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
    this.writeBatch = db.transaction((batch: WindowBatch, now: number, hists: readonly (Buffer | null)[] | undefined): StoredCounts => {
      let stored = 0;
      const series = agentSeriesId(batch.monitorId, batch.phase);
      const judged = batch.phase === undefined;
      for (let i = 0; i < batch.windows.length; i++) {
        const w = batch.windows[i];
        const hist = hists !== undefined ? hists[i] : w.hist === null ? null : Buffer.from(w.hist, 'base64');
        const changes = this.insert.run(
          batch.agent, w.targetId, w.startMs, series, batch.spanMs, w.address, w.sent, w.received, w.duplicates, w.late,
          JSON.stringify(w.errors), w.minNs, w.maxNs, w.sumNs, hist, batch.sealedAt, now,
        ).changes;
        stored += changes;
        if (changes > 0 && judged) this.status?.observe(batch.agent, batch.monitorId, batch.spanMs, w);
      }
      return { stored, duplicates: batch.windows.length - stored };
    });
    this.selectRange = db.prepare<[string, number, number], AgentWindowRow & { errors: string }>(
      `SELECT agent, target_id AS targetId, monitor_id AS monitorId, span_ms AS spanMs, start_at AS startMs, address, sent, received,
              min_ns AS minNs, max_ns AS maxNs, sum_ns AS sumNs, errors, sealed_at AS sealedAt, stored_at AS storedAt
       FROM agent_windows WHERE monitor_id = ? AND start_at >= ? AND start_at < ? ORDER BY agent, target_id, start_at`,
    );
    this.selectOfAgent = db.prepare<[string, string, number, number, number], AgentWindowRow & { errors: string }>(
      `SELECT agent, target_id AS targetId, monitor_id AS monitorId, span_ms AS spanMs, start_at AS startMs, address, sent, received,
              min_ns AS minNs, max_ns AS maxNs, sum_ns AS sumNs, errors, sealed_at AS sealedAt, stored_at AS storedAt
       FROM agent_windows WHERE agent = ? AND monitor_id = ? AND start_at >= ? AND start_at < ? ORDER BY start_at, target_id LIMIT ?`,
    );
  }

  /** One agent's windows of a monitor's series (default its total) in [fromMs, toMs), by start then target, at most limit. */
  rangeOf(agent: string, monitorId: string, fromMs: number, toMs: number, limit: number, phase: MonitorPhase = 'total'): AgentWindowRow[] {
    return this.selectOfAgent.all(agent, agentSeriesId(monitorId, phase), fromMs, toMs, limit).map((r) => ({ ...r, errors: JSON.parse(r.errors) as number[] }));
  }

  /** One transaction per batch: when it returns, the batch is committed (then ack it).
   *  `hists`: the decoder's bytes of each window's histogram (else decoded here). */
  write(batch: WindowBatch, now = Date.now(), hists?: readonly (Buffer | null)[]): StoredCounts {
    return this.writeBatch(batch, now, hists);
  }

  /**
   * Copies the WAL's committed pages into the database file without waiting for readers
   * (PASSIVE). A batch dirties about one page per window (the key is target-major), so a
   * checkpoint after every commit — SQLite's default at 1,000 WAL pages — copied and synced
   * each batch's pages inside its commit; the ingest calls this between bursts instead.
   */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)');
  }

  /** The windows of a monitor in [fromMs, toMs), every agent, ordered by agent, target, start. */
  range(monitorId: string, fromMs: number, toMs: number): AgentWindowRow[] {
    return this.selectRange.all(monitorId, fromMs, toMs).map((r) => ({ ...r, errors: JSON.parse(r.errors) as number[] }));
  }
}
