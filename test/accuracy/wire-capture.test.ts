// bench:accuracy's wire column end to end on loopback: the real tap (bench/reference/wire-stamps.c,
// an AF_PACKET socket on lo), real raw ICMP sockets of the in-thread engine and of a worker,
// iputils ping with its own echo id; every probe must be found on the wire by (id, seq).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type ProbeResult } from '../../engine/index.js';
import { runPing } from '../../bench/lib/iputils-ping.js';
import { findExecutable } from '../../bench/lib/system-package.js';
import { buildWireStamps, startWireCapture } from '../../bench/lib/wire-capture.js';
import { compareWithWire, ProbeLog, WireIndex } from '../../bench/lib/wire-match.js';
import { builtWorker, canRaw4, isRoot, NOT_BUILT } from '../engine/helpers.js';

const ADDRESS = '127.0.0.1';
const COUNT = 20;
const cc = findExecutable('cc');
const ping = findExecutable('ping');
/** A sanity bound only: a tool's RTT and the wire's differ by µs, never by a millisecond. */
const SANE_NS = 1e6;

interface Seen {
  echoId: number;
  echoSeq: number;
  rttNs: number;
  sentAtNs: bigint;
  receivedAtNs: bigint;
}

async function probe(engine: Engine): Promise<Seen[]> {
  const seen: Seen[] = [];
  const summary = await engine.ping({ targets: [ADDRESS], count: COUNT, intervalMs: 2, timeoutMs: 1000 }, (p: ProbeResult) => {
    if (p.status === 'ok') seen.push({ echoId: p.echoId, echoSeq: p.echoSeq, rttNs: p.rttNs, sentAtNs: p.sentAtNs, receivedAtNs: p.receivedAtNs });
  });
  expect(summary.targets[0]).toMatchObject({ sent: COUNT, received: COUNT });
  return seen;
}

const why = !isRoot || !canRaw4 ? 'needs root (an AF_PACKET tap and raw ICMP sockets)' : !cc ? 'needs a C compiler (cc)' : NOT_BUILT;
describe.skipIf(!isRoot || !canRaw4 || !cc || !builtWorker)(`the wire capture on loopback (${why})`, () => {
  let bin: string;
  let inThread: Engine;
  let pool: Engine;
  beforeAll(async () => {
    bin = buildWireStamps();
    inThread = createEngine({ inThread: true });
    pool = createEngine({ threads: 1 });
    // A first job each, so that both have claimed their echo id blocks (as bench:accuracy's warm-up does).
    for (const engine of [inThread, pool]) await engine.ping({ targets: [ADDRESS], count: 1, intervalMs: 1, timeoutMs: 1000 });
  });
  afterAll(async () => {
    await inThread?.close();
    await pool?.close();
  });

  /** The echo ids the engines send with, as the tap's filter takes them. */
  const engineIds = async (): Promise<Array<[number, number]>> => {
    const ranges: Array<[number, number]> = [];
    for (const engine of [inThread, pool]) {
      for (const b of (await engine.stats()).idBlocks ?? []) ranges.push([b.base, b.base + b.count - 1]);
    }
    return ranges;
  };

  it('finds every sonde and ping probe on the wire; sonde\'s receive stamp is the reply\'s stamp on the device', async () => {
    const ident = 0x5a5a;
    const ids = await engineIds();
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const capture = await startWireCapture(bin, { device: 'lo', address: ADDRESS, drainMs: 20, idRanges: [...ids, [ident, ident]] });
    let sonde: Seen[];
    let workers: Seen[];
    let pinged: Awaited<ReturnType<typeof runPing>> | undefined;
    let pingFrom = 0;
    let pingTo = 0;
    try {
      sonde = await probe(inThread);
      workers = await probe(pool);
      if (ping) {
        pingFrom = Date.now();
        pinged = await runPing(ping, ADDRESS, 5, 10, 56, ident);
        pingTo = Date.now();
      }
    } catch (error) {
      capture.abort();
      throw error;
    }
    const tap = await capture.stop();
    expect(tap.drops).toBe(0);
    const wire = new WireIndex(tap.packets);
    const rel = (ns: bigint): number => Number(ns - capture.baseNs);

    for (const [name, probes] of [['in-thread', sonde], ['workers', workers]] as const) {
      expect(probes, name).toHaveLength(COUNT);
      const log = new ProbeLog();
      for (const p of probes) {
        const sent = rel(p.sentAtNs);
        const pair = wire.find(p.echoId, p.echoSeq, sent - 1e6, sent + 1e6, sent);
        expect(pair, `${name} probe id ${p.echoId} seq ${p.echoSeq}`).toBeDefined();
        // The same skb stamp: what the raw socket read is what the tap saw arrive.
        expect(pair!.replyNs).toBe(rel(p.receivedAtNs));
        // The tap copies the request just before the driver's xmit takes the TX stamp, and
        // loopback delivers it (its receive stamp) just after.
        expect(pair!.requestNs).toBeLessThanOrEqual(sent);
        expect(pair!.requestInNs).toBeGreaterThanOrEqual(sent);
        log.add(p.echoId, p.echoSeq, p.rttNs, sent - 1e6, sent + 1e6, sent);
      }
      const c = compareWithWire(log, wire);
      expect(c, name).toMatchObject({ matched: COUNT, unmatched: 0 });
      expect(Math.abs(c.diffMedianUs) * 1000, name).toBeLessThan(SANE_NS);
      expect(Math.abs(c.diffP99Us) * 1000, name).toBeLessThan(SANE_NS);
    }

    if (pinged) {
      // ping may quit before it reads its last reply (it lingers only twice its largest RTT):
      // every reply it printed must be on the wire.
      expect(pinged.received).toBeGreaterThan(0);
      expect([...pinged.seqs].every((seq) => seq >= 1 && seq <= 5)).toBe(true);
      const log = new ProbeLog();
      const from = rel(BigInt(pingFrom - 5) * 1_000_000n);
      const to = rel(BigInt(pingTo + 5) * 1_000_000n);
      pinged.seqs.forEach((seq, i) => log.add(ident, seq, pinged!.rttUs[i] * 1000, from, to, from));
      const c = compareWithWire(log, wire);
      expect(c).toMatchObject({ matched: pinged.received, unmatched: 0 });
      expect(Math.abs(c.diffP99Us) * 1000).toBeLessThan(SANE_NS);
    }
  });

  it('with id ranges, takes only those ids', async () => {
    const ids = await engineIds();
    // An id outside every engine block: none of sonde's probes may pass the filter.
    let other = 1;
    while (ids.some(([lo, hi]) => other >= lo && other <= hi)) other++;
    const capture = await startWireCapture(bin, { device: 'lo', address: ADDRESS, drainMs: 20, idRanges: [[other, other]] });
    let seen: Seen[];
    try {
      seen = await probe(inThread);
    } catch (error) {
      capture.abort();
      throw error;
    }
    const tap = await capture.stop();
    expect(tap.packets.every((p) => p.id === other)).toBe(true);
    expect(seen.every((p) => p.echoId !== other)).toBe(true);
  });

  it('refuses a bad address and says so', async () => {
    await expect(startWireCapture(bin, { device: 'lo', address: 'not-an-address' })).rejects.toThrow(/not an IPv4 or IPv6 address/);
  });
});
