// The daemon core (store, jobs, agents, auth) composed behind one facade: openSonde().
export type { Sonde } from './sonde.js';
export { openSonde } from './open-sonde.js';
