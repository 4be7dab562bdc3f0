// bench:accuracy's spacing sweep: RTT to loopback at each probe spacing, sonde next to
// iputils ping, in alternating blocks so that both see the same moments of a shared machine.
import os from 'node:os';
import Table from 'cli-table3';
import type { Engine, ProbeResult } from '../../engine/types.js';
import { withDeadline } from './deadline.js';
import { runPing } from './iputils-ping.js';
import { median, quantile } from './stats.js';

export const SWEEP_MEDIAN_GOAL_US = 5;
export const SWEEP_P99_GOAL_US = 20;

export interface SweepTool {
  medianUs: number;
  p99Us: number;
  received: number;
  sent: number;
}

export interface SweepRow {
  spacingMs: number;
  /** Probes per tool, in `blocks` blocks per tool. */
  count: number;
  blocks: number;
  /** 1-minute load average before and after this spacing's blocks. */
  loadAvg: [number, number];
  ping: SweepTool;
  /** The engine as `sonde ping` runs it for a few targets: on the calling thread. */
  sonde: SweepTool;
  /** The engine with its worker pool (the daemon's). */
  sondePool?: SweepTool;
  medianDiffUs: number;
  p99DiffUs: number;
  poolMedianDiffUs?: number;
  poolP99DiffUs?: number;
}

export interface SweepOptions {
  ping: string;
  address: string;
  size: number;
  spacingsMs: number[];
  /** Wall time per tool and spacing, roughly. */
  seconds: number;
  /** Blocks per tool and spacing; ping and sonde alternate block by block. */
  blocks: number;
  inThread: Engine;
  pool?: Engine;
}

interface Collected {
  rtts: number[];
  sent: number;
  received: number;
}

async function sondeBlock(engine: Engine, address: string, n: number, spacingMs: number, size: number, into: Collected): Promise<void> {
  const summary = await withDeadline(
    engine.ping({ targets: [address], count: n, intervalMs: spacingMs, timeoutMs: 1000, size }, (r: ProbeResult) => {
      if (r.status === 'ok') into.rtts.push(r.rttNs / 1000);
    }),
    30_000 + n * spacingMs * 3, `sonde job at ${spacingMs} ms spacing`,
  );
  into.sent += summary.targets[0]?.sent ?? 0;
  into.received += summary.targets[0]?.received ?? 0;
}

function summarise(c: Collected): SweepTool {
  return { medianUs: median(c.rtts), p99Us: quantile(c.rtts, 0.99), received: c.received, sent: c.sent };
}

const load1 = (): number => Math.round(os.loadavg()[0] * 100) / 100;

export async function spacingSweep(o: SweepOptions): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const spacingMs of o.spacingsMs) {
    const count = Math.max(20, Math.min(1000, Math.round((o.seconds * 1000) / spacingMs)));
    const blocks = Math.max(1, Math.min(o.blocks, Math.floor(count / 10)));
    const perBlock = Math.ceil(count / blocks);
    const ping: Collected = { rtts: [], sent: 0, received: 0 };
    const sonde: Collected = { rtts: [], sent: 0, received: 0 };
    const pool: Collected = { rtts: [], sent: 0, received: 0 };
    const loadBefore = load1();
    for (let b = 0; b < blocks; b++) {
      // Who goes first alternates too, so neither always follows the other's idle gap.
      const order = b % 2 === 0 ? ['ping', 'sonde', 'pool'] : ['pool', 'sonde', 'ping'];
      for (const tool of order) {
        if (tool === 'ping') {
          const p = await runPing(o.ping, o.address, perBlock, spacingMs, o.size);
          for (const x of p.rttUs) ping.rtts.push(x);
          ping.sent += p.sent;
          ping.received += p.received;
        } else if (tool === 'sonde') {
          await sondeBlock(o.inThread, o.address, perBlock, spacingMs, o.size, sonde);
        } else if (o.pool) {
          await sondeBlock(o.pool, o.address, perBlock, spacingMs, o.size, pool);
        }
      }
    }
    const row: SweepRow = {
      spacingMs, count: perBlock * blocks, blocks, loadAvg: [loadBefore, load1()],
      ping: summarise(ping), sonde: summarise(sonde), medianDiffUs: NaN, p99DiffUs: NaN,
    };
    row.medianDiffUs = row.sonde.medianUs - row.ping.medianUs;
    row.p99DiffUs = row.sonde.p99Us - row.ping.p99Us;
    if (o.pool) {
      row.sondePool = summarise(pool);
      row.poolMedianDiffUs = row.sondePool.medianUs - row.ping.medianUs;
      row.poolP99DiffUs = row.sondePool.p99Us - row.ping.p99Us;
    }
    const f = (t: SweepTool): string => `median ${t.medianUs.toFixed(1)} p99 ${t.p99Us.toFixed(1)} µs (${t.received}/${t.sent})`;
    console.log(`spacing ${spacingMs} ms, ${row.count} probes each in ${blocks} blocks, load ${row.loadAvg.join(' → ')}: ` +
      `ping ${f(row.ping)} | sonde ${f(row.sonde)}${row.sondePool ? ` | sonde workers ${f(row.sondePool)}` : ''}`);
    rows.push(row);
  }
  printSweep(rows);
  return rows;
}

export function sweepGoalMet(medianDiffUs: number, p99DiffUs: number): boolean {
  return Math.abs(medianDiffUs) <= SWEEP_MEDIAN_GOAL_US && p99DiffUs <= SWEEP_P99_GOAL_US;
}

function printSweep(rows: SweepRow[]): void {
  const table = new Table({
    style: { head: [], border: [] },
    head: ['spacing ms', 'probes', 'load', 'ping median', 'sonde median', 'diff', 'ping p99', 'sonde p99', 'diff', 'goal', 'workers median', 'diff', 'workers p99', 'diff'],
  });
  const x = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(1));
  for (const r of rows) {
    table.push([
      r.spacingMs, r.count, r.loadAvg.join('→'),
      x(r.ping.medianUs), x(r.sonde.medianUs), x(r.medianDiffUs), x(r.ping.p99Us), x(r.sonde.p99Us), x(r.p99DiffUs),
      sweepGoalMet(r.medianDiffUs, r.p99DiffUs) ? 'met' : 'NOT met',
      x(r.sondePool?.medianUs), x(r.poolMedianDiffUs), x(r.sondePool?.p99Us), x(r.poolP99DiffUs),
    ]);
  }
  console.log(`\nspacing sweep, RTT in µs (goal |sonde median − ping median| ≤ ${SWEEP_MEDIAN_GOAL_US} µs and sonde p99 − ping p99 ≤ ${SWEEP_P99_GOAL_US} µs at each; ` +
    `"sonde" runs in the calling thread as \`sonde ping\` does for a few targets, "workers" in the worker pool):\n${table.toString()}`);
}
