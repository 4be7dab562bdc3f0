// npm run bench:distributed-ingest — what the controller's ingest of remote agents' sealed
// windows costs per batch of 1,000 (issue 19: seal → stored p99 ≤ 2 s with 4 agents × 12,500
// targets at 1 probe/s). No bus and no processes: each agent's windows are recorded into a
// real WindowTable (--probes per window around a per-target RTT with a tail; --loss, 0 as on
// loopback: a lost probe makes the window degraded, a state change to store), sealed,
// and turned into wire batches by the agent's real WindowOutbox into a real WindowSpool (a
// temp SQLite, synchronous = FULL as on an agent); the spooled payloads then go through the
// controller's real path, as WindowIngest.handle() runs it, into a temp SQLite opened like the
// controller's (openDatabase, 8 MiB cache) with a VantageStatus judging each new window.
// --prefill rounds (one window per target of every agent each) are stored first so the
// B-tree is as deep and as scattered as after a few minutes of running; then --rounds rounds
// are measured. Per batch: wall and CPU ms of decode + validate (the subject check with it),
// of the store write (the insert transaction, the judging left out) and of the judging
// (VantageStatus.observe, wall time, also taken out of the store's CPU), median / p90 / max
// over every measured batch; per round: the
// whole burst (every agent's batches of one window start, one after another, as they land
// when the agents seal together), the WAL checkpoint the ingest runs between bursts (here
// after each agent's batches), and the agents' seal → spooled time. Last, a queue model
// from the measured service times: each agent's batches arrive when it has spooled them,
// at phase 0 (every agent at once) or at its seal phase (engine/distributed/seal-phase.ts,
// hostnames bench-<i>); a batch's windows are stored when every batch before it was —
// seal → stored p50 / p99 over the windows of the measured rounds, CPU contention ignored.
//
//   node dist/bench/distributed-ingest.js [--agents 4] [--targets-per-agent 12500] [--probes 10]
//     [--prefill 6] [--rounds 5] [--no-save]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { AgentWindowStore } from '../engine/distributed/agent-window-store.js';
import { agentSealPhaseMs } from '../engine/distributed/seal-phase.js';
import { VantageStatus, type JudgedWindow } from '../engine/distributed/vantage-status.js';
import { WindowOutbox, type TargetIdentity } from '../engine/distributed/window-outbox.js';
import { WindowSpool, type SpooledBatch } from '../engine/distributed/window-spool.js';
import { WINDOW_SUBJECT_PREFIX, agentToken } from '../engine/distributed/window-stream.js';
import { decodeWindowBatch } from '../engine/distributed/window-wire.js';
import { WindowTable } from '../engine/monitor/window-table.js';
import { openDatabase } from '../engine/store/database.js';
import { uuidv7 } from '../engine/store/uuid7.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { median, quantile } from './lib/stats.js';
import { loopbackTargets } from './lib/targets.js';
import { rand } from './lib/window-rows.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const opts = new Command('bench:distributed-ingest')
  .option('--agents <n>', 'agents, each with its own targets', positiveInt, 4)
  .option('--targets-per-agent <n>', 'targets of each agent (one window each per round)', positiveInt, 12_500)
  .option('--probes <n>', 'probes per target per window (10 s windows at 1 probe/s: 10)', positiveInt, 10)
  .option('--loss <percent>', 'probes lost', (v) => {
    const n = Number(v);
    if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError('a percentage 0..100');
    return n;
  }, 0)
  .option('--prefill <n>', 'rounds stored before measuring', positiveInt, 6)
  .option('--rounds <n>', 'measured rounds', positiveInt, 5)
  .option('--no-save', 'do not write bench/results/distributed-ingest-*.json')
  .parse()
  .opts<{ agents: number; targetsPerAgent: number; probes: number; loss: number; prefill: number; rounds: number; save: boolean }>();

