// Diagnostic tasks (re-exported by engine/index.ts): one service per open Sonde, opened on
// first use (routes that are registered but never called cost nothing).
import type { Sonde } from '../daemon/sonde.js';
import { SqliteDiagnosticTasks } from './task-service.js';
import type { DiagnosticTasks } from './types.js';

export * from './types.js';

const services = new WeakMap<Sonde, SqliteDiagnosticTasks>();
const open = new Set<SqliteDiagnosticTasks>();

// process.exit() runs no more promises: fail what is still running "interrupted by restart"
// and commit, synchronously (a SIGKILL leaves that to the next start's recovery).
let exitHook = false;
function closeAllAtExit(): void {
  for (const service of [...open]) service.closeNow();
}

/** The diagnostic task service of this Sonde (its own connection to the database). Close it before sonde.close(). */
export function diagnosticTasks(sonde: Sonde): DiagnosticTasks {
  let service = services.get(sonde);
  if (service === undefined) {
    const opened = SqliteDiagnosticTasks.open(sonde);
    service = opened;
    services.set(sonde, opened);
    open.add(opened);
    opened.onClosed = () => open.delete(opened);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', closeAllAtExit);
    }
  }
  return service;
}

/** At shutdown: running tasks get up to graceMs to finish, the rest fail "interrupted by restart". No-op if never opened. */
export async function closeDiagnosticTasks(sonde: Sonde, graceMs: number): Promise<void> {
  await services.get(sonde)?.close(graceMs);
}
