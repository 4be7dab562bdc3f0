// The composition root: the one place a sonde process is put together from its parts and
// taken apart again. Every service is a field of the Daemon; nothing is kept beside it.
//
//   engine     the probe worker pool (optional; the daemon stops it unless told otherwise)
//   core       SQLite store, agents and routing, jobs, API keys, rate limit, audit (openCore)
//   monitors   definitions and history; they probe on the engine when there is one
//   tasks      diagnostic tasks of the service and troubleshooting APIs
//   campaigns  capacity-planning campaigns run on the engine (POST /v1/campaigns), one at a time
//   front      optional, built last over the services: the HTTP server. engine/ may not import
//              server/, so the caller (cli/serve.ts) passes a factory and the daemon knows only
//              the DaemonFront interface it must satisfy.
//
// Variants are compositions, not modes: without `front` there is no HTTP (an agent process);
// with `engine: null` there is no local probing (a controller: monitors are served, not
// probed, and jobs on the local agent fail saying it has no engine).
//
// close() is the one shutdown, in this order:
//   1. stop-accepting  the front takes no new connections, so no new work arrives;
//   2. jobs            running jobs and tasks get the grace period; jobs still running then
//                      fail "interrupted by restart";
//   2b. campaigns      a running campaign stops mid-step and is stored 'stopped' with what it
//                      measured (no grace: a step may last minutes);
//   3. front           requests in progress (some were waiting on those jobs) are answered,
//                      connections close, so no route touches a service closed below;
//   4. monitors        probing stops, open windows are written;
//   5. tasks           tasks still running fail "interrupted by restart", their connection closes;
//   6. engine          the workers stop: nothing uses them any more;
//   7. database        audit and last-used times are flushed, the core's connection closes last.
// A daemon that fails to open runs the same steps over what it had opened.

import type { Engine } from '../types.js';
import { openMonitors, type MonitorHandle } from '../monitor/monitor-service.js';
import type { MonitorPhase, MonitorService, MonitoringOptions } from '../monitor/types.js';
import { SqliteDiagnosticTasks } from '../tasks/task-service.js';
import type { DiagnosticTasks } from '../tasks/types.js';
import { openCore, type OpenedCore } from './open-sonde.js';
import type { SondeConfig } from '../config/sonde-config.js';
import type { Sonde } from './sonde.js';
import { AgentWindowStore, type AgentWindowRow } from '../distributed/agent-window-store.js';
import { openDatabase } from '../store/database.js';
import { CampaignService } from '../capacity/campaign-service.js';
import { openCampaignStore } from '../capacity/open-store.js';
import type { Db } from '../store/database.js';

/** What the daemon needs of a front (the HTTP server implements it). */
export interface DaemonFront {
  /** Stops accepting connections; requests in progress continue. */
  stopAccepting(): void;
  /** Waits up to drainMs for requests in progress, then closes every connection. */
  close(drainMs?: number): Promise<void>;
}

/** The daemon's services: what a front serves and routes receive. */
/** Windows remote agents published (agent_windows), read per vantage point. */
export interface AgentWindowReader {
  /** `phase`: an http monitor's phase series (default its total). */
  rangeOf(agent: string, monitorId: string, fromMs: number, toMs: number, limit: number, phase?: MonitorPhase): AgentWindowRow[];
}

export interface DaemonServices extends Sonde {
  readonly monitors: MonitorService;
  readonly tasks: DiagnosticTasks;
  /** Absent in services built without openDaemon (some tests). */
  readonly agentWindows?: AgentWindowReader;
  /** Capacity campaigns on the engine; absent in services built without openDaemon. */
  readonly campaigns?: CampaignService;
}

