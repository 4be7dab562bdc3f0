// Public types of continuous monitoring (re-exported by engine/index.ts).
import type { SealedWindow } from './monitor-runner.js';
import type { RttBuckets } from './rtt-buckets.js';
import type { ProbePayloadType } from '../probes/payload.js';

/** Which targets a monitor probes: explicit target ids, or every HOST target whose labels
 *  all match (`site: eu` matches `eu` and `eu.paris`, as in target lists). */
export type MonitorSelection = { ids: string[] } | { labels: Record<string, string> };

export const MONITOR_PROBE_KINDS = ['icmp', 'tcp', 'dns', 'http', 'model'] as const;
export type MonitorProbe = (typeof MONITOR_PROBE_KINDS)[number];
export const MONITOR_PROBES = MONITOR_PROBE_KINDS;

/** Whether a kind probes by an HTTP request (http-prober.ts): its windows have the phase series. */
export function hasPhases(probe: MonitorProbe): boolean {
  return probe === 'http' || probe === 'model';
}

/** The phase series an http or model window keeps beside its total, in this order. */
export const HTTP_PHASES = ['connect', 'tls', 'ttfb'] as const;
/** The series of a window: a probe's total time, or one phase of an HTTP probe (http, model)
 *  (connect: TCP handshake; tls: TLS handshake; ttfb: request written → first response byte). */
export const MONITOR_PHASES = ['total', ...HTTP_PHASES] as const;
export type MonitorPhase = (typeof MONITOR_PHASES)[number];

/** tcp monitors: RTT = the TCP handshake (connect() → established), the connection closed at once. */
export interface TcpMonitorOptions {
  /** The port to connect to; default: the target's (TCP targets). HOST targets need it. */
  port?: number;
}

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** dns monitors: one UDP query per probe; RTT = query sent → answer received. Either the
 *  target is the server asked (give `name`), or `server` is and each target's address is the
 *  name asked. */
export interface DnsMonitorOptions {
  /** The name asked; default: the target's address (needs `server`). */
  name?: string;
  /** Default 'A'. */
  type?: DnsRecordType;
  /** The server asked, an IP address ("127.0.0.1", "::1"); default: the target's address. */
  server?: string;
  /** The server's UDP port (default 53). */
  port?: number;
  /** An answer that must be among the answers (an address, a name, "10 mx.example.", TXT text);
   *  otherwise the probe fails with error kind wrong-answer. */
  expect?: string;
}

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'] as const;

/** http monitors: one request per probe to the target's URL (HTTP targets). */
export interface HttpMonitorOptions {
  /** Default 'GET'. */
  method?: (typeof HTTP_METHODS)[number];
  /** Replaces the URL's path and query ("/healthz?full=1"). */
  path?: string;
  headers?: Record<string, string>;
  /** Statuses that count as answered (default 200..399); others fail as http-status. */
  expectStatus?: number[];
  /** A regular expression the body must match (else error kind body). */
  bodyMatch?: string;
  /** A regular expression the body must not match (else error kind body). */
  bodyNotMatch?: string;
  /** Body bytes read at most, for the patterns (default 65,536, at most 1,048,576). */
  maxBodyBytes?: number;
  /** Follow 3xx Location (up to 5; default false: a 3xx is the answer). */
  followRedirects?: boolean;
  /** Verify the server's certificate chain and name (default true). */
  verifyTls?: boolean;
  /** true (default): one kept-alive connection per target, reused (measures the request on a
   *  warm connection: no connect or tls phase after the first); false: a fresh connection per
   *  probe (measures what a new client sees: connect and TLS handshake every time). */
  keepAlive?: boolean;
  /** A target whose certificate expires in fewer days is degraded (default 14; 0: never). */
  certExpiryDays?: number;
}

/** model monitors: the health request of the ping-stream contract (contract D) to each
 *  EMBEDDER, RERANKER or LLM target's URL every probe: a POST of the payload, with the
 *  target's kind, provider and model as x-sonde-target-type / x-sonde-provider / x-sonde-model
 *  headers. Answered: a 2xx status (as the ping stream's ok); another status fails as
 *  http-status. The phases are those of an http monitor. */
