// The daemon config → the core's SondeConfig (openSonde).
import type { Engine } from '../types.js';
import type { SondeConfig } from './sonde-config.js';
import type { DaemonConfig } from './schema.js';

export function toSondeConfig(config: DaemonConfig, mode: 'daemon' | 'tool', engine?: Engine): SondeConfig {
  return {
    dataDir: config.data,
    mode,
    agent: {
      hostname: config.agent.hostname, serial: config.agent.serial, labels: config.agent.labels, facts: config.agent.facts,
      exec: { allow: [...config.agent.exec.allow], maxOutputBytes: config.agent.exec.maxOutputBytes },
    },
    jobs: { retentionDays: config.jobs.retentionDays },
    audit: { retentionDays: config.audit.retentionDays },
    rateLimit: { perSecond: config.rateLimit.perSecond, burst: config.rateLimit.burst },
    ...(engine !== undefined ? { engine } : {}),
  };
}
