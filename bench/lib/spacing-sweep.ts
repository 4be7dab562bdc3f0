// bench:accuracy's spacing sweep: RTT to loopback at each probe spacing, sonde next to
// iputils ping, in alternating blocks so that both see the same moments of a shared machine;
// with the wire column, a tap on the device meanwhile stamps every request and reply, and
// each probe of each tool is compared with its own round trip on the wire.
import { randomInt } from 'node:crypto';
import os from 'node:os';
import Table from 'cli-table3';
import type { Engine, ProbeResult } from '../../engine/types.js';
import { withDeadline } from './deadline.js';
import { runPing } from './iputils-ping.js';
import { median, quantile } from './stats.js';
import { startWireCapture, type WireCapture } from './wire-capture.js';
import { compareWithWire, ProbeLog, WireIndex, type WireComparison } from './wire-match.js';

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
  /** Each tool against the wire, probe by probe (absent when the capture was skipped). */
  wire?: WireRow;
}

export interface WireRow {
  ping: WireComparison;
  sonde: WireComparison;
  sondePool?: WireComparison;
  /** The tap's counts over this spacing: packets that passed its filter, packets it dropped
   *  (its buffer full between drains), replies with no request of theirs before them. */
  tapPackets: number;
  tapDrops: number;
  unpairedReplies: number;
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
  /** The wire column: wire-stamps (bench/lib/wire-capture.ts) on this device. */
  wire?: { bin: string; device: string };
}

interface Collected {
  rtts: number[];
  sent: number;
  received: number;
  /** Answered probes by echo id and seq, for the wire column. */
  log: ProbeLog;
}

const collected = (): Collected => ({ rtts: [], sent: 0, received: 0, log: new ProbeLog() });

/** A request leaves through the device just before the kernel's TX stamp sonde reports;
 *  a probe is looked for within this of it. */
const SONDE_WINDOW_NS = 1e6;
/** Date.now() has ms resolution: a ping block's window is widened by this on both sides. */
const PING_WINDOW_SLACK_NS = 5e6;

async function sondeBlock(
  engine: Engine, address: string, n: number, spacingMs: number, size: number, into: Collected, capture: WireCapture | undefined,
): Promise<void> {
  const baseNs = capture?.baseNs;
  const summary = await withDeadline(
    engine.ping({ targets: [address], count: n, intervalMs: spacingMs, timeoutMs: 1000, size }, (r: ProbeResult) => {
      if (r.status !== 'ok') return;
      into.rtts.push(r.rttNs / 1000);
      if (baseNs === undefined) return;
      const sentNs = Number(r.sentAtNs - baseNs);
      into.log.add(r.echoId, r.echoSeq, r.rttNs, sentNs - SONDE_WINDOW_NS, sentNs + SONDE_WINDOW_NS, sentNs);
    }),
    30_000 + n * spacingMs * 3, `sonde job at ${spacingMs} ms spacing`,
  );
  into.sent += summary.targets[0]?.sent ?? 0;
  into.received += summary.targets[0]?.received ?? 0;
}

async function pingBlock(
  o: SweepOptions, n: number, spacingMs: number, into: Collected, capture: WireCapture | undefined, ident: number | undefined,
): Promise<void> {
  const from = capture ? Number(BigInt(Date.now()) * 1_000_000n - capture.baseNs) - PING_WINDOW_SLACK_NS : 0;
  const p = await runPing(o.ping, o.address, n, spacingMs, o.size, ident);
  for (const x of p.rttUs) into.rtts.push(x);
  into.sent += p.sent;
  into.received += p.received;
  if (!capture || ident === undefined) return;
  const to = Number(BigInt(Date.now()) * 1_000_000n - capture.baseNs) + PING_WINDOW_SLACK_NS;
  for (let i = 0; i < p.seqs.length; i++) {
    if (p.seqs[i] >= 0) into.log.add(ident, p.seqs[i], p.rttUs[i] * 1000, from, to, from);
  }
}

