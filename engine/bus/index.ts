// The message bus (NATS JetStream) for agents and the controller: config, connection, names.
export { NatsConfigSchema, NATS_DEFAULTS, type NatsConfig } from './bus-config-schema.js';
export { BusError, connectBus, connectionOptions, type BusConnection, type BusLogger, type BusState } from './connection.js';
export {
  BUCKETS, STREAMS, SUBJECT_ROOT, agentKey, decodeToken, encodeToken, parseResultSubject, subjects, workConsumerName,
} from './subjects.js';