export interface ModelMonitorOptions {
  /** The payload's content type: TEXT (default), JSON or BINARY. */
  payloadType?: ProbePayloadType;
  /** The body, UTF-8 (JSON: valid JSON); default "ping". Not with payloadSizeBytes. */
  payload?: string;
  /** A synthetic body of exactly this many bytes, 0..1,048,576. Not with payload. */
  payloadSizeBytes?: number;
  /** As http.keepAlive: true (default) reuses a kept-alive connection per target; false opens
   *  a fresh connection (and TLS handshake) per probe, as the ping stream does. */
  keepAlive?: boolean;
  /** Verify the server's certificate chain and name (default true). */
  verifyTls?: boolean;
}

export interface MonitorInput {
  name: string;
  selection: MonitorSelection;
  /** Default 'icmp'. tcp and dns probe HOST targets (tcp also TCP targets), http HTTP targets,
   *  model EMBEDDER, RERANKER and LLM targets. */
  probe?: MonitorProbe;
  /** Options of a tcp monitor (only with probe 'tcp'). */
  tcp?: TcpMonitorOptions;
  /** Options of a dns monitor (required with probe 'dns': `name` or `server`). */
  dns?: DnsMonitorOptions;
  /** Options of an http monitor (only with probe 'http'). */
  http?: HttpMonitorOptions;
  /** Options of a model monitor (only with probe 'model'). */
  model?: ModelMonitorOptions;
  /** One round per target every intervalMs, ≥ 100 (default 1000). */
  intervalMs?: number;
  /** Echo requests per target per round, 1..100 (default 1). */
  probes?: number;
  /** Per-probe timeout ms, 1..60,000, at most the interval (default min(1000, intervalMs)). */
  timeoutMs?: number;
  /** ICMP payload bytes 0..65,500 (default 56). */
  size?: number;
  /** Default true. */
  enabled?: boolean;
  /** Where it runs: '_all', a hostname or 'key:value' (remote agents on the bus, each probing
   *  every selected target from where it is); left out (or null in a patch): the controller's
   *  own agent. */
  agents?: string | null;
}

