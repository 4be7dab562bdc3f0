// The daemon core (store, jobs, agents, auth) behind one facade: openSonde().
export * from './types.js';
export { openSonde } from './open-sonde.js';
