// Diagnostic tasks (re-exported by engine/index.ts): one service per open Sonde.
import type { Sonde } from '../daemon/types.js';
import { SqliteDiagnosticTasks } from './task-service.js';
import type { DiagnosticTasks } from './types.js';

export * from './types.js';

const services = new WeakMap<Sonde, DiagnosticTasks>();

/** The diagnostic task service of this Sonde, opened on first use (its own connection to the database). */
export function diagnosticTasks(sonde: Sonde): DiagnosticTasks {
  let service = services.get(sonde);
  if (service === undefined) {
    service = SqliteDiagnosticTasks.open(sonde);
    services.set(sonde, service);
  }
  return service;
}
