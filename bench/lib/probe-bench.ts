// bench:monitor --probe tcp|http|dns: N targets probed once a second by a monitor of that kind
// in a process of its own (monitor-driver.ts: the MonitorRunner and its socket job; with
// --engine-probes, probe-driver.ts: the engine's one-off probes on the monitor's schedule rule),
// against loopback servers in another process (probe-servers.ts) that answer everything. Per
// size, after a warm-up, over the measured period: loss (failures + skipped probes over
// probes due), drift p99, the prober's CPU (utime + stime from /proc) and RSS peak, and the
// servers' CPU; then CPU per 1,000 probes/s, the largest N meeting the goals, and
// blackbox_exporter's published figure beside it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Table from 'cli-table3';
import { describeMachine, printMachine } from './machine.js';
import { repoRoot } from './paths.js';
import { cpuSeconds, memory } from './proc-stat.js';
import { saveResult } from './results.js';

export type BenchProbe = 'tcp' | 'http' | 'dns';

export interface ProbeBenchOptions {
  probe: BenchProbe;
  /** http: a fresh TLS connection each probe (https, no keep-alive) instead of keep-alive http. */
  httpFreshTls: boolean;
  sizes: number[];
  minutes: number;
  warmupSeconds: number;
  save: boolean;
  /** The one-off engine probes (probe-driver.ts) instead of the monitor path (monitor-driver.ts). */
  engineProbes?: boolean;
}

const GOALS = { lossPercent: 0, driftP99Ms: 5, cpuCores: 1.2, rssMB: 400 };
/** blackbox_exporter's published figure: "around 1k probes per core per second" (a maintainer,
 *  prometheus/blackbox_exporter#683, 2020), i.e. ~1 core per 1,000 probes/s; its #336 reported
 *  timeouts between 20,000 and 50,000 URLs at a 2-minute interval (~170–420 probes/s). */
const BLACKBOX_CORES_PER_1000_PER_S = 1;
/** Servers listen on this many loopback addresses (the client's ports and TIME_WAIT spread over them). */
const SERVER_ADDRESSES = Array.from({ length: 64 }, (_, i) => `127.0.3.${i + 1}`);
const INTERVAL_MS = 1000;

const distLib = join(repoRoot, 'dist', 'bench', 'lib');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Child { child: ChildProcess; lines: AsyncIterator<string> }

