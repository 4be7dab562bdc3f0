// The daemon: its composition root (openDaemon) and the core it is built on (openSonde:
// store, jobs, agents, auth; also what CLI commands open next to a running daemon).
export type { Sonde } from './sonde.js';
export { openSonde } from './open-sonde.js';
export { openDaemon, SHUTDOWN_STEPS, type AgentWindowReader, type Daemon, type DaemonFront, type DaemonOptions, type DaemonServices, type FrontFactory, type ShutdownStep } from './open-daemon.js';
export { lockDaemon, DAEMON_LOCK_FILE, type DaemonLock } from './daemon-lock.js';
