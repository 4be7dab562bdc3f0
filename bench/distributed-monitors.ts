// Monitors from vantage points at scale (issue 19): N `sonde agent` processes (--agents, 4),
// each running a monitor of the controller (`agents: bench-<i>`) over its own share of
// loopback targets (--targets-per-agent, 12,500) at 1 probe/s, through one nats-server into
// one `sonde serve --nats --no-local-agent`. Over a measured period of whole windows:
// windows stored % (agent_windows rows against targets × windows), the controller's and
// nats-server's CPU, nats-server's RSS, and the seal → stored latency of every window
// (stored_at − sealed_at, both on this machine's clock). Then, in the same run, the same
// targets on one local agent (`sonde serve` without a bus, one monitor): windows stored %
// and its CPU, for the ratio.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { cliEntry } from './lib/daemon-process.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { cpuSeconds, memory } from './lib/proc-stat.js';
import { saveResult } from './lib/results.js';
import { quantile } from './lib/stats.js';
import { loopbackTargets } from './lib/targets.js';

const { values: flags } = parseArgs({
  options: {
    agents: { type: 'string', default: '4' },
    'targets-per-agent': { type: 'string', default: '12500' },
    'window-seconds': { type: 'string', default: '10' },
    /** Measured windows (after the warm-up). */
    windows: { type: 'string', default: '6' },
    'skip-local': { type: 'boolean', default: false },
    'no-save': { type: 'boolean', default: false },
  },
});
const AGENTS = Number(flags.agents);
const PER_AGENT = Number(flags['targets-per-agent']);
const WINDOW_S = Number(flags['window-seconds']);
const WINDOW_MS = WINDOW_S * 1000;
const WINDOWS = Number(flags.windows);
const TOTAL = AGENTS * PER_AGENT;
const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';
// the rollup must be a multiple of the window and longer than it
const MONITORING = `monitoring: { windowSeconds: ${WINDOW_S}, rollupMinutes: ${Math.max(1, Math.ceil((2 * WINDOW_S) / 60))} }\n`;

interface Child { child: ChildProcess; out: () => string }

const root = mkdtempSync(join(tmpdir(), 'sonde-bench-distributed-monitors-'));
const children: Child[] = [];

function run(cmd: string, args: string[], cwd: string): Child {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SONDE_CONFIG: '' } });
  let out = '';
  // keep the tail only: a long run's logs must not grow this process
  const keep = (d: Buffer): void => { out = (out + d.toString()).slice(-200_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const c = { child, out: () => out };
  children.push(c);
  return c;
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 60_000, every = 200): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

async function stop(c: Child): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill('SIGTERM');
  await once(c.child, 'exit');
}

const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

async function startServe(dir: string, config: string, extra: string[]): Promise<{ url: string; key: string; pid: number; db: string }> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'serve.yaml'), config);
  const c = run(process.execPath, [cliEntry, 'serve', '--config', join(dir, 'serve.yaml'), '--data', join(dir, 'data'), '--port', '0', '--threads', '1', '--log-level', 'warn', ...extra], dir);
  const url = await until('sonde serve', () => /listening on (http:\/\/\S+)/.exec(c.out())?.[1]);
  return { url, key: readFileSync(join(dir, 'data', 'admin.key'), 'utf8').trim(), pid: c.child.pid!, db: join(dir, 'data', 'sonde.db') };
}

