// Continuous monitoring (issue 6): what engine/index.ts exports.
export * from './types.js';
export { openMonitors, type MonitorHandle, type OpenMonitorsOptions } from './monitor-service.js';
export { monitorsOf, attachMonitors, detachMonitors } from './attach.js';
