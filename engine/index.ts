// The engine's public API: the only module server/ and cli/ import from engine/.
export * from './types.js';
export * from './errors.js';
export * from './config/sonde-config.js';
export * from './store/types.js';
export * from './agents/types.js';
export * from './jobs/types.js';
export * from './auth/types.js';
export * from './daemon/index.js';
export { parseTargetCsv } from './store/target-csv.js';
export { AGENT_TIMEOUT_ERROR } from './agents/registry.js';
export { INTERRUPTED } from './jobs/job-store.js';
export { CANCELLED } from './jobs/job-service.js';
export { ADMIN_KEY_FILE, KEY_PREFIX } from './auth/key-service.js';
export { DEFAULT_SESSION_IDLE_MS, DEFAULT_SESSION_MAX_AGE_MS, type ActiveSession, type SessionOptions, type SessionRecord, type SessionService } from './auth/session-service.js';
export { targetsFromJson } from './store/target-file.js';
export { isStorageFull, storageFullError } from './store/storage-full.js';
export * from './config/index.js';
export * from './probes/index.js';
export { createEngine } from './icmp/main-thread/create-engine.js';
export { targetProblem as pingTargetProblem } from './icmp/main-thread/validate-request.js';
export * from './exec/index.js';
export { submitNodePing, isPingAddress, NODE_PING_OPERATION, type NodePingRequest, type NodePingData } from './agents/node-ping.js';
export * from './stream/index.js';
export * from './tasks/index.js';
export * from './traceroute/index.js';
export * from './monitor/index.js';
// The byte-level JSON writer the monitor summaries use; server/live writes its frames with it.
export { JsonBytes } from './monitor/json-bytes.js';
