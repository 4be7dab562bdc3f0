// npm run bench:startup — wall time of the commands people start by hand, next to a bare
// `node -e ""` and fping in the same run: `sonde --help` (goal ≤ 1.5× bare node),
// `sonde ping -c 1 127.0.0.1` (goal ≤ bare node + 100 ms), `fping -c 1 127.0.0.1`, and the
// time from spawning `sonde serve` to GET /healthz answering with 100,000 targets in the
// database (goal ≤ 400 ms). --baseline DIST times `--help` and `ping -c 1` of another build
// (e.g. a checkout of main, built) in the same interleaved runs: before/after on equal load.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { fileURLToPath } from 'node:url';
import { openSonde } from '../engine/index.js';
import { freePort, startDaemon } from './lib/daemon-process.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { median } from './lib/stats.js';
import { ensureCommand } from './lib/system-package.js';

const CLI = fileURLToPath(new URL('../cli/index.js', import.meta.url));
const SERVE_GOAL_MS = 400;

const { values: flags } = parseArgs({
  options: {
    targets: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '7' },
    baseline: { type: 'string' },
    'skip-serve': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('usage: npm run bench:startup -- [--targets N=100000] [--runs R=7] [--baseline DIST] [--skip-serve] [--no-save]\n  --baseline DIST  also time DIST/cli/index.js (another build\'s dist/) --help and ping -c 1, interleaved');
  process.exit(0);
}
const targets = Number(flags.targets);
const baselineCli = flags.baseline === undefined ? undefined : join(flags.baseline, 'cli', 'index.js');
const runs = Number(flags.runs);

const machine = describeMachine();
printMachine(machine);
console.log('note: the machine is shared with other sessions; figures move with their load.\n');

const dataDir = mkdtempSync(join(tmpdir(), 'sonde-bench-startup-'));
if (!flags['skip-serve']) {
  const seed = await openSonde({ dataDir, mode: 'tool' });
  const rows = [];
  for (let i = 0; i < targets; i++) {
    rows.push({ kind: 'HOST', address: `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, serviceId: i + 1, labels: { site: `eu.s${i % 50}` } });
  }
  const t0 = performance.now();
  const imported = seed.targets.bulkImport(rows);
  console.log(`seeded ${imported.created.toLocaleString('en-US')} targets in ${((performance.now() - t0) / 1000).toFixed(1)} s (${imported.errors.length} rejected)`);
  await seed.close();
}

/** Wall time of one process from spawn to exit, ms; throws when it fails. */
function timed(command: string, args: string[]): number {
  const s = performance.now();
  const r = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - s;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return ms;
}

// The one-shot commands, interleaved run by run so the machine's load hits all alike.
const fping = ensureCommand('fping', 'fping');
const bare: number[] = [];
const help: number[] = [];
const ping: number[] = [];
const fpingOnce: number[] = [];
const baseHelp: number[] = [];
const basePing: number[] = [];
for (let i = 0; i < runs; i++) {
  bare.push(timed(process.execPath, ['-e', '']));
  help.push(timed(process.execPath, [CLI, '--help']));
  ping.push(timed(process.execPath, [CLI, 'ping', '-q', '-c', '1', '127.0.0.1']));
  if (baselineCli !== undefined) {
    baseHelp.push(timed(process.execPath, [baselineCli, '--help']));
    basePing.push(timed(process.execPath, [baselineCli, 'ping', '-q', '-c', '1', '127.0.0.1']));
  }
  if (fping !== undefined) fpingOnce.push(timed(fping, ['-c', '1', '-q', '127.0.0.1']));
}

const ready: number[] = [];
const exitCodes: (number | null)[] = [];
for (let i = 0; i < (flags['skip-serve'] ? 0 : runs); i++) {
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
const row = (what: string, values: number[]): void => {
  table.push([what, median(values).toFixed(0), values.map((v) => v.toFixed(0)).join(', ')]);
};
row('node -e "" (process spawn + exit)', bare);
row('sonde --help', help);
row('sonde ping -q -c 1 127.0.0.1', ping);
if (baselineCli !== undefined) {
  row(`baseline --help (${flags.baseline})`, baseHelp);
  row('baseline ping -q -c 1 127.0.0.1', basePing);
}
if (fpingOnce.length > 0) row('fping -q -c 1 127.0.0.1', fpingOnce);
if (ready.length > 0) row(`sonde serve → /healthz 200 (${targets.toLocaleString('en-US')} targets)`, ready);
console.log(`\n${table.toString()}`);
const bareMs = median(bare);
const verdict = (met: boolean): string => (met ? 'met' : 'NOT met');
console.log(`goal sonde --help ≤ 1.5 × bare node (${(1.5 * bareMs).toFixed(0)} ms): ${verdict(median(help) <= 1.5 * bareMs)} (median ${median(help).toFixed(0)} ms)`);
console.log(`goal sonde ping -c 1 ≤ bare node + 100 ms (${(bareMs + 100).toFixed(0)} ms): ${verdict(median(ping) <= bareMs + 100)} (median ${median(ping).toFixed(0)} ms)`);
if (ready.length > 0) console.log(`goal serve → /healthz ≤ ${SERVE_GOAL_MS} ms: ${verdict(median(ready) <= SERVE_GOAL_MS)} (median ${median(ready).toFixed(0)} ms); exit codes after SIGTERM: ${exitCodes.join(', ')}`);
if (baselineCli !== undefined) console.log(`vs baseline (same runs): --help ${median(baseHelp).toFixed(0)} → ${median(help).toFixed(0)} ms, ping -c 1 ${median(basePing).toFixed(0)} → ${median(ping).toFixed(0)} ms`);
if (!flags['no-save']) {
  console.log(`saved ${saveResult('startup', { machine, targets, runs, readyMs: ready, bareNodeMs: bare, helpMs: help, pingOnceMs: ping, fpingOnceMs: fpingOnce, ...(baselineCli !== undefined ? { baseline: flags.baseline, baselineHelpMs: baseHelp, baselinePingOnceMs: basePing } : {}) })}`);
}
