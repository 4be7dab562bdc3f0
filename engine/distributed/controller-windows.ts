// The controller's store of remote agents' sealed windows (`sonde serve --nats`): the window
// stream's durable consumer writing into agent_windows on a connection of its own to the
// daemon's database (the daemon has opened and migrated it already), so a batch commits and
// is acknowledged without waiting on anything else the daemon writes.
import type { BusConnection, BusLogger } from '../bus/connection.js';
import { openDatabase } from '../store/database.js';
import { AgentWindowStore, type StoredCounts } from './agent-window-store.js';
import { WindowIngest, type WindowIngestCounters } from './window-ingest.js';
import { VantageStatus, type VantageStateChange, type VantageStatusRules } from './vantage-status.js';
import type { VantageFeed } from './vantage-feed.js';
import type { WindowBatch } from './window-wire.js';

export interface ControllerWindows {
  readonly counters: WindowIngestCounters;
  /** Stops the consumer (unacknowledged batches are redelivered to the next start), closes the connection. */
  close(): Promise<void>;
}

export interface ControllerWindowsOptions {
  /** How remote agents' state changes are judged (monitoring.downAfter / upAfter). */
  rules?: VantageStatusRules;
  /** Told of each stored batch and of remote agents' state changes (the live feed). */
  feed?: VantageFeed;
}

export async function openControllerWindows(bus: BusConnection, dataDir: string, logger: BusLogger, options: ControllerWindowsOptions = {}): Promise<ControllerWindows> {
  const { db } = openDatabase(dataDir, 8);
  try {
    // this connection's commits checkpoint only past ~40 MiB of WAL (a bound for a backlog
    // that never pauses); otherwise the ingest checkpoints between bursts (WindowIngest)
    db.pragma('wal_autocheckpoint = 10000');
    const status = new VantageStatus(db, options.rules ?? { downAfter: 3, upAfter: 3 });
    const ingest = new WindowIngest(bus.js, bus.jsm, new AgentWindowStore(db, status), logger, {
      status,
      ...(options.feed !== undefined ? { onStored: (b: WindowBatch, _at: number, counts: StoredCounts) => { if (counts.stored > 0) options.feed!.emitBatch(b); }, onStateChanges: (c: readonly VantageStateChange[]) => options.feed!.emitStateChanges(c) } : {}),
    });
    await ingest.start();
    return {
      counters: ingest.counters,
      async close() {
        await ingest.stop().catch(() => undefined);
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
