// Runs diagnostic tests as persisted tasks: created, started at once, polled by id.
// Running tasks live in memory (fresh progress, live ping counts); every state change is
// written to the jobs table through TaskWriter's group commit. After a crash the rows of
// running tasks are failed "interrupted by restart" by openSonde (JobStore.failInterrupted).

import { INTERRUPTED, JobStore } from '../jobs/job-store.js';
import { openDatabase, type Db } from '../store/database.js';
import { SqliteTargetRepo } from '../store/target-repo.js';
import { uuidv7 } from '../store/uuid7.js';
import { unixNowNs } from '../probes/clock.js';
import type { Agent } from '../agents/types.js';
import type { Sonde } from '../daemon/sonde.js';
import { SondeError } from '../errors.js';
import type { JobRecord, JsonValue } from '../jobs/types.js';
import type { Target } from '../store/types.js';
import { PingCoalescer } from '../icmp/main-thread/ping-coalescer.js';
import { runTest, type TestRun } from './run-test.js';
import { TaskWriter, type TaskRow } from './task-writer.js';
import { testDeadlineMs as deadlineMs } from './test-deadline.js';
import { validateTest } from './validate-test.js';
import { runsTestsItself, type DiagnosticTask, type DiagnosticTaskCreate, type DiagnosticTasks, type DiagnosticTaskStatus, type DiagnosticTest } from './types.js';

const MAX_ID_LENGTH = 64;
/** Finished tasks kept in memory for polls (the store has them all). */
const RECENT_TASKS = 10_000;
/**
 * A task's row says 'processing' only once it has run this long: most tests end sooner, and
 * their rows go from 'submitted' straight to the outcome (a restart fails either kind).
 */
const MARK_STARTED_AFTER_MS = 200;
/** A target edited through the API reaches the service API at most this much later. */
const SERVICE_TARGETS_CHECK_MS = 10;

interface StoredParams {
  test: DiagnosticTest;
  context: JsonValue;
  agent: { hostname: string; serial: string };
  createdAtUnixNs: string;
}

interface LiveTask extends TaskRow {
  test: DiagnosticTest;
  context: JsonValue;
  agent: Agent;
  createdAtUnixNs: bigint;
  status: DiagnosticTaskStatus;
  run: TestRun | null;
  result: JsonValue | null;
  error: string | null;
  finishedAtUnixNs: bigint | null;
  /** Why the task was stopped (shutdown, deadline), once it was. */
  abortReason: Error | null;
  settled: Promise<void>;
}

export class SqliteDiagnosticTasks implements DiagnosticTasks {
  private readonly live = new Map<string, LiveTask>();
  private readonly recent = new Map<string, LiveTask>();
  private readonly writer: TaskWriter;
  private readonly store: JobStore;
  private readonly coalescer: PingCoalescer | null;
  private readonly targets: SqliteTargetRepo;
  /** Targets by service id, valid while no other connection has committed (PRAGMA data_version). */
  private readonly serviceTargets = new Map<number, Target | null>();
  private serviceTargetsVersion = -1;
  private serviceTargetsCheckedAt = 0;
  private readonly dataVersion: () => number;
  private readonly startedSweep: NodeJS.Timeout;
  private closing = false;
  private closed = false;
  private dbClosed = false;

  private constructor(private readonly sonde: Sonde, private readonly db: Db) {
    this.store = new JobStore(db);
    this.writer = new TaskWriter(db, this.store, (row) => this.onCommitted(row as LiveTask));
    this.coalescer = sonde.engine !== null ? new PingCoalescer(sonde.engine) : null;
    this.targets = new SqliteTargetRepo(db);
    const version = db.prepare('PRAGMA data_version').pluck();
    this.dataVersion = () => version.get() as number;
    this.startedSweep = setInterval(() => this.markLongRunning(), MARK_STARTED_AFTER_MS);
    this.startedSweep.unref();
  }

  targetByServiceId(serviceId: number): Target | null {
    if (this.closed) return this.sonde.targets.getByServiceId(serviceId);
    // data_version moves when another connection commits (a target edited through the
    // API, an audit flush); this connection's own group commits leave it alone.
    // Checked at most every SERVICE_TARGETS_CHECK_MS: the PRAGMA costs as much as the lookup.
    const now = performance.now();
    if (now - this.serviceTargetsCheckedAt >= SERVICE_TARGETS_CHECK_MS) {
      this.serviceTargetsCheckedAt = now;
      const version = this.dataVersion();
      if (version !== this.serviceTargetsVersion) {
        this.serviceTargets.clear();
        this.serviceTargetsVersion = version;
      }
    }
    let target = this.serviceTargets.get(serviceId);
    if (target === undefined) {
      target = this.targets.getByServiceId(serviceId);
      if (this.serviceTargets.size >= 10_000) this.serviceTargets.clear();
      this.serviceTargets.set(serviceId, target);
    }
    return target;
  }