const SPAN_MS = 10_000;
const MONITOR_ID = uuidv7();

/** The judge of the real path, with the time spent in it added up (wall only: a CPU clock
 *  read per window would cost more than most judgings; it does no I/O but a first read per key). */
class TimedStatus extends VantageStatus {
  wallMs = 0;
  override observe(agent: string, monitorId: string, spanMs: number, w: JudgedWindow): void {
    const t0 = performance.now();
    super.observe(agent, monitorId, spanMs, w);
    this.wallMs += performance.now() - t0;
  }
}

interface Agent {
  name: string;
  subject: string;
  spool: WindowSpool;
  outbox: WindowOutbox;
  rowSeq: number[];
  /** Per row: the target's base RTT, ns. */
  baseNs: Float64Array;
  table: WindowTable;
}

interface Phase { wallMs: number[]; cpuMs: number[] }
const phase = (): Phase => ({ wallMs: [], cpuMs: [] });
const measured = { decode: phase(), store: phase(), observe: phase(), batch: phase() };
const bursts: number[] = [];
const checkpoints: Phase = phase();
/** Per measured round, per agent: seal → spooled ms and each batch's wall ms (store + its share of the checkpoint). */
const model: { spooledMs: number; batchMs: number[] }[][] = [];
const seals: number[] = [];
let batchesPerRound = 0;
let payloadBytes = 0;

