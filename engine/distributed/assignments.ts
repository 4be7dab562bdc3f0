// Composition of monitors from vantage points on each side of the bus: the controller's
// assigner (monitors with `agents` → the assignment bucket) and an agent's applier (the
// bucket → its own database), each on a connection of its own to the data directory's
// database (already opened and migrated by the daemon).
import type { KV } from '@nats-io/kv';
import type { AgentRegistry } from '../agents/types.js';
import type { BusConnection, BusLogger } from '../bus/connection.js';
import { openDatabase } from '../store/database.js';
import { AssignmentApplier } from './assignment-applier.js';
import { ASSIGNMENT_BUCKET } from './assignment-wire.js';
import { MonitorAssigner, type MonitorAssignerOptions } from './monitor-assigner.js';

export interface Assignments {
  close(): Promise<void>;
}

/** An agent with least-privilege permissions may not create the bucket: it opens the controller's. */
async function openBucket(bus: BusConnection, create: boolean): Promise<KV> {
  if (create) {
    try {
      return await bus.kvm.create(ASSIGNMENT_BUCKET, { history: 1 });
    } catch (err) {
      if (!/permission/i.test((err as Error).message)) throw err;
    }
  }
  return bus.kvm.open(ASSIGNMENT_BUCKET);
}

export async function openControllerAssignments(
  bus: BusConnection, dataDir: string, registry: Pick<AgentRegistry, 'list'>, logger: BusLogger, options: MonitorAssignerOptions = {},
): Promise<Assignments> {
  const { db } = openDatabase(dataDir);
  try {
    const assigner = new MonitorAssigner(await openBucket(bus, true), db, registry, logger, options);
    await assigner.start();
    return {
      async close() {
        await assigner.stop();
        db.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}

export function openAgentAssignments(bus: BusConnection, dataDir: string, hostname: string, logger: BusLogger, onChange: () => void): Assignments {
  const { db } = openDatabase(dataDir);
  const applier = new AssignmentApplier({ open: () => openBucket(bus, true) }, db, hostname, logger, onChange);
  applier.start();
  return {
    async close() {
      await applier.stop();
      db.close();
    },
  };
}
