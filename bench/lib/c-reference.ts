// Builds and runs bench/reference/icmp-flood.c, the single-threaded C ceiling.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { benchDir, buildDir, ensureDir } from './paths.js';
import type { ToolRun } from './tool-run.js';

const source = join(benchDir, 'reference', 'icmp-flood.c');
const binary = join(buildDir, 'icmp-flood');

/** Compiles the reference with cc -O2 when the binary is missing or older than its source. */
export function buildCReference(): string {
  ensureDir(buildDir);
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    console.log(`$ cc -O2 -o ${binary} ${source}`);
    execFileSync('cc', ['-O2', '-Wall', '-o', binary, source], { stdio: 'inherit' });
  }
  return binary;
}

interface CReferenceOutput {
  sent: number;
  received: number;
  duplicates: number;
  lost: number;
  elapsedSec: number;
  roundTripsPerSec: number;
}

export function runCReference(bin: string, targetsFile: string, count: number, size: number, timeoutMs: number): ToolRun {
  const r = spawnSync(bin, ['--targets', targetsFile, '--count', String(count), '--size', String(size), '--timeout-ms', String(timeoutMs)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`C reference failed (exit ${r.status ?? r.signal}): ${r.stderr.trim() || r.error?.message}`);
  const out = JSON.parse(r.stdout) as CReferenceOutput;
  return {
    sent: out.sent,
    received: out.received,
    duplicates: out.duplicates,
    elapsedSec: out.elapsedSec,
    roundTripsPerSec: out.roundTripsPerSec,
  };
}
