// The daemon core (store, jobs, agents, auth) behind one facade: openSonde().
export * from './types.js';
export { openSonde } from './open-sonde.js';
export { parseTargetCsv } from '../store/target-csv.js';
export { AGENT_TIMEOUT_ERROR } from '../agents/registry.js';
export { INTERRUPTED } from '../jobs/job-store.js';
export { CANCELLED } from '../jobs/job-service.js';
export { ADMIN_KEY_FILE, KEY_PREFIX } from '../auth/key-service.js';
