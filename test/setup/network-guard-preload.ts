// Loaded with `node --require` (bundled as CommonJS by scripts/build-test-preload.mjs into
// dist/test/setup/network-guard-preload.cjs) into every vitest fork, the worker threads it starts (they inherit its execArgv) and, through
// NODE_OPTIONS, every node process a test spawns (e.g. `sonde serve`), so the test network
// rule holds there too. Breaches there are appended to $SONDE_NETWORK_GUARD_LOG, which the
// vitest setup reads after each test.
import { installNetworkGuard } from './network-guard.js';

installNetworkGuard();
