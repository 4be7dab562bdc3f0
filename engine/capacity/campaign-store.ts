// Stored campaign runs and their steps (tables capacity_runs, capacity_steps; docs/capacity.md).
import type { Database as Db } from 'better-sqlite3';
import { currentOwner, ownerAlive } from './run-owner.js';
import type { CampaignRun, CampaignStatus, CampaignStepResult } from './types.js';

interface RunRow {
  id: string; kind: string; name: string; spec: string; plan: string; targets: string; sonde_version: string; host: string;
  status: string; reason: string | null; started_at: number; ended_at: number | null; knee_step: number | null; base_p99_ns: number | null; owner: string | null;
}
interface StepRow {
  run_id: string; idx: number; params: string; started_at: number; ended_at: number; offered_rate: number; achieved_rate: number;
  rate_error: number; sent: number; received: number; duplicates: number; lost: number; errors: string; loss_percent: number;
  hdr: Buffer; rtt: string | null; self: string; breaks_slo: number; knee: number;
}

function toRun(r: RunRow, liveHere: boolean): CampaignRun {
  // A run left 'running' by a process that is gone (crash, kill -9) is failed.
  const live = liveHere || (r.owner !== null && ownerAlive(r.owner));
  const status = (r.status === 'running' && !live ? 'failed' : r.status) as CampaignStatus;
  return {
    id: r.id, kind: r.kind === 'self' ? 'self' : 'campaign', name: r.name, spec: JSON.parse(r.spec) as CampaignRun['spec'], plan: JSON.parse(r.plan) as CampaignRun['plan'],
    targets: JSON.parse(r.targets) as string[], sondeVersion: r.sonde_version, host: JSON.parse(r.host) as CampaignRun['host'],
    status, reason: status !== r.status ? 'the process running it ended before it finished' : r.reason,
    startedAt: r.started_at, endedAt: r.ended_at, kneeStep: r.knee_step, baseP99Ns: r.base_p99_ns,
  };
}

function toStep(r: StepRow): CampaignStepResult {
  return {
    runId: r.run_id, index: r.idx, params: JSON.parse(r.params) as CampaignStepResult['params'], startedAt: r.started_at, endedAt: r.ended_at,
    offeredRate: r.offered_rate, achievedRate: r.achieved_rate, rateError: r.rate_error, sent: r.sent, received: r.received,
    duplicates: r.duplicates, lost: r.lost, errors: JSON.parse(r.errors) as CampaignStepResult['errors'], lossPercent: r.loss_percent,
    hdr: new Uint8Array(r.hdr), rttNs: r.rtt === null ? null : JSON.parse(r.rtt) as CampaignStepResult['rttNs'],
    self: JSON.parse(r.self) as CampaignStepResult['self'], breaksSlo: r.breaks_slo === 1, knee: r.knee === 1,
  };
}

export class CampaignStore {
  /** Runs this store is executing (rows without an owner, stored before migration 11). */
  private readonly live = new Set<string>();

  constructor(private readonly db: Db) {}

  insertRun(run: CampaignRun): void {
    this.db.prepare(`INSERT INTO capacity_runs (id, kind, name, spec, plan, targets, sonde_version, host, status, reason, started_at, ended_at, knee_step, base_p99_ns, owner)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(run.id, run.kind, run.name, JSON.stringify(run.spec), JSON.stringify(run.plan), JSON.stringify(run.targets),
      run.sondeVersion, JSON.stringify(run.host), run.status, run.reason, run.startedAt, run.endedAt, run.kneeStep, run.baseP99Ns, run.status === 'running' ? currentOwner() : null);
    if (run.status === 'running') this.live.add(run.id);
  }

  updateRun(id: string, fields: { status: CampaignStatus; reason: string | null; endedAt: number | null; kneeStep: number | null; baseP99Ns: number | null }): void {
    this.db.prepare('UPDATE capacity_runs SET status = ?, reason = ?, ended_at = ?, knee_step = ?, base_p99_ns = ? WHERE id = ?')
      .run(fields.status, fields.reason, fields.endedAt, fields.kneeStep, fields.baseP99Ns === null ? null : Math.round(fields.baseP99Ns), id);
    if (fields.status !== 'running') this.live.delete(id);
  }

  insertStep(s: CampaignStepResult): void {
    this.db.prepare(`INSERT INTO capacity_steps (run_id, idx, params, started_at, ended_at, offered_rate, achieved_rate, rate_error, sent, received,
      duplicates, lost, errors, loss_percent, hdr, rtt, self, breaks_slo, knee) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(s.runId, s.index, JSON.stringify(s.params), s.startedAt, s.endedAt, s.offeredRate, s.achievedRate, s.rateError, s.sent, s.received,
        s.duplicates, s.lost, JSON.stringify(s.errors), s.lossPercent, Buffer.from(s.hdr), s.rttNs === null ? null : JSON.stringify(s.rttNs),
        JSON.stringify(s.self), s.breaksSlo ? 1 : 0, s.knee ? 1 : 0);
  }

  listRuns(limit = 100): CampaignRun[] {
    const rows = this.db.prepare('SELECT * FROM capacity_runs ORDER BY started_at DESC LIMIT ?').all(limit) as RunRow[];
    return rows.map((r) => toRun(r, this.live.has(r.id)));
  }

  getRun(id: string): CampaignRun | null {
    const row = this.db.prepare('SELECT * FROM capacity_runs WHERE id = ?').get(id) as RunRow | undefined;
    return row === undefined ? null : toRun(row, this.live.has(row.id));
  }

  /** Deletes the run and its steps; false when there was no such run. */
  deleteRun(id: string): boolean {
    this.live.delete(id);
    return this.db.prepare('DELETE FROM capacity_runs WHERE id = ?').run(id).changes > 0;
  }

  /** How many steps of the run are stored (without reading them). */
  countSteps(runId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM capacity_steps WHERE run_id = ?').get(runId) as { n: number }).n;
  }

  getSteps(runId: string): CampaignStepResult[] {
    return (this.db.prepare('SELECT * FROM capacity_steps WHERE run_id = ? ORDER BY idx').all(runId) as StepRow[]).map(toStep);
  }
}