  private markLongRunning(): void {
    const before = Date.now() - MARK_STARTED_AFTER_MS;
    for (const task of this.live.values()) {
      if (!task.written.started && task.finished === null && task.startedAtMs !== null && task.startedAtMs <= before) {
        task.markStarted = true;
        this.writer.touch(task);
      }
    }
  }

  /** A second connection to the data directory's database, for this service's group commits. */
  static open(sonde: Sonde): SqliteDiagnosticTasks {
    return new SqliteDiagnosticTasks(sonde, openDatabase(sonde.dataDir, 4).db);
  }

  async create(request: DiagnosticTaskCreate): Promise<DiagnosticTask> {
    if (this.closing) throw new SondeError('unavailable', 'sonde is shutting down and accepts no new tasks; retry after it restarts');
    const test = validateTest(request.test);
    const agent = request.agent;
    if (!agent.healthy()) throw new SondeError('unavailable', `agent ${agent.hostname} (serial ${agent.serial}) is offline`, 'agent');
    if (typeof request.operation !== 'string' || request.operation.length === 0 || request.operation.length > 100) {
      throw new SondeError('invalid', 'operation must be a non-empty string of at most 100 characters', 'operation');
    }
    const context = request.context ?? null;
    const createdAtUnixNs = unixNowNs();
    const params: StoredParams = { test, context, agent: { hostname: agent.hostname, serial: agent.serial }, createdAtUnixNs: createdAtUnixNs.toString() };
    const task: LiveTask = {
      id: uuidv7(),
      operation: request.operation,
      selector: agent.hostname,
      keyId: request.keyId ?? null,
      createdAtMs: Number(createdAtUnixNs / 1_000_000n),
      paramsJson: JSON.stringify(params),
      startedAtMs: null,
      markStarted: false,
      finished: null,
      written: { inserted: false, started: false, finished: false },
      dueAt: 0,
      waiters: null,
      test,
      context,
      agent,
      createdAtUnixNs,
      status: 'pending',
      run: null,
      result: null,
      error: null,
      finishedAtUnixNs: null,
      abortReason: null,
      settled: Promise.resolve(),
    };
    this.live.set(task.id, task);
    this.writer.touch(task);
    const created = this.view(task);
    task.settled = this.execute(task);
    try {
      await this.writer.committed(task);
    } catch (error) {
      if (!task.written.inserted) {
        this.abort(task, new Error('the task could not be stored'));
        this.live.delete(task.id);
        throw new SondeError('internal', `the task could not be stored: ${(error as Error).message}`);
      }
    }
    return created;
  }

  get(id: string): DiagnosticTask | null {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return null;
    const task = this.live.get(id) ?? this.recent.get(id);
    if (task !== undefined) return this.view(task);
    if (this.closed) return null;
    const record = this.store.get(id);
    return record === null ? null : fromRecord(record);
  }

  running(): number {
    return this.live.size;
  }

