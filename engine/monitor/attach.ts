// Ties a monitor service to a Sonde (the daemon core) without widening the Sonde facade:
// the daemon attaches one at start (with its engine, so it probes); routes and CLI
// commands find it with monitorsOf(sonde), which opens a non-probing one on first use.
import type { Sonde } from '../daemon/sonde.js';
import { openMonitors, type MonitorHandle } from './monitor-service.js';
import type { MonitorService, MonitoringOptions } from './types.js';

const attached = new WeakMap<Sonde, MonitorHandle>();

/** Opens the monitor service of a Sonde; with `probe`, it runs the monitors on sonde.engine. */
export function attachMonitors(sonde: Sonde, options: MonitoringOptions & { probe?: boolean } = {}): MonitorService {
  const existing = attached.get(sonde);
  if (existing !== undefined) return existing.service;
  const handle = openMonitors({ ...options, dataDir: sonde.dataDir, engine: options.probe === true ? sonde.engine : null });
  attached.set(sonde, handle);
  return handle.service;
}

/** The Sonde's monitor service (a non-probing one is opened on first use). */
export function monitorsOf(sonde: Sonde): MonitorService {
  return attached.get(sonde)?.service ?? attachMonitors(sonde);
}

/** Stops probing, writes open windows and closes the service; call before sonde.close(). */
export async function detachMonitors(sonde: Sonde): Promise<void> {
  const handle = attached.get(sonde);
  if (handle === undefined) return;
  attached.delete(sonde);
  await handle.close();
}
