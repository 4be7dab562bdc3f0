// The addon is context-aware: it loads and works in several worker threads at once, and
// ending a thread or a Piscina pool that still has open, polling sockets leaves the
// process alive (the environment cleanup hook closes every libuv handle).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { describe, expect, it } from 'vitest';
import type { EchoResult, EchoTask } from './fixtures/echo-round-trip.js';
import { canRaw4, randomIdBlock } from './helpers.js';

// Workers cannot load TypeScript: they run the fixtures built into dist/ by `npm run build`.
const distFixtures = fileURLToPath(new URL('../../dist/test/native/fixtures/', import.meta.url));
const fixture = (name: string): string => {
  const path = distFixtures + name;
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` before these tests`);
  return path;
};

describe.skipIf(!canRaw4)('the addon in worker threads (needs CAP_NET_RAW)', () => {
  it('loads in 4 node:worker_threads at once, each sending and receiving on its own socket', async () => {
    const base = randomIdBlock(4);
    const results = await Promise.all(
      [0, 1, 2, 3].map(
        (i) =>
          new Promise<EchoResult>((resolve, reject) => {
            const w = new Worker(fixture('thread-echo.js'), { workerData: { idBase: base + i, count: 100 } satisfies EchoTask });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    expect(results.map((r) => r.matched)).toEqual([100, 100, 100, 100]);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(4);
  });

  it('works in a Piscina pool of 3 threads running 9 tasks concurrently', async () => {
    const pool = new Piscina({ filename: fixture('piscina-echo-task.js'), minThreads: 3, maxThreads: 3 });
    try {
      const base = randomIdBlock(9);
      const results = (await Promise.all(
        Array.from({ length: 9 }, (_, i) => pool.run({ idBase: base + i, count: 50, family: i % 2 ? 6 : 4 } satisfies EchoTask)),
      )) as EchoResult[];
      expect(results.map((r) => r.matched)).toEqual(Array(9).fill(50));
      expect(new Set(results.map((r) => r.threadId)).size).toBeGreaterThan(1);
    } finally {
      await pool.destroy();
    }
  });

  it('terminating workers and destroying a pool with open polling sockets leaves the process healthy', () => {
    const child = spawnSync(process.execPath, [fixture('lifecycle-child.js'), String(randomIdBlock(10))], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stderr).not.toContain('uv_loop_close');
    expect(child.signal).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toContain('HEALTHY');
    expect(child.stdout).not.toContain('UNHEALTHY');
  });

  it('closes sockets that are garbage-collected, but keeps a polling socket open', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', fixture('gc-child.js')], { encoding: 'utf8', timeout: 30_000 });
    expect(child.status, child.stderr).toBe(0);
    const { before, opened, afterGc } = JSON.parse(child.stdout) as { before: number; opened: number; afterGc: number };
    expect(opened - before).toBe(50);
    // The 50 dropped sockets are closed; the polling one (and its epoll registration) stays.
    expect(afterGc).toBe(before + 1);
  });
});