const machine = describeMachine();
printMachine(machine);
const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-ingest-'));
try {
  const { db } = openDatabase(join(dir, 'controller'), 8);
  db.pragma('wal_autocheckpoint = 10000'); // as openControllerWindows sets it
  const status = new TimedStatus(db, { downAfter: 3, upAfter: 3 });
  const store = new AgentWindowStore(db, status);
  const addresses = loopbackTargets(opts.agents * opts.targetsPerAgent);
  const agents: Agent[] = Array.from({ length: opts.agents }, (_, a) => {
    const name = `bench-${a}`;
    const targets = new Map<number, TargetIdentity>();
    const rowSeq: number[] = [];
    for (let r = 0; r < opts.targetsPerAgent; r++) {
      const seq = a * opts.targetsPerAgent + r + 1;
      rowSeq.push(seq);
      targets.set(seq, { id: uuidv7(), address: addresses[seq - 1] });
    }
    const spool = new WindowSpool(join(dir, name), { maxBatches: 1_000_000, maxBytes: 4 * 1024 ** 3 });
    const outbox = new WindowOutbox(name, spool, undefined, () => MONITOR_ID, (seq) => targets.get(seq));
    const baseNs = Float64Array.from(rowSeq, () => 30_000 + rand() * 2_000_000); // loopback: 30 µs – 2 ms
    return { name, subject: `${WINDOW_SUBJECT_PREFIX}.${agentToken(name)}`, spool, outbox, rowSeq, baseNs, table: new WindowTable(opts.targetsPerAgent, 0) };
  });

  /** One agent's window at startMs: recorded, sealed, spooled; returns the spooled batches. */
  const seal = (agent: Agent, startMs: number): SpooledBatch[] => {
    const t = agent.table;
    t.reset(opts.targetsPerAgent, startMs, opts.probes + 1);
    const loss = opts.loss / 100;
    for (let r = 0; r < opts.targetsPerAgent; r++) {
      for (let k = 0; k < opts.probes; k++) {
        const u = rand();
        if (u < loss) t.recordTimeout(r);
        else t.recordRtt(r, agent.baseNs[r] * Math.exp(0.15 * (rand() + rand() + rand() - 1.5)) * (u > 0.97 ? 1 + 8 * rand() : 1));
      }
    }
    t.seal();
    const t0 = performance.now();
    agent.outbox.push({ monitorSeq: 1, spanMs: SPAN_MS, table: t, rowSeq: agent.rowSeq, release: () => {} }, Date.now(), false);
    seals.push(performance.now() - t0);
    const out = agent.spool.peek(1_000_000);
    for (const b of out) agent.spool.ack(b);
    return out;
  };

  /** The controller's path for one message, as WindowIngest.handle() runs it, timed by phase. */
  const ingest = (subject: string, data: Uint8Array, record: boolean): void => {
    const obsWall = status.wallMs;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const decoded = decodeWindowBatch(data);
    if (!decoded.ok) throw new Error(`a batch of the real encoder was rejected: ${decoded.reason}`);
    if (subject !== `${WINDOW_SUBJECT_PREFIX}.${agentToken(decoded.batch.agent)}`) throw new Error('subject mismatch');
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    status.pending = [];
    const counts = store.write(decoded.batch, Date.now(), decoded.hists);
    const t2 = performance.now();
    const c2 = process.cpuUsage();
    if (counts.stored !== decoded.batch.windows.length) throw new Error(`stored ${counts.stored} of ${decoded.batch.windows.length} windows`);
    if (!record) return;
    const cpu = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user + b.system - a.user - a.system) / 1000;
    const observeWall = status.wallMs - obsWall;
    // judging is CPU-bound: its wall time stands for its CPU time
    const observeCpu = observeWall;
    measured.decode.wallMs.push(t1 - t0);
    measured.decode.cpuMs.push(cpu(c0, c1));
    measured.store.wallMs.push(t2 - t1 - observeWall);
    measured.store.cpuMs.push(cpu(c1, c2) - observeCpu);
    measured.observe.wallMs.push(observeWall);
    measured.observe.cpuMs.push(observeCpu);
    measured.batch.wallMs.push(t2 - t0);
    measured.batch.cpuMs.push(cpu(c0, c2));
  };

  const base = Math.floor(Date.now() / SPAN_MS) * SPAN_MS - (opts.prefill + opts.rounds + 1) * SPAN_MS;
  for (let round = 0; round < opts.prefill + opts.rounds; round++) {
    const startMs = base + round * SPAN_MS;
    const record = round >= opts.prefill;
    const arrived = agents.map((a) => {
      const batches = seal(a, startMs);
      return { agent: a, batches, spooledMs: seals[seals.length - 1] };
    });
    batchesPerRound = arrived.reduce((n, a) => n + a.batches.length, 0);
    const t0 = performance.now();
    const perAgent: { spooledMs: number; batchMs: number[] }[] = [];
    for (const { agent, batches, spooledMs } of arrived) {
      const batchMs: number[] = [];
      for (const b of batches) {
        if (record) payloadBytes += b.payload.length;
        const b0 = performance.now();
        ingest(agent.subject, b.payload, record);
        batchMs.push(performance.now() - b0);
      }
      // the ingest checkpoints once no batch came for a moment: between agents' bursts
      const c0 = process.cpuUsage();
      const k0 = performance.now();
      store.checkpoint();
      const k = performance.now() - k0;
      const c = process.cpuUsage(c0);
      if (record) {
        checkpoints.wallMs.push(k);
        checkpoints.cpuMs.push((c.user + c.system) / 1000);
      }
      batchMs[batchMs.length - 1] += k;
      perAgent.push({ spooledMs, batchMs });
    }
    if (record) {
      bursts.push(performance.now() - t0);
      model.push(perAgent);
    }
    process.stdout.write(`\r${record ? 'measured' : 'prefill '} round ${round + 1}/${opts.prefill + opts.rounds}`);
  }
  process.stdout.write('\n');
  for (const a of agents) a.spool.close();
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const stat = (v: number[]): { median: number; p90: number; max: number } => ({ median: median(v), p90: quantile(v, 0.9), max: Math.max(...v) });
const rows = Object.fromEntries(Object.entries(measured).map(([k, p]) => [k, { wallMs: stat(p.wallMs), cpuMs: stat(p.cpuMs) }]));
const n = measured.batch.wallMs.length;
console.log(`${opts.agents} agents × ${opts.targetsPerAgent.toLocaleString('en-US')} targets, ${opts.probes} probes a window, `
  + `${opts.loss} % lost, ${opts.prefill} rounds prefilled, ${opts.rounds} measured: ${n} batches of ≤ 1,000 windows, ${(payloadBytes / n / 1024).toFixed(0)} KiB each`);
