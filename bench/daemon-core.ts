// node dist/bench/daemon-core.js — the daemon core's two numbers of issue 4, without HTTP:
//   start-up: openSonde() on a database holding 100,000 targets (in-process, and a cold
//             `node` process from spawn to ready);
//   per-request core of GET /v1/jobs/{id}: keys.verify + rateLimiter.take + jobs.get (a
//             SQLite read of a finished job) + audit.record, which must leave room for
//             ≥ 50,000 requests/s through the server.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { Bench } from 'tinybench';
import { openSonde } from '../engine/index.js';

const TARGETS = 100_000;
const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-core-'));
const engineIndex = fileURLToPath(new URL('../engine/index.js', import.meta.url));

try {
  let sonde = await openSonde({ dataDir: dir, mode: 'tool' });
  const rows = [];
  for (let i = 0; i < TARGETS; i++) {
    rows.push({ kind: 'HOST', address: `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, serviceId: i + 1, labels: { site: `eu.s${i % 50}`, tier: i % 3 ? 'std' : 'gold' } });
  }
  let t0 = performance.now();
  const imported = sonde.targets.bulkImport(rows);
  const importMs = performance.now() - t0;
  await sonde.close();

  const opens: number[] = [];
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    sonde = await openSonde({ dataDir: dir });
    opens.push(performance.now() - t0);
    await sonde.close();
  }
  const script = `const t0 = performance.now(); const { openSonde } = await import(${JSON.stringify(engineIndex)});
    const s = await openSonde({ dataDir: ${JSON.stringify(dir)} }); const ready = performance.now();
    console.log(JSON.stringify({ readyMs: ready, importMs: ready - t0 })); await s.close();`;
  const cold: { readyMs: number; importMs: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cold start failed: ${r.stderr}`);
    cold.push(JSON.parse(r.stdout) as { readyMs: number; importMs: number });
  }

  sonde = await openSonde({ dataDir: dir, rateLimit: { perSecond: 1e9 } });
  const { secret } = sonde.keys.create('bench', ['job:read']);
  const job = await sonde.jobs.submit({
    operation: 'network.ping',
    params: { address: '127.0.0.1', count: 3 },
    selector: '_any',
    timeoutMs: 1000,
    run: async (agent) => ({ hostname: agent.hostname, packets_sent: 3, packets_received: 3, packet_loss: 0, min_rtt: '20µs', avg_rtt: '25µs', max_rtt: '30µs' }),
  }).done;

  const bench = new Bench({ time: 1000 });
  bench
    .add('keys.verify (SHA-256 + Map)', () => {
      sonde.keys.verify(secret);
    })
    .add('jobs.get finished job (SQLite read + JSON.parse)', () => {
      sonde.jobs.get(job.id);
    })
    .add('jobs.getJson finished job (SQLite read, no parse)', () => {
      sonde.jobs.getJson(job.id);
    })
    .add('GET /v1/jobs/{id} core: verify + take + getJson + audit', () => {
      const key = sonde.keys.verify(secret)!;
      sonde.rateLimiter.take(key.id);
      sonde.jobs.getJson(job.id);
      sonde.audit.record({ keyId: key.id, method: 'GET', path: '/v1/jobs/x', status: 200, durationMs: 0.01 });
    })
    .add('GET /v1/jobs/{id} core: verify + take + get + stringify + audit', () => {
      const key = sonde.keys.verify(secret)!;
      sonde.rateLimiter.take(key.id);
      JSON.stringify(sonde.jobs.get(job.id));
      sonde.audit.record({ keyId: key.id, method: 'GET', path: '/v1/jobs/x', status: 200, durationMs: 0.01 });
    })
    .add('targets.getByServiceId (100k targets)', () => {
      sonde.targets.getByServiceId(77_777);
    })
    .add('targets.list label site:eu.s7, limit 100 (100k targets)', () => {
      sonde.targets.list({ labels: { site: 'eu.s7' }, limit: 100 });
    });
  await bench.run();
  await sonde.close();

  const fmt = (n: number) => n.toFixed(1);
  console.log(`bulk import: ${imported.created} targets in ${fmt(importMs)} ms (${Math.round(imported.created / (importMs / 1000))}/s)`);
  console.log(`openSonde with ${TARGETS} targets, in-process (ms): ${opens.map(fmt).join(', ')}`);
  console.log(`cold process to ready (ms since process start): ${cold.map((c) => fmt(c.readyMs)).join(', ')}; of which module import + openSonde: ${cold.map((c) => fmt(c.importMs)).join(', ')}`);
  const table = new Table({ head: ['task', 'mean µs', 'p50 µs', 'p99 µs', '1e6 / mean'] });
  for (const t of bench.tasks) {
    const r = t.result as unknown as { latency?: { mean: number; p50?: number; p99?: number } };
    const us = (ms: number | undefined) => ((ms ?? 0) * 1000).toFixed(2);
    const mean = r.latency?.mean ?? Number.NaN;
    table.push([t.name, us(mean), us(r.latency?.p50), us(r.latency?.p99), Math.round(1000 / mean).toLocaleString('en-US')]);
  }
  console.log(table.toString());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
