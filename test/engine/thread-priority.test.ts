// Probe worker threads run at a higher priority than the main thread where the process may
// raise it (root / CAP_SYS_NICE), the monitors' window writer at a lower one (any user): read
// back from /proc/self/task/*/stat (field 19, nice).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../engine/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WindowWriter } from '../../engine/monitor/window-writer.js';
import { openDatabase } from '../../engine/store/database.js';
import { PROBE_THREAD_NICE, WRITER_THREAD_NICE } from '../../engine/thread-priority.js';
import { builtWorker, canRaw4, loopbackTargets } from './helpers.js';

const isRoot = process.getuid?.() === 0;

function niceOfThreads(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // fields after the parenthesised name: state is field 3, nice field 19
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe.skipIf(!isRoot || !canRaw4 || !builtWorker)('probe thread priority (as root)', () => {
  it('raises exactly the probe workers, not the main thread', async () => {
    const before = niceOfThreads().filter((n) => n === PROBE_THREAD_NICE).length;
    const engine = createEngine({ threads: 2 });
    try {
      // 300 targets: a shard per worker, so both have run a task (they raise it then)
      await engine.ping({ targets: loopbackTargets(300), count: 1 });
      const raised = niceOfThreads().filter((n) => n === PROBE_THREAD_NICE).length - before;
      expect(raised).toBe(2);
      expect(niceOfThreads()[0]).not.toBe(PROBE_THREAD_NICE); // /proc/self/task lists the main thread first
    } finally {
      await engine.close();
    }
  });
});

describe.skipIf(!builtWorker)('window writer thread priority', () => {
  it('lowers the writer thread only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-nice-'));
    const { db } = openDatabase(dir);
    const writer = new WindowWriter({ dbPath: db.name, settings: { windowMs: 1000, rollupMs: 2000, rawRetentionMs: 10_000, rollupRetentionMs: 20_000 } });
    try {
      const before = niceOfThreads().filter((n) => n === WRITER_THREAD_NICE).length;
      const mainBefore = niceOfThreads()[0]; // /proc/self/task lists the main thread first
      writer.start();
      await writer.flush(); // the thread has started and answered
      expect(niceOfThreads().filter((n) => n === WRITER_THREAD_NICE).length - before).toBe(1);
      // the main thread keeps its own nice (which is the writer's already under `nice -n 10`)
      expect(niceOfThreads()[0]).toBe(mainBefore);
    } finally {
      await writer.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
