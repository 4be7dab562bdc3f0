// GET /metrics: one prom-client registry per server with the process's default metrics
// (CPU, memory, GC, handles, event-loop delay from perf_hooks.monitorEventLoopDelay), the
// engine's counters and the monitors' figures, all read at scrape time in collect(); then
// the RTT histogram families written by rtt-text.ts. prom-client is imported on the first
// scrape (a start-up cost the daemon need not pay: bench/README.md#design-metrics-text), so the
// default metrics — and the event-loop delay histogram — run from the first scrape on.
import type { Counter as CounterT, Gauge as GaugeT, Registry as RegistryT } from 'prom-client';
import type { Engine, EngineHealth, EngineStats, MonitorRuntimeStats, MonitorService, VantageFigures, WindowWriterStats } from '../../engine/index.js';
import { streamWithRtt, type TextSink } from './rtt-text.js';

export interface MetricsOptions {
  /** Per-target RTT histogram series (19 per monitored target). */
  perTarget: boolean;
  /** Per-target series are left out while the monitors have more targets than this (0: no cap). */
  perTargetMaxTargets: number;
}

export const DEFAULT_METRICS_OPTIONS: MetricsOptions = { perTarget: true, perTargetMaxTargets: 10_000 };

/** The /v1/live feed's figures (server/live/live-feed.ts), read at scrape time. */
export interface LiveMetricsSource {
  readonly clientCount: number;
  /** Clients closed by the slow-client policy (code 4008) since the start. */
  readonly dropped: number;
}

export interface MetricsEndpoint {
  readonly contentType: string;
  /**
   * Reads the engine and the monitors and renders the prom-client part (a failure here can
   * still be an error response); the returned function then writes the whole exposition,
   * Prometheus text format 0.0.4, to a sink in chunks.
   */
  scrape(): Promise<(sink: TextSink) => Promise<void>>;
}

/** What one scrape reads once and every collect() uses. */
interface Snapshot {
  engine: EngineStats | null;
  health: EngineHealth | null;
  threads: number | null;
  monitors: MonitorRuntimeStats[];
  writer: WindowWriterStats | null;
  names: Map<string, string>;
  states: Map<string, Record<'up' | 'degraded' | 'down' | 'unknown', number>>;
  /** Remote agents' windows of the last 5 minutes, per monitor and agent. */
  vantage: VantageFigures[];
  perTargetEnabled: boolean;
  lastScrapeSeconds: number;
}

type Prom = typeof import('prom-client');

const ENGINE_COUNTERS: ReadonlyArray<[name: string, help: string, key: keyof EngineStats]> = [
  ['sonde_engine_probes_sent_total', 'Echo requests sent by the engine (all jobs and monitors).', 'sent'],
  ['sonde_engine_replies_received_total', 'Replies received in time.', 'received'],
  ['sonde_engine_timeouts_total', 'Probes that got no reply within their timeout.', 'timeouts'],
  ['sonde_engine_errors_total', 'Probes answered by an ICMP error (unreachable, time exceeded, ...) or failed to send.', 'errors'],
  ['sonde_engine_duplicates_total', 'Duplicate replies to a probe already answered.', 'duplicates'],
  ['sonde_engine_late_replies_total', 'Replies that came after their probe had timed out.', 'late'],
  ['sonde_engine_foreign_replies_total', 'Replies that matched none of the engine\'s probes.', 'foreign'],
  ['sonde_engine_corrupted_replies_total', 'Replies whose checksum did not verify.', 'corrupted'],
  ['sonde_engine_kernel_drops_total', 'Packets the kernel dropped because a socket receive buffer was full.', 'kernelDrops'],
];

const STATUSES = ['up', 'degraded', 'down', 'unknown'] as const;

/** prom-client default metrics left out of the exposition. */
const NONCONFORMING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

function driftSeconds(ms: number | null): number | null {
  return ms !== null && Number.isFinite(ms) ? ms / 1000 : null;
}

export function createMetrics(engine: Engine | null, monitors: MonitorService, options: MetricsOptions = DEFAULT_METRICS_OPTIONS, live: LiveMetricsSource | null = null): MetricsEndpoint {
  let built: Promise<{ registry: RegistryT; snapshot: Snapshot }> | null = null;
  return {
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    async scrape() {
      const t0 = performance.now();
      built ??= import('prom-client').then((prom) => build(prom, live));
      const { registry, snapshot } = await built;
      await refresh(snapshot, engine, monitors, options);
      const views = snapshot.monitors.length > 0 ? monitors.rttViews() : [];
      const head = await registry.metrics();
      const perTarget = snapshot.perTargetEnabled;
      return async (sink) => {
        await streamWithRtt(head, views, perTarget, sink);
        snapshot.lastScrapeSeconds = (performance.now() - t0) / 1000;
      };
    },
  };
}

