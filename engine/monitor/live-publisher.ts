// The once-a-second pass of the monitor runtime: every running monitor's current second is
// rotated (SecondStats), every target's status is evaluated (status-tracker.ts), the second
// goes to onSecond listeners (the live feed), and the state changes get ids, go to
// onStateChanges listeners and the webhooks at once, and are written to SQLite in small
// time-budgeted steps on the following ticks (so a mass outage never holds the event loop).
import { SondeError } from '../errors.js';
import type { MonitorRunner } from './monitor-runner.js';
import type { StateChangeStore } from './state-change-store.js';
import { DEFAULT_STATUS_SETTINGS, evaluateStatus, type StatusSettings } from './status-tracker.js';
import type { LiveMonitorSecond, LiveSecond, MonitoringOptions, StateChange } from './types.js';
import { WebhookSender } from './webhooks.js';

/** Time a tick may spend writing state changes. */
const WRITE_BUDGET_MS = 3;
const WRITE_CHUNK = 200;
/** State changes waiting to be written at most; beyond, the oldest are not stored (counted). */
const MAX_PENDING = 1_000_000;
const PURGE_EVERY_MS = 60_000;
const PURGE_STEP_ROWS = 500;

export function statusSettingsFrom(o: MonitoringOptions): StatusSettings {
  const s: StatusSettings = {
    downAfter: o.downAfter ?? DEFAULT_STATUS_SETTINGS.downAfter,
    upAfter: o.upAfter ?? DEFAULT_STATUS_SETTINGS.upAfter,
    degradedLossPercent: o.degradedLossPercent ?? DEFAULT_STATUS_SETTINGS.degradedLossPercent,
  };
  for (const k of ['downAfter', 'upAfter'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1 || s[k] > 1000) throw new SondeError('invalid', `monitoring.${k} must be an integer in 1..1000`, `monitoring.${k}`);
  }
  if (!(s.degradedLossPercent >= 0 && s.degradedLossPercent <= 100)) {
    throw new SondeError('invalid', 'monitoring.degradedLossPercent must be in 0..100', 'monitoring.degradedLossPercent');
  }
  return s;
}

export class LivePublisher {
  private readonly secondListeners = new Set<(second: LiveSecond) => void>();
  private readonly changeListeners = new Set<(changes: readonly StateChange[]) => void>();
  private pending: StateChange[] = [];
  private pendingFrom = 0;
  private nextId: number;
  private nextSecondMs = 0;
  private nextPurgeMs = 0;
  /** State changes that could not be stored (the write queue was full). */
  unstored = 0;
  lastError: string | null = null;
  /** Event-loop time of the last second pass (rotate + status + listeners), ms. */
  lastPassMs = 0;

  constructor(
    private readonly store: StateChangeStore,
    private readonly webhooks: WebhookSender,
    private readonly settings: StatusSettings,
    private readonly retentionMs: number,
  ) {
    this.nextId = store.nextId();
  }

  onSecond(listener: (second: LiveSecond) => void): () => void {
    this.secondListeners.add(listener);
    return () => this.secondListeners.delete(listener);
  }

  onStateChanges(listener: (changes: readonly StateChange[]) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Runs from every runtime tick: the second pass when a whole second has begun, then writes. */
  tick(nowMs: number, runners: ReadonlyMap<string, MonitorRunner>): void {
    if (nowMs >= this.nextSecondMs) {
      const start = Math.floor(nowMs / 1000) * 1000;
      this.nextSecondMs = start + 1000;
      const t0 = performance.now();
      this.secondPass(start - 1000, nowMs, runners);
      this.lastPassMs = performance.now() - t0;
    }
    try {
      this.write(performance.now() + WRITE_BUDGET_MS);
      if (nowMs >= this.nextPurgeMs) {
        this.nextPurgeMs = nowMs + PURGE_EVERY_MS;
        this.store.purge(nowMs - this.retentionMs, PURGE_STEP_ROWS);
      }
    } catch (error) {
      // SQLITE_BUSY from another process and the like: what is pending is written next tick
      this.lastError = `state changes not written yet: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Writes every pending change and stops the webhooks. */
  close(): void {
    this.write(Infinity);
    this.webhooks.close();
  }

  webhookStats(): ReturnType<WebhookSender['stats']> {
    return this.webhooks.stats();
  }

  private secondPass(startMs: number, nowMs: number, runners: ReadonlyMap<string, MonitorRunner>): void {
    const monitors: LiveMonitorSecond[] = [];
    const changes: StateChange[] = [];
    for (const runner of runners.values()) {
      const live = runner.live;
      const { rows, ids, addresses } = runner.members;
      const monitorId = runner.def.id;
      live.second.rotate(startMs);
      evaluateStatus(live, rows, this.settings, (k, _row, from, to, reason) => {
        changes.push({ id: this.nextId++, monitorId, targetId: ids[k], address: addresses[k], from, to, atMs: Math.round(nowMs), reason });
      });
      const s = live.second;
      monitors.push({
        monitorId, rows, ids, addresses, sent: s.lastSent, received: s.lastReceived, p50Ns: s.lastP50Ns, maxNs: s.lastMaxNs, status: live.status,
        lastRttNs: live.lastRttNs, lossSent: s.lossSent, lossReceived: s.lossReceived,
      });
    }
    const second: LiveSecond = { startMs, monitors };
    for (const listener of this.secondListeners) call(listener, second);
    if (changes.length === 0) return;
    this.queue(changes);
    for (const listener of this.changeListeners) call(listener, changes);
    this.webhooks.send(changes);
  }

  private queue(changes: StateChange[]): void {
    for (const c of changes) this.pending.push(c);
    const over = this.pending.length - this.pendingFrom - MAX_PENDING;
    if (over > 0) {
      this.pendingFrom += over;
      this.unstored += over;
    }
  }

  private write(deadline: number): void {
    while (this.pendingFrom < this.pending.length) {
      const chunk = this.pending.slice(this.pendingFrom, this.pendingFrom + WRITE_CHUNK);
      this.store.insert(chunk);
      this.pendingFrom += chunk.length;
      if (performance.now() >= deadline) break;
    }
    if (this.pendingFrom >= this.pending.length) {
      this.pending = [];
      this.pendingFrom = 0;
    }
  }
}

function call<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch {
    // a listener's failure is its own (the live feed reports to its clients); the pass goes on
  }
}
