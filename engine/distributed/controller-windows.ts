// The controller's store of remote agents' sealed windows (`sonde serve --nats`): the window
// stream's durable consumer writing into agent_windows on a connection of its own to the
// daemon's database (the daemon has opened and migrated it already), so a batch commits and
// is acknowledged without waiting on anything else the daemon writes.
import type { BusConnection, BusLogger } from '../bus/connection.js';
import { openDatabase } from '../store/database.js';
import { AgentWindowStore } from './agent-window-store.js';
import { WindowIngest, type WindowIngestCounters } from './window-ingest.js';

export interface ControllerWindows {
  readonly counters: WindowIngestCounters;
  /** Stops the consumer (unacknowledged batches are redelivered to the next start), closes the connection. */
  close(): Promise<void>;
}

export async function openControllerWindows(bus: BusConnection, dataDir: string, logger: BusLogger): Promise<ControllerWindows> {
  const { db } = openDatabase(dataDir, 8);
  try {
    const ingest = new WindowIngest(bus.js, bus.jsm, new AgentWindowStore(db), logger);
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
