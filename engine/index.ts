// The engine's public API: the only module server/ and cli/ import from engine/.
export * from './types.js';
export * from './daemon/index.js';
export * from './config/index.js';
export * from './probes/index.js';
export { createEngine } from './ping/create-engine.js';