  /** Refuses new tasks and waits up to graceMs for the running ones; close() fails what is left. */
  async drain(graceMs: number): Promise<void> {
    this.closing = true;
    const pending = [...this.live.values()].map((t) => t.settled);
    if (graceMs > 0 && pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(pending), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
  }

  async close(graceMs = 0): Promise<void> {
    if (this.closed) return;
    await this.drain(graceMs);
    for (const task of this.live.values()) this.abort(task, new Error(INTERRUPTED));
    await Promise.allSettled([...this.live.values()].map((t) => t.settled));
    this.closeNow();
  }

  /** Running tasks fail "interrupted by restart", everything is committed, the connection closes. */
  private closeNow(): void {
    if (this.closed) return;
    this.closing = true;
    this.closed = true;
    for (const task of this.live.values()) {
      if (task.finished === null) this.finish(task, 'failed', task.run?.snapshot() ?? null, INTERRUPTED);
    }
    try {
      this.writer.flush(true);
    } catch {
      // the rows stay unfinished in the store: the next start fails them "interrupted by restart"
    }
    this.writer.close();
    clearInterval(this.startedSweep);
    this.dbClosed = true;
    this.db.close();
  }

  private async execute(task: LiveTask): Promise<void> {
    const limitMs = deadlineMs(task.test);
    const timer = setTimeout(() => this.abort(task, new Error(`the test did not finish within ${limitMs} ms`)), limitMs);
    try {
      const run = this.start(task);
      task.run = run;
      task.status = 'running';
      task.startedAtMs = Date.now();
      const outcome = await run.done;
      if (task.abortReason !== null) throw task.abortReason;
      this.finish(task, 'completed', outcome, null);
    } catch (error) {
      let reason = error instanceof Error ? error.message : String(error);
      if (task.abortReason !== null) reason = task.abortReason.message;
      // The agent went away under the test: the daemon is stopping.
      if (!task.agent.healthy() || this.closing) reason = INTERRUPTED;
      // What was measured before the failure is kept (a ping's counts and RTTs so far).
      this.finish(task, 'failed', task.run?.snapshot() ?? null, reason);
    } finally {
      clearTimeout(timer);
    }
  }

  private abort(task: LiveTask, reason: Error): void {
    if (task.abortReason !== null || task.finished !== null) return;
    task.abortReason = reason;
    task.run?.cancel(reason);
  }

  private start(task: LiveTask): TestRun {
    if (task.agent !== this.sonde.agents.local) {
      if (runsTestsItself(task.agent)) return task.agent.runTest(task.test);
      throw new Error(`agent ${task.agent.hostname} cannot run diagnostic tests from this process: only the local agent (${this.sonde.agents.local.hostname}) runs them`);
    }
    return runTest(task.test, { engine: this.sonde.engine, coalescer: this.coalescer, agentName: task.agent.hostname });
  }

  private finish(task: LiveTask, status: 'completed' | 'failed', outcome: JsonValue | null, error: string | null): void {
    if (task.finished !== null) return;
    const end = unixNowNs();
    task.status = status;
    task.result = outcome;
    task.error = error;
    task.finishedAtUnixNs = end;
    const durationMs = Math.round(Number(end - task.createdAtUnixNs) / 1000) / 1000;
    const data: JsonValue = outcome === null ? { endedAtUnixNs: end.toString() } : { endedAtUnixNs: end.toString(), result: outcome };
    const item = {
      hostname: task.agent.hostname,
      serial: task.agent.serial,
      status: status === 'completed' ? 'ok' : 'failed',
      data,
      ...(error !== null ? { error } : {}),
      durationMs,
    };
    task.finished = { status, resultsJson: JSON.stringify([item]), error, atMs: Number(end / 1_000_000n) };
    if (!this.dbClosed) this.writer.touch(task);
  }

  private onCommitted(task: LiveTask): void {
    if (!this.live.delete(task.id)) return;
    task.run = null;
    this.recent.set(task.id, task);
    if (this.recent.size > RECENT_TASKS) this.recent.delete(this.recent.keys().next().value!);
  }

  private view(task: LiveTask): DiagnosticTask {
    const running = task.status === 'running' && task.run !== null;
    return {
      id: task.id,
      operation: task.operation,
      test: task.test,
      context: task.context,
      agentHostname: task.agent.hostname,
      agentSerial: task.agent.serial,
      status: task.status,
      progress: task.finished !== null ? 100 : running ? Math.round(task.run!.progress() * 1000) / 10 : 0,
      createdAtUnixNs: task.createdAtUnixNs,
      finishedAtUnixNs: task.finishedAtUnixNs,
      result: task.finished !== null ? task.result : running ? task.run!.snapshot() : null,
      error: task.error,
    };
  }
}

const STATUS: Record<JobRecord['status'], DiagnosticTaskStatus> = {
  submitted: 'pending', processing: 'running', completed: 'completed', failed: 'failed', partial_failure: 'failed',
};

/** A stored row back to a task; null when the row is some other kind of job. */
function fromRecord(record: JobRecord): DiagnosticTask | null {
  const params = record.params as unknown as StoredParams | null;
  if (params === null || typeof params !== 'object' || typeof params.test !== 'object' || params.test === null || typeof params.createdAtUnixNs !== 'string') return null;
  const item = record.results[0];
  const data = (item?.data ?? null) as { endedAtUnixNs?: string; result?: JsonValue } | null;
  const finished = record.finishedAtMs !== null;
  let finishedAtUnixNs: bigint | null = null;
  if (data?.endedAtUnixNs !== undefined) finishedAtUnixNs = BigInt(data.endedAtUnixNs);
  else if (finished) finishedAtUnixNs = BigInt(record.finishedAtMs!) * 1_000_000n;
  const status = STATUS[record.status];
  return {
    id: record.id,
    operation: record.operation,
    test: params.test,
    context: params.context ?? null,
    agentHostname: params.agent?.hostname ?? '',
    agentSerial: params.agent?.serial ?? '',
    status,
    progress: finished ? 100 : record.progress,
    createdAtUnixNs: BigInt(params.createdAtUnixNs),
    finishedAtUnixNs,
    result: status === 'completed' || status === 'failed' ? (data?.result ?? null) : null,
    error: status === 'failed' ? (record.error ?? item?.error ?? 'failed') : null,
  };
}
