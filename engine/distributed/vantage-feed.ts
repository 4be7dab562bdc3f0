// What the controller hears from remote agents as it stores their windows, for listeners in
// the same process (the /v1/live feed): each stored batch (its new windows) and the state
// changes judged on them. Listeners run after the batch's commit; a throwing one is skipped.
// The live feed is of totals: an http monitor's phase batches are not passed on.
import type { VantageStateChange } from './vantage-status.js';
import type { WindowBatch } from './window-wire.js';

export type VantageBatchListener = (batch: WindowBatch) => void;
export type VantageChangesListener = (changes: readonly VantageStateChange[]) => void;

export class VantageFeed {
  private readonly batches = new Set<VantageBatchListener>();
  private readonly changes = new Set<VantageChangesListener>();

  onBatch(listener: VantageBatchListener): () => void {
    this.batches.add(listener);
    return () => this.batches.delete(listener);
  }

  onStateChanges(listener: VantageChangesListener): () => void {
    this.changes.add(listener);
    return () => this.changes.delete(listener);
  }

  emitBatch(batch: WindowBatch): void {
    if (batch.phase !== undefined) return;
    for (const l of this.batches) {
      try {
        l(batch);
      } catch {
        // a listener's failure must not stop the ingest
      }
    }
  }

  emitStateChanges(changes: readonly VantageStateChange[]): void {
    for (const l of this.changes) {
      try {
        l(changes);
      } catch {
        // as above
      }
    }
  }
}
