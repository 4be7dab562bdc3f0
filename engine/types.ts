// Public types of the engine API (engine/index.ts re-exports them). The server, the CLI
// and agents program against these; contract field names never appear here.

export interface PingRequest {
  /** IPv4, IPv6 or DNS names. Names are resolved once per job; a failure is reported for
   *  that target only. */
  targets: string[];
  /** Probes per target, 1..1,000,000 (default 3). */
  count?: number;
  /** Period between two probes to the same target, ms (default 1000). fping -p. */
  intervalMs?: number;
  /** Minimum gap between any two sends of the job, ms (default 0: as fast as allowed). fping -i. */
  sendIntervalMs?: number;
  /** Per-probe timeout, ms (default 1000). */
  timeoutMs?: number;
  /** ICMP payload bytes 0..65500 (default 56). */
  size?: number;
  /** TTL / hop limit for every probe of the job (default: the system's). */
  ttl?: number;
  tos?: number;
  /** Don't fragment (default false): a probe larger than the path MTU fails to send
   *  (ProbeResult errorKind 'send-failed') instead of going out in fragments. fping -M. */
  dontFragment?: boolean;
  /** Prefer this family when a name resolves to both (default 4). */
  family?: 4 | 6;
  signal?: AbortSignal;
  /** Probe continuously on a wall-clock grid (what a monitor runs) instead of `count`
   *  rounds: the job runs until `signal` aborts; `count` is then probes per round and
   *  `intervalMs` the period of the grid. */
  schedule?: ProbeSchedule;
}

/**
 * A continuous job's grid: probe k of target i's round r is planned at
 * originMs + r·intervalMs + offsetsMs[i] + k·spacingMs, and its ProbeResult.seq is r·count + k
 * (so the caller can tell when each outcome was planned). A probe more than one interval late
 * is skipped, never sent in a catch-up burst. The job's summary (when it is aborted) has
 * counters and min/avg/max but no percentiles: a job that never ends keeps no distribution.
 */
export interface ProbeSchedule {
  /** Round 0, wall-clock ms since the epoch, not after the job starts. */
  originMs: number;
  /** Per target, in the order of `targets`: ascending, each in [0, intervalMs). */
  offsetsMs: ArrayLike<number>;
  /** Between the probes of one round (default intervalMs / (2·count)). */
  spacingMs?: number;
}

export type ProbeStatus = 'ok' | 'timeout' | 'error' | 'duplicate' | 'late';

/** ICMP error kinds, by type/code; `send-failed` when the kernel refused the packet. */
export type ProbeErrorKind = 'unreachable' | 'time-exceeded' | 'param-problem' | 'packet-too-big' | 'send-failed' | 'other';

/**
 * One probe outcome, streamed to `onProbe` as it happens. The object passed is reused
 * between calls (no allocation per probe): copy the fields you keep.
 */
export interface ProbeResult {
  /** Index into PingRequest.targets. */
  targetIndex: number;
  target: string;
  /** The address probed (after resolution). */
  address: string;
  seq: number;
  /** The ICMP echo identifier and sequence number the request carried on the wire, to find
   *  the probe in a packet capture (bench:accuracy's wire column). Ping sockets: the
   *  identifier the kernel assigned to the socket. */
  echoId: number;
  echoSeq: number;
  status: ProbeStatus;
  errorKind?: ProbeErrorKind;
  icmpType?: number;
  icmpCode?: number;
  /** Who sent the ICMP error (a router on the path), if status is 'error'. */
  from?: string;
  /** Round-trip time in ns (ok, duplicate, late); NaN otherwise. */
  rttNs: number;
  ttl: number;
  /** ICMP payload bytes received. */
  bytes: number;
  /** CLOCK_REALTIME ns: the kernel's TX stamp (ping sockets: read in C just before sendmmsg). */
  sentAtNs: bigint;
  /** Kernel receive time (SO_TIMESTAMPNS); 0n when nothing came back. */
  receivedAtNs: bigint;
}

