// What openSonde() takes (engine/config/to-sonde-config.ts builds it from the daemon config).

import type { HostResolver } from '../agents/types.js';
import type { SessionOptions } from '../auth/session-service.js';
import type { Engine } from '../types.js';

export interface SondeConfig {
  /** Data directory; created (mode 0700) if missing. The database is <dataDir>/sonde.db. */
  dataDir: string;
  /**
   * 'daemon' (default): recovers jobs a previous run left running, runs purge timers.
   * 'tool': for CLI commands (`sonde keys …`, `sonde targets …`) that open the same data
   * directory while a daemon may be running: no job recovery, no timers, no admin key.
   */
  mode?: 'daemon' | 'tool';
  agent?: {
    /** Default: os.hostname(). */
    hostname?: string;
    /** Default: generated once and stored in the agents table. */
    serial?: string;
    /** key → value; keys and dot-separated value segments match [A-Za-z0-9_-]+. */
    labels?: Record<string, string>;
    /** Exposed as facts `custom.<key>`. */
    facts?: Record<string, string>;
    /** Command exec (engine/exec): the allowlist (empty by default: exec refused) and output cap. */
    exec?: { allow?: string[]; maxOutputBytes?: number };
    /** false: the local agent is neither listed nor routed to (a controller of remote agents only). */
    local?: boolean;
    /** The fqdn fact as given (no DNS query for it). */
    fqdn?: string;
    /** Resolves the agent's fqdn fact from its hostname (default: node:dns). */
    resolver?: HostResolver;
  };
  jobs?: {
    /** Finished jobs older than this are purged (default 7). */
    retentionDays?: number;
  };
  audit?: {
    /** Audit rows older than this are purged (default 30). */
    retentionDays?: number;
  };
  /** Browser sessions of the dashboard: lifetime and idle timeout (config dashboard.*). */
  sessions?: SessionOptions;
  rateLimit?: {
    /** Tokens added per second per key (default 100). */
    perSecond?: number;
    /** Bucket size (default 2 × perSecond). */
    burst?: number;
  };
  /**
   * The probe engine the local agent uses (from createEngine). The caller owns it:
   * Sonde.close() does not close it. Without one, pings fail with a message saying so.
   */
  engine?: Engine;
}
