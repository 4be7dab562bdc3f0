// Runs a campaign: each step is one engine job (warm-up and measured part on one grid, so the
// measured part starts at full rate), its measured probes counted into a step result that is
// stored as soon as the step ends. The SLO marks the knee; the abort rule ends the ramp early;
// an aborted signal (Ctrl-C, DELETE) ends the run as 'stopped' with the steps measured so far.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BucketAccumulator, bucketOf } from '../monitor/hdr-codec.js';
import type { Engine, ProbeErrorKind, ProbeResult } from '../types.js';
import { uuidv7 } from '../store/uuid7.js';
import type { CampaignStore } from './campaign-store.js';
import { hostInfo } from './host-info.js';
import { checkSafety, resolveSteps } from './spec.js';
import type { CampaignProgress, CampaignRun, CampaignSpec, CampaignStepResult, ResolvedStep } from './types.js';

export interface RunCampaignOptions {
  engine: Engine;
  store: CampaignStore;
  spec: CampaignSpec;
  /** The resolved target addresses (the spec's ids/selector/file/addresses). */
  addresses: string[];
  sondeVersion: string;
  signal?: AbortSignal;
  onProgress?: (progress: CampaignProgress) => void;
  /** Called once the run row exists (before the first step). */
  onStart?: (run: CampaignRun) => void;
}

const PROGRESS_MS = 500;

/** Validates safety, stores the run and returns it with the promise of its end. */
export function startCampaign(options: RunCampaignOptions): { run: CampaignRun; done: Promise<CampaignRun> } {
  const { spec, addresses, store } = options;
  const plan = resolveSteps(spec, addresses.length);
  checkSafety(spec, plan, addresses.slice(0, Math.max(...plan.map((s) => s.targets))));
  const run: CampaignRun = {
    id: uuidv7(), kind: 'campaign', name: spec.name, spec, plan, sondeVersion: options.sondeVersion, host: hostInfo(), targets: addresses,
    status: 'running', reason: null, startedAt: Date.now(), endedAt: null, kneeStep: null, baseP99Ns: null,
  };
  store.insertRun(run);
  options.onStart?.(run);
  return { run, done: execute(options, run) };
}

export async function runCampaign(options: RunCampaignOptions): Promise<CampaignRun> {
  return startCampaign(options).done;
}

class StepCounter {
  readonly hist = new BucketAccumulator();
  readonly drift = new BucketAccumulator();
  sent = 0;
  received = 0;
  rttSumNs = 0;
  duplicates = 0;
  lost = 0;
  errors: Partial<Record<ProbeErrorKind, number>> = {};
  firstSentNs = Infinity;
  lastSentNs = -Infinity;
  warmupCount = 0;
  intervalNs = 0;
  /** Per target: first measured send (ns since epoch) and its seq — the base of the drift;
   *  the last measured send and how many were sent — the span of the target's rate. */
  baseNs = new Float64Array(0);
  baseSeq = new Float64Array(0);
  firstNs = new Float64Array(0);
  lastNs = new Float64Array(0);
  sentOf = new Float64Array(0);

  reset(step: ResolvedStep): void {
    this.hist.clear();
    this.drift.clear();
    this.sent = this.received = this.duplicates = this.lost = this.rttSumNs = 0;
    this.errors = {};
    this.firstSentNs = Infinity;
    this.lastSentNs = -Infinity;
    this.warmupCount = Math.round(step.perTargetRate * step.warmupS);
    this.intervalNs = 1e9 / step.perTargetRate;
    if (this.baseNs.length < step.targets) {
      this.baseNs = new Float64Array(step.targets);
      this.baseSeq = new Float64Array(step.targets);
      this.firstNs = new Float64Array(step.targets);
      this.lastNs = new Float64Array(step.targets);
      this.sentOf = new Float64Array(step.targets);
    }
    this.baseNs.fill(NaN, 0, step.targets);
    this.sentOf.fill(0, 0, step.targets);
  }