export interface TargetSummary {
  target: string;
  /** The address probed; absent when the name did not resolve. */
  address?: string;
  /** Why the target could not be probed at all (e.g. the name did not resolve). */
  error?: string;
  sent: number;
  received: number;
  duplicates: number;
  late: number;
  /** ICMP errors and send failures by kind. */
  errors: Partial<Record<ProbeErrorKind, number>>;
  /** 0..100; probes with no in-time reply / probes sent. */
  lossPercent: number;
  /** RTT statistics in ms over in-time replies; NaN when nothing came back. */
  minMs: number;
  avgMs: number;
  maxMs: number;
  stddevMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

export interface PingSummary {
  targets: TargetSummary[];
  /** True when the job was cancelled through its AbortSignal. Sending stops at once;
   *  replies already received count; probes still in flight at that moment are withdrawn
   *  (not counted as sent, so they do not show as loss). */
  cancelled: boolean;
  startedAtMs: number;
  finishedAtMs: number;
}

export interface EngineOptions {
  /** Worker threads (default: available cores). */
  threads?: number;
  /** Probe on the calling thread, no worker (`threads` must then be unset or 1): for short
   *  runs with a few targets, which a worker's start and stop would mostly be (`sonde ping`
   *  on a few targets uses it). RTTs are the same (send and receive times from C and the
   *  kernel); the thread's other work delays only when replies are read. */
  inThread?: boolean;
  /** Open every socket inside this network namespace (path, e.g. /run/netns/NAME). */
  netns?: string;
  /** How long health() stays 'degraded' after a worker fault the pool healed (default 60 s),
   *  so that a check polling every few seconds still sees it. */
  faultReportMs?: number;
}

/** Why a probe worker thread was replaced: an uncaught error in it, an exit without one
 *  (process.exit, terminate, a resource limit), or a failure before it was ready. */
export type WorkerFaultCause = 'uncaught_error' | 'exited' | 'start_failed';

export interface WorkerFault {
  cause: WorkerFaultCause;
  threadId: number;
  /** The error's message, or the exit code. */
  message: string;
  atMs: number;
}

/**
 * The pool's real state: 'ok' at full strength; 'degraded' below strength or within
 * faultReportMs of a worker fault (probing goes on); 'down' with no worker thread left
 * (nothing can probe until the daemon restarts).
 */
export interface EngineHealth {
  state: 'ok' | 'degraded' | 'down';
  /** What is wrong and what to do; null when ok. */
  reason: string | null;
  threads: number;
  /** Worker threads started and ready. */
  running: number;
  restarts: Record<WorkerFaultCause, number>;
  lastFault: WorkerFault | null;
}

export interface EngineStats {
  sent: number;
  received: number;
  timeouts: number;
  duplicates: number;
  late: number;
  errors: number;
  /** Replies that matched none of our probes (foreign id, wrong token, wrong source). */
  foreign: number;
  /** Replies whose checksum did not verify. */
  corrupted: number;
  inFlight: number;
  /** Tasks (jobs) waiting in the worker pool's queue for a free slot (Piscina queueSize). */
  queueSize?: number;
  /** Packets the kernel dropped because a socket's receive buffer was full. */
  kernelDrops?: number;
  /** The echo-identifier block of each live worker (raw sockets see only these ids). */
  idBlocks?: Array<{ base: number; count: number }>;
}

export interface Engine {
  ping(request: PingRequest, onProbe?: (probe: ProbeResult) => void): Promise<PingSummary>;
  stats(): Promise<EngineStats>;
  health(): EngineHealth;
  /** Calls `listener` for every worker fault (e.g. to log it); returns the unsubscribe. */
  onWorkerFault(listener: (fault: WorkerFault) => void): () => void;
  close(): Promise<void>;
}

/** Thrown for bad input; `field` names the offending request field. */
export class EngineInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'EngineInputError';
  }
}
