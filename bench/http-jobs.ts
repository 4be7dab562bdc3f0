// npm run bench:http — GET /v1/jobs/{id} through the whole daemon (uWS, API key auth, rate
// limit, the job, an audit row, JSON), measured with wrk (64 connections), next to a plain
// node:http hello-world in the same run. Goal: ≥ 50,000 req/s. Two sonde rows:
// - one finished job polled over and over: after the first read its rendered JSON comes from
//   the daemon's cache of finished jobs (no SQLite read per request);
// - one job still running in another process (this one, through the engine API in tool mode):
//   the daemon cannot cache it and reads its row from SQLite on every request.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { openSonde } from '../engine/index.js';
import { freePort, startDaemon } from './lib/daemon-process.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { fmtInt, median } from './lib/stats.js';
import { ensureCommand } from './lib/system-package.js';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    baseline: { type: 'string' },
    'no-save': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('usage: npm run bench:http -- [--runs 5] [--duration S=8] [--connections 64] [--threads 2] [--baseline OTHER/dist/cli/index.js] [--no-save]');
  console.log('--baseline: also measures the finished-job row on another build of sonde (e.g. an older commit), alternating with this one.');
  process.exit(0);
}
const runs = Number(flags.runs);
const duration = Number(flags.duration);
const connections = Number(flags.connections);
const wrkThreads = Number(flags.threads);

const wrk = ensureCommand('wrk', 'wrk');
if (wrk === undefined) process.exit(1);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return NaN;
  }
}

interface WrkRun { rps: number; p50: string; p99: string; non2xx: number; requests: number; cpuUsPerRequest: number }

function runWrk(url: string, headers: string[], serverPid: number): WrkRun {
  const args = ['-t', String(wrkThreads), '-c', String(connections), '-d', `${duration}s`, '--latency', ...headers.flatMap((h) => ['-H', h]), url];
  const cpu0 = cpuSeconds(serverPid);
  const r = spawnSync(wrk!, args, { encoding: 'utf8' });
  const cpu1 = cpuSeconds(serverPid);
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const p99 = /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?';
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  return { rps, p50, p99, non2xx, requests, cpuUsPerRequest: ((cpu1 - cpu0) * 1e6) / requests };
}

const machine = describeMachine();
printMachine(machine);
console.log('note: the machine is shared with other sessions; figures move with their load.');
console.log(`wrk: ${wrkThreads} threads, ${connections} connections, ${duration} s per run, ${runs} runs each, alternating; medians reported.\n`);

// --- Seed a data directory: a bench key (job:read) and one finished job. --------------
/** Seeds with the engine of the build that will serve the directory (schemas may differ). */
async function seedDataDir(open: typeof openSonde, prefix: string): Promise<{ dataDir: string; secret: string; jobId: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const seed = await open({ dataDir: dir });
  const key = seed.keys.create('bench', ['job:read']).secret;
  const finished = await seed.jobs.submit({
    operation: 'bench.noop', params: { note: 'finished job read by bench:http' }, selector: null,
    agents: [seed.agents.local], timeoutMs: 1000, run: async () => ({ ok: true }),
  }).done;
  await seed.close();
  return { dataDir: dir, secret: key, jobId: finished.id };
}
const { dataDir, secret, jobId } = await seedDataDir(openSonde, 'sonde-bench-http-');
const job = { id: jobId };
const baselineSeed = flags.baseline === undefined ? undefined : await seedDataDir(
  ((await import(pathToFileURL(resolve(dirname(flags.baseline), '../engine/index.js')).href)) as { openSonde: typeof openSonde }).openSonde,
  'sonde-bench-http-baseline-');

// --- The servers. ------------------------------------------------------------------
const nodePort = await freePort();
const hello = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => s.end('hello world')).listen(${nodePort}, '127.0.0.1')`], { stdio: 'ignore' });
for (;;) {
  try {
    if ((await fetch(`http://127.0.0.1:${nodePort}/`)).status === 200) break;
  } catch { /* not yet */ }
  await new Promise((r) => setTimeout(r, 20));
}

const sondePort = await freePort();
// The rate limit is raised for the bench key: the bench measures throughput, not the limiter's refusals.
const daemonEnv = { SONDE_RATE_LIMIT: '100000000' };
console.log(`sonde serve --data ${dataDir} --port ${sondePort} --log-level warn   (env SONDE_RATE_LIMIT=100000000)`);
const daemon = await startDaemon(dataDir, sondePort, daemonEnv, 'warn');
const jobUrl = `${daemon.url}/v1/jobs/${job.id}`;
const auth = [`Authorization: Bearer ${secret}`];
let baseline: Awaited<ReturnType<typeof startDaemon>> | undefined;
// A failure further on must not leave the servers running.
process.once('exit', () => {
  for (const child of [hello, daemon.child, baseline?.child]) if (child?.exitCode === null) child.kill('SIGKILL');
});
if (baselineSeed !== undefined) {
  console.log(`baseline: ${flags.baseline} serve --data ${baselineSeed.dataDir}`);
  baseline = await startDaemon(baselineSeed.dataDir, await freePort(), daemonEnv, 'warn', flags.baseline);
}
const baselineUrl = baseline && baselineSeed ? `${baseline.url}/v1/jobs/${baselineSeed.jobId}` : '';
const baselineAuth = [`Authorization: Bearer ${baselineSeed?.secret ?? ''}`];

