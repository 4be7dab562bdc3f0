// The daemon core's public API: what server/ and cli/ call (through engine/index.ts).
// Nothing here knows HTTP; errors carry a `kind` that routes map to status codes.

import type { Engine, PingRequest, PingSummary } from '../types.js';

// ---------------------------------------------------------------------------------------
// JSON values (what the store persists for params and results)

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };

// ---------------------------------------------------------------------------------------
// Errors

/**
 * not_found → 404, conflict → 409, invalid → 400, forbidden → 403,
 * unavailable → 409/503 (e.g. an agent is offline), internal → 500.
 */
export type SondeErrorKind = 'not_found' | 'conflict' | 'invalid' | 'forbidden' | 'unavailable' | 'internal';

export class SondeError extends Error {
  constructor(
    readonly kind: SondeErrorKind,
    message: string,
    /** The input field at fault, when there is one (e.g. 'labels.site', 'serviceId'). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SondeError';
  }
}

// ---------------------------------------------------------------------------------------
// Configuration

export interface SondeConfig {
  /** Data directory; created (mode 0700) if missing. The database is <dataDir>/sonde.db. */
  dataDir: string;
  /**
   * 'daemon' (default): recovers jobs a previous run left running, runs purge timers.
   * 'tool': for CLI commands (`sonde keys …`, `sonde targets …`) that open the same data
   * directory while a daemon may be running: no job recovery, no timers, no admin key.
   */
  mode?: 'daemon' | 'tool';
  agent?: {
    /** Default: os.hostname(). */
    hostname?: string;
    /** Default: generated once and stored in the agents table. */
    serial?: string;
    /** key → value; keys and dot-separated value segments match [A-Za-z0-9_-]+. */
    labels?: Record<string, string>;
    /** Exposed as facts `custom.<key>`. */
    facts?: Record<string, string>;
    /** Command exec (engine/exec): the allowlist (empty by default: exec refused) and output cap. */
    exec?: { allow?: string[]; maxOutputBytes?: number };
  };
  jobs?: {
    /** Finished jobs older than this are purged (default 7). */
    retentionDays?: number;
  };
  audit?: {
    /** Audit rows older than this are purged (default 30). */
    retentionDays?: number;
  };
  rateLimit?: {
    /** Tokens added per second per key (default 100). */
    perSecond?: number;
    /** Bucket size (default 2 × perSecond). */
    burst?: number;
  };
  /**
   * The probe engine the local agent uses (from createEngine). The caller owns it:
   * Sonde.close() does not close it. Without one, pings fail with a message saying so.
   */
  engine?: Engine;
}

// ---------------------------------------------------------------------------------------
// Targets

export const TARGET_KINDS = ['HOST', 'TCP', 'HTTP', 'EMBEDDER', 'RERANKER', 'LLM'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface TargetInput {
  kind: TargetKind;
  /** HOST/TCP: IP or DNS name. HTTP/EMBEDDER/RERANKER/LLM: an http(s) URL. */
  address: string;
  /** TCP: required, 1..65535. Others: optional. */
  port?: number | null;
  name?: string | null;
  /** Unique positive integer (the service ping API's service_id). */
  serviceId?: number | null;
  provider?: string | null;
  modelIdentifier?: string | null;
  labels?: Record<string, string>;
}

export interface Target {
  id: string;
  kind: TargetKind;
  address: string;
  port: number | null;
  name: string | null;
  serviceId: number | null;
  provider: string | null;
  modelIdentifier: string | null;
  labels: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface TargetListQuery {
  /**
   * Every entry must match: the target's label `key` equals `value` or starts with
   * `value.` (dot-segment prefix, as agent label selectors).
   */
  labels?: Record<string, string>;
  kind?: TargetKind;
  /** 1..1000, default 100. */
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface BulkImportResult {
  created: number;
  /** Rows that were rejected; the others were imported. `index` is 0-based in the input. */
  errors: { index: number; field?: string; message: string }[];
}

export interface TargetRepo {
  /** Throws SondeError invalid (field named) or conflict (serviceId taken). */
  create(input: TargetInput): Target;
  /** Validates every row, inserts the valid ones in batched transactions. */
  bulkImport(inputs: readonly unknown[]): BulkImportResult;
  list(query?: TargetListQuery): Page<Target>;
  get(id: string): Target | null;
  getByServiceId(serviceId: number): Target | null;
  /** Partial update; labels, when given, replace the label set. Throws not_found/invalid/conflict. */
  update(id: string, patch: Partial<TargetInput>): Target;
  /** Returns false when there was no such target. */
  delete(id: string): boolean;
  count(): number;
}

// ---------------------------------------------------------------------------------------
// Agents

/** Built-in fact keys; custom ones are `custom.<key>`. */
export type BuiltinFactKey = 'hostname' | 'fqdn' | 'arch' | 'kernel' | 'interface.primary';

export interface Agent {
  readonly hostname: string;
  readonly serial: string;
  readonly labels: Readonly<Record<string, string>>;
  /** False when the agent cannot take work now (routing for `_any`/`_all`/labels skips it). */
  healthy(): boolean;
  /** A snapshot of the facts known now (fqdn may still be resolving at start). */
  facts(): Record<string, string>;
  /** The value of one fact, waiting for ones still being resolved; undefined if unknown. */
  resolveFact(key: string): Promise<string | undefined>;
  /** Runs a ping job on this agent. Rejects with an Error whose message says what failed. */
  ping(request: PingRequest, signal: AbortSignal): Promise<PingSummary>;
}

export interface AgentInfo {
  hostname: string;
  serial: string;
  labels: Record<string, string>;
  healthy: boolean;
  local: boolean;
  facts: Record<string, string>;
}

/** One agent's outcome from runOnAgents, in agent hostname order. */
export type AgentRunItem<T> =
  | { agent: Agent; ok: true; value: T; durationMs: number }
  | { agent: Agent; ok: false; error: string; timedOut: boolean; durationMs: number };

export interface AgentRegistry {
  readonly local: Agent;
  list(): AgentInfo[];
  get(hostname: string): Agent | null;
  getBySerial(serial: string): Agent | null;
  /** Adds an agent (tests, later remote agents). Throws conflict on a hostname/serial clash. */
  register(agent: Agent): void;
  unregister(hostname: string): boolean;
  /**
   * Resolves a `{hostname}` selector (docs/contracts.md#node-api-selector): a hostname |
   * `_any` | `_all` | `key:value`. Throws SondeError invalid `target agent "<x>" not found`
   * when nothing matches.
   */
  route(selector: string): Agent[];
  /**
   * Runs op on each agent concurrently. An agent that has not answered after timeoutMs gets
   * `{ ok: false, timedOut: true, error: "timeout: agent did not respond" }` and its signal
   * is aborted. `signal` aborts everything (items then fail with "cancelled").
   */
  runOnAgents<T>(
    agents: readonly Agent[],
    op: (agent: Agent, signal: AbortSignal) => Promise<T>,
    options: { timeoutMs: number; signal?: AbortSignal; onItem?: (item: AgentRunItem<T>) => void },
  ): Promise<AgentRunItem<T>[]>;
}

// ---------------------------------------------------------------------------------------
// Jobs

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

// ---------------------------------------------------------------------------------------
// API keys, rate limit, audit

export const SCOPES = [
  'network:read',
  'network:write',
  'command:execute',
  'job:read',
  'targets:read',
  'targets:write',
  'admin',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The first characters of the key (e.g. 'sonde_AbC1'), safe to show. */
  prefix: string;
  scopes: Scope[];
  createdAtMs: number;
  lastUsedAtMs: number | null;
  revokedAtMs: number | null;
}

export interface KeyService {
  /** The secret is returned here only; the store keeps its SHA-256. */
  create(name: string, scopes: readonly string[]): { key: ApiKeyRecord; secret: string };
  list(): ApiKeyRecord[];
  get(id: string): ApiKeyRecord | null;
  /** not_found if unknown; revoking twice is fine. Effective at once (cache invalidated). */
  revoke(id: string): ApiKeyRecord;
  /** The active key for a raw secret, or null (unknown, malformed or revoked). Few µs. */
  verify(secret: string): ApiKeyRecord | null;
  /** admin implies every scope. */
  hasScope(key: ApiKeyRecord, scope: Scope): boolean;
  /**
   * With no keys at all: creates an admin key, writes it to <dataDir>/admin.key (0600) and
   * returns that path. Otherwise null.
   */
  ensureAdminKey(): string | null;
}

export interface RateLimitDecision {
  ok: boolean;
  /** The per-second rate (X-RateLimit-Limit-second). */
  limit: number;
  /** Whole tokens left (X-RateLimit-Remaining-second). */
  remaining: number;
  /** When !ok: seconds until one token is available (Retry-After), ≥ 1. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  take(keyId: string, nowMs?: number): RateLimitDecision;
}

export interface AuditEntry {
  keyId: string | null;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** Default: now. */
  atMs?: number;
}

export interface AuditLog {
  /**
   * Buffered; written in batched transactions (at most ~100 ms later). Identical requests
   * (key, method, path, status) within one flush window share a row with a count.
   */
  record(entry: AuditEntry): void;
  flush(): void;
  /** Newest first. */
  recent(limit?: number): (AuditEntry & { atMs: number; count: number })[];
}

// ---------------------------------------------------------------------------------------
// The facade

export interface Sonde {
  readonly dataDir: string;
  readonly dbPath: string;
  readonly schemaVersion: number;
  readonly targets: TargetRepo;
  readonly jobs: JobService;
  readonly agents: AgentRegistry;
  readonly keys: KeyService;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
  /** The probe engine given in config, or null. */
  readonly engine: Engine | null;
  /**
   * Stops timers, waits up to graceMs (default 0) for running jobs, fails the rest with
   * "interrupted by restart", flushes audit and last-used times, closes the database.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}
