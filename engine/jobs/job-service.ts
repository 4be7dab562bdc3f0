// Job lifecycle: submitted → processing → completed | failed | partial_failure.
// Running jobs live in memory (fresh progress, cancellation); every state change and
// every per-agent result is written to SQLite as it happens.

import type { Agent, AgentRegistry, AgentRunItem } from '../agents/types.js';
import { SondeError } from '../errors.js';
import type { Page } from '../store/types.js';
import {
  JOB_STATUSES,
  type JobAgentResult,
  type JobListener,
  type JobListQuery,
  type JobRecord,
  type JobService,
  type JobStatus,
  type JobSubmission,
  type JsonValue,
} from './types.js';
import { FinishedJobCache } from './finished-job-cache.js';
import { INTERRUPTED, isUnfinishedJson, JobStore } from './job-store.js';
import { uuidv7 } from '../store/uuid7.js';

export const CANCELLED = 'cancelled';
const PROGRESS_EVERY_MS = 200;
const MAX_ID_LENGTH = 64;

interface RunningJob {
  record: JobRecord;
  controller: AbortController;
  agents: readonly Agent[];
  fractions: Map<Agent, number>;
  lastProgressMs: number;
  cancelled: boolean;
  done: Promise<JobRecord>;
}

function snapshot(r: JobRecord): JobRecord {
  return { ...r, results: r.results.slice() };
}

/** JSON round trip: what is stored is exactly what is returned (NaN → null, no undefined). */
function toJson(value: unknown, field: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch (err) {
    throw new SondeError('invalid', `${field} cannot be stored as JSON: ${(err as Error).message}`, field);
  }
}

export class SqliteJobService implements JobService {
  private readonly live = new Map<string, RunningJob>();
  private readonly listeners = new Set<JobListener>();
  private readonly finishedJson = new FinishedJobCache();
  /** Finished jobs whose final row could not be written yet (e.g. the disk full): served
   *  from here and written by saveUnsaved(), so a job's outcome is never lost to a write error. */
  private readonly unsaved = new Map<string, JobRecord>();
  private shuttingDown = false;

  constructor(
    private readonly store: JobStore,
    private readonly registry: AgentRegistry,
    private readonly retentionMs: number,
  ) {}

  submit<T extends JsonValue | void>(s: JobSubmission<T>): { job: JobRecord; done: Promise<JobRecord> } {
    if (this.shuttingDown) throw new SondeError('unavailable', 'sonde is shutting down and accepts no new jobs; retry after it restarts');
    if (typeof s.operation !== 'string' || s.operation.length === 0 || s.operation.length > 100) {
      throw new SondeError('invalid', 'operation must be a non-empty string of at most 100 characters', 'operation');
    }
    if (!(s.timeoutMs > 0) || !Number.isFinite(s.timeoutMs)) {
      throw new SondeError('invalid', `timeoutMs must be a positive number of milliseconds (got ${s.timeoutMs})`, 'timeoutMs');
    }
    const agents = s.agents ?? this.registry.route(s.selector ?? '');
    if (agents.length === 0) throw new SondeError('invalid', `target agent "${s.selector ?? ''}" not found`, 'hostname');
    const params = toJson(s.params, 'params') ?? null;
    const record: JobRecord = {
      id: uuidv7(),
      operation: s.operation,
      params,
      selector: s.selector ?? null,
      status: 'submitted',
      progress: 0,
      results: [],
      error: null,
      keyId: s.keyId ?? null,
      createdAtMs: Date.now(),
      startedAtMs: null,
      finishedAtMs: null,
    };
    this.store.insert(record, JSON.stringify(params));
    const job: RunningJob = {
      record,
      controller: new AbortController(),
      agents,
      fractions: new Map(),
      lastProgressMs: 0,
      cancelled: false,
      done: undefined as unknown as Promise<JobRecord>,
    };
    this.live.set(record.id, job);
    const submitted = snapshot(record);
    this.emit(record);
    job.done = this.execute(job, s);
    return { job: submitted, done: job.done };
  }

