// The daemon: its composition root (openDaemon) and the core it is built on (openSonde:
// store, jobs, agents, auth; also what CLI commands open next to a running daemon).
export * from './types.js';
export { openSonde } from './open-sonde.js';
export { openDaemon, SHUTDOWN_STEPS, type Daemon, type DaemonFront, type DaemonOptions, type DaemonServices, type FrontFactory, type ShutdownStep } from './open-daemon.js';
export { parseTargetCsv } from '../store/target-csv.js';
export { AGENT_TIMEOUT_ERROR } from '../agents/registry.js';
export { INTERRUPTED } from '../jobs/job-store.js';
export { CANCELLED } from '../jobs/job-service.js';
export { ADMIN_KEY_FILE, KEY_PREFIX } from '../auth/key-service.js';
