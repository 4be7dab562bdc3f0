// Continuous monitoring (issue 6): what engine/index.ts exports.
export * from './types.js';
export { RttBuckets, rttBucket, RTT_BOUNDS_NS, RTT_BOUND_COUNT, RTT_SLOTS } from './rtt-buckets.js';
export { openMonitors, type MonitorHandle, type OpenMonitorsOptions } from './monitor-service.js';
export { MONITOR_SOCKET_CONCURRENCY } from './socket-job.js';
export { MONITOR_ERROR_KINDS } from './error-kinds.js';
export { MAX_MODEL_PAYLOAD_BYTES } from './monitor-options.js';
