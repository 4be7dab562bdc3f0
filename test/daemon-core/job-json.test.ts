// jobs.getJson on finished jobs (served from the cache of rendered JSON), on purged jobs, and
// on unfinished rows another process owns (never cached), against a real SQLite file.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSonde, type Sonde } from '../../engine/index.js';
import { tempDataDir } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

let sonde: Sonde;
let cleanup: () => void;
beforeEach(async () => {
  const t = tempDataDir();
  cleanup = t.cleanup;
  sonde = await openSonde({ dataDir: t.dir, agent: { resolver: localResolver, hostname: 'alpha' } });
});
afterEach(async () => {
  await sonde.close();
  cleanup();
});

function otherConnection<T>(run: (db: Database.Database) => T): T {
  const db = new Database(sonde.dbPath);
  try {
    return run(db);
  } finally {
    db.close();
  }
}

describe('jobs.getJson', () => {
  it('a finished job reads the same every time, and is gone once the retention purge removed it', async () => {
    const { job, done } = sonde.jobs.submit({ operation: 'test.echo', params: { n: 1 }, selector: 'alpha', timeoutMs: 1000, run: async () => ({ ok: true }) });
    await done;
    const first = sonde.jobs.getJson(job.id);
    expect(first).toBe(JSON.stringify(sonde.jobs.get(job.id)));
    expect(JSON.parse(first!)).toMatchObject({ id: job.id, status: 'completed', progress: 100 });
    expect(sonde.jobs.getJson(job.id)).toBe(first);
    expect(sonde.jobs.purgeExpired(Date.now() + 30 * 86_400_000)).toBe(1);
    expect(sonde.jobs.getJson(job.id)).toBeNull();
  });

  it('an unfinished row of another process is read fresh on every call, fractional progress as JSON.stringify writes it', () => {
    const id = '01a22ede-0000-7000-8000-000000000001';
    otherConnection((db) =>
      db.prepare(`INSERT INTO jobs (id, operation, params, selector, status, progress, results, created_at, started_at)
                  VALUES (?, 'remote.op', '{"a":[1,2]}', '_all', 'processing', 33.3, '[]', 1000, 1001)`).run(id));
    const running = sonde.jobs.getJson(id);
    expect(running).toBe(JSON.stringify(sonde.jobs.get(id)));
    expect(JSON.parse(running!)).toMatchObject({ status: 'processing', progress: 33.3, finishedAtMs: null, params: { a: [1, 2] } });
    otherConnection((db) => db.prepare(`UPDATE jobs SET status = 'completed', progress = 100, results = '[{"x":"é\\n"}]', finished_at = 2000 WHERE id = ?`).run(id));
    const finished = sonde.jobs.getJson(id);
    expect(finished).toBe(JSON.stringify(sonde.jobs.get(id)));
    expect(JSON.parse(finished!)).toMatchObject({ status: 'completed', progress: 100, finishedAtMs: 2000, results: [{ x: 'é\n' }] });
  });

  it('unknown ids and ids of absurd length are null', () => {
    expect(sonde.jobs.getJson('01a22ede-0000-7000-8000-00000000ffff')).toBeNull();
    expect(sonde.jobs.getJson('x'.repeat(10_000))).toBeNull();
  });
});
