// The message bus (NATS JetStream) for agents and the controller: config, connection, names.
export { NatsConfigSchema, NATS_DEFAULTS, type NatsConfig } from './bus-config-schema.js';
export { BusError, connectBus, connectionOptions, type BusConnection, type BusLogger, type BusState } from './connection.js';
export {
  BUCKETS, STREAMS, SUBJECT_ROOT, agentKey, decodeToken, encodeToken, parseResultSubject, subjects, workConsumerName,
} from './subjects.js';
export { BusAgent, servedAgent, type BusAgentCounters, type BusAgentOptions, type ServedAgent } from './bus-agent.js';
export { BusController, type BusControllerCounters, type BusControllerOptions } from './bus-controller.js';
export { RemoteAgent, isRemoteAgent, CALL_MARGIN_MS, type RemoteCalls, type RemoteAgentStatus } from './remote-agent.js';
export { DEFAULT_BUS_TIMINGS, RESULTS_CONSUMER, type BusTimings } from './bus-resources.js';
export * from './agent-wire.js';
export { agentPermissions, type NatsPermissions } from './agent-permissions.js';
export { openControllerWindows, type ControllerWindows } from '../distributed/controller-windows.js';
export { openAgentWindows, type AgentWindows } from '../distributed/agent-windows.js';
export { agentSealPhaseMs, MAX_SEAL_PHASE_MS } from '../distributed/seal-phase.js';
export type { AgentWindowRow } from '../distributed/agent-window-store.js';
export { openAgentAssignments, openControllerAssignments, type Assignments } from '../distributed/assignments.js';
export { VantageFeed } from '../distributed/vantage-feed.js';
export type { WindowBatch } from '../distributed/window-wire.js';
