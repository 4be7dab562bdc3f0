// Public types of continuous monitoring (re-exported by engine/index.ts).
import type { RttBuckets } from './rtt-buckets.js';

/** Which targets a monitor probes: explicit target ids, or every HOST target whose labels
 *  all match (`site: eu` matches `eu` and `eu.paris`, as in target lists). */
export type MonitorSelection = { ids: string[] } | { labels: Record<string, string> };

export const MONITOR_PROBES = ['icmp'] as const;
export type MonitorProbe = (typeof MONITOR_PROBES)[number];

export interface MonitorInput {
  name: string;
  selection: MonitorSelection;
  /** Default 'icmp' (the only kind so far). */
  probe?: MonitorProbe;
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
  enabled: boolean;
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
  /** Scheduler tick: targets due within one tick go out as one batch (default 100 ms:
   *  each batch is one engine job, and on this machine 20 ms ticks cost 1.6× the CPU per
   *  probe of one long engine job against 1.1× at 100 ms; bench:monitor, preliminary). */
  tickMs?: number;
  /** How often selections are checked for target/label/monitor changes (default 1000 ms). */
  reconcileMs?: number;
}

/** One stored window (or rollup) of one target under one monitor. */
export interface LatencyWindow {
  targetId: string;
  monitorId: string;
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
  /** Batches handed to the engine, and rounds skipped because the scheduler fell behind. */
  batches: number;
  skippedSlots: number;
  /** Schedule drift of the first send of each batch (actual − planned), ms, since start. */
  driftP50Ms: number | null;
  driftP99Ms: number | null;
  driftMaxMs: number | null;
  windowsWritten: number;
  /** Batches the engine rejected, and the last reason (e.g. no permission for raw sockets). */
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
}

export const TARGET_STATUSES = ['up', 'degraded', 'down', 'unknown'] as const;

export interface SummaryQuery {
  /** Only targets in these states (counts always cover every target). */
  status?: TargetStatus['status'][];
  /** Loss over this many minutes (default 5; at most what the last 60 windows cover). */
  minutes?: number;
  /** Consecutive failed probes that make a target `down` (default 3). */
  downAfter?: number;
  /** Loss % over the period above which a target is `degraded` (default 5). */
  degradedLossPercent?: number;
}

export interface TargetStatus {
  targetId: string;
  address: string;
  /** down: the last downAfter probes failed; degraded: a failure now, or loss above the
   *  threshold; unknown: not probed yet (or the monitor is not running here). */
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
}

export interface MonitorService {
  /** The current state of every target of a monitor; not_found when there is no such monitor. */
  summary(id: string, query?: SummaryQuery): MonitorSummary;
  /** Throws SondeError invalid (field named) or conflict (name taken). */
  create(input: MonitorInput): Monitor;
  list(): Monitor[];
  get(id: string): Monitor | null;
  /** Partial update; not_found / invalid / conflict. Takes effect at the next reconcile. */
  update(id: string, patch: Partial<MonitorInput>): Monitor;
  delete(id: string): boolean;
  /** Target ids a monitor selects now (HOST targets only). */
  members(id: string): string[];
  /** Merged history of one target; not_found when the target does not exist. */
  history(targetId: string, query: HistoryQuery): HistoryPoint[];
  /** Stored windows of one target in [fromMs, toMs) (spanMs: the window or rollup length). */
  windows(targetId: string, fromMs: number, toMs: number, spanMs?: number): LatencyWindow[];
  /** Scheduler figures per running monitor (empty when not probing). */
  stats(): MonitorRuntimeStats[];
  /** Per-target RTT buckets of every running monitor (empty when not probing). */
  rttViews(): MonitorRttView[];
  readonly windowMs: number;
  readonly rollupMs: number;
}
