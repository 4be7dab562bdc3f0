import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The network guard in the built form node can preload, one CommonJS file: the forks load
// it, and so do the worker threads they start (a worker inherits its process's execArgv;
// `--import` is not run in workers on Node 20, `--require` is).
const guardPreload = fileURLToPath(new URL('./dist/test/setup/network-guard-preload.cjs', import.meta.url));
if (!existsSync(guardPreload)) {
  throw new Error(`${guardPreload} is missing: build first (npm run build), the tests need dist/ (workers, the network guard)`);
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites open raw sockets, network namespaces and servers; run files one at a time so
    // that throughput-sensitive tests do not fight over two cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ['test/setup/vitest-network-guard.ts'],
    execArgv: ['--require', guardPreload],
  },
});
