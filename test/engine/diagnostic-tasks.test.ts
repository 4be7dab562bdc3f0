// engine/tasks on the real engine (loopback) and real SQLite: ping tests that arrive
// together share one engine job (counted through a pass-through wrapper around the real
// engine), a cancelled test leaves the others alone, and a task's row is committed — visible
// to the daemon core's own connection — by the time create() resolves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, openDaemon, type Daemon, type Engine, type PingRequest, type PingSummary, type PingTestResult } from '../../engine/index.js';
import { PingCoalescer } from '../../engine/icmp/main-thread/ping-coalescer.js';
import { localResolver } from '../setup/local-resolver.js';
import { waitFor } from '../wait-for.js';

const canRaw = process.getuid?.() === 0;

/** The real engine, with every ping() request recorded. */
function recording(engine: Engine): { engine: Engine; requests: PingRequest[]; jobs: Promise<PingSummary>[] } {
  const requests: PingRequest[] = [];
  const jobs: Promise<PingSummary>[] = [];
  return {
    requests,
    jobs,
    engine: {
      ping: (request, onProbe) => {
        requests.push(request);
        const job = engine.ping(request, onProbe);
        jobs.push(job);
        return job;
      },
      stats: () => engine.stats(),
      health: () => engine.health(),
      onWorkerFault: (listener) => engine.onWorkerFault(listener),
      close: () => engine.close(),
    },
  };
}

const ping = (destination: string) => ({ kind: 'ping' as const, destination, count: 1, size: 56, intervalMs: 1000, timeoutMs: 1000 });