export interface Daemon<F extends DaemonFront | null = DaemonFront | null> extends DaemonServices {
  /** The front given to openDaemon (e.g. the HTTP server), or null. */
  readonly front: F;
  /** The whole shutdown in the order above; graceMs defaults to the daemon's shutdownGraceMs. */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Builds the front over the opened services (called once, last). */
export type FrontFactory<F extends DaemonFront> = (services: DaemonServices) => Promise<F>;

export const SHUTDOWN_STEPS = ['stop-accepting', 'jobs', 'campaigns', 'front', 'monitors', 'tasks', 'engine', 'database'] as const;
export type ShutdownStep = (typeof SHUTDOWN_STEPS)[number];

export interface DaemonOptions extends Omit<SondeConfig, 'engine' | 'mode'> {
  /** The probe engine (createEngine), or null for none. */
  engine: Engine | null;
  /** Default true: close() stops the engine. false: the caller stops it afterwards (tests share one engine between daemons). */
  closeEngine?: boolean;
  /** Window lengths, retention, status thresholds and webhooks of the monitors. */
  monitoring?: MonitoringOptions;
  /** How long running jobs and tasks may finish at close() before they are failed (default 0). */
  shutdownGraceMs?: number;
  /** sonde's version, stored with each campaign run (default 'unknown'). */
  version?: string;
  /** Told after each shutdown step has run (logging; the order is observable). */
  onShutdownStep?: (step: ShutdownStep) => void;
}

/** Requests still in progress after the grace period get this long to be answered. */
const FRONT_DRAIN_MS = 1000;

/** The parts opened so far; close() runs over whichever are there. */
interface Parts {
  engine: Engine | null;
  core: OpenedCore | null;
  monitors: MonitorHandle | null;
  tasks: SqliteDiagnosticTasks | null;
  campaigns: CampaignService | null;
  /** The campaign store's own connection. */
  campaignsDb: { close(): void } | null;
  front: DaemonFront | null;
  /** The agent_windows reader's own connection. */
  windowsDb: Db | null;
}

export function openDaemon<F extends DaemonFront>(options: DaemonOptions & { front: FrontFactory<F> }): Promise<Daemon<F>>;
export function openDaemon(options: DaemonOptions & { front?: undefined }): Promise<Daemon<null>>;
export async function openDaemon(options: DaemonOptions & { front?: FrontFactory<DaemonFront> }): Promise<Daemon> {
  const { engine, closeEngine = true, monitoring = {}, shutdownGraceMs = 0, onShutdownStep, front: buildFront, version = 'unknown', ...core } = options;
  const parts: Parts = { engine, core: null, monitors: null, tasks: null, campaigns: null, campaignsDb: null, front: null, windowsDb: null };
  const stopEngine = closeEngine ? engine : null;
  try {
    parts.core = await openCore({ ...core, mode: 'daemon', ...(engine !== null ? { engine } : {}) });
    const sonde = parts.core.sonde;
    parts.monitors = openMonitors({ ...monitoring, dataDir: sonde.dataDir, engine });
    parts.tasks = SqliteDiagnosticTasks.open(sonde);
    parts.windowsDb = openDatabase(sonde.dataDir, 8).db;
    const agentWindows = new AgentWindowStore(parts.windowsDb);
    const campaignStore = openCampaignStore(sonde.dataDir);
    parts.campaignsDb = campaignStore;
    parts.campaigns = new CampaignService({ engine, store: campaignStore.store, targets: sonde.targets, sondeVersion: version });
    let closing: Promise<void> | null = null;
    const daemon: Daemon = {
      ...sonde,
      monitors: parts.monitors.service,
      tasks: parts.tasks,
      agentWindows,
      campaigns: parts.campaigns,
      get front() {
        return parts.front;
      },
      close(closeOptions = {}) {
        closing ??= shutdown({ ...parts, engine: stopEngine }, closeOptions.graceMs ?? shutdownGraceMs, onShutdownStep);
        return closing;
      },
    };
    if (buildFront !== undefined) parts.front = await buildFront(daemon);
    return daemon;
  } catch (error) {
    await shutdown({ ...parts, engine: stopEngine }, 0, undefined).catch(() => {
      // the open error is the one to report
    });
    throw error;
  }
}

async function shutdown(parts: Parts, graceMs: number, onStep: ((step: ShutdownStep) => void) | undefined): Promise<void> {
  const { front, core, monitors, tasks, campaigns, campaignsDb, engine, windowsDb } = parts;
  const failures: string[] = [];
  const step = async (name: ShutdownStep, run: () => unknown): Promise<void> => {
    try {
      await run();
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    onStep?.(name);
  };
  await step('stop-accepting', () => front?.stopAccepting());
  await step('jobs', () => Promise.all([core?.stopJobs(graceMs), tasks?.drain(graceMs)]));
  await step('campaigns', () => campaigns?.close());
  await step('front', () => front?.close(FRONT_DRAIN_MS));
  await step('monitors', () => monitors?.close());
  await step('tasks', () => tasks?.close(0));
  await step('engine', () => engine?.close());
  await step('database', () => {
    windowsDb?.close();
    campaignsDb?.close();
    core?.closeStore();
  });
  if (failures.length > 0) {
    throw new Error(`sonde shutdown: ${failures.join('; ')} (every other step ran; the next start recovers what was left unfinished)`);
  }
}
