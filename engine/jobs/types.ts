// Jobs: one operation run on one or more agents, recorded as it progresses.

import type { Agent } from '../agents/types.js';
import type { Page } from '../store/types.js';

// JSON values (what the store persists for params and results).
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

export type JobStatus = 'submitted' | 'processing' | 'completed' | 'failed' | 'partial_failure';
export const JOB_STATUSES: readonly JobStatus[] = ['submitted', 'processing', 'completed', 'failed', 'partial_failure'];

export interface JobAgentResult {
  hostname: string;
  serial: string;
  status: 'ok' | 'failed';
  /** What the job's run function returned for this agent (JSON; NaN is stored as null). */
  data?: JsonValue;
  error?: string;
  durationMs: number;
}

export interface JobRecord {
  id: string;
  operation: string;
  params: JsonValue;
  /** The agent selector as given (e.g. '_all', 'site:eu'), or null. */
  selector: string | null;
  status: JobStatus;
  /** 0..100. */
  progress: number;
  /** Per-agent results, in the order they finished (persisted as they arrive). */
  results: JobAgentResult[];
  error: string | null;
  keyId: string | null;
  createdAtMs: number;
  startedAtMs: number | null;
  finishedAtMs: number | null;
}

export interface JobRunContext {
  signal: AbortSignal;
  /** Report this agent's progress, 0..1 (throttled before it reaches the store). */
  progress(fraction: number): void;
}

export interface JobSubmission<T extends JsonValue | void> {
  /** e.g. 'network.ping', 'command.exec', 'troubleshooting.traceroute'. */
  operation: string;
  params: JsonValue;
  /** Stored as given. When `agents` is absent, the job routes it (may throw SondeError). */
  selector: string | null;
  /** Pre-resolved agents (e.g. by serial). */
  agents?: readonly Agent[];
  keyId?: string | null;
  /** Per-agent deadline; late agents get "timeout: agent did not respond". */
  timeoutMs: number;
  run: (agent: Agent, ctx: JobRunContext) => Promise<T>;
}

export interface JobListQuery {
  status?: JobStatus;
  operation?: string;
  /** 1..100, default 10. */
  limit?: number;
  offset?: number;
}

export type JobListener = (job: JobRecord) => void;

export interface JobService {
  /**
   * Creates the job (status submitted), starts it at once and returns it with a promise
   * of its final record. Throws SondeError (routing/validation) before creating anything.
   * Final status: completed (every agent ok), failed (none ok, or cancelled),
   * partial_failure (some ok).
   */
  submit<T extends JsonValue | void>(submission: JobSubmission<T>): { job: JobRecord; done: Promise<JobRecord> };
  /** A few µs: running jobs from memory, finished ones by primary key. */
  get(id: string): JobRecord | null;
  /**
   * Exactly JSON.stringify(get(id)), built for finished jobs from the stored JSON columns
   * without parsing them (for a route that returns the record as is).
   */
  getJson(id: string): string | null;
  list(query?: JobListQuery): Page<JobRecord>;
  /** Aborts a running job (it ends failed, "cancelled"). not_found / conflict if finished. */
  cancel(id: string): JobRecord;
  /** Status/progress/result changes. Returns an unsubscribe function. */
  onUpdate(listener: JobListener): () => void;
  /** Deletes up to maxRows finished jobs older than the retention; returns how many. */
  purgeExpired(nowMs?: number, maxRows?: number): number;
  running(): number;
}