function summarise(c: Collected): SweepTool {
  return { medianUs: median(c.rtts), p99Us: quantile(c.rtts, 0.99), received: c.received, sent: c.sent };
}

const load1 = (): number => Math.round(os.loadavg()[0] * 100) / 100;

type IdRange = readonly [number, number];

/** The echo ids the engines probe with (their claimed id blocks); undefined when an engine
 *  does not say (then the tap takes every id). */
async function engineIdRanges(o: SweepOptions): Promise<IdRange[] | undefined> {
  const ranges: IdRange[] = [];
  for (const engine of o.pool ? [o.inThread, o.pool] : [o.inThread]) {
    const blocks = (await engine.stats()).idBlocks;
    if (!blocks) return undefined;
    for (const b of blocks) ranges.push([b.base, b.base + b.count - 1]);
  }
  return ranges;
}

/** One identifier per ping block, none inside the engines' ranges: each block's probes are
 *  the only ones with theirs. */
function pingIdents(blocks: number, engines: IdRange[] | undefined): number[] {
  const idents: number[] = [];
  while (idents.length < blocks) {
    const id = randomInt(1, 0x10000);
    if (!idents.includes(id) && !(engines ?? []).some(([lo, hi]) => id >= lo && id <= hi)) idents.push(id);
  }
  return idents;
}

export async function spacingSweep(o: SweepOptions): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const spacingMs of o.spacingsMs) {
    const count = Math.max(20, Math.min(1000, Math.round((o.seconds * 1000) / spacingMs)));
    const blocks = Math.max(1, Math.min(o.blocks, Math.floor(count / 10)));
    const perBlock = Math.ceil(count / blocks);
    const ping = collected();
    const sonde = collected();
    const pool = collected();
    const loadBefore = load1();
    const engineIds = o.wire ? await engineIdRanges(o) : undefined;
    const idents = o.wire ? pingIdents(blocks, engineIds) : [];
    const capture = o.wire
      ? await startWireCapture(o.wire.bin, {
        device: o.wire.device, address: o.address,
        ...(engineIds ? { idRanges: [...engineIds, ...idents.map((id): IdRange => [id, id])] } : {}),
      })
      : undefined;
    try {
      for (let b = 0; b < blocks; b++) {
        // Who goes first alternates too, so neither always follows the other's idle gap.
        const order = b % 2 === 0 ? ['ping', 'sonde', 'pool'] : ['pool', 'sonde', 'ping'];
        for (const tool of order) {
          if (tool === 'ping') await pingBlock(o, perBlock, spacingMs, ping, capture, idents[b]);
          else if (tool === 'sonde') await sondeBlock(o.inThread, o.address, perBlock, spacingMs, o.size, sonde, capture);
          else if (o.pool) await sondeBlock(o.pool, o.address, perBlock, spacingMs, o.size, pool, capture);
        }
      }
    } catch (error) {
      capture?.abort();
      throw error;
    }
    const tap = await capture?.stop();
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
    if (tap) {
      const index = new WireIndex(tap.packets);
      row.wire = {
        ping: compareWithWire(ping.log, index), sonde: compareWithWire(sonde.log, index),
        ...(o.pool ? { sondePool: compareWithWire(pool.log, index) } : {}),
        tapPackets: tap.tapPackets, tapDrops: tap.drops, unpairedReplies: index.unpairedReplies,
      };
    }
    const f = (t: SweepTool): string => `median ${t.medianUs.toFixed(1)} p99 ${t.p99Us.toFixed(1)} µs (${t.received}/${t.sent})`;
    const w = (c: WireComparison | undefined, sonde = true): string => {
      if (c === undefined) return '';
      const d = sonde ? sondeWireDiff(c) : { medianUs: c.diffMedianUs, p99Us: c.diffP99Us };
      return ` − wire median ${d.medianUs.toFixed(1)} p99 ${d.p99Us.toFixed(1)} µs (${c.matched}/${c.matched + c.unmatched} on the wire)`;
    };
    console.log(`spacing ${spacingMs} ms, ${row.count} probes each in ${blocks} blocks, load ${row.loadAvg.join(' → ')}: ` +
      `ping ${f(row.ping)} | sonde ${f(row.sonde)}${row.sondePool ? ` | sonde workers ${f(row.sondePool)}` : ''}` +
      (row.wire ? `\n  wire: ping${w(row.wire.ping, false)} | sonde${w(row.wire.sonde)}${row.wire.sondePool ? ` | workers${w(row.wire.sondePool)}` : ''}` +
        ` | tap ${row.wire.tapPackets} packets, ${row.wire.tapDrops} dropped` : ''));
    rows.push(row);
  }
  printSweep(rows);
  return rows;
}

