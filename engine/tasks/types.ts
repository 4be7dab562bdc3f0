// Diagnostic tasks: one network test (ping, traceroute, tcp, http, dns) run on an agent in
// the background, persisted as a job row, polled by id. The contract routes (service and
// troubleshooting APIs) translate these to their wire formats; nothing here knows them.

import type { Agent } from '../agents/types.js';
import type { JsonValue } from '../jobs/types.js';
import type { Target } from '../store/types.js';
import type { TestRun } from './run-test.js';

export type DiagnosticTestKind = 'ping' | 'traceroute' | 'tcp' | 'http' | 'dns';

export interface PingTest {
  kind: 'ping';
  /** IP address or DNS name. */
  destination: string;
  /** Echo requests, 1..1000. */
  count: number;
  /** ICMP payload bytes. */
  size: number;
  /** Period between two probes, ms. */
  intervalMs: number;
  /** Per-probe timeout, ms. */
  timeoutMs: number;
}

export interface TracerouteTest {
  kind: 'traceroute';
  destination: string;
  maxHops: number;
  probesPerHop: number;
  timeoutMs: number;
}

export interface TcpTest {
  kind: 'tcp';
  host: string;
  port: number;
  timeoutMs: number;
}

export interface HttpTest {
  kind: 'http';
  /** http: or https: URL. */
  url: string;
  timeoutMs: number;
}

export interface DnsTest {
  kind: 'dns';
  host: string;
  timeoutMs: number;
}

export type DiagnosticTest = PingTest | TracerouteTest | TcpTest | HttpTest | DnsTest;

/** An agent in another process that runs diagnostic tests itself (a remote agent over the bus). */
export interface TestRunningAgent extends Agent {
  /** Starts `test` on the agent; `done` is the outcome as the local task service stores it. */
  runTest(test: DiagnosticTest): TestRun;
}

export function runsTestsItself(agent: Agent): agent is TestRunningAgent {
  return typeof (agent as Partial<TestRunningAgent>).runTest === 'function';
}

/** One reply of a ping test, as it came back. */
export interface PingTestReply {
  seq: number;
  ttl: number;
  /** ICMP bytes received: 8-byte header + payload. */
  bytes: number;
  rttNs: number;
  duplicate?: boolean;
}

/** What a finished ping test stores (also the live snapshot while it runs). */
export interface PingTestResult {
  destination: string;
  address: string | null;
  dataBytes: number;
  /** Probes sent (while running: probes concluded so far). */
  sent: number;
  received: number;
  duplicates: number;
  lossPercent: number;
  /** In-time replies' RTT statistics in ms; null when none came back. */
  minMs: number | null;
  avgMs: number | null;
  maxMs: number | null;
  /** Replies in arrival order (duplicates flagged). */
  replies: PingTestReply[];
}

export type DiagnosticTaskStatus = 'pending' | 'running' | 'completed' | 'failed';

/** A task as a route sees it. Outcomes with bigints (probe times) are stored with them as decimal strings. */
export interface DiagnosticTask {
  id: string;
  /** The label given at creation (e.g. 'service.ping'): routes only answer for their own tasks. */
  operation: string;
  test: DiagnosticTest;
  /** Free-form JSON the creator attached (e.g. the service id). */
  context: JsonValue;
  agentHostname: string;
  agentSerial: string;
  status: DiagnosticTaskStatus;
  /** 0..100; 100 once finished. */
  progress: number;
  createdAtUnixNs: bigint;
  finishedAtUnixNs: bigint | null;
  /**
   * completed: the test's outcome (PingTestResult, TracerouteResult, Tcp/Http/DnsProbeOutcome
   * with ns fields as strings). running ping: the live PingTestResult so far; failed ping: what
   * it had measured when it failed (also after a restart). Otherwise null.
   */
  result: JsonValue | null;
  /** Why a failed task failed; null otherwise. */
  error: string | null;
}

export interface DiagnosticTaskCreate {
  operation: string;
  test: DiagnosticTest;
  /** The agent that runs the test (e.g. found by serial). */
  agent: Agent;
  /** Stored with the task as given (JSON values only). */
  context?: JsonValue;
  keyId?: string | null;
}

export interface DiagnosticTasks {
  /**
   * Validates the test, starts it at once and resolves with the task once its row is
   * committed (so its id survives a crash from then on). Rejects with SondeError:
   * invalid (field named), unavailable (shutting down, agent unhealthy).
   */
  create(request: DiagnosticTaskCreate): Promise<DiagnosticTask>;
  /** Running and recent tasks from memory, older ones from the store; null when unknown. */
  get(id: string): DiagnosticTask | null;
  /** Tasks running now. */
  running(): number;
  /**
   * The target bound to a service id, read through this service's own connection: the
   * other connection's reads would find their page cache invalidated by every group commit.
   */
  targetByServiceId(serviceId: number): Target | null;
  /**
   * Waits up to graceMs for running tasks, fails the rest with "interrupted by restart",
   * commits everything and closes the store connection.
   */
  close(graceMs?: number): Promise<void>;
}
