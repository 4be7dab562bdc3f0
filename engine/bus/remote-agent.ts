// An agent in another process, seen by the controller through the bus: its registry record
// and heartbeat, and the Agent interface (ping, exec, diagnostic tests) implemented by a call
// over the bus, so jobs, tasks, routing and the timeout item work unchanged for it.
import type { Agent, RemoteStatus } from '../agents/types.js';
import { execRefusal } from '../exec/policy.js';
import type { ExecAgent, ExecRequest, ExecResult } from '../exec/types.js';
import type { JsonValue } from '../jobs/types.js';
import type { TestRun } from '../tasks/run-test.js';
import { testDeadlineMs } from '../tasks/test-deadline.js';
import type { DiagnosticTest, TestRunningAgent } from '../tasks/types.js';
import type { PingRequest, PingSummary, TargetSummary } from '../types.js';
import type { AgentRecord, Heartbeat, Result, WorkOp } from './agent-wire.js';

/** What the job waits beyond the operation's own length: kill, pipes closing, the bus. */
export const CALL_MARGIN_MS = 5000;

/** How a remote agent's calls reach it (the controller's bus link). */
export interface RemoteCalls {
  /** Sends op to the agent and resolves with its outcome; rejects on abort or a refused publish. */
  call(hostname: string, op: WorkOp, deadlineMs: number, signal: AbortSignal): Promise<Result['outcome']>;
  /** False while the controller's bus connection is down: no remote agent can take work then. */
  connected(): boolean;
  readonly heartbeatTtlMs: number;
}

export type RemoteAgentStatus = RemoteStatus;

const NUMERIC: readonly (keyof TargetSummary)[] = ['minMs', 'avgMs', 'maxMs', 'stddevMs', 'p50Ms', 'p90Ms', 'p99Ms'];

export function isRemoteAgent(agent: Agent): agent is RemoteAgent {
  return agent instanceof RemoteAgent;
}

export class RemoteAgent implements ExecAgent, TestRunningAgent {
  private heartbeat: Heartbeat | null = null;
  private heartbeatAt: number | null = null;

  constructor(private rec: AgentRecord, private readonly link: RemoteCalls) {}

  get hostname(): string {
    return this.rec.hostname;
  }

  get serial(): string {
    return this.rec.serial;
  }

  get labels(): Readonly<Record<string, string>> {
    return this.rec.labels;
  }

  get record(): AgentRecord {
    return this.rec;
  }

  /** A newer record of the same agent (labels, facts, allowlist changed). */
  update(record: AgentRecord): void {
    this.rec = record;
  }

  /** A heartbeat seen at `at` (ms since the epoch, the controller's clock). */
  beat(heartbeat: Heartbeat, at: number): void {
    this.heartbeat = heartbeat;
    this.heartbeatAt = at;
  }

  status(): RemoteAgentStatus {
    return {
      version: this.rec.version, lastHeartbeatAt: this.heartbeatAt, engineThreads: this.rec.engineThreads,
      load: this.heartbeat?.load ?? null, running: this.heartbeat?.running ?? null,
    };
  }

  /** Heartbeat within the TTL, the agent says it takes work, and the bus is up here. */
  healthy(): boolean {
    if (!this.link.connected() || this.heartbeat === null || this.heartbeatAt === null) return false;
    if (this.heartbeat.health === 'down') return false;
    return Date.now() - this.heartbeatAt <= this.link.heartbeatTtlMs;
  }

  facts(): Record<string, string> {
    return { ...this.rec.facts };
  }

  async resolveFact(key: string): Promise<string | undefined> {
    return Object.prototype.hasOwnProperty.call(this.rec.facts, key) ? this.rec.facts[key] : undefined;
  }

  async ping(request: PingRequest, signal: AbortSignal): Promise<PingSummary> {
    const count = request.count ?? 3;
    const intervalMs = request.intervalMs ?? 1000;
    const timeoutMs = request.timeoutMs ?? 1000;
    const op: WorkOp = { kind: 'ping', request: { targets: [...request.targets], count, intervalMs, timeoutMs, size: request.size ?? 56 } };
    const outcome = await this.link.call(this.hostname, op, (count - 1) * intervalMs + timeoutMs + CALL_MARGIN_MS, signal);
    if (!outcome.ok) throw new Error(outcome.error);
    if (outcome.kind !== 'ping') throw new Error(`agent ${this.hostname} answered a ping with a ${outcome.kind} result`);
    const summary = outcome.value as unknown as PingSummary;
    // null on the wire is "nothing came back": NaN, as the local engine reports it
    for (const t of summary.targets) for (const k of NUMERIC) if (t[k] === null) (t as unknown as Record<string, number>)[k] = Number.NaN;
    return summary;
  }

  execRefusal(command: string): string | null {
    return execRefusal({ allow: this.rec.execAllow }, command, this.hostname);
  }

  async exec(request: ExecRequest, signal: AbortSignal): Promise<ExecResult> {
    const op: WorkOp = {
      kind: 'exec',
      request: { command: request.command, args: [...request.args], ...(request.cwd !== undefined ? { cwd: request.cwd } : {}), timeoutS: request.timeoutS },
    };
    const outcome = await this.link.call(this.hostname, op, request.timeoutS * 1000 + CALL_MARGIN_MS, signal);
    if (!outcome.ok) throw new Error(outcome.error);
    if (outcome.kind !== 'exec') throw new Error(`agent ${this.hostname} answered an exec with a ${outcome.kind} result`);
    return outcome.value;
  }

  /** A diagnostic test (service and troubleshooting tasks) run by the agent's own engine: no
   *  progress or partial result until it answers. */
  runTest(test: DiagnosticTest): TestRun {
    const controller = new AbortController();
    let finished = false;
    const done = this.link.call(this.hostname, { kind: 'test', test: { ...test } }, testDeadlineMs(test) + CALL_MARGIN_MS, controller.signal).then((outcome) => {
      if (!outcome.ok) throw new Error(outcome.error);
      if (outcome.kind !== 'test') throw new Error(`agent ${this.hostname} answered a ${test.kind} test with a ${outcome.kind} result`);
      return outcome.value as JsonValue;
    }).finally(() => (finished = true));
    return { progress: () => (finished ? 1 : 0), snapshot: () => null, done, cancel: (reason) => controller.abort(reason) };
  }
}