// A job that runs in this process for the whole benchmark (opened after the daemon, whose
// start fails jobs a previous run left running): its row says processing, so the daemon,
// which is not running it, reads it from SQLite on every request.
const other = await openSonde({ dataDir, mode: 'tool' });
const running = other.jobs.submit({
  operation: 'bench.wait', params: { note: 'job running in another process, read by bench:http' }, selector: null,
  agents: [other.agents.local], timeoutMs: 3_600_000,
  run: (_agent, ctx) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true })),
});
const runningUrl = `${daemon.url}/v1/jobs/${running.job.id}`;
for (const url of [jobUrl, runningUrl, ...(baseline ? [baselineUrl] : [])]) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${url === baselineUrl ? baselineSeed!.secret : secret}` } });
  const got = (await res.json()) as { id?: string; status?: string };
  if (res.status !== 200 || !url.endsWith(got.id ?? '?')) throw new Error(`GET ${url} answered ${res.status} ${JSON.stringify(got)}: not benchmarking a broken route`);
  console.log(`checked: GET ${new URL(url).pathname} → 200, status ${got.status}`);
}
console.log('');


const HELLO = 'node:http hello-world';
const HOT = 'sonde GET /v1/jobs/{id}, one finished job (cached JSON)';
const COLD = 'sonde GET /v1/jobs/{id}, job running elsewhere (SQLite read each)';
const BASE = 'baseline build: GET /v1/jobs/{id}, one finished job';
const results: Record<string, WrkRun[]> = { [HELLO]: [], [HOT]: [], [COLD]: [], ...(baseline ? { [BASE]: [] } : {}) };
for (let i = 0; i < runs; i++) {
  results[HELLO].push(runWrk(`http://127.0.0.1:${nodePort}/`, [], hello.pid!));
  results[HOT].push(runWrk(jobUrl, auth, daemon.child.pid!));
  results[COLD].push(runWrk(runningUrl, auth, daemon.child.pid!));
  if (baseline) results[BASE].push(runWrk(baselineUrl, baselineAuth, baseline.child.pid!));
  const base = baseline ? `, baseline ${fmtInt(results[BASE][i].rps)}` : '';
  console.log(`run ${i + 1}/${runs}: node:http ${fmtInt(results[HELLO][i].rps)} req/s, sonde cached ${fmtInt(results[HOT][i].rps)}, sonde SQLite ${fmtInt(results[COLD][i].rps)}${base}   (load ${loadavg()[0].toFixed(2)})`);
}

other.jobs.cancel(running.job.id);
await running.done;
await other.close();
hello.kill('SIGTERM');
await once(hello, 'exit');
const exitCode = await daemon.stop();
await baseline?.stop();
rmSync(dataDir, { recursive: true, force: true });
if (baselineSeed !== undefined) rmSync(baselineSeed.dataDir, { recursive: true, force: true });

const table = new Table({ head: ['server', 'median req/s', 'runs (req/s)', 'server CPU µs/request (median)', 'p50 / p99 latency (last run)', 'non-2xx'] });
const summary: Record<string, number> = {};
const cpuPerRequest: Record<string, number> = {};
for (const [name, list] of Object.entries(results)) {
  summary[name] = median(list.map((r) => r.rps));
  cpuPerRequest[name] = median(list.map((r) => r.cpuUsPerRequest));
  const last = list[list.length - 1];
  table.push([name, fmtInt(summary[name]), list.map((r) => fmtInt(r.rps)).join(', '), median(list.map((r) => r.cpuUsPerRequest)).toFixed(1), `${last.p50} / ${last.p99}`, String(list.reduce((a, r) => a + r.non2xx, 0))]);
}
console.log(`\n${table.toString()}`);
for (const name of [HOT, COLD, ...(baseline ? [BASE] : [])]) {
  const rps = summary[name];
  console.log(`${name}: goal ≥ 50,000 req/s ${rps >= 50_000 ? 'met' : 'NOT met'} (median ${fmtInt(rps)} req/s; ${(rps / summary[HELLO]).toFixed(2)}× node:http hello-world; ${cpuPerRequest[name].toFixed(1)} µs server CPU/request vs ${cpuPerRequest[HELLO].toFixed(1)})`);
}
console.log("server CPU µs/request is the server process's user+system time over the requests served: it moves less with other sessions' load than req/s does (contention still inflates it), and 1e6 / it bounds req/s on one free core.");
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; daemon exit code after SIGTERM: ${exitCode}`);
if (!flags['no-save']) {
  const path = saveResult('http-jobs', {
    machine, loadAvgAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
    wrk: { threads: wrkThreads, connections, durationS: duration, runs }, baseline: flags.baseline ?? null,     results, medians: summary, cpuUsPerRequestMedians: cpuPerRequest,
  });
  console.log(`saved ${path}`);
}
