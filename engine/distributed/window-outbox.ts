// The agent's side of sealed windows: turns each sealed window table of a monitor into
// window batches (at most MAX_WINDOWS_PER_MESSAGE each), spools them on disk and wakes the
// publisher. Rows that saw nothing are not sent (as the local writer does not store them).
// An http monitor seals a window per phase series beside the total (series.ts): each goes in
// batches of its own, marked with the phase.
import type { SealedWindow } from '../monitor/monitor-runner.js';
import { decodeSeries } from '../monitor/series.js';
import type { SpoolPublisher } from './spool-publisher.js';
import type { WindowSpool } from './window-spool.js';
import { windowSubject } from './window-stream.js';
import { MAX_WINDOWS_PER_MESSAGE, WIRE_VERSION, batchMessageId, encodeWindowBatch, type WindowBatch, type WireWindow } from './window-wire.js';

export interface TargetIdentity {
  id: string;
  address: string;
}

export class WindowOutbox {
  constructor(
    private readonly agent: string,
    private readonly spool: WindowSpool,
    private readonly publisher: SpoolPublisher | undefined,
    /** The controller's ids of a monitor seq (not a series key) and a target seq on this agent. */
    private readonly monitorId: (monitorSeq: number) => string | undefined,
    private readonly target: (targetSeq: number) => TargetIdentity | undefined,
  ) {}

  /**
   * Spools a sealed window; returns the number of windows the spool's bound refused.
   * `release: false`: the window goes on to the local writer, which releases it.
   */
  push(sealed: SealedWindow, sealedAt = Date.now(), release = true): number {
    // sealed.monitorSeq is the series key: the monitor's seq plus its probe kind and phase
    const series = decodeSeries(sealed.monitorSeq);
    const monitorId = series === null ? undefined : this.monitorId(series.monitorSeq);
    if (monitorId === undefined || series === null) return 0;
    const phase = series.phase === 'total' ? {} : { phase: series.phase };
    const t = sealed.table;
    let windows: WireWindow[] = [];
    let refused = 0;
    const flush = (): void => {
      if (windows.length === 0) return;
      const batch: WindowBatch = { v: WIRE_VERSION, agent: this.agent, monitorId, ...phase, spanMs: sealed.spanMs, sealedAt, windows };
      if (!this.spool.add(windowSubject(this.agent), batchMessageId(batch), encodeWindowBatch(batch), windows.length)) refused += windows.length;
      windows = [];
    };
    // every batch of the window in one spool transaction (one sync to disk, not one per batch)
    this.spool.atomically(() => {
      for (let r = 0; r < sealed.rowSeq.length; r++) {
        if (!t.active(r)) continue;
        const target = this.target(sealed.rowSeq[r]);
        if (target === undefined) continue;
        const row = t.rowAt(r, sealed.rowSeq[r], sealed.monitorSeq, sealed.spanMs);
        windows.push({
          targetId: target.id, address: target.address, startMs: row.startMs,
          sent: row.sent, received: row.received, duplicates: row.duplicates, late: row.late, errors: row.errors,
          minNs: row.minNs === null ? null : Math.round(row.minNs), maxNs: row.maxNs === null ? null : Math.round(row.maxNs),
          sumNs: Math.round(row.sumNs), hist: row.hist === null ? null : row.hist.toString('base64'),
        });
        if (windows.length === MAX_WINDOWS_PER_MESSAGE) flush();
      }
      flush();
    });
    if (release) sealed.release();
    this.publisher?.notify();
    return refused;
  }
}