  /**
   * Achieved total probes/s: each target's sends − 1 over the span of its sends, summed. The
   * span of all sends together would overstate it: a target's k probes span k − 1 periods,
   * and the targets' first sends are spread over one period (+3 % at 10 probes per target).
   */
  achievedRate(targets: number): number {
    let gaps = 0;
    let spanNs = 0;
    let active = 0;
    for (let i = 0; i < targets; i++) {
      if (this.sentOf[i] < 2) continue;
      gaps += this.sentOf[i] - 1;
      spanNs += this.lastNs[i] - this.firstNs[i];
      active++;
    }
    // mean per-target rate (gaps over span, weighted by span) × the targets that sent
    return spanNs > 0 ? (gaps / (spanNs / 1e9)) * active : 0;
  }

  readonly onProbe = (p: ProbeResult): void => {
    if (p.seq < this.warmupCount) return;
    if (p.status === 'duplicate') {
      this.duplicates++;
      return;
    }
    this.sent++;
    const sentNs = Number(p.sentAtNs);
    if (sentNs < this.firstSentNs) this.firstSentNs = sentNs;
    if (sentNs > this.lastSentNs) this.lastSentNs = sentNs;
    const i = p.targetIndex;
    // outcomes conclude out of send order (a timeout concludes late): min and max of the sends
    if (++this.sentOf[i] === 1 || sentNs < this.firstNs[i]) this.firstNs[i] = sentNs;
    if (this.sentOf[i] === 1 || sentNs > this.lastNs[i]) this.lastNs[i] = sentNs;
    if (Number.isNaN(this.baseNs[i])) {
      this.baseNs[i] = sentNs;
      this.baseSeq[i] = p.seq;
    } else {
      const planned = this.baseNs[i] + (p.seq - this.baseSeq[i]) * this.intervalNs;
      this.drift.add(bucketOf(Math.abs(sentNs - planned)), 1);
    }
    if (p.status === 'ok') {
      this.received++;
      this.rttSumNs += p.rttNs;
      this.hist.add(bucketOf(p.rttNs), 1);
    } else if (p.status === 'error') {
      const kind = p.errorKind ?? 'other';
      this.errors[kind] = (this.errors[kind] ?? 0) + 1;
    } else {
      this.lost++; // timeout, or a reply after the timeout ('late')
    }
  };
}

function sloBounds(run: CampaignRun, baseP99Ns: number | null): { loss: number; p99Ns: number } {
  const slo = run.spec.slo ?? {};
  const loss = slo.maxLossPercent ?? 0.1;
  let p99Ns = slo.maxP99Ms !== undefined ? slo.maxP99Ms * 1e6 : Infinity;
  if (baseP99Ns !== null) p99Ns = Math.min(p99Ns, baseP99Ns * (slo.maxP99Factor ?? 2));
  return { loss, p99Ns };
}

