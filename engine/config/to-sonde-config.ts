// The daemon config → the core's SondeConfig (openSonde).
import type { Engine } from '../types.js';
import type { SondeConfig } from './sonde-config.js';
import type { DaemonConfig } from './schema.js';

/** The core's settings: data directory, local agent, retention, rate limit. */
export function coreSettings(config: DaemonConfig): Omit<SondeConfig, 'mode' | 'engine'> {
  return {
    dataDir: config.data,
    agent: {
      hostname: config.agent.hostname, serial: config.agent.serial, fqdn: config.agent.fqdn, local: config.agent.local, labels: config.agent.labels, facts: config.agent.facts,
      exec: { allow: [...config.agent.exec.allow], maxOutputBytes: config.agent.exec.maxOutputBytes },
    },
    jobs: { retentionDays: config.jobs.retentionDays },
    audit: { retentionDays: config.audit.retentionDays },
    sessions: { maxAgeMs: config.dashboard.sessionHours * 3_600_000, idleMs: config.dashboard.idleMinutes * 60_000 },
    rateLimit: { perSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst },
  };
}

export function toSondeConfig(config: DaemonConfig, mode: 'daemon' | 'tool', engine?: Engine): SondeConfig {
  return { ...coreSettings(config), mode, ...(engine !== undefined ? { engine } : {}) };
}
