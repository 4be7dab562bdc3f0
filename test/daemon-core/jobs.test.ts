import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_TIMEOUT_ERROR, INTERRUPTED, openSonde, SondeError, type JobRecord, type Sonde } from '../../engine/index.js';
import { sleep, tempDataDir, TestAgent } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';
import { waitFor } from '../wait-for.js';

let sonde: Sonde;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
  const t = tempDataDir();
  dir = t.dir;
  cleanup = t.cleanup;
  sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver, hostname: 'alpha' } });
});
afterEach(async () => {
  await sonde.close();
  cleanup();
});

function rawJob(id: string): { status: string; results: string; error: string | null; progress: number } {
  const db = new Database(sonde.dbPath, { readonly: true });
  try {
    return db.prepare('SELECT status, results, error, progress FROM jobs WHERE id = ?').get(id) as never;
  } finally {
    db.close();
  }
}

describe('jobs', () => {
  it('runs submitted → processing → completed and keeps per-agent results', async () => {
    const updates: string[] = [];
    sonde.jobs.onUpdate((j) => updates.push(j.status));
    const { job, done } = sonde.jobs.submit({
      operation: 'test.echo',
      params: { word: 'hi' },
      selector: 'alpha',
      keyId: 'k1',
      timeoutMs: 1000,
      run: async (agent) => ({ from: agent.hostname, nan: Number.NaN }),
    });
    expect(job).toMatchObject({ status: 'submitted', selector: 'alpha', keyId: 'k1', operation: 'test.echo', params: { word: 'hi' } });
    expect(sonde.jobs.get(job.id)?.status).toBe('processing');
    const final = await done;
    expect(final).toMatchObject({ status: 'completed', progress: 100, error: null });
    expect(final.results).toEqual([{ hostname: 'alpha', serial: sonde.agents.local.serial, status: 'ok', data: { from: 'alpha', nan: null }, durationMs: expect.any(Number) }]);
    expect(final.startedAtMs).toBeGreaterThanOrEqual(final.createdAtMs);
    expect(final.finishedAtMs).toBeGreaterThanOrEqual(final.startedAtMs!);
    expect(sonde.jobs.get(job.id)).toEqual(final); // now read back from SQLite
    expect(updates[0]).toBe('submitted');
    expect(updates[1]).toBe('processing');
    expect(updates.at(-1)).toBe('completed');
  });

  it('getJson is exactly JSON.stringify(get(id)), running or finished', async () => {
    const texts = ['plain', 'quote " backslash \\ newline \n', 'µs → ünïcode', '\u2028'];
    for (const [i, t] of texts.entries()) {
      const { job, done } = sonde.jobs.submit({
        operation: `op.${t}`,
        params: { t, n: i, nested: [1.5, null, true] },
        selector: i % 2 ? 'alpha' : '_any',
        keyId: i % 2 ? null : `key-${t}`,
        timeoutMs: 1000,
        run: async () => {
          if (i === 3) throw new Error(t);
          return { t, rtt: Number.NaN };
        },
      });
      expect(sonde.jobs.getJson(job.id)).toBe(JSON.stringify(sonde.jobs.get(job.id)));
      await done;
      expect(sonde.jobs.getJson(job.id)).toBe(JSON.stringify(sonde.jobs.get(job.id)));
    }
    expect(sonde.jobs.getJson('nope')).toBeNull();
  });

  it('routing errors are thrown before any job exists', () => {
    expect(() =>
      sonde.jobs.submit({ operation: 'x', params: null, selector: 'nowhere', timeoutMs: 100, run: async () => 1 }),
    ).toThrow('target agent "nowhere" not found');
    expect(sonde.jobs.list().total).toBe(0);
    expect(() => sonde.jobs.submit({ operation: '', params: null, selector: '_any', timeoutMs: 100, run: async () => 1 })).toThrow(/operation/);
    expect(() => sonde.jobs.submit({ operation: 'x', params: null, selector: '_any', timeoutMs: 0, run: async () => 1 })).toThrow(/timeoutMs/);
  });

  it('persists each agent result as it arrives, then ends partial_failure with a timeout item', async () => {
    sonde.agents.register(new TestAgent('beta', 'SN-B'));
    sonde.agents.register(new TestAgent('silent', 'SN-S'));
    const { job, done } = sonde.jobs.submit({
      operation: 'network.ping',
      params: {},
      selector: '_all',
      timeoutMs: 400,
      run: async (agent, ctx) => {
        if (agent.hostname === 'silent') return agent.ping({ targets: ['127.0.0.1'] }, ctx.signal).then(() => 'x');
        if (agent.hostname === 'beta') throw new Error('beta cannot reach 127.0.0.1');
        return 'pong';
      },
    });
    // alpha and beta answer at once; silent holds the job open until its 400 ms timeout
    const mid = await waitFor(() => {
      const row = rawJob(job.id);
      return (JSON.parse(row.results) as unknown[]).length === 2 && row;
    }, { timeoutMs: 300, intervalMs: 5, message: 'the two results stored before the timeout' });
    expect(mid.status).toBe('processing');
    expect(JSON.parse(mid.results).map((r: { hostname: string }) => r.hostname).sort()).toEqual(['alpha', 'beta']);
    expect(mid.progress).toBeCloseTo(66.7, 1);
    const final = await done;
    expect(final.status).toBe('partial_failure');
    const byHost = Object.fromEntries(final.results.map((r) => [r.hostname, r]));
    expect(byHost.alpha).toMatchObject({ status: 'ok', data: 'pong' });
    expect(byHost.beta).toMatchObject({ status: 'failed', error: 'beta cannot reach 127.0.0.1' });
    expect(byHost.silent).toMatchObject({ status: 'failed', error: AGENT_TIMEOUT_ERROR });
  });

  it('fails when every agent fails, saying why', async () => {
    const { done } = sonde.jobs.submit({ operation: 'x', params: null, selector: '_any', timeoutMs: 500, run: async () => { throw new Error('no route to host'); } });
    expect(await done).toMatchObject({ status: 'failed', error: 'no route to host' });
  });

  it('reports progress from inside a run', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { job, done } = sonde.jobs.submit({
      operation: 'x',
      params: null,
      selector: 'alpha',
      timeoutMs: 5000,
      run: async (_a, ctx) => {
        ctx.progress(0.5);
        await gate;
        return null;
      },
    });
    expect(sonde.jobs.get(job.id)?.progress).toBe(50);
    expect(rawJob(job.id).progress).toBe(50);
    release();
    expect((await done).progress).toBe(100);
  });

  it('cancels a running job; cancelling a finished or unknown one is an error', async () => {
    const { job, done } = sonde.jobs.submit({
      operation: 'x',
      params: null,
      selector: 'alpha',
      timeoutMs: 60_000,
      run: (_agent, ctx) => sleep(60_000, ctx.signal).then(() => 'late'),
    });
    expect(sonde.jobs.running()).toBe(1);
    sonde.jobs.cancel(job.id);
    const final = await done;
    expect(final).toMatchObject({ status: 'failed', error: 'cancelled' });
    expect(sonde.jobs.running()).toBe(0);
    expect(() => sonde.jobs.cancel(job.id)).toThrow(/already finished \(failed\)/);
    const e = (() => { try { sonde.jobs.cancel('nope'); } catch (err) { return err as SondeError; } })();
    expect(e).toMatchObject({ kind: 'not_found', message: 'job nope not found' });
  });

  it('lists by status with paging, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { job, done } = sonde.jobs.submit({ operation: i < 3 ? 'a' : 'b', params: { i }, selector: 'alpha', timeoutMs: 1000, run: async () => i });
      await done;
      ids.push(job.id);
      await sleep(2);
    }
    const page = sonde.jobs.list({ limit: 2, offset: 1 });
    expect(page.total).toBe(5);
    expect(page.items.map((j) => j.id)).toEqual([ids[3], ids[2]]);
    expect(sonde.jobs.list({ operation: 'b' }).total).toBe(2);
    expect(sonde.jobs.list({ status: 'failed' }).total).toBe(0);
    expect(sonde.jobs.list({ status: 'completed', limit: 100 }).items).toHaveLength(5);
    expect(() => sonde.jobs.list({ limit: 101 })).toThrow(/limit must be an integer in 1..100/);
    expect(() => sonde.jobs.list({ status: 'done' as never })).toThrow(/status must be one of/);
    expect(sonde.jobs.get('x'.repeat(1000))).toBeNull();
  });

  it('purges finished jobs older than the retention, in steps', async () => {
    for (let i = 0; i < 5; i++) await sonde.jobs.submit({ operation: 'x', params: null, selector: 'alpha', timeoutMs: 1000, run: async () => i }).done;
    const now = Date.now();
    expect(sonde.jobs.purgeExpired(now)).toBe(0); // younger than 7 days
    const later = now + 7 * 86_400_000 + 1000;
    expect(sonde.jobs.purgeExpired(later, 2)).toBe(2);
    expect(sonde.jobs.purgeExpired(later, 2)).toBe(2);
    expect(sonde.jobs.purgeExpired(later, 2)).toBe(1);
    expect(sonde.jobs.list().total).toBe(0);
  });

  it('keeps running jobs out of the purge', async () => {
    const { job } = sonde.jobs.submit({ operation: 'x', params: null, selector: 'alpha', timeoutMs: 60_000, run: (_a, c) => sleep(60_000, c.signal) });
    expect(sonde.jobs.purgeExpired(Date.now() + 30 * 86_400_000)).toBe(0);
    expect(sonde.jobs.get(job.id)?.status).toBe('processing');
  });

  it('finished jobs survive a restart; a job running at close is failed "interrupted by restart"', async () => {
    const finished = await sonde.jobs.submit({ operation: 'x', params: { n: 1 }, selector: 'alpha', timeoutMs: 1000, run: async () => 'ok' }).done;
    const { job: running, done } = sonde.jobs.submit({
      operation: 'x',
      params: null,
      selector: 'alpha',
      timeoutMs: 60_000,
      run: (_a, c) => sleep(60_000, c.signal),
    });
    await sonde.close({ graceMs: 20 });
    expect(await done).toMatchObject({ status: 'failed', error: INTERRUPTED });
    sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver, hostname: 'alpha' } });
    expect(sonde.jobs.get(finished.id)).toEqual(finished);
    expect(sonde.jobs.get(running.id)).toMatchObject({ status: 'failed', error: INTERRUPTED });
  });

  it('close waits for running jobs up to the grace period', async () => {
    const { done } = sonde.jobs.submit({ operation: 'x', params: null, selector: 'alpha', timeoutMs: 5000, run: async () => { await sleep(50); return 'finished in time'; } });
    await sonde.close({ graceMs: 2000 });
    const final: JobRecord = await done;
    expect(final).toMatchObject({ status: 'completed' });
    expect(() => sonde.jobs.submit({ operation: 'x', params: null, selector: 'alpha', timeoutMs: 5, run: async () => 1 })).toThrow(/shutting down/);
    sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver, hostname: 'alpha' } });
  });

  it('at open, jobs a crashed run left submitted or processing become failed', async () => {
    await sonde.close();
    const db = new Database(sonde.dbPath);
    const insert = db.prepare(`INSERT INTO jobs (id, operation, params, status, results, created_at) VALUES (?, 'x', 'null', ?, ?, 1)`);
    insert.run('a', 'processing', JSON.stringify([{ hostname: 'alpha', serial: 's', status: 'ok', durationMs: 1 }]));
    insert.run('b', 'submitted', '[]');
    insert.run('c', 'completed', '[]');
    db.close();
    sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver, hostname: 'alpha' } });
    expect(sonde.jobs.get('a')).toMatchObject({ status: 'failed', error: INTERRUPTED, results: [{ hostname: 'alpha', status: 'ok' }] });
    expect(sonde.jobs.get('b')).toMatchObject({ status: 'failed', error: INTERRUPTED });
    expect(sonde.jobs.get('c')).toMatchObject({ status: 'completed', error: null });
  });
});
