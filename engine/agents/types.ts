// Agents: who runs work, how a selector picks them, and the fan-out with a deadline.

import type { PingRequest, PingSummary } from '../types.js';

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
  /** An agent in another process (over the bus): its version and last heartbeat. */
  status?(): RemoteStatus;
}

/** What a remote agent reports on the bus (record and heartbeat). */
export interface RemoteStatus {
  version: string;
  /** ms since the epoch; null before the first heartbeat. */
  lastHeartbeatAt: number | null;
  /** Probe worker threads of its engine (0: none). */
  engineThreads: number;
  /** Its host's 1-minute load average and the operations it runs, from the last heartbeat. */
  load: number | null;
  running: number | null;
}

export interface AgentInfo {
  hostname: string;
  serial: string;
  labels: Record<string, string>;
  healthy: boolean;
  local: boolean;
  facts: Record<string, string>;
  /** Remote agents: the sonde version they run. */
  version?: string;
  /** Remote agents: when their last heartbeat was stored (RFC 3339), null before the first. */
  lastHeartbeatAt?: string | null;
  /** Remote agents: probe worker threads, load average and running operations. */
  engineThreads?: number;
  load?: number | null;
  running?: number | null;
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

/** How the fqdn fact is resolved: the system's resolver by default; tests give a local answer. */
export interface HostResolver {
  lookup(hostname: string): Promise<{ address: string }>;
  lookupService(address: string, port: number): Promise<{ hostname: string }>;
}
