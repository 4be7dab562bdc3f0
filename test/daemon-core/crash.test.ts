// kill -9 during writes, then restart: the database is intact, finished jobs are kept,
// running ones are failed "interrupted by restart", and no half-written batch is visible.

import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INTERRUPTED, openSonde } from '../../engine/index.js';
import { tempDataDir } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

const writer = fileURLToPath(new URL('../../dist/test/daemon-core/fixtures/crash-writer.js', import.meta.url));

describe('crash safety', () => {
  it('survives SIGKILL in the middle of writes', async () => {
    expect(existsSync(writer), `${writer} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const { dir, cleanup } = tempDataDir();
    try {
      const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const done = new Map<string, number>();
      const stuck: string[] = [];
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const lines = createInterface({ input: child.stdout });
      await new Promise<void>((resolve, reject) => {
        child.on('exit', (code) => reject(new Error(`writer exited by itself (code ${code}): ${stderr}`)));
        lines.on('line', (line) => {
          const [kind, id, k, status] = line.split(' ');
          if (kind === 'done') {
            expect(status).toBe('completed');
            done.set(id, Number(k));
          } else if (kind === 'stuck') stuck.push(id);
          if (done.size >= 400 && stuck.length >= 50) {
            child.kill('SIGKILL');
            resolve();
          }
        });
      });
      expect(await exited).toBe('SIGKILL');

      const db = new Database(`${dir}/sonde.db`);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();

      const sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver, hostname: 'crashy' } });
      try {
        for (const [id, k] of done) {
          const job = sonde.jobs.get(id);
          expect(job?.status).toBe('completed');
          expect(job?.results[0].data).toMatchObject({ k, agent: 'crashy' });
        }
        for (const id of stuck) expect(sonde.jobs.get(id)).toMatchObject({ status: 'failed', error: INTERRUPTED });
        expect(sonde.jobs.list({ status: 'processing' }).total).toBe(0);
        expect(sonde.jobs.list({ status: 'submitted' }).total).toBe(0);
        // Bulk imports are whole transactions of 200 rows: never a partial batch.
        const targets = sonde.targets.count();
        expect(targets).toBeGreaterThan(0);
        expect(targets % 200).toBe(0);
      } finally {
        await sonde.close();
      }
    } finally {
      cleanup();
    }
  });
});