describe.skipIf(!canRaw)('diagnostic tasks (engine/tasks)', () => {
  let real: Engine;
  beforeAll(() => {
    real = createEngine({ threads: 1 });
  });
  afterAll(async () => {
    await real?.close();
  });

  it('ping tests arriving together share one engine job, each with its own replies and summary', async () => {
    const { engine, requests } = recording(real);
    const batcher = new PingCoalescer(engine);
    const seqs: number[][] = [];
    const runs = Array.from({ length: 50 }, (_, i) => {
      seqs.push([]);
      return batcher.run(ping(i % 2 === 0 ? '127.0.0.1' : '::1'), { onProbe: (p) => seqs[i].push(p.seq) });
    });
    const summaries = await Promise.all(runs.map((r) => r.done));
    expect(requests).toHaveLength(1);
    expect(requests[0].targets).toHaveLength(50);
    summaries.forEach((s, i) => {
      expect(s).toMatchObject({ target: i % 2 === 0 ? '127.0.0.1' : '::1', sent: 1, received: 1 });
      expect(seqs[i]).toEqual([0]);
    });
  });

  it('a cancelled test rejects with its reason; the others in its batch complete; a batch nobody waits for is stopped', async () => {
    const { engine, requests, jobs } = recording(real);
    const batcher = new PingCoalescer(engine);
    const kept = batcher.run(ping('127.0.0.1'), { onProbe: () => {} });
    const dropped = batcher.run(ping('127.0.0.1'), { onProbe: () => {} });
    dropped.cancel(new Error('not wanted'));
    await expect(dropped.done).rejects.toThrow('not wanted');
    await expect(kept.done).resolves.toMatchObject({ received: 1 });

    const slow = { ...ping('127.0.0.1'), count: 20 };
    let replies = 0;
    const alone = batcher.run(slow, { onProbe: () => replies++ });
    // the engine job behind it is running: a first reply came back
    await waitFor(() => replies > 0, { message: 'a first reply of the batch' });
    alone.cancel(new Error('stop'));
    await expect(alone.done).rejects.toThrow('stop');
    // The engine job behind it was aborted too: its signal fired, and the job ended cancelled
    // with fewer probes sent than the 20 planned.
    expect(requests.at(-1)!.signal!.aborted).toBe(true);
    const stopped = await jobs.at(-1)!;
    expect(stopped.cancelled).toBe(true);
    expect(stopped.targets[0].sent).toBeLessThan(slow.count);
  });

  it('a ping cancelled before its job starts is not sent; a batch that fills up (2,048 pings) starts at once', async () => {
    const { engine, requests } = recording(real);
    const coalescer = new PingCoalescer(engine);
    const dropped = coalescer.run(ping('127.0.0.1'), { onProbe: () => {} });
    dropped.cancel(new Error('not wanted'));
    const runs = Array.from({ length: 2049 }, () => coalescer.run(ping('127.0.0.1'), { onProbe: () => {} }));
    expect(requests).toHaveLength(1);
    expect(requests[0].targets).toHaveLength(2047);
    await expect(dropped.done).rejects.toThrow('not wanted');
    const summaries = await Promise.all(runs.map((r) => r.done));
    expect(requests).toHaveLength(2);
    expect(requests[1].targets).toHaveLength(2);
    for (const s of summaries) expect(s).toMatchObject({ target: '127.0.0.1', sent: 1, received: 1 });
  });

  describe('task rows', () => {
    let sonde: Daemon;
    let dataDir: string;
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'sonde-tasks-'));
      sonde = await openDaemon({ dataDir, engine: real, closeEngine: false, agent: { resolver: localResolver, hostname: 'localhost' } });
    });
    afterAll(async () => {
      await sonde.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('are committed when create() resolves, and hold the outcome once the test ends', async () => {
      const tasks = sonde.tasks;
      const created = await Promise.all(Array.from({ length: 20 }, () => tasks.create({ operation: 'test.ping', agent: sonde.agents.local, test: ping('127.0.0.1'), context: { n: 1 } })));
      for (const task of created) {
        const row = sonde.jobs.get(task.id); // the daemon core's connection, not the task service's
        expect(row, task.id).not.toBeNull();
        expect(row!.operation).toBe('test.ping');
      }
      // completed in the task service, and the finishing commit visible to the daemon core
      await waitFor(() => created.every((t) => tasks.get(t.id)!.status === 'completed' && sonde.jobs.get(t.id)?.status === 'completed'), { intervalMs: 10, message: 'the 20 tasks completed and committed' });
      for (const task of created) {
        const view = tasks.get(task.id)!;
        expect(view).toMatchObject({ status: 'completed', progress: 100, error: null, context: { n: 1 }, agentHostname: 'localhost' });
        expect((view.result as unknown as PingTestResult)).toMatchObject({ sent: 1, received: 1, address: '127.0.0.1' });
        const row = sonde.jobs.get(task.id)!;
        expect(row).toMatchObject({ status: 'completed', progress: 100 });
        expect(row.results[0]).toMatchObject({ hostname: 'localhost', status: 'ok', data: { result: { sent: 1, received: 1 } } });
      }
    });

    it('a name that does not resolve is an nslookup result, not a failure; bad input is refused before anything runs', async () => {
      const tasks = sonde.tasks;
      const task = await tasks.create({ operation: 'test.dns', agent: sonde.agents.local, test: { kind: 'dns', host: 'nothing.invalid', timeoutMs: 1000 } });
      await waitFor(() => tasks.get(task.id)!.status !== 'running', { timeoutMs: 5000, intervalMs: 10, message: 'the dns task finished' });
      // A name that does not resolve is a result of an nslookup, not a failure.
      expect(tasks.get(task.id)).toMatchObject({ status: 'completed', result: { ok: false, answers: [] } });
      await expect(tasks.create({ operation: 'x', agent: sonde.agents.local, test: { ...ping('127.0.0.1'), count: 0 } })).rejects.toThrow(/count must be an integer from 1 to 1000/);
      await expect(tasks.create({ operation: 'x', agent: sonde.agents.local, test: { kind: 'http', url: 'ftp://x', timeoutMs: 10 } })).rejects.toThrow(/url must use http: or https:/);
    });
  });
});
