// Wires store, agents, jobs and auth into one Sonde. Start-up does a constant amount of
// work whatever the number of targets or jobs (nothing is loaded into memory but the
// active API keys).

import { resolve } from 'node:path';
import { InProcessAgentRegistry } from '../agents/registry.js';
import { SqliteExecGroups } from '../exec/exec-groups.js';
import { LocalAgent } from '../agents/local-agent.js';
import { localAgentSerial } from '../agents/local-serial.js';
import { validateAgentHostname } from '../agents/selector.js';
import { SqliteAuditLog } from '../auth/audit-log.js';
import { SqliteKeyService } from '../auth/key-service.js';
import { SqliteSessionService } from '../auth/session-service.js';
import { TokenBucketLimiter } from '../auth/token-bucket.js';
import { JobStore } from '../jobs/job-store.js';
import { SqliteJobService } from '../jobs/job-service.js';
import { openDatabase } from '../store/database.js';
import { validateLabels } from '../store/labels.js';
import { storageFullError } from '../store/storage-full.js';
import { SqliteTargetRepo } from '../store/target-repo.js';
import { hostname as osHostname } from 'node:os';
import type { SondeConfig } from '../config/sonde-config.js';
import { SondeError } from '../errors.js';
import type { Sonde } from './sonde.js';

const DAY_MS = 86_400_000;
const TICK_MS = 100;
const KEYS_EVERY_TICKS = 10; // 1 s: last-used flush check, revocations by other processes
const PURGE_EVERY_TICKS = 600; // 60 s
const PURGE_STEP_ROWS = 500;

function positive(value: number | undefined, fallback: number, field: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new SondeError('invalid', `${field} must be a positive number (got ${String(value)})`, field);
  }
  return v;
}

/** Opens (or creates) the data directory and returns the wired daemon core. */
export async function openSonde(config: SondeConfig): Promise<Sonde> {
  return (await openCore(config)).sonde;
}

/**
 * The core with its shutdown in two halves, for the composition root (open-daemon.ts),
 * which stops the engine between them: the engine serves running jobs until they are
 * failed, and the database is the last thing to close.
 */
export interface OpenedCore {
  readonly sonde: Sonde;
  /** Stops the timers and new jobs; running jobs get graceMs, then fail "interrupted by restart". */
  stopJobs(graceMs: number): Promise<void>;
  /** Flushes the audit log and last-used times, closes the database. */
  closeStore(): void;
}

export async function openCore(config: SondeConfig): Promise<OpenedCore> {
  if (typeof config?.dataDir !== 'string' || config.dataDir === '') {
    throw new SondeError('invalid', 'dataDir must name a directory (--data or SONDE_DATA)', 'dataDir');
  }
  const daemon = (config.mode ?? 'daemon') === 'daemon';
  const jobRetentionMs = positive(config.jobs?.retentionDays, 7, 'jobs.retentionDays') * DAY_MS;
  const auditRetentionMs = positive(config.audit?.retentionDays, 30, 'audit.retentionDays') * DAY_MS;
  const hostname = config.agent?.hostname ?? osHostname();
  validateAgentHostname(hostname);
  const labels = validateLabels(config.agent?.labels, 'agent.labels');
  const rateLimiter = new TokenBucketLimiter(config.rateLimit);

  const dataDir = resolve(config.dataDir);
  const { db, path, version } = openDatabase(dataDir);
  try {
    const jobStore = new JobStore(db);
    if (daemon) jobStore.failInterrupted(Date.now());
    const execGroups = new SqliteExecGroups(db);
    if (daemon) execGroups.killLeftovers(); // what commands of a crashed run left
    const serial = localAgentSerial(db, hostname, labels, config.agent?.serial);
    const local = new LocalAgent({
      hostname, serial, labels, customFacts: config.agent?.facts, engine: config.engine ?? null,
      exec: { allow: config.agent?.exec?.allow ?? [], maxOutputBytes: config.agent?.exec?.maxOutputBytes }, execGroups,
      resolver: config.agent?.resolver, fqdn: config.agent?.fqdn,
    });
    const agents = new InProcessAgentRegistry(local, { includeLocal: config.agent?.local !== false });
    const jobs = new SqliteJobService(jobStore, agents, jobRetentionMs);
    const targets = new SqliteTargetRepo(db);
    const keys = new SqliteKeyService(db, dataDir);
    const audit = new SqliteAuditLog(db);
    const sessions = new SqliteSessionService(db, keys, config.sessions);

    let tick = 0;
    let purgeBacklog = false;
    const timer = daemon
      ? setInterval(() => {
          tick++;
          try {
            audit.flush();
            if (tick % KEYS_EVERY_TICKS === 0) {
              keys.maintain();
              jobs.saveUnsaved();
            }
            if (purgeBacklog || tick % PURGE_EVERY_TICKS === 50) {
              const now = Date.now();
              sessions.maintain(now);
              const n = jobs.purgeExpired(now, PURGE_STEP_ROWS) + audit.purgeOlderThan(now - auditRetentionMs, PURGE_STEP_ROWS);
              purgeBacklog = n > 0; // keep going in small steps until nothing is left
            }
          } catch {
            // SQLITE_BUSY from another process, the disk full: the next tick retries
          }
        }, TICK_MS)
      : null;
    timer?.unref();

    const stopJobs = async (graceMs: number): Promise<void> => {
      if (timer) clearInterval(timer);
      await jobs.shutdown(graceMs);
      local.close();
    };
    const closeStore = (): void => {
      // the database is closed even when these last writes fail (e.g. the disk full); the
      // failure is reported after
      let unwritten: unknown = null;
      try {
        jobs.saveUnsaved();
        audit.flush();
        keys.flushLastUsed();
        sessions.maintain();
      } catch (error) {
        unwritten = error;
      }
      try {
        db.pragma('optimize');
      } catch {
        // only statistics: never a reason to fail a shutdown
      }
      db.close();
      if (unwritten !== null) {
        throw storageFullError(unwritten, path, 'closed, but the last job results, audit rows or key use times were not written')
          ?? new SondeError('internal', `closed ${path}, but its last writes failed: ${(unwritten as Error).message}`);
      }
    };
    let closing: Promise<void> | null = null;
    const sonde: Sonde = {
      dataDir,
      dbPath: path,
      schemaVersion: version,
      targets,
      jobs,
      agents,
      keys,
      sessions,
      rateLimiter,
      audit,
      engine: config.engine ?? null,
      close(options = {}) {
        closing ??= stopJobs(options.graceMs ?? 0).then(closeStore);
        return closing;
      },
    };
    return { sonde, stopJobs, closeStore };
  } catch (err) {
    db.close();
    throw err;
  }
}
