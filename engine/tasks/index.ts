// Diagnostic tasks (re-exported by engine/index.ts). The service itself is opened and closed
// by the composition root (engine/daemon/open-daemon.ts) and reached as `daemon.tasks`.
export * from './types.js';