export interface Monitor {
  id: string;
  name: string;
  selection: MonitorSelection;
  probe: MonitorProbe;
  intervalMs: number;
  probes: number;
  timeoutMs: number;
  size: number;
  /** The options of its probe kind (absent for icmp and when none were given). */
  tcp?: TcpMonitorOptions;
  dns?: DnsMonitorOptions;
  http?: HttpMonitorOptions;
  model?: ModelMonitorOptions;
  enabled: boolean;
  /** Only when the monitor runs on remote agents (see MonitorInput.agents). */
  agents?: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/** How monitoring stores and schedules; all optional. */
export interface MonitoringOptions {
  /** Histogram window length (default 60,000 ms). */
  windowMs?: number;
  /** Rollup window length, a multiple of windowMs (default 3,600,000 ms). */
  rollupMs?: number;
  /** Raw windows older than this are purged (default 14 days). */
  rawRetentionMs?: number;
  /** Rollups older than this are purged (default 365 days). */
  rollupRetentionMs?: number;
  /** How often the main thread's monitor turn runs: sealing and writing finished windows,
   *  failed rounds of unresolvable names, retries (default 100 ms). Sending is not tied to
   *  it: the workers keep each monitor's grid and send what is due every turn (≤ 2 ms). */
  tickMs?: number;
  /** How often selections are checked for target/label/monitor changes (default 1000 ms). */
  reconcileMs?: number;
  /** How long after its probes settled a window is sealed (default 0, less than windowMs): a
   *  `sonde agent` seals on its own phase (engine/distributed/seal-phase.ts) so agents do not
   *  all publish the windows of one start at the same instant. */
  sealDelayMs?: number;
  /** Consecutive failed probes that make a target down (default 3). */
  downAfter?: number;
  /** Consecutive answered probes that bring a degraded or down target back up (default 3). */
  upAfter?: number;
  /** Loss % over the last 5 minutes above which an up target becomes degraded (default 5). */
  degradedLossPercent?: number;
  /** URLs every state change is POSTed to (JSON, batched once a second). */
  webhooks?: WebhookConfig[];
  /** Where the window writer's failures (each retried, e.g. the disk full) and its recovery
   *  are reported; the daemon passes its logger. */
  log?: MonitoringLog;
  /**
   * Told of every sealed window, on the main thread, before the local writer takes it (a
   * `sonde agent` spools it for the controller). It must copy what it needs and not keep or
   * release the window; a throw is reported and the local write goes on.
   */
  onSealed?: (window: SealedWindowView) => void;
}

/** What onSealed sees of a sealed window. */
export type SealedWindowView = SealedWindow;

export interface WindowWriterStats {
  /** Failed write attempts since start (each retried: the disk full, the database locked). */
  failures: number;
  /** Windows dropped because too many bytes waited to be written. */
  dropped: number;
  /** Windows handed over and not written yet. */
  queued: number;
}

export interface MonitoringLog {
  error(message: string): void;
  info(message: string): void;
}

export interface WebhookConfig {
  /** http:// or https:// URL. */
  url: string;
  /** Per attempt (default 5000 ms). */
  timeoutMs?: number;
  /** Further attempts after a failed one, with backoff 1 s, 2 s, 4 s… up to 30 s (default 3). */
  retries?: number;
}

/** One status transition of one target under one monitor (stored, live feed, webhooks). */
export interface StateChange {
  /** Increasing id (the row's key). */
  id: number;
  monitorId: string;
  targetId: string;
  address: string;
  from: TargetStatus['status'];
  to: TargetStatus['status'];
  /** When the once-a-second evaluation saw it, ms since the epoch (a remote agent's: the end of the window it was judged on). */
  atMs: number;
  reason: string;
  /** A remote agent's state change (judged on its windows): the agent. */
  agent?: string;
}

export interface StateChangeQuery {
  /** Default: 24 h before toMs. */
  fromMs?: number;
  /** Exclusive; default: now + 1 s. */
  toMs?: number;
  /** 1..10,001 (default 1000); the oldest first. */
  limit?: number;
  targetId?: string;
  /** One remote agent's changes; for a monitor with `agents`, left out: every agent's. */
  agent?: string;
}

/** One monitor's last second, handed to onSecond listeners. Typed arrays are indexed by
 *  row (rows[k] for the member at position k) and valid only during the call. */
export interface LiveMonitorSecond {
  monitorId: string;
  rows: readonly number[];
  ids: readonly string[];
  addresses: readonly string[];
  /** Probes concluded (answered, timed out or failed) in the second, and answered. */
  sent: Uint32Array;
  received: Uint32Array;
  /** RTT median and maximum of the second's answers, ns; NaN when none. */
  p50Ns: Float64Array;
  maxNs: Float64Array;
  /** Index into TARGET_STATUSES. */
  status: Uint8Array;
  /** The last answered probe's RTT, ns; NaN before the first answer. */
  lastRttNs: Float64Array;
  /** Probes concluded and answered over the last 5 minutes and the current one: the loss the
   *  status looks at (monitoring.degradedLossPercent), cleared when a target comes back up. */
  lossSent: Uint32Array;
  lossReceived: Uint32Array;
}

export interface LiveSecond {
  /** Start of the second these figures cover, ms since the epoch. */
  startMs: number;
  monitors: readonly LiveMonitorSecond[];
}

/** One stored window (or rollup) of one target under one monitor. */
export interface LatencyWindow {
  targetId: string;
  monitorId: string;
  probe: MonitorProbe;
  phase: MonitorPhase;
  startMs: number;
  spanMs: number;
  sent: number;
  received: number;
  duplicates: number;
  late: number;
  errors: Record<string, number>;
  /** RTT ns over in-time replies; null when nothing came back. */
  minNs: number | null;
  maxNs: number | null;
  sumNs: number;
  /** HdrHistogram V2 compressed encoding (hdr-histogram-js decodeFromCompressedBase64 reads
   *  its base64), values in ns; null when nothing came back. */
  histogram: Buffer | null;
}

export interface HistoryQuery {
  fromMs: number;
  toMs: number;
  /** Bucket length; a multiple of the window length (default: windowMs). */
  stepMs?: number;
  /** Percentiles 0..100 (default [50, 90, 99]). */
  percentiles?: number[];
  monitorId?: string;
  /** Only windows of this probe kind (default: the monitor's kind when monitorId is given,
   *  else every kind). */
  probe?: MonitorProbe;
  /** Which series (default 'total'); the others exist for http and model monitors. */
  phase?: MonitorPhase;
  /** One remote agent's windows only (a vantage point); left out: the local windows merged
   *  with every remote agent's. */
  agent?: string;
}

export interface HistoryPoint {
  /** Start of the bucket, ms since the epoch. */
  t: number;
  sent: number;
  received: number;
  /** 0..100, null when nothing was sent. */
  loss: number | null;
  /** ms; null when nothing came back. */
  min: number | null;
  max: number | null;
  /** percentile → ms (keys as given, e.g. "p50"). */
  percentiles: Record<string, number | null>;
}

export interface MonitorRuntimeStats {
  monitorId: string;
  targets: number;
  /** Engine jobs started: one per monitor, again when its membership or definition changes. */
  batches: number;
  /** Probes the workers skipped because they were more than an interval late. */
  skippedSlots: number;
  /** Schedule drift (kernel send time − planned time) of a sample of the probes (every
   *  8th target), ms, since start. */
  driftP50Ms: number | null;
  driftP99Ms: number | null;
  driftMaxMs: number | null;
  /** The drift samples since start (µs), HdrHistogram V2 compressed base64 (null: none yet). */
  driftHistogram: string | null;
  windowsWritten: number;
  /** Engine jobs that failed (retried after 5 s), and the last reason (e.g. no permission for raw sockets). */
  failedBatches: number;
  lastError: string | null;
}

/** A running monitor's per-target RTT buckets (read by /metrics at scrape time). */
export interface MonitorRttView {
  monitorId: string;
  /** Member i: its row in `buckets`, its target id and address. */
  rows: readonly number[];
  ids: readonly string[];
  addresses: readonly string[];
  buckets: RttBuckets;
  /** Default icmp. */
  probe?: MonitorProbe;
  /** http and model monitors: the connect, tls and ttfb phases' buckets (same rows). */
  phases?: { connect: RttBuckets; tls: RttBuckets; ttfb: RttBuckets };
  /** http and model monitors: each row's certificate notAfter, ms since the epoch (NaN: unknown). */
  certExpiresAtMs?: Float64Array;
}

export const TARGET_STATUSES = ['up', 'degraded', 'down', 'unknown'] as const;

/** JSON bytes of a summary, gzip-compressed or not. */
export interface SummaryBytes {
  bytes: Buffer;
  gzip: boolean;
}

export interface SummaryQuery {
  /** Only targets in these states (counts always cover every target). */
  status?: TargetStatus['status'][];
  /** Loss over this many minutes (default 5; at most what the last 60 windows cover). */
  minutes?: number;
  /** Only this target (one entry, or none when it is not a member; counts cover every target). */
  targetId?: string;
  /** One remote agent's view (from its stored windows); for a monitor with `agents`, left
   *  out: every agent's merged. */
  agent?: string;
}

export interface TargetStatus {
  targetId: string;
  address: string;
  /** The status with hysteresis, evaluated once a second per target (status-tracker.ts;
   *  N = monitoring.downAfter, M = monitoring.upAfter, L = monitoring.degradedLossPercent):
   *  - down: the last N probes failed (timeouts or errors); it stays down until M
   *    consecutive probes are answered, then it is up (and its loss period starts afresh);
   *  - degraded: from up, when a probe fails (fewer than N in a row) or the loss over the
   *    last 5 minutes exceeds L %; back to up after M answered probes in a row with the loss
   *    at most L %;
   *  - up: answering; unknown: not probed yet (or the monitor is not running here).
   *  Every transition is a StateChange (but a target's first status when it is up). The
   *  summary's lossPercent is over the query's `minutes`, which does not change the status. */
  status: (typeof TARGET_STATUSES)[number];
  lastRttMs: number | null;
  lastProbeAtMs: number | null;
  failStreak: number;
  sent: number;
  received: number;
  lossPercent: number | null;
}

export interface MonitorSummary {
  monitorId: string;
  running: boolean;
  atMs: number;
  /** The period loss is computed over (whole windows plus the current one). */
  lossWindowMs: number;
  counts: Record<TargetStatus['status'], number>;
  targets: TargetStatus[];
  /** A summary from remote agents' windows: the one agent asked for … */
  agent?: string;
  /** … or the agents merged (those with windows in the period). */
  agents?: string[];
}

/** Per monitor and remote agent, over the last 5 minutes of its stored windows (/metrics). */
export interface VantageFigures {
  monitorId: string;
  agent: string;
  counts: Record<TargetStatus['status'], number>;
  sent: number;
  received: number;
  meanNs: number | null;
}

export interface MonitorService {
  /** The current state of every target of a monitor; not_found when there is no such monitor. */
  summary(id: string, query?: SummaryQuery): MonitorSummary;
  /** summary() as JSON bytes. Unfiltered summaries of monitors with ≥ 5,000 targets come from
   *  a snapshot rebuilt once a second in slices while polled (atMs: when it was taken, at
   *  most 3 s ago), so a request never builds 50,000 objects and 10 MB of JSON itself; with
   *  `gzip` asked for, such a snapshot comes gzip-compressed once one has been compressed
   *  (from the rebuild after the first such request on). */
  summaryJson(id: string, query?: SummaryQuery, options?: { gzip?: boolean }): SummaryBytes;
  /** Throws SondeError invalid (field named) or conflict (name taken). */
  create(input: MonitorInput): Monitor;
  list(): Monitor[];
  get(id: string): Monitor | null;
  /** Partial update; not_found / invalid / conflict. Takes effect at the next reconcile. */
  update(id: string, patch: Partial<MonitorInput>): Monitor;
  delete(id: string): boolean;
  /** Target ids a monitor selects now (of the kinds its probe takes). */
  members(id: string): string[];
  /** Merged history of one target; not_found when the target does not exist. */
  history(targetId: string, query: HistoryQuery): HistoryPoint[];
  /** Stored windows of one target in [fromMs, toMs) (spanMs: the window or rollup length). */
  windows(targetId: string, fromMs: number, toMs: number, spanMs?: number): LatencyWindow[];
  /** Scheduler figures per running monitor (empty when not probing). */
  stats(): MonitorRuntimeStats[];
  /** Stored state changes of a monitor, oldest first; not_found / invalid (field named). */
  events(monitorId: string, query?: StateChangeQuery): StateChange[];
  /** Called once a second with every running monitor's last second; returns an unsubscribe. */
  onSecond(listener: (second: LiveSecond) => void): () => void;
  /** Called once a second with the state changes of that second (when there were any). */
  onStateChanges(listener: (changes: readonly StateChange[]) => void): () => void;
  /** Ids of the HOST targets whose labels all match (as in a label selection). */
  targetsMatching(labels: Record<string, string>): string[];
  /** Per-target RTT buckets of every running monitor (empty when not probing). */
  rttViews(): MonitorRttView[];
  /** The window writer's failed attempts and dropped windows (null when not probing). */
  writerStats(): WindowWriterStats | null;
  /** Remote agents' figures per monitor and agent (empty without agent windows). */
  vantageFigures(): VantageFigures[];
  readonly windowMs: number;
  readonly rollupMs: number;
}
