// npm run bench:streams — 1,000 concurrent POST /v1/ping:stream sessions (count 10, interval
// 100 ms, HOST 127.0.0.1 through the ICMP engine, NDJSON) against a sonde server in its own
// process, each session on a connection of its own. Every session must deliver 10 results (seq 1..10, all ok) and a summary. Reports
// the server's RSS (idle → peak), its event-loop delay p99 (monitorEventLoopDelay, 1 ms
// resolution) while the 1,000 sessions open (the request burst) and while they stream, next
// to the same server idle for the same time in the same run (the reference), its CPU time,
// and the machine's load average.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { pino } from 'pino';
import { createEngine, openDaemon } from '../engine/index.js';
import { startServer } from '../server/index.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { fmtInt, median, quantile } from './lib/stats.js';

type ToServer = { type: 'measure' | 'report' | 'stop'; id?: number; gc?: boolean };
interface Ready { type: 'ready'; url: string; key: string; targetId: string }
interface Report { type: 'report'; id?: number; samples: number; heapUsedMB: number; rssMB: number; rssPeakMB: number; delayP50Ms: number; delayP99Ms: number; delayMaxMs: number; cpuSeconds: number }

const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------
// The server process: a real sonde (engine, SQLite, uWS) that measures itself on request.
async function serve(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sonde-bench-streams-'));
  const engine = createEngine();
  const sonde = await openDaemon({
    dataDir, engine, rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    front: (daemon) => startServer({ daemon, logger: pino({ level: 'warn' }), host: '127.0.0.1', port: 0 }),
  });
  const server = sonde.front;
  const key = sonde.keys.create('bench', ['network:write']).secret;
  const targetId = sonde.targets.create({ kind: 'HOST', address: '127.0.0.1' }).id;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let rssPeak = 0;
  let cpuAtMeasure = process.cpuUsage();
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage.rss()); }, 20);
  process.on('message', (message: ToServer) => {
    if (message.type === 'measure') {
      if (message.gc === true) (globalThis as { gc?: () => void }).gc?.();
      delay.reset();
      rssPeak = process.memoryUsage.rss();
      cpuAtMeasure = process.cpuUsage();
      process.send!({ type: 'measuring', id: message.id });
    } else if (message.type === 'report') {
      const cpu = process.cpuUsage(cpuAtMeasure);
      const report: Report = {
        type: 'report',
        id: message.id,
        samples: delay.count,
        heapUsedMB: process.memoryUsage().heapUsed / MB,
        rssMB: process.memoryUsage.rss() / MB,
        rssPeakMB: Math.max(rssPeak, process.memoryUsage.rss()) / MB,
        delayP50Ms: delay.percentile(50) / 1e6,
        delayP99Ms: delay.percentile(99) / 1e6,
        delayMaxMs: delay.max / 1e6,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      };
      process.send!(report);
    } else if (message.type === 'stop') {
      clearInterval(sampler);
      void sonde.close().then(() => {
        rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  const ready: Ready = { type: 'ready', url: server.url, key, targetId };
  process.send!(ready);
}

// ---------------------------------------------------------------------------------------
// The client: the sessions, the checks, the table.
let nextId = 1;

/** Sends a request and waits for the answer with the same id (several may be outstanding). */
function ask<T>(child: ChildProcess, message: ToServer, answer: string): Promise<T> {
  const id = nextId++;
  return new Promise((resolve) => {
    const on = (m: { type: string; id?: number }): void => {
      if (m.type !== answer || m.id !== id) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send({ ...message, id });
  });
}

interface SessionOutcome { complete: boolean; problem?: string; durationMs: number; events: number }

/** One session on a connection of its own (node:http, no agent): 1,000 distinct clients in every run. */
function post(ready: Ready, body: string): Promise<http.IncomingMessage> {
  const url = new URL(`${ready.url}/v1/ping:stream`);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false,
      headers: { authorization: `Bearer ${ready.key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'application/x-ndjson' },
    }, resolve);
    req.once('error', reject);
    req.end(body);
  });
}

async function session(ready: Ready, count: number, intervalMs: number, onOpen: () => void = () => {}): Promise<SessionOutcome> {
  const started = performance.now();
  try {
    const r = await post(ready, JSON.stringify({ targetId: ready.targetId, count, intervalMs, timeoutMs: 2000 }));
    onOpen();
    r.setEncoding('utf8');
    let text = '';
    for await (const chunk of r) text += chunk as string;
    if (r.statusCode !== 200) return { complete: false, problem: `status ${r.statusCode}: ${text}`, durationMs: performance.now() - started, events: 0 };
    const events = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { result?: { seq: number; ok: boolean }; summary?: { requests: number; ok: number } });
    const seqs = events.filter((e) => e.result !== undefined).map((e) => e.result!.seq).sort((a, b) => a - b);
    const summary = events.find((e) => e.summary !== undefined)?.summary;
    const okAll = events.every((e) => e.result === undefined || e.result.ok);
    const complete = seqs.length === count && seqs.every((s, i) => s === i + 1) && summary?.requests === count && okAll;
    return {
      complete,
      ...(complete ? {} : { problem: `${seqs.length} results, summary ${JSON.stringify(summary)}, all ok ${okAll}` }),
      durationMs: performance.now() - started,
      events: events.length,
    };
  } catch (error) {
    return { complete: false, problem: (error as Error).message, durationMs: performance.now() - started, events: 0 };
  }
}

async function bench(): Promise<void> {
  const { values: flags } = parseArgs({
    options: {
      sessions: { type: 'string', default: '1000' },
      count: { type: 'string', default: '10' },
      interval: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (flags.help) {
    console.log('usage: npm run bench:streams -- [--sessions 1000] [--count 10] [--interval MS=100] [--runs 3] [--no-save]');
    return;
  }
  const sessions = Number(flags.sessions);
  const count = Number(flags.count);
  const intervalMs = Number(flags.interval);
  const runs = Number(flags.runs);

  const machine = describeMachine();
  printMachine(machine);
  console.log('note: the machine is shared with other sessions; figures move with their load.');
  console.log(`${sessions} concurrent ping:stream sessions × ${count} probes every ${intervalMs} ms to 127.0.0.1 (HOST, ICMP), NDJSON; ${runs} runs, medians reported.\n`);

  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await once(child, 'message')) as [Ready];
  const rows: Array<Report & { idle: Report; open: Report; completed: number; events: number; wallMs: number; sessionP50Ms: number; sessionP99Ms: number; problems: string[]; load1: number }> = [];
  // Warm-up: the engine's workers load the addon on their first job.
  await session(ready, 1, intervalMs);

  for (let run = 1; run <= runs; run++) {
    // Reference: the same server, idle, for as long as a run of sessions should take.
    // (after a full GC, so that run after run starts from the same heap)
    await ask(child, { type: 'measure', gc: true }, 'measuring');
    await new Promise((r) => setTimeout(r, count * intervalMs));
    const idle = await ask<Report>(child, { type: 'report' }, 'report');

    await ask(child, { type: 'measure' }, 'measuring');
    const started = performance.now();
    // Two windows: opening (until every session has its response headers, i.e. its first
    // event: the burst of 1,000 requests) and streaming (from then to the last summary).
    let opened = 0;
    let opening: Promise<Report> | undefined;
    const onOpen = (): void => {
      if (++opened === sessions) opening = ask<Report>(child, { type: 'report' }, 'report').then(async (r) => {
        await ask(child, { type: 'measure' }, 'measuring');
        return r;
      });
    };
    const outcomes = await Promise.all(Array.from({ length: sessions }, () => session(ready, count, intervalMs, onOpen)));
    const wallMs = performance.now() - started;
    // The opening window's report and reset come first (the last headers may arrive near the end).
    const openReport = opening !== undefined ? await opening : undefined;
    const streaming = await ask<Report>(child, { type: 'report' }, 'report');
    const open = openReport ?? streaming;
    // A streaming window too short to sample (the last session opened near the end) is left out of the medians.
    if (streaming.samples < 100) streaming.delayP50Ms = streaming.delayP99Ms = NaN;
    const loaded: Report = {
      ...streaming,
      rssPeakMB: Math.max(open.rssPeakMB, streaming.rssPeakMB),
      delayMaxMs: Math.max(open.delayMaxMs, streaming.delayMaxMs),
      cpuSeconds: open.cpuSeconds + streaming.cpuSeconds,
    };
    const completed = outcomes.filter((o) => o.complete).length;
    const problems = [...new Set(outcomes.filter((o) => !o.complete).map((o) => o.problem ?? '?'))].slice(0, 3);
    const durations = outcomes.map((o) => o.durationMs);
    rows.push({
      ...loaded, idle, open, completed, events: outcomes.reduce((a, o) => a + o.events, 0), wallMs,
      sessionP50Ms: median(durations), sessionP99Ms: quantile(durations, 0.99), problems, load1: loadavg()[0],
    });
    console.log(`run ${run}/${runs}: ${completed}/${sessions} sessions complete, ${fmtInt(rows.at(-1)!.events)} events in ${fmtInt(wallMs)} ms; server RSS ${idle.rssMB.toFixed(1)} MB idle (heap ${idle.heapUsedMB.toFixed(1)} MB) → peak ${loaded.rssPeakMB.toFixed(1)} MB, event-loop delay p99 ${open.delayP99Ms.toFixed(2)} ms opening / ${streaming.samples >= 100 ? `${streaming.delayP99Ms.toFixed(2)} ms` : `n/a (the last session opened ${fmtInt(streaming.samples)} ms before the end)`} streaming (idle ${idle.delayP99Ms.toFixed(2)} ms); load ${loadavg()[0].toFixed(2)}`);
    for (const p of problems) console.log(`  incomplete: ${p}`);
  }
  child.send({ type: 'stop' } satisfies ToServer);
  await once(child, 'exit');

  const m = (pick: (r: (typeof rows)[number]) => number): number => median(rows.map(pick).filter((v) => !Number.isNaN(v)));
  const table = new Table({ head: ['measure (median of runs)', 'under load', 'idle reference', 'ratio'] });
  table.push(
    ['sessions complete (every event)', `${fmtInt(m((r) => r.completed))} / ${sessions}`, '', ''],
    ['events delivered', fmtInt(m((r) => r.events)), `expected ${fmtInt(sessions * (count + 1))}`, ''],
    ['wall time of a run', `${fmtInt(m((r) => r.wallMs))} ms`, `≥ ${fmtInt((count - 1) * intervalMs)} ms by the schedule`, ''],
    ['session duration p50 / p99', `${fmtInt(m((r) => r.sessionP50Ms))} / ${fmtInt(m((r) => r.sessionP99Ms))} ms`, '', ''],
    ['server RSS peak', `${m((r) => r.rssPeakMB).toFixed(1)} MB`, `${m((r) => r.idle.rssMB).toFixed(1)} MB`, `+${m((r) => r.rssPeakMB - r.idle.rssMB).toFixed(1)} MB`],
    ['server event-loop delay p50, opening', `${m((r) => r.open.delayP50Ms).toFixed(2)} ms`, `${m((r) => r.idle.delayP50Ms).toFixed(2)} ms`, ''],
    ['server event-loop delay p99, opening', `${m((r) => r.open.delayP99Ms).toFixed(2)} ms`, `${m((r) => r.idle.delayP99Ms).toFixed(2)} ms`, `${(m((r) => r.open.delayP99Ms) / m((r) => r.idle.delayP99Ms)).toFixed(2)}×`],
    ['server event-loop delay p50, streaming', `${m((r) => r.delayP50Ms).toFixed(2)} ms`, `${m((r) => r.idle.delayP50Ms).toFixed(2)} ms`, ''],
    ['server event-loop delay p99, streaming', `${m((r) => r.delayP99Ms).toFixed(2)} ms`, `${m((r) => r.idle.delayP99Ms).toFixed(2)} ms`, `${(m((r) => r.delayP99Ms) / m((r) => r.idle.delayP99Ms)).toFixed(2)}×`],
    ['server event-loop delay max', `${m((r) => r.delayMaxMs).toFixed(2)} ms`, `${m((r) => r.idle.delayMaxMs).toFixed(2)} ms`, ''],
    ['server CPU time per run', `${m((r) => r.cpuSeconds).toFixed(2)} s`, `${m((r) => r.idle.cpuSeconds).toFixed(2)} s`, ''],
  );
  console.log(`\n${table.toString()}`);
  const allComplete = rows.every((r) => r.completed === sessions);
  console.log(`goal: all ${sessions} sessions complete with every event delivered: ${allComplete ? 'met' : 'NOT met'} in every run`);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2-core machine shared with other sessions; the client runs on it too)`);
  if (!flags['no-save']) {
    const path = saveResult('streams', { machine, sessions, count, intervalMs, runs: rows, loadAvgEnd: loadavg() });
    console.log(`saved ${path}`);
  }
}

if (process.argv.includes('--serve')) await serve();
else await bench();