const f = (x: number): string => x.toFixed(2).padStart(7);
console.log('per batch, ms            wall median    p90    max   |  CPU median    p90    max');
for (const [k, r] of Object.entries(rows)) {
  console.log(`  ${k.padEnd(22)} ${f(r.wallMs.median)} ${f(r.wallMs.p90)} ${f(r.wallMs.max)}   |  ${f(r.cpuMs.median)} ${f(r.cpuMs.p90)} ${f(r.cpuMs.max)}`);
}
console.log(`burst of one round (${batchesPerRound} batches, one after another): median ${median(bursts).toFixed(0)} ms, max ${Math.max(...bursts).toFixed(0)} ms`);
const perBurst = stat(checkpoints.wallMs);
console.log(`checkpoint after an agent's batches: wall median ${perBurst.median.toFixed(1)} ms, max ${perBurst.max.toFixed(1)} ms; CPU median ${median(checkpoints.cpuMs).toFixed(1)} ms `
  + `(${(median(checkpoints.cpuMs) / (batchesPerRound / opts.agents)).toFixed(2)} ms a batch)`);

/** Seal → stored of every window of the measured rounds, agents sealing at `phaseOf(i)`. */
function queued(phaseOf: (agent: number) => number): { p50: number; p99: number } {
  const latencies: number[] = [];
  for (const round of model) {
    const arrivals = round.flatMap((a, i) => a.batchMs.map((ms) => ({ seal: phaseOf(i), at: phaseOf(i) + a.spooledMs, ms })));
    arrivals.sort((x, y) => x.at - y.at);
    let free = 0;
    for (const b of arrivals) {
      free = Math.max(free, b.at) + b.ms;
      latencies.push(free - b.seal);
    }
  }
  return { p50: median(latencies), p99: quantile(latencies, 0.99) };
}
const together = queued(() => 0);
const phased = queued((i) => agentSealPhaseMs(`bench-${i}`, SPAN_MS));
console.log(`queue model, seal → stored of a batch's windows: every agent at once p50 ${together.p50.toFixed(0)} ms / p99 ${together.p99.toFixed(0)} ms; `
  + `on their seal phases (${phaseList()}) p50 ${phased.p50.toFixed(0)} ms / p99 ${phased.p99.toFixed(0)} ms`);
function phaseList(): string {
  return Array.from({ length: opts.agents }, (_, i) => agentSealPhaseMs(`bench-${i}`, SPAN_MS)).join(', ') + ' ms';
}
const measuredSeals = seals.slice(opts.prefill * opts.agents);
console.log(`an agent's seal → spooled (${opts.targetsPerAgent.toLocaleString('en-US')} windows encoded and spooled): median ${median(measuredSeals).toFixed(0)} ms, max ${Math.max(...measuredSeals).toFixed(0)} ms`);
const loadAfter = describeMachine().loadAvg;
console.log(`load average after: ${loadAfter.join(' ')}`);
if (opts.save) {
  const path = saveResult('distributed-ingest', {
    machine, loadAvgAfter: loadAfter, options: opts, batches: n, bytesPerBatch: Math.round(payloadBytes / n),
    perBatch: rows, checkpointPerAgentBurstMs: { wall: perBurst, cpuMedian: median(checkpoints.cpuMs) },
    queueModelMs: { together, phased }, burstMs: { median: median(bursts), max: Math.max(...bursts) }, sealToSpooledMs: { median: median(measuredSeals), max: Math.max(...measuredSeals) },
  });
  console.log(`saved ${path}`);
}
