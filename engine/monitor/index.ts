// Continuous monitoring (issue 6): what engine/index.ts exports.
export * from './types.js';
export { RttBuckets, rttBucket, RTT_BOUNDS_NS, RTT_BOUND_COUNT, RTT_SLOTS } from './rtt-buckets.js';
export { openMonitors, type MonitorHandle, type OpenMonitorsOptions } from './monitor-service.js';
