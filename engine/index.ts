// The engine's public API: the only module server/ and cli/ import from engine/.
export * from './types.js';
export * from './daemon/index.js';
export { targetsFromJson } from './store/target-file.js';
export * from './config/index.js';
export * from './probes/index.js';
export { createEngine } from './ping/create-engine.js';
export * from './exec/index.js';
export { submitNodePing, isPingAddress, NODE_PING_OPERATION, type NodePingRequest, type NodePingData } from './agents/node-ping.js';
export * from './stream/index.js';
export * from './tasks/index.js';
export * from './traceroute/index.js';
export * from './monitor/index.js';
