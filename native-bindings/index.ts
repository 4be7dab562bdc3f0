// Loads the native addon (build/Release/sonde_native.node) and exposes it as `native`.
// Nothing outside native-bindings/ touches the .node file directly.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIcmpSocketWithFallback, type OpenExactSocket } from './open-icmp-socket.js';
import type { NativeBinding, SpawnedProcess, SpawnOptions, TunDevice, TunOptions } from './types.js';

export * from './types.js';
export * from './layout.js';
export * from './address.js';
export * from './errors.js';

interface NativeAddon {
  openIcmpSocket: OpenExactSocket;
  openTun(name: string, options?: TunOptions): TunDevice;
  realtimeNs(): bigint;
  spawnProcess(options: SpawnOptions): SpawnedProcess;
}

const ADDON_PATH = join('native-bindings', 'build', 'Release', 'sonde_native.node');

/** The addon file: SONDE_NATIVE_ADDON if set, else found in the package root, which is the
 *  first directory above this module holding package.json (works for the TypeScript source
 *  under vitest and for dist/native-bindings/index.js alike). */
export function findAddonPath(): string {
  const override = process.env.SONDE_NATIVE_ADDON;
  if (override) return override;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const candidate = join(dir, ADDON_PATH);
      if (existsSync(candidate)) return candidate;
      throw new Error(
        `sonde native addon not found: ${candidate} does not exist. Build it with \`npm run build:native\` ` +
          '(needs python3, make and g++), or run `npm install` in the project root.',
      );
    }
    if (dirname(dir) === dir) {
      throw new Error(`sonde native addon not found: no package.json in any directory above ${start}`);
    }
  }
}

const addon = createRequire(import.meta.url)(findAddonPath()) as NativeAddon;

export const native: NativeBinding = {
  openIcmpSocket: (options) => openIcmpSocketWithFallback(addon.openIcmpSocket, options),
  openTun: (name, options) => addon.openTun(name, options),
  realtimeNs: () => addon.realtimeNs(),
  spawnProcess: (options) => addon.spawnProcess(options),
};
