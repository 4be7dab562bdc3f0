// The daemon's campaigns (POST /v1/campaigns): one at a time on the daemon's engine (two would
// share the engine and the safety cap would no longer bound what is sent), progress kept for
// GET /v1/campaigns/{id} and told to listeners (the /v1/live topic campaign:<id>), stop and
// delete. close() stops a running campaign and waits until it is stored as 'stopped'.
import { SondeError } from '../errors.js';
import type { TargetRepo } from '../store/types.js';
import type { Engine } from '../types.js';
import type { CampaignStore } from './campaign-store.js';
import { resolveCampaignTargets } from './resolve-targets.js';
import { startCampaign } from './run-campaign.js';
import { parseCampaignSpec, validateCampaignSpec } from './spec.js';
import { campaignSummary, type CampaignProgress, type CampaignRun, type CampaignStepResult, type CampaignSummary } from './types.js';

export interface CampaignServiceOptions {
  engine: Engine | null;
  store: CampaignStore;
  targets: TargetRepo;
  sondeVersion: string;
}

export type CampaignProgressListener = (progress: CampaignProgress) => void;

interface Running {
  run: CampaignRun;
  controller: AbortController;
  done: Promise<CampaignRun>;
  progress: CampaignProgress;
}

export class CampaignService {
  private running: Running | null = null;
  private readonly listeners = new Set<CampaignProgressListener>();
  private closed = false;

  constructor(private readonly options: CampaignServiceOptions) {}

  /** Validates (CampaignSpecError naming the field, the safety cap included) and starts the
   *  campaign; the returned run is stored 'running'. A spec given as text is YAML or JSON. */
  start(input: unknown): CampaignRun {
    if (this.closed) throw new SondeError('unavailable', 'the daemon is shutting down: no campaign starts now');
    const spec = typeof input === 'string' ? parseCampaignSpec(input) : validateCampaignSpec(input);
    const engine = this.options.engine;
    if (engine === null) throw new SondeError('unavailable', 'this daemon has no probe engine (a controller without a local agent, or the engine failed to start): run the campaign on a daemon that probes, or with sonde capacity run');
    if (this.running !== null) {
      const { run } = this.running;
      throw new SondeError('conflict', `campaign ${run.id} ("${run.name}") is running: one campaign at a time shares the engine; stop it first (POST /v1/campaigns/${run.id}/stop) or wait for it`);
    }
    const addresses = resolveCampaignTargets(spec, { targets: this.options.targets });
    const controller = new AbortController();
    let entry: Running | null = null;
    const started = startCampaign({
      engine, store: this.options.store, spec, addresses, sondeVersion: this.options.sondeVersion, signal: controller.signal,
      onProgress: (p) => {
        if (entry !== null) entry.progress = p;
        // called from the runner's timer: a listener's failure must not end the process
        for (const listener of this.listeners) {
          try {
            listener(p);
          } catch {
            // that listener misses this update; the next one comes within a second
          }
        }
      },
    });
    const run = started.run;
    entry = {
      run, controller, done: started.done,
      progress: { runId: run.id, status: 'running', step: 0, steps: run.plan.length, phase: 'warmup', elapsedMs: 0, currentRate: 0, lossPercent: 0, p99Ms: null },
    };
    this.running = entry;
    const settle = (): void => {
      if (this.running === entry) this.running = null;
    };
    // the runner turns every failure into a 'failed' run: done does not reject
    void started.done.then(settle, settle);
    return run;
  }

  list(limit?: number): CampaignRun[] {
    return this.options.store.listRuns(limit);
  }

  /** The stored runs, newest first, summed up with how many of their steps are stored. */
  summaries(limit?: number): CampaignSummary[] {
    return this.list(limit).map((r) => campaignSummary(r, this.options.store.countSteps(r.id)));
  }

  /** The stored run without its steps, null when there is none. */
  find(id: string): CampaignRun | null {
    return this.options.store.getRun(id);
  }

  get(id: string): { run: CampaignRun; steps: CampaignStepResult[] } | null {
    const run = this.options.store.getRun(id);
    return run === null ? null : { run, steps: this.options.store.getSteps(id) };
  }

  /** The progress of the running campaign `id`, null when it does not run (here). */
  progress(id: string): CampaignProgress | null {
    return this.running?.run.id === id ? this.running.progress : null;
  }

  /** Stops the running campaign mid-step; resolves with the stored run ('stopped', the steps
   *  measured so far kept). Throws not_found, or conflict when it does not run here. */
  async stop(id: string): Promise<CampaignRun> {
    const running = this.running;
    if (running === null || running.run.id !== id) {
      const run = this.options.store.getRun(id);
      if (run === null) throw new SondeError('not_found', `no campaign run ${id}`);
      throw new SondeError('conflict', `campaign ${id} is not running here (status ${run.status}${run.status === 'running' ? ', run by another process: stop it there' : ''})`);
    }
    running.controller.abort();
    return running.done;
  }

  /** Deletes a stored run (one running here is stopped first); false when there is none.
   *  Throws conflict for a run in progress in another process (`sonde capacity run`). */
  async delete(id: string): Promise<boolean> {
    if (this.running?.run.id === id) await this.stop(id);
    else if (this.options.store.getRun(id)?.status === 'running') {
      throw new SondeError('conflict', `campaign ${id} is running in another process (sonde capacity run): stop it there (Ctrl-C), then delete it`);
    }
    return this.options.store.deleteRun(id);
  }

  /** Told every progress update of every campaign (about twice a second while one runs). */
  onProgress(listener: CampaignProgressListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the running campaign (stored 'stopped') and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    if (running === null) return;
    running.controller.abort();
    await running.done;
  }
}
