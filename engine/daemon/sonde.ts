// The daemon core behind one facade: what openSonde() returns.

import type { AgentRegistry } from '../agents/types.js';
import type { SessionService } from '../auth/session-service.js';
import type { AuditLog, KeyService, RateLimiter } from '../auth/types.js';
import type { JobService } from '../jobs/types.js';
import type { TargetRepo } from '../store/types.js';
import type { Engine } from '../types.js';

export interface Sonde {
  readonly dataDir: string;
  readonly dbPath: string;
  readonly schemaVersion: number;
  readonly targets: TargetRepo;
  readonly jobs: JobService;
  readonly agents: AgentRegistry;
  readonly keys: KeyService;
  /** Browser sessions of the dashboard (a signed-in key behind a cookie). */
  readonly sessions: SessionService;
  readonly rateLimiter: RateLimiter;
  readonly audit: AuditLog;
  /** The probe engine given in config, or null. */
  readonly engine: Engine | null;
  /**
   * Stops timers, waits up to graceMs (default 0) for running jobs, fails the rest with
   * "interrupted by restart", flushes audit and last-used times, closes the database.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}
