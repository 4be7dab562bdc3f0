// The traceroute probe: re-exported by engine/index.ts.
export * from './types.js';
export { traceroute } from './traceroute.js';
