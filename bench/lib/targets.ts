// Distinct loopback targets 127.a.b.c (a, b, c in 1..254): the only addresses benchmarks probe.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDir, ensureDir } from './paths.js';

const PER_OCTET = 254;
export const MAX_LOOPBACK_TARGETS = PER_OCTET ** 3;

export function loopbackTargets(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_LOOPBACK_TARGETS) {
    throw new RangeError(`targets: ${count} is not a whole number in 1..${MAX_LOOPBACK_TARGETS}`);
  }
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const a = 1 + Math.floor(i / (PER_OCTET * PER_OCTET));
    const b = 1 + (Math.floor(i / PER_OCTET) % PER_OCTET);
    const c = 1 + (i % PER_OCTET);
    out[i] = `127.${a}.${b}.${c}`;
  }
  return out;
}

/** Writes the targets one per line (for fping -f and the C reference) and returns the path. */
export function writeTargetsFile(targets: string[]): string {
  const path = join(ensureDir(buildDir), `targets-${targets.length}.txt`);
  writeFileSync(path, targets.join('\n') + '\n');
  return path;
}