function start(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [join(distLib, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

async function nextJson<T>(c: Child, what: string): Promise<T> {
  const line = await Promise.race([c.lines.next(), sleep(120_000).then(() => null)]);
  if (line === null || line.done) throw new Error(`${what} (pid ${c.child.pid}) gave no answer (exit code ${c.child.exitCode})`);
  return JSON.parse(line.value) as T;
}

async function ask<T>(c: Child, what: string): Promise<T> {
  c.child.kill('SIGUSR2');
  return nextJson<T>(c, what);
}

async function stop(c: Child | undefined): Promise<void> {
  if (!c || c.child.exitCode !== null) return;
  const exited = new Promise((r) => c.child.once('exit', r));
  c.child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (c.child.exitCode === null) c.child.kill('SIGKILL');
}

interface DriverStats { sent: number; ok: number; skipped: number; inFlight: number; failures: Record<string, number>; driftP50Ms: number | null; driftP99Ms: number | null; driftMaxMs: number }

function makeCert(dir: string): void {
  const san = ['DNS:localhost', ...SERVER_ADDRESSES.map((a) => `IP:${a}`)].join(',');
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '30',
    '-subj', '/CN=localhost', '-addext', `subjectAltName=${san}`,
  ], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl could not make the bench certificate: ${made.stderr}`);
}

/** The label of a run: what it measures. */
function modeOf(o: ProbeBenchOptions): string {
  if (o.probe === 'http') return o.httpFreshTls ? 'https, fresh TLS connection each probe' : 'http, keep-alive';
  return o.probe === 'tcp' ? 'tcp connect' : 'dns A query (UDP)';
}

async function runSize(o: ProbeBenchOptions, n: number, certDir: string) {
  const serverKind = o.probe === 'http' ? (o.httpFreshTls ? 'https' : 'http') : o.probe;
  let servers: Child | undefined;
  let driver: Child | undefined;
  try {
    servers = start('probe-servers.js', [serverKind, SERVER_ADDRESSES.join(','), certDir]);
    const { port } = await nextJson<{ port: number }>(servers, 'the loopback servers');
    driver = start(o.engineProbes === true ? 'probe-driver.js' : 'monitor-driver.js', [JSON.stringify({
      kind: serverKind, n, port, addresses: SERVER_ADDRESSES, intervalMs: INTERVAL_MS, timeoutMs: INTERVAL_MS, keepAlive: !o.httpFreshTls,
    })]);
    await nextJson<{ ready: boolean }>(driver, 'the prober');
    const pid = driver.child.pid!;
    const serverPid = servers.child.pid!;
    console.log(`  N=${n}: probing (${modeOf(o)}; prober pid ${pid}, servers pid ${serverPid}); warm-up ${o.warmupSeconds} s`);
    await sleep(o.warmupSeconds * 1000);
    const warm = await ask<DriverStats>(driver, 'the prober');
    const loadBefore = loadavg();
    const t0 = Date.now();
    const cpu0 = cpuSeconds(pid);
    const serverCpu0 = cpuSeconds(serverPid);
    const served0 = await ask<{ accepted: number; requests: number; open: number }>(servers, 'the servers');
    let rssPeak = 0;
    let rssEnd = 0;
    const end = t0 + o.minutes * 60_000;
    let nextReport = t0 + 10_000;
    while (Date.now() < end) {
      if (driver.child.exitCode !== null || servers.child.exitCode !== null) throw new Error(`a bench child ended during the run (prober ${driver.child.exitCode}, servers ${servers.child.exitCode})`);
      const mem = memory(pid);
      rssEnd = mem.rssBytes;
      rssPeak = Math.max(rssPeak, mem.rssBytes);
      if (Date.now() >= nextReport) {
        nextReport += 10_000;
        console.log(`    +${Math.round((Date.now() - t0) / 1000)} s: prober CPU ${((cpuSeconds(pid) - cpu0) / ((Date.now() - t0) / 1000)).toFixed(2)} cores, RSS ${(mem.rssBytes / 2 ** 20).toFixed(0)} MB, load ${loadavg()[0].toFixed(2)}`);
      }
      await sleep(1000);
    }
    const t1 = Date.now();
    const seconds = (t1 - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const serverCpu = cpuSeconds(serverPid) - serverCpu0;
    const s = await ask<DriverStats>(driver, 'the prober');
    const served = await ask<{ accepted: number; requests: number; open: number }>(servers, 'the servers');
    const failed = Object.values(s.failures).reduce((a, b) => a + b, 0);
    const due = s.sent + s.skipped;
    const cpuCores = cpu / seconds;
    const probesPerSecond = s.sent / seconds;
    return {
      targets: n, mode: modeOf(o), measuredSeconds: seconds,
      loadBefore: loadBefore.map((l) => Math.round(l * 100) / 100), loadAfter: loadavg().map((l) => Math.round(l * 100) / 100),
      due, sent: s.sent, ok: s.ok, failed, skipped: s.skipped, failures: s.failures, inFlightAtEnd: s.inFlight,
      warmupFailures: warm.failures, warmupSkipped: warm.skipped,
      lossPercent: due > 0 ? (100 * (failed + s.skipped)) / due : NaN,
      driftP50Ms: s.driftP50Ms, driftP99Ms: s.driftP99Ms, driftMaxMs: s.driftMaxMs,
      cpuCores, probesPerSecond, coresPer1000PerSecond: probesPerSecond > 0 ? cpuCores / (probesPerSecond / 1000) : NaN,
      rssPeakMB: rssPeak / 2 ** 20, rssEndMB: rssEnd / 2 ** 20,
      serverCpuCores: serverCpu / seconds,
      serverConnectionsAccepted: served.accepted - served0.accepted, serverRequests: served.requests - served0.requests, serverOpenConnections: served.open,
    };
  } finally {
    await stop(driver);
    await stop(servers);
  }
}

type Row = Awaited<ReturnType<typeof runSize>>;

function verdicts(r: Row): Record<keyof typeof GOALS, boolean> {
  return {
    lossPercent: r.lossPercent <= GOALS.lossPercent,
    driftP99Ms: r.driftP99Ms !== null && r.driftP99Ms <= GOALS.driftP99Ms,
    cpuCores: r.cpuCores <= GOALS.cpuCores,
    rssMB: r.rssPeakMB <= GOALS.rssMB,
  };
}

const fmt = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));

export async function runProbeBench(o: ProbeBenchOptions): Promise<void> {
  const machine = describeMachine();
  printMachine(machine);
  const limits = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
  console.log(`monitor --probe ${o.probe}: ${modeOf(o)}; ${o.sizes.join(', ')} loopback targets at 1 probe/s, ${o.minutes} min measured each after ${o.warmupSeconds} s of warm-up;`
    + ` ${o.engineProbes === true ? 'the engine\'s one-off probes' : 'a monitor of that kind (MonitorRunner)'} in a prober process of their own, loopback servers in another (open-files hard limit ${limits}; node raises its soft limit to it)\n`);
  const certDir = mkdtempSync(join(tmpdir(), 'sonde-bench-probe-'));
  const rows: Row[] = [];
  try {
    if (o.probe === 'http' && o.httpFreshTls) makeCert(certDir);
    for (const n of o.sizes) {
      const row = await runSize(o, n, certDir);
      rows.push(row);
      console.log(`  N=${n}: loss ${fmt(row.lossPercent, 4)} % (${row.failed} failed ${JSON.stringify(row.failures)}, ${row.skipped} skipped of ${row.due} due), drift p50/p99/max ${fmt(row.driftP50Ms, 2)}/${fmt(row.driftP99Ms, 2)}/${fmt(row.driftMaxMs, 1)} ms, `
        + `prober CPU ${fmt(row.cpuCores, 2)} cores (${fmt(row.coresPer1000PerSecond, 3)} per 1,000 probes/s), RSS ${fmt(row.rssPeakMB, 0)}/${fmt(row.rssEndMB, 0)} MB; servers ${fmt(row.serverCpuCores, 2)} cores, `
        + `${row.serverConnectionsAccepted} connections accepted, ${row.serverRequests} requests/queries; load ${row.loadBefore[0]} → ${row.loadAfter[0]}\n`);
    }
  } finally {
    rmSync(certDir, { recursive: true, force: true });
  }
  const mark = (ok: boolean, text: string): string => `${text} ${ok ? 'PASS' : 'FAIL'}`;
  const table = new Table({
    style: { head: [], border: [] },
    head: ['targets', `loss % (=${GOALS.lossPercent})`, `drift p99 ms (≤${GOALS.driftP99Ms})`, `CPU cores (≤${GOALS.cpuCores})`, `RSS MB peak (≤${GOALS.rssMB})`,
      'cores per 1,000 probes/s', 'blackbox_exporter (published)', 'servers cores', 'all'],
  });
  for (const r of rows) {
    const v = verdicts(r);
    table.push([
      r.targets.toLocaleString('en-US'), mark(v.lossPercent, fmt(r.lossPercent, 4)), mark(v.driftP99Ms, fmt(r.driftP99Ms, 2)), mark(v.cpuCores, fmt(r.cpuCores, 2)),
      mark(v.rssMB, fmt(r.rssPeakMB, 0)), fmt(r.coresPer1000PerSecond, 3), `~${BLACKBOX_CORES_PER_1000_PER_S} (#683)`, fmt(r.serverCpuCores, 2),
      Object.values(v).every(Boolean) ? 'PASS' : 'FAIL',
    ]);
  }
  console.log(table.toString());
  const meeting = rows.filter((r) => Object.values(verdicts(r)).every(Boolean)).map((r) => r.targets);
  const largest = meeting.length > 0 ? Math.max(...meeting) : null;
  console.log(`largest N meeting the goal (${modeOf(o)}): ${largest === null ? 'none of the sizes run' : largest.toLocaleString('en-US')}`);
  const loadEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores; load average before ${machine.loadAvg.join(' ')}, after ${loadEnd.join(' ')}`);
  if (o.save) console.log(`saved ${saveResult(`monitor-${o.probe}${o.httpFreshTls ? '-fresh-tls' : ''}`, { machine, loadAvgAfter: loadEnd, args: o, goals: GOALS, blackboxCoresPer1000PerSecond: BLACKBOX_CORES_PER_1000_PER_S, largestMeetingGoal: largest, rows })}`);
}