export function sweepGoalMet(medianDiffUs: number, p99DiffUs: number): boolean {
  return Math.abs(medianDiffUs) <= SWEEP_MEDIAN_GOAL_US && p99DiffUs <= SWEEP_P99_GOAL_US;
}

/** sonde − wire per probe as the goal reads it: from the request's arrival where the device
 *  shows it (loopback: the tap's own copy of the request is then left out), else from its departure. */
export function sondeWireDiff(c: WireComparison): { medianUs: number; p99Us: number } {
  return Number.isFinite(c.arrivalDiffMedianUs)
    ? { medianUs: c.arrivalDiffMedianUs, p99Us: c.arrivalDiffP99Us }
    : { medianUs: c.diffMedianUs, p99Us: c.diffP99Us };
}

/** The goal against the wire: sonde's RTT within 5 µs of the wire's (median of per-probe
 *  differences), every probe found. */
export function wireGoalMet(c: WireComparison | undefined): boolean {
  return c !== undefined && c.matched > 0 && c.unmatched === 0 && Math.abs(sondeWireDiff(c).medianUs) <= SWEEP_MEDIAN_GOAL_US;
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
  if (rows.some((r) => r.wire)) printWire(rows);
}

function printWire(rows: SweepRow[]): void {
  const table = new Table({
    style: { head: [], border: [] },
    head: ['spacing ms', 'wire median', 'tap copy', 'sonde − wire median', 'p99', 'goal', 'workers − wire median', 'p99',
      'sonde − wire from out', 'ping\'s wire median', 'ping − wire median', 'p99', 'not on the wire s/w/p', 'tap drops'],
  });
  const x = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(1));
  for (const r of rows) {
    const w = r.wire;
    if (!w) continue;
    const s = sondeWireDiff(w.sonde);
    const p = w.sondePool ? sondeWireDiff(w.sondePool) : undefined;
    table.push([
      r.spacingMs, x(w.sonde.wireMedianUs), x(w.sonde.tapCopyMedianUs), x(s.medianUs), x(s.p99Us), wireGoalMet(w.sonde) ? 'met' : 'NOT met',
      x(p?.medianUs), x(p?.p99Us), x(w.sonde.diffMedianUs),
      x(w.ping.wireMedianUs), x(w.ping.diffMedianUs), x(w.ping.diffP99Us),
      `${w.sonde.unmatched}/${w.sondePool?.unmatched ?? '-'}/${w.ping.unmatched}`, w.tapDrops,
    ]);
  }
  console.log(`\neach probe against its own round trip on the wire (a tap on the device), µs: "wire median" is request out → reply in ` +
    `(of sonde's probes); "tap copy" the median of request in − request out on lo: the tap's own copy of the request, then the driver's ` +
    `TX stamp and its delivery to the sender's socket, then netif_rx; "sonde − wire" the median and p99 over probes of sonde RTT − (reply in − request in) ` +
    `(goal |median| ≤ ${SWEEP_MEDIAN_GOAL_US} µs at each, every probe found), "from out" the same against request out; ` +
    `"ping − wire" is against request out, so it is ping's send path up to the device:\n${table.toString()}`);
}