  get(id: string): JobRecord | null {
    if (typeof id !== 'string' || id.length > MAX_ID_LENGTH) return null;
    const running = this.live.get(id) ?? this.unsavedJob(id);
    if (running) return snapshot(running.record);
    return this.store.get(id);
  }

  getJson(id: string): string | null {
    if (typeof id !== 'string' || id.length > MAX_ID_LENGTH) return null;
    const running = this.live.get(id) ?? this.unsavedJob(id);
    if (running) return JSON.stringify(running.record);
    const cached = this.finishedJson.get(id);
    if (cached !== undefined) return cached;
    const json = this.store.getJson(id);
    // A job not running here and not finished belongs to another process: read it fresh.
    if (json !== null && !isUnfinishedJson(json)) this.finishedJson.set(id, json);
    return json;
  }

  list(query: JobListQuery = {}): Page<JobRecord> {
    const limit = query.limit ?? 10;
    const offset = query.offset ?? 0;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new SondeError('invalid', 'limit must be an integer in 1..100', 'limit');
    }
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      throw new SondeError('invalid', 'offset must be an integer ≥ 0', 'offset');
    }
    if (query.status !== undefined && !JOB_STATUSES.includes(query.status)) {
      throw new SondeError('invalid', `status must be one of ${JOB_STATUSES.join(', ')}`, 'status');
    }
    if (query.operation !== undefined && typeof query.operation !== 'string') {
      throw new SondeError('invalid', 'operation must be a string', 'operation');
    }
    const { items, total } = this.store.list({ status: query.status, operation: query.operation }, limit, offset);
    // Running jobs: the in-memory record has fresher progress than the last persisted one.
    const fresh = items.map((j) => {
      const live = this.live.get(j.id);
      return live ? snapshot(live.record) : j;
    });
    return { items: fresh, total, limit, offset };
  }

  cancel(id: string): JobRecord {
    const live = typeof id === 'string' ? this.live.get(id) : undefined;
    if (live) {
      live.cancelled = true;
      live.controller.abort(new Error(CANCELLED));
      return snapshot(live.record);
    }
    const stored = this.get(id);
    if (!stored) throw new SondeError('not_found', `job ${id} not found`, 'id');
    throw new SondeError('conflict', `job ${id} already finished (${stored.status}); only running jobs can be cancelled`, 'id');
  }

  onUpdate(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  purgeExpired(nowMs = Date.now(), maxRows = 500): number {
    const purged = this.store.purge(nowMs - this.retentionMs, maxRows);
    if (purged > 0) this.finishedJson.clear();
    return purged;
  }

  running(): number {
    return this.live.size;
  }

  /** Stop accepting jobs, wait up to graceMs, then abort the rest ("interrupted by restart"). */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    const pending = [...this.live.values()].map((j) => j.done);
    if (pending.length === 0) return;
    if (graceMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(pending), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    for (const j of this.live.values()) j.controller.abort(new Error(INTERRUPTED));
    await Promise.allSettled(pending);
  }

  private async execute<T extends JsonValue | void>(job: RunningJob, s: JobSubmission<T>): Promise<JobRecord> {
    const r = job.record;
    try {
      r.status = 'processing';
      r.startedAtMs = Date.now();
      this.store.markStarted(r.id, r.startedAtMs);
      this.emit(r);
      const items = await this.registry.runOnAgents(
        job.agents,
        (agent, signal) => s.run(agent, { signal, progress: (f) => this.onProgress(job, agent, f) }),
        { timeoutMs: s.timeoutMs, signal: job.controller.signal, onItem: (item) => this.onItem(job, item) },
      );
      const ok = items.filter((i) => i.ok).length;
      let status: JobStatus;
      let error: string | null = null;
      if (this.shuttingDown && job.controller.signal.aborted) {
        status = 'failed';
        error = INTERRUPTED;
      } else if (job.cancelled) {
        status = 'failed';
        error = CANCELLED;
      } else if (ok === items.length) {
        status = 'completed';
      } else if (ok === 0) {
        status = 'failed';
        const first = items.find((i) => !i.ok);
        error = first && !first.ok ? (items.length === 1 ? first.error : `every agent failed; first: ${first.agent.hostname}: ${first.error}`) : 'failed';
      } else {
        status = 'partial_failure';
      }
      this.finish(job, status, error);
    } catch (err) {
      this.finish(job, 'failed', `internal error: ${(err as Error).message}`);
    }
    return snapshot(r);
  }

  private finish(job: RunningJob, status: JobStatus, error: string | null): void {
    const r = job.record;
    r.status = status;
    r.error = error;
    r.progress = 100;
    r.finishedAtMs = Date.now();
    try {
      this.store.finish(r.id, status, r.progress, JSON.stringify(r.results), error, r.finishedAtMs);
    } catch {
      this.unsaved.set(r.id, r);
    } finally {
      this.live.delete(r.id);
      this.emit(r);
    }
  }

  private unsavedJob(id: string): { record: JobRecord } | undefined {
    const record = this.unsaved.get(id);
    return record === undefined ? undefined : { record };
  }

  /** Writes the final rows that failed before; returns how many are still unwritten. */
  saveUnsaved(): number {
    for (const [id, r] of this.unsaved) {
      this.store.finish(id, r.status, r.progress, JSON.stringify(r.results), r.error, r.finishedAtMs ?? Date.now());
      this.unsaved.delete(id);
    }
    return this.unsaved.size;
  }

  /** Progress rows are a convenience for other processes (the final row has it all): a
   *  failed write (e.g. the disk full) waits for the next one. */
  private saveProgress(job: RunningJob): void {
    try {
      this.store.saveProgress(job.record.id, job.record.progress, JSON.stringify(job.record.results));
    } catch {
      // written again with the next progress or at finish
    }
  }

  private onItem<T>(job: RunningJob, item: AgentRunItem<T>): void {
    const result: JobAgentResult = {
      hostname: item.agent.hostname,
      serial: item.agent.serial,
      status: item.ok ? 'ok' : 'failed',
      durationMs: Math.round(item.durationMs * 1000) / 1000,
    };
    if (item.ok) {
      try {
        const data = toJson(item.value, 'result');
        if (data !== undefined) result.data = data;
      } catch (err) {
        result.status = 'failed';
        result.error = (err as Error).message;
      }
    } else {
      result.error = item.error;
    }
    job.record.results.push(result);
    job.fractions.set(item.agent, 1);
    job.record.progress = this.progressOf(job);
    if (!job.record.finishedAtMs) this.saveProgress(job);
    this.emit(job.record);
  }

  private onProgress(job: RunningJob, agent: Agent, fraction: number): void {
    if (!Number.isFinite(fraction) || job.fractions.get(agent) === 1) return;
    job.fractions.set(agent, Math.min(0.999, Math.max(0, fraction)));
    job.record.progress = this.progressOf(job);
    const now = Date.now();
    if (now - job.lastProgressMs < PROGRESS_EVERY_MS || job.record.finishedAtMs) return;
    job.lastProgressMs = now;
    this.saveProgress(job);
    this.emit(job.record);
  }

  private progressOf(job: RunningJob): number {
    let sum = 0;
    for (const f of job.fractions.values()) sum += f;
    return Math.round((sum / job.agents.length) * 1000) / 10;
  }

  private emit(r: JobRecord): void {
    if (this.listeners.size === 0) return;
    const s = snapshot(r);
    for (const l of this.listeners) {
      try {
        l(s);
      } catch {
        // one listener's failure must not stop the job or the others
      }
    }
  }
}