async function refresh(s: Snapshot, engine: Engine | null, service: MonitorService, options: MetricsOptions): Promise<void> {
  s.engine = engine === null ? null : await engine.stats();
  s.health = engine?.health() ?? null;
  s.threads = s.health?.running ?? s.engine?.idBlocks?.length ?? null;
  s.monitors = service.stats();
  s.writer = service.writerStats();
  s.vantage = service.vantageFigures();
  s.names = new Map(service.list().map((m) => [m.id, m.name]));
  s.states.clear();
  let targets = 0;
  for (const m of s.monitors) {
    targets += m.targets;
    try {
      // counts only: an empty status filter builds no per-target objects
      s.states.set(m.monitorId, service.summary(m.monitorId, { status: [] }).counts);
    } catch {
      // the monitor was deleted since stats() was read: it drops out of this scrape
    }
  }
  s.perTargetEnabled = options.perTarget && (options.perTargetMaxTargets === 0 || targets <= options.perTargetMaxTargets);
}

function build(prom: Prom, live: LiveMetricsSource | null): { registry: RegistryT; snapshot: Snapshot } {
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  // Gauges named like counters (promtool check metrics rejects them); each is the sum of the
  // by-type gauge of the same name without _total, which stays.
  for (const name of NONCONFORMING_DEFAULTS) registry.removeSingleMetric(name);
  const s: Snapshot = {
    engine: null, health: null, threads: null, monitors: [], writer: null, names: new Map(), states: new Map(), vantage: [], perTargetEnabled: false, lastScrapeSeconds: 0,
  };
  const registers = [registry];

  const counter = (name: string, help: string, value: () => number | undefined): void => {
    new prom.Counter({
      name, help, registers,
      collect(this: CounterT) {
        this.reset();
        const v = value();
        if (v !== undefined && Number.isFinite(v) && v > 0) this.inc(v);
      },
    });
  };
  const gauge = (name: string, help: string, value: () => number | undefined): void => {
    new prom.Gauge({
      name, help, registers,
      collect(this: GaugeT) {
        const v = value();
        this.set(v !== undefined && Number.isFinite(v) ? v : 0);
      },
    });
  };
  /** One series per running monitor; monitors that stopped drop out. */
  const perMonitor = (kind: 'counter' | 'gauge', name: string, help: string, value: (m: MonitorRuntimeStats) => number | null): void => {
    const labelNames = ['monitor'] as const;
    if (kind === 'counter') {
      new prom.Counter({
        name, help, labelNames, registers,
        collect(this: CounterT<'monitor'>) {
          this.reset();
          for (const m of s.monitors) {
            const v = value(m);
            this.inc({ monitor: m.monitorId }, v !== null && v > 0 ? v : 0);
          }
        },
      });
    } else {
      new prom.Gauge({
        name, help, labelNames, registers,
        collect(this: GaugeT<'monitor'>) {
          this.reset();
          for (const m of s.monitors) {
            const v = value(m);
            if (v !== null) this.set({ monitor: m.monitorId }, v);
          }
        },
      });
    }
  };

  for (const [name, help, key] of ENGINE_COUNTERS) counter(name, help, () => s.engine?.[key] as number | undefined);
  gauge('sonde_engine_probes_in_flight', 'Probes sent and still waiting for a reply or their timeout.', () => s.engine?.inFlight);
  gauge('sonde_engine_queue_depth', 'Jobs waiting in the worker pool queue for a free slot (Piscina queueSize).', () => s.engine?.queueSize);
  gauge('sonde_engine_worker_threads', 'Probe worker threads running (0 without an engine).', () => s.threads ?? 0);
  new prom.Counter({
    name: 'sonde_worker_restarts_total', help: 'Probe worker threads that ended while the pool ran, by cause (uncaught_error, exited, start_failed); the pool starts a replacement and /healthz says "degraded" for a while.',
    labelNames: ['cause'] as const, registers,
    collect(this: CounterT<'cause'>) {
      this.reset();
      const restarts = s.health?.restarts;
      if (restarts === undefined) return;
      for (const cause of Object.keys(restarts) as (keyof typeof restarts)[]) this.inc({ cause }, restarts[cause]);
    },
  });

  new prom.Gauge({
    name: 'sonde_monitor_info', help: 'One series per defined monitor: its name, and whether it probes in this process.',
    labelNames: ['monitor', 'name', 'running'] as const, registers,
    collect(this: GaugeT<'monitor' | 'name' | 'running'>) {
      this.reset();
      const running = new Set(s.monitors.map((m) => m.monitorId));
      for (const [id, name] of s.names) this.set({ monitor: id, name, running: running.has(id) ? 'true' : 'false' }, 1);
    },
  });
  perMonitor('gauge', 'sonde_monitor_targets', 'Targets a running monitor probes.', (m) => m.targets);
  new prom.Gauge({
    name: 'sonde_monitor_targets_by_status', help: 'Targets of a running monitor by current status, as GET /v1/monitors/{id}/summary reports them.',
    labelNames: ['monitor', 'status'] as const, registers,
    collect(this: GaugeT<'monitor' | 'status'>) {
      this.reset();
      for (const [monitor, counts] of s.states) for (const status of STATUSES) this.set({ monitor, status }, counts[status]);
    },
  });
  // vantage points: what remote agents measured, from their stored windows (docs/distributed.md)
  new prom.Gauge({
    name: 'sonde_agent_monitor_targets_by_status', help: 'Targets of a monitor by status as one remote agent measured them over its stored windows of the last 5 minutes (GET /v1/monitors/{id}/summary?agent=).',
    labelNames: ['monitor', 'agent', 'status'] as const, registers,
    collect(this: GaugeT<'monitor' | 'agent' | 'status'>) {
      this.reset();
      for (const v of s.vantage) for (const status of STATUSES) this.set({ monitor: v.monitorId, agent: v.agent, status }, v.counts[status]);
    },
  });
  const perVantage = (name: string, help: string, value: (v: VantageFigures) => number | null): void => {
    new prom.Gauge({
      name, help, labelNames: ['monitor', 'agent'] as const, registers,
      collect(this: GaugeT<'monitor' | 'agent'>) {
        this.reset();
        for (const v of s.vantage) {
          const x = value(v);
          if (x !== null) this.set({ monitor: v.monitorId, agent: v.agent }, x);
        }
      },
    });
  };
  perVantage('sonde_agent_monitor_probes_sent', 'Probes of a monitor one remote agent sent in its stored windows of the last 5 minutes.', (v) => v.sent);
  perVantage('sonde_agent_monitor_loss_ratio', 'Loss (0..1) of a monitor\'s probes from one remote agent over its stored windows of the last 5 minutes.', (v) => (v.sent > 0 ? (v.sent - v.received) / v.sent : null));
  perVantage('sonde_agent_monitor_rtt_mean_seconds', 'Mean RTT of a monitor\'s answered probes from one remote agent over its stored windows of the last 5 minutes.', (v) => (v.meanNs === null ? null : v.meanNs / 1e9));
  perMonitor('counter', 'sonde_monitor_batches_total', 'Engine jobs a monitor started (one long job; again when its membership or definition changes).', (m) => m.batches);
  perMonitor('counter', 'sonde_monitor_skipped_slots_total', 'Probes skipped because they were more than an interval late (never sent in a catch-up burst).', (m) => m.skippedSlots);
  perMonitor('counter', 'sonde_monitor_failed_batches_total', 'Engine jobs of a monitor that failed (the last reason is in /v1/monitors/{id}/stats).', (m) => m.failedBatches);
  perMonitor('counter', 'sonde_monitor_windows_written_total', 'Histogram windows (per target per window) written to SQLite.', (m) => m.windowsWritten);
  counter('sonde_window_writer_failures_total', 'Failed write attempts of the window writer, each retried (e.g. the data directory\'s disk full; the reason is in the log and /v1/monitors/{id}/stats).', () => s.writer?.failures);
  counter('sonde_window_writer_dropped_windows_total', 'Monitor windows dropped, not written, because too many waited for a writer that could not write.', () => s.writer?.dropped);
  gauge('sonde_window_writer_queued_windows', 'Monitor windows (one per monitor per window) handed to the writer and not written yet.', () => s.writer?.queued);
  // Three gauges, not one with a `quantile` label: the figures come ready-made from the
  // monitor's drift histogram, without the _sum and _count a Prometheus summary must carry.
  perMonitor('gauge', 'sonde_monitor_schedule_drift_p50_seconds', 'Median schedule drift (send time - planned time) of a sample of a monitor\'s probes since it started.', (m) => driftSeconds(m.driftP50Ms));
  perMonitor('gauge', 'sonde_monitor_schedule_drift_p99_seconds', '99th percentile of the schedule drift (send time - planned time) of a sample of a monitor\'s probes since it started.', (m) => driftSeconds(m.driftP99Ms));
  perMonitor('gauge', 'sonde_monitor_schedule_drift_max_seconds', 'Largest schedule drift (send time - planned time) of a sample of a monitor\'s probes since it started.', (m) => driftSeconds(m.driftMaxMs));
  if (live !== null) {
    gauge('sonde_live_clients', 'WebSocket clients connected to /v1/live.', () => live.clientCount);
    counter('sonde_live_slow_clients_dropped_total', 'Clients of /v1/live closed with code 4008 because they held more unsent frames than the limit (8 MiB) when the next second\'s frames were due.', () => live.dropped);
  }
  gauge('sonde_metrics_per_target_enabled', `1 when this exposition has the per-target RTT histogram, 0 when metrics.perTarget is off or the monitors have more targets than metrics.perTargetMaxTargets.`, () => (s.perTargetEnabled ? 1 : 0));
  gauge('sonde_metrics_scrape_duration_seconds', 'How long the previous GET /metrics took, from the request to the last chunk handed to the socket.', () => s.lastScrapeSeconds);
  return { registry, snapshot: s };
}
