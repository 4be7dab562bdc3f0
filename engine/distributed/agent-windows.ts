// A `sonde agent`'s sealed windows to the controller: every window its monitors seal is also
// spooled on disk (<data>/spool.db, bounded: refused and counted when full) and published on
// its own windows subject; a batch leaves the spool only on the stream's ack, so a bus outage
// or a controller restart costs no window. Monitor and target ids are the agent's own.
import type { BusConnection, BusLogger } from '../bus/connection.js';
import type { SealedWindow } from '../monitor/monitor-runner.js';
import { openDatabase } from '../store/database.js';
import { SpoolPublisher } from './spool-publisher.js';
import { WindowOutbox, type TargetIdentity } from './window-outbox.js';
import { WindowSpool } from './window-spool.js';

export interface AgentWindows {
  /** For MonitoringOptions.onSealed. */
  onSealed(window: SealedWindow): void;
  readonly spool: WindowSpool;
  readonly publisher: SpoolPublisher;
  /** Drops the cached ids of monitor and target seqs (seqs of deleted rows may be reused). */
  forget(): void;
  /** Windows the spool's bound refused (also logged). */
  refusedWindows(): number;
  close(): Promise<void>;
}

export function openAgentWindows(bus: BusConnection, dataDir: string, hostname: string, logger: BusLogger): AgentWindows {
  const { db } = openDatabase(dataDir, 4);
  const monitorId = db.prepare<[number], string>('SELECT id FROM monitors WHERE seq = ?').pluck();
  const target = db.prepare<[number], TargetIdentity>('SELECT id, address FROM targets WHERE seq = ?');
  // ids of a seq are cached once read, until forget(): the monitors and targets the
  // controller assigns come and go (assignment-applier.ts), and SQLite may reuse a freed seq
  const monitors = new Map<number, string | undefined>();
  const targets = new Map<number, TargetIdentity | undefined>();
  const spool = new WindowSpool(dataDir);
  const publisher = new SpoolPublisher(spool, bus.js, logger);
  const outbox = new WindowOutbox(
    hostname, spool, publisher,
    (seq) => (monitors.has(seq) ? monitors.get(seq) : monitors.set(seq, monitorId.get(seq)).get(seq)),
    (seq) => (targets.has(seq) ? targets.get(seq) : targets.set(seq, target.get(seq)).get(seq)),
  );
  publisher.start();
  let refused = 0;
  let lastWarnAt = 0;
  return {
    spool, publisher,
    forget() {
      monitors.clear();
      targets.clear();
    },
    onSealed(window) {
      const n = outbox.push(window, Date.now(), false);
      if (n === 0) return;
      refused += n;
      if (Date.now() - lastWarnAt < 10_000) return;
      lastWarnAt = Date.now();
      logger.warn({ refusedWindows: refused, limits: spool.limits }, 'the window spool is full: new windows are refused (not sent to the controller) until the bus takes the spooled ones');
    },
    refusedWindows: () => refused,
    async close() {
      await publisher.stop();
      spool.close();
      db.close();
    },
  };
}
