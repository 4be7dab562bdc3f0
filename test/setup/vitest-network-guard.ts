// vitest setupFiles entry: the test network rule (test/setup/network-guard.ts) in this
// process, and a failure for the test during which anything broke it — here, in a worker
// thread, or in a node process the test spawned (those load the built preload through the
// fork's execArgv and NODE_OPTIONS and append breaches to a log file this file reads).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { GUARD_LOG_ENV, NETWORK_RULE, installNetworkGuard, recordedBreaches, type Breach } from './network-guard.js';

installNetworkGuard();

const PRELOAD = resolve(import.meta.dirname, '../../dist/test/setup/network-guard-preload.cjs');
const log = process.env[GUARD_LOG_ENV] ?? join(tmpdir(), `sonde-network-guard-${process.pid}.log`);
if (process.env[GUARD_LOG_ENV] === undefined) {
  process.env[GUARD_LOG_ENV] = log;
  process.on('exit', () => rmSync(log, { force: true }));
}
if (existsSync(PRELOAD) && !(process.env.NODE_OPTIONS ?? '').includes(PRELOAD)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require "${PRELOAD}"`.trim();
}

let seenHere = recordedBreaches().length;
let seenLogBytes = 0;

/**
 * `sonde serve` has no way to be given a resolver, so a daemon a test spawns resolves its
 * fqdn fact through the system: its own hostname looked up, or (for `localhost`) the address
 * looked up in reverse. The guard there blocks both (the fact falls back to the hostname)
 * and they are not held against the test.
 */
function tolerated(b: Breach): boolean {
  if (b.pid === process.pid) return false;
  return (/^dns(\.promises)?\.lookup$/.test(b.call) && b.target === hostname()) || /^dns(\.promises)?\.lookupService$/.test(b.call);
}

function takeNew(): Breach[] {
  seenHere = Math.min(seenHere, recordedBreaches().length);
  const here = recordedBreaches().slice(seenHere);
  seenHere = recordedBreaches().length;
  let elsewhere: Breach[] = [];
  if (existsSync(log)) {
    const bytes = readFileSync(log);
    const fresh = bytes.subarray(seenLogBytes).toString('utf8');
    seenLogBytes = bytes.length;
    elsewhere = fresh.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Breach)
      .filter((b) => !(b.pid === process.pid && b.threadId === threadId) && !tolerated(b));
  }
  return [...here, ...elsewhere];
}

function failOn(breaches: Breach[], when: string): void {
  if (breaches.length === 0) return;
  const list = breaches.map((b) => {
    const where = b.pid !== process.pid ? `child process ${b.pid}` : b.threadId !== threadId ? `worker thread ${b.threadId}` : 'test process';
    return `${b.call}(${JSON.stringify(b.target)}) in the ${where}`;
  });
  throw new Error(`${NETWORK_RULE}: broken ${when}: ${list.join('; ')}`);
}

beforeEach(() => failOn(takeNew(), 'before this test (in a hook or an earlier test\'s leftovers)'));
afterEach(() => failOn(takeNew(), 'by this test'));
afterAll(() => failOn(takeNew(), 'in an afterAll hook'));
