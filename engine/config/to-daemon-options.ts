// The daemon config → openDaemon's options (all but the parts the caller builds: the engine
// and the front).
import type { DaemonOptions } from '../daemon/open-daemon.js';
import type { DaemonConfig } from './schema.js';
import { coreSettings } from './to-sonde-config.js';

export function toDaemonOptions(config: DaemonConfig): Omit<DaemonOptions, 'engine'> {
  const m = config.monitoring;
  return {
    ...coreSettings(config),
    shutdownGraceMs: config.jobs.shutdownGraceMs,
    monitoring: {
      windowMs: m.windowSeconds * 1000, rollupMs: m.rollupMinutes * 60_000, tickMs: m.tickMs,
      rawRetentionMs: m.rawRetentionDays * 86_400_000, rollupRetentionMs: m.rollupRetentionDays * 86_400_000,
      downAfter: m.downAfter, upAfter: m.upAfter, degradedLossPercent: m.degradedLossPercent, webhooks: m.webhooks,
    },
  };
}