async function api(s: { url: string; key: string }, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const res = await fetch(`${s.url}${path}`, {
    method, headers: { authorization: `Bearer ${s.key}`, 'content-type': contentType }, body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text === '' ? null : JSON.parse(text);
}

/** Distinct loopback addresses, shard i labelled shard=s<i>, all of them bench=all. */
function targetsCsv(addresses: string[]): string {
  const rows = addresses.map((a, j) => `HOST,${a},shard=s${Math.floor(j / PER_AGENT)};bench=all`);
  return `kind,address,labels\n${rows.join('\n')}\n`;
}

/** The first window boundary at least `leadMs` from now. */
const nextWindow = (leadMs: number): number => Math.ceil((Date.now() + leadMs) / WINDOW_MS) * WINDOW_MS;

const machine = describeMachine();
printMachine(machine);
const addresses = loopbackTargets(TOTAL);
console.log(`${AGENTS} agents × ${PER_AGENT} targets = ${TOTAL} targets at 1 probe/s, ${WINDOW_S} s windows, ${WINDOWS} measured windows`);

interface BusFigures {
  storedPercent: number;
  expected: number;
  stored: number;
  controllerCpuPercent: number;
  natsCpuPercent: number;
  natsRssMaxMB: number;
  agentCpuPercent: number[];
  latencyMs: { p50: number; p99: number; max: number };
  loadAvg: number[];
  /** nats-server's "Slow Consumer Detected" lines: a client it cut off for not reading fast enough. */
  slowConsumers: number;
}

interface LocalFigures { storedPercent: number; expected: number; stored: number; cpuPercent: number }

async function busRun(): Promise<BusFigures> {
  const started = Date.now();
  const natsDir = join(root, 'nats');
  mkdirSync(join(natsDir, 'ports'), { recursive: true });
  writeFileSync(join(natsDir, 'nats.conf'), `host: 127.0.0.1\nport: -1\njetstream { store_dir: ${JSON.stringify(join(natsDir, 'js'))} }\n`);
  const nats = run(NATS_SERVER, ['-c', join(natsDir, 'nats.conf'), '--ports_file_dir', join(natsDir, 'ports')], natsDir);
  let slowConsumers = 0;
  nats.child.stderr!.on('data', (d: Buffer) => { slowConsumers += d.toString().split('Slow Consumer').length - 1; });
  const natsUrl = await until('nats-server', () => {
    const f = readdirSync(join(natsDir, 'ports')).find((x) => x.endsWith('.ports'));
    return f === undefined || !nats.out().includes('Server is ready') ? undefined : (JSON.parse(readFileSync(join(natsDir, 'ports', f), 'utf8')) as { nats: string[] }).nats[0];
  });
  const natsYaml = `nats: { servers: ["${natsUrl}"], heartbeatMs: 2000, heartbeatTtlMs: 10000 }\n`;
  const ctl = await startServe(join(root, 'controller'), `agent: { hostname: localhost }\nrateLimit: { perSecond: 100000, burst: 100000 }\n${natsYaml}${MONITORING}`, ['--no-local-agent']);
  const agentPids: number[] = [];
  for (let i = 0; i < AGENTS; i++) {
    const dir = join(root, `agent-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'agent.yaml'), `agent: { hostname: "bench-${i}", fqdn: "bench-${i}.test" }\n${natsYaml}${MONITORING}`);
    agentPids.push(run(process.execPath, [cliEntry, 'agent', '--config', join(dir, 'agent.yaml'), '--data', join(dir, 'data'), '--threads', '1', '--log-level', 'warn'], dir).child.pid!);
  }
  await until(`${AGENTS} healthy agents`, async () => {
    const items = ((await api(ctl, 'GET', '/v1/agents')) as { items: { healthy: boolean }[] }).items;
    return items.filter((a) => a.healthy).length === AGENTS ? true : undefined;
  });
  await api(ctl, 'POST', '/v1/targets/import', targetsCsv(addresses), 'text/csv');
  for (let i = 0; i < AGENTS; i++) {
    await api(ctl, 'POST', '/v1/monitors', { name: `share-${i}`, selection: { labels: { shard: `s${i}` } }, agents: `bench-${i}`, intervalMs: 1000, timeoutMs: 1000 });
  }
  const db = new Database(ctl.db, { readonly: true, fileMustExist: true });
  const countIn = db.prepare<[number, number], number>('SELECT count(*) FROM agent_windows WHERE start_at >= ? AND start_at < ?').pluck();
  const agentsIn = db.prepare<[number, number], number>('SELECT count(DISTINCT agent) FROM agent_windows WHERE start_at >= ? AND start_at < ?').pluck();
  // warm-up: every agent has stored a whole window
  await until('a window from every agent', () => {
    const t = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - WINDOW_MS;
    return agentsIn.get(t - WINDOW_MS, t) === AGENTS ? true : undefined;
  }, 180_000, 1000);
  const t0 = nextWindow(WINDOW_MS);
  console.log(`bus: warm-up done after ${((Date.now() - started) / 1000).toFixed(0)} s; measuring from ${new Date(t0).toISOString()}`);
  await sleepUntil(t0);
  const natsPid = nats.child.pid!;
  const c0 = cpuSeconds(ctl.pid);
  const n0 = cpuSeconds(natsPid);
  const a0 = agentPids.map(cpuSeconds);
  let natsRssMax = 0;
  const t1 = t0 + WINDOWS * WINDOW_MS;
  while (Date.now() < t1) {
    natsRssMax = Math.max(natsRssMax, memory(natsPid).rssBytes);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const c1 = cpuSeconds(ctl.pid);
  const n1 = cpuSeconds(natsPid);
  const a1 = agentPids.map(cpuSeconds);
  const load = loadavg();
  const elapsed = (t1 - t0) / 1000;
  const expected = TOTAL * WINDOWS;
  // the windows of the period: sealed at t1 at the latest, allow the bus and the ingest 60 s
  const drainEnd = Date.now() + 60_000;
  while (Date.now() < drainEnd && countIn.get(t0, t1)! < expected) await new Promise((r) => setTimeout(r, 500));
  const stored = countIn.get(t0, t1)!;
  const latencies = db.prepare<[number, number], number>('SELECT stored_at - sealed_at FROM agent_windows WHERE start_at >= ? AND start_at < ?').pluck().all(t0, t1);
  db.close();
  const figures: BusFigures = {
    storedPercent: (100 * stored) / expected, expected, stored,
    controllerCpuPercent: (100 * (c1 - c0)) / elapsed,
    natsCpuPercent: (100 * (n1 - n0)) / elapsed,
    natsRssMaxMB: natsRssMax / 1024 / 1024,
    agentCpuPercent: a1.map((x, i) => (100 * (x - a0[i]!)) / elapsed),
    latencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.reduce((m, x) => Math.max(m, x), 0) },
    loadAvg: load,
    slowConsumers,
  };
  for (const c of [...children].reverse()) await stop(c);
  children.length = 0;
  return figures;
}

async function localRun(): Promise<LocalFigures> {
  const s = await startServe(join(root, 'local'), `agent: { hostname: localhost }\nrateLimit: { perSecond: 100000, burst: 100000 }\n${MONITORING}`, []);
  await api(s, 'POST', '/v1/targets/import', targetsCsv(addresses), 'text/csv');
  await api(s, 'POST', '/v1/monitors', { name: 'everything', selection: { labels: { bench: 'all' } }, intervalMs: 1000, timeoutMs: 1000 });
  const db = new Database(s.db, { readonly: true, fileMustExist: true });
  const countIn = db.prepare<[number, number, number], number>('SELECT count(*) FROM latency_windows WHERE span_ms = ? AND start_at >= ? AND start_at < ?').pluck();
  await until('a first whole window', () => {
    const t = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS - WINDOW_MS;
    return countIn.get(WINDOW_MS, t - WINDOW_MS, t)! > 0 ? true : undefined;
  }, 180_000, 1000);
  const t0 = nextWindow(WINDOW_MS);
  await sleepUntil(t0);
  const c0 = cpuSeconds(s.pid);
  const t1 = t0 + WINDOWS * WINDOW_MS;
  await sleepUntil(t1);
  const c1 = cpuSeconds(s.pid);
  const expected = TOTAL * WINDOWS;
  const drainEnd = Date.now() + 60_000;
  while (Date.now() < drainEnd && countIn.get(WINDOW_MS, t0, t1)! < expected) await new Promise((r) => setTimeout(r, 500));
  const stored = countIn.get(WINDOW_MS, t0, t1)!;
  db.close();
  for (const c of [...children].reverse()) await stop(c);
  children.length = 0;
  return { storedPercent: (100 * stored) / expected, expected, stored, cpuPercent: (100 * (c1 - c0)) / ((t1 - t0) / 1000) };
}

try {
  const bus = await busRun();
  console.log(`\n${AGENTS} agents through one nats-server into one controller (${TOTAL} targets, ${WINDOWS} × ${WINDOW_S} s windows measured)`);
  console.log(`  windows stored:            ${bus.stored} of ${bus.expected} (${bus.storedPercent.toFixed(3)} %)`);
  console.log(`  seal → stored latency:     p50 ${bus.latencyMs.p50.toFixed(0)} ms, p99 ${bus.latencyMs.p99.toFixed(0)} ms, max ${bus.latencyMs.max.toFixed(0)} ms (goal p99 ≤ 2000 ms)`);
  console.log(`  controller CPU:            ${bus.controllerCpuPercent.toFixed(1)} % of a core`);
  console.log(`  nats-server CPU:           ${bus.natsCpuPercent.toFixed(1)} % of a core, RSS max ${bus.natsRssMaxMB.toFixed(0)} MB`);
  console.log(`  agents' CPU:               ${bus.agentCpuPercent.map((x) => `${x.toFixed(1)} %`).join(', ')}`);
  console.log(`  load average (1, 5, 15):   ${bus.loadAvg.map((x) => x.toFixed(2)).join(', ')}`);
  console.log(`  nats-server slow consumers: ${bus.slowConsumers} (clients it cut off for reading too slowly)`);
  let local: LocalFigures | null = null;
  if (!flags['skip-local']) {
    local = await localRun();
    console.log(`\nthe same ${TOTAL} targets on one local agent (sonde serve, no bus, one monitor)`);
    console.log(`  windows stored:            ${local.stored} of ${local.expected} (${local.storedPercent.toFixed(3)} %)`);
    console.log(`  sonde serve CPU:           ${local.cpuPercent.toFixed(1)} % of a core`);
    const busTotal = bus.controllerCpuPercent + bus.natsCpuPercent + bus.agentCpuPercent.reduce((a, b) => a + b, 0);
    console.log(`  ratio: controller / local ${(bus.controllerCpuPercent / local.cpuPercent).toFixed(2)}, whole bus setup (controller + nats + agents) / local ${(busTotal / local.cpuPercent).toFixed(2)}`);
  }
  if (!flags['no-save']) console.log(`\nsaved ${saveResult('distributed-monitors', { machine, agents: AGENTS, perAgent: PER_AGENT, windowSeconds: WINDOW_S, windows: WINDOWS, bus, local })}`);
} finally {
  for (const c of children.reverse()) await stop(c);
  rmSync(root, { recursive: true, force: true });
}