async function execute(options: RunCampaignOptions, run: CampaignRun): Promise<CampaignRun> {
  const { engine, store, signal } = options;
  const counter = new StepCounter();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const t0 = Date.now();
  let status: CampaignRun['status'] = 'done';
  let reason: string | null = null;
  let baseP99: number | null = null;
  let knee: number | null = null;
  try {
    for (const step of run.plan) {
      if (signal?.aborted === true) {
        status = 'stopped';
        reason = `stopped before step ${step.index + 1}`;
        break;
      }
      counter.reset(step);
      const count = counter.warmupCount + Math.round(step.perTargetRate * step.durationS);
      const targets = run.targets.slice(0, step.targets);
      const stepStart = Date.now();
      const cpu0 = process.cpuUsage();
      let rssMax = process.memoryUsage.rss();
      loopDelay.reset();
      loopDelay.enable();
      const ticker = setInterval(() => {
        rssMax = Math.max(rssMax, process.memoryUsage.rss());
        const elapsedS = (Number(counter.lastSentNs) / 1e6 - Number(counter.firstSentNs) / 1e6) / 1000;
        const p99 = counter.hist.percentiles([99])[0];
        options.onProgress?.({
          runId: run.id, status: 'running', step: step.index, steps: run.plan.length,
          phase: counter.sent === 0 ? 'warmup' : 'measure', elapsedMs: Date.now() - t0,
          currentRate: elapsedS > 0 ? (counter.sent - 1) / elapsedS : 0,
          lossPercent: counter.sent > 0 ? (100 * (counter.sent - counter.received)) / counter.sent : 0,
          p99Ms: Number.isNaN(p99) ? null : p99 / 1e6,
        });
      }, PROGRESS_MS);
      let cancelled = false;
      try {
        const summary = await engine.ping({
          targets, count, intervalMs: 1000 / step.perTargetRate, sendIntervalMs: 0,
          size: step.packetSize, timeoutMs: run.spec.probe.timeoutMs ?? 1000, ...(signal ? { signal } : {}),
        }, counter.onProbe);
        cancelled = summary.cancelled;
      } finally {
        clearInterval(ticker);
        loopDelay.disable();
      }
      const wallS = (Date.now() - stepStart) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const achieved = counter.achievedRate(step.targets);
      const [min, p50, p90, p99, max] = counter.hist.percentiles([0, 50, 90, 99, 100]);
      const driftP = counter.drift.percentiles([99, 100]);
      const lossPercent = counter.sent > 0 ? (100 * (counter.sent - counter.received)) / counter.sent : 0;
      if (step.index === 0 && !Number.isNaN(p99)) baseP99 = p99;
      const bounds = sloBounds(run, baseP99);
      const p99v = Number.isNaN(p99) ? Infinity : p99;
      const breaks = lossPercent > bounds.loss || (step.index > 0 && p99v > bounds.p99Ns);
      const isKnee = breaks && knee === null;
      if (isKnee) knee = step.index;
      const hdr = counter.hist.encode() ?? Buffer.from([0x01]);
      const result: CampaignStepResult = {
        runId: run.id, index: step.index, params: step,
        startedAt: Math.round(counter.firstSentNs / 1e6) || stepStart, endedAt: Date.now(),
        offeredRate: step.totalRate, achievedRate: achieved, rateError: step.totalRate > 0 ? (achieved - step.totalRate) / step.totalRate : 0,
        sent: counter.sent, received: counter.received, duplicates: counter.duplicates, lost: counter.lost, errors: counter.errors,
        lossPercent, hdr,
        rttNs: counter.received === 0 ? null : { min, p50, p90, p99, max, mean: counter.rttSumNs / counter.received },
        self: {
          cpuPercent: wallS > 0 ? (100 * (cpu.user + cpu.system)) / 1e6 / wallS : 0,
          rssBytes: rssMax,
          driftP99Ms: Number.isNaN(driftP[0]) ? 0 : driftP[0] / 1e6,
          driftMaxMs: Number.isNaN(driftP[1]) ? 0 : driftP[1] / 1e6,
        },
        breaksSlo: breaks, knee: isKnee,
      };
      if (cancelled) {
        status = 'stopped';
        reason = `stopped during step ${step.index + 1}; its partial measurement is kept`;
      }
      if (counter.sent > 0) store.insertStep(result);
      store.updateRun(run.id, { status: 'running', reason: null, endedAt: null, kneeStep: knee, baseP99Ns: baseP99 });
      if (cancelled) break;
      const margin = run.spec.abort?.margin;
      if (breaks && margin !== undefined && (lossPercent > bounds.loss * (1 + margin) || (step.index > 0 && p99v > bounds.p99Ns * (1 + margin)))) {
        reason = `aborted after step ${step.index + 1}: it broke the SLO by more than the abort margin ${margin}`;
        break;
      }
    }
  } catch (error) {
    status = 'failed';
    reason = (error as Error).message;
  }
  store.updateRun(run.id, { status, reason, endedAt: Date.now(), kneeStep: knee, baseP99Ns: baseP99 });
  const final = store.getRun(run.id)!;
  options.onProgress?.({ runId: run.id, status, step: run.plan.length - 1, steps: run.plan.length, phase: 'finished', elapsedMs: Date.now() - t0, currentRate: 0, lossPercent: 0, p99Ms: null });
  return final;
}
