// The ping facade: what `sonde ping` needs (the worker-pool engine and its types) and
// nothing else, so a one-shot ping does not load the store, the monitors or the HTTP side
// that engine/index.ts re-exports.
export { createEngine } from './icmp/main-thread/create-engine.js';
export {
  EngineInputError,
  type Engine, type EngineOptions, type EngineStats, type PingRequest, type PingSummary,
  type ProbeErrorKind, type ProbeResult, type ProbeStatus, type TargetSummary,
} from './types.js';
export { resolveTargetNames, type ResolvedName } from './icmp/main-thread/resolve-targets.js';
