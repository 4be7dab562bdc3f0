// npm run bench:startup — time from spawning `sonde serve` to GET /healthz answering, with
// 100,000 targets in the database. Goal: ≤ 1 s.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { openSonde } from '../engine/index.js';
import { freePort, startDaemon } from './lib/daemon-process.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { median } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    targets: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '7' },
    'no-save': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('usage: npm run bench:startup -- [--targets N=100000] [--runs R=7] [--no-save]');
  process.exit(0);
}
const targets = Number(flags.targets);
const runs = Number(flags.runs);

const machine = describeMachine();
printMachine(machine);
console.log('note: the machine is shared with other sessions; figures move with their load.\n');

const dataDir = mkdtempSync(join(tmpdir(), 'sonde-bench-startup-'));
const seed = await openSonde({ dataDir, mode: 'tool' });
const rows = [];
for (let i = 0; i < targets; i++) {
  rows.push({ kind: 'HOST', address: `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, serviceId: i + 1, labels: { site: `eu.s${i % 50}` } });
}
const t0 = performance.now();
const imported = seed.targets.bulkImport(rows);
console.log(`seeded ${imported.created.toLocaleString('en-US')} targets in ${((performance.now() - t0) / 1000).toFixed(1)} s (${imported.errors.length} rejected)`);
await seed.close();

// Reference: a bare node process that does nothing.
const bare: number[] = [];
for (let i = 0; i < runs; i++) {
  const s = performance.now();
  spawnSync(process.execPath, ['-e', '']);
  bare.push(performance.now() - s);
}

const ready: number[] = [];
const exitCodes: (number | null)[] = [];
for (let i = 0; i < runs; i++) {
  const port = await freePort();
  const daemon = await startDaemon(dataDir, port, {}, 'warn');
  ready.push(daemon.readyMs);
  // The targets are really there.
  if (i === 0) {
    const keyPath = join(dataDir, 'admin.key');
    const { readFileSync } = await import('node:fs');
    const key = readFileSync(keyPath, 'utf8').trim();
    const page = (await (await fetch(`${daemon.url}/v1/targets?limit=1`, { headers: { authorization: `Bearer ${key}` } })).json()) as { total?: number };
    console.log(`check: GET /v1/targets reports total ${page.total?.toLocaleString('en-US')}`);
  }
  exitCodes.push(await daemon.stop());
}
rmSync(dataDir, { recursive: true, force: true });

const table = new Table({ head: ['', 'median ms', 'runs (ms)'] });
table.push(['node -e "" (process spawn + exit)', median(bare).toFixed(0), bare.map((v) => v.toFixed(0)).join(', ')]);
table.push([`sonde serve → /healthz 200 (${targets.toLocaleString('en-US')} targets)`, median(ready).toFixed(0), ready.map((v) => v.toFixed(0)).join(', ')]);
console.log(`\n${table.toString()}`);
console.log(`goal ≤ 1000 ms: ${median(ready) <= 1000 ? 'met' : 'NOT met'} (median ${median(ready).toFixed(0)} ms); exit codes after SIGTERM: ${exitCodes.join(', ')}`);
if (!flags['no-save']) console.log(`saved ${saveResult('startup', { machine, targets, runs, readyMs: ready, bareNodeMs: bare })}`);
