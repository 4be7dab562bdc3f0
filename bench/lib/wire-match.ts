// Probe by probe, a tool's RTT against the RTT on the wire: each probe is found among the
// packets bench/reference/wire-stamps.c captured on the device by its ICMP (echo id, seq),
// and the difference tool RTT − wire RTT says what the tool adds to (or leaves out of) the
// round trip. The wire RTT of a probe is its reply's receive stamp minus its request's
// stamp on leaving through the device. On loopback the request is also seen arriving: the
// tap's own copy of it (taken in the sender's context, before the driver) lies between the
// two, so the RTT from the request's arrival is also given. Pure logic;
// bench/lib/wire-capture.ts runs the tap.
import { median, quantile } from './stats.js';

/** ICMP / ICMPv6 echo request and reply types. */
const REQUEST_TYPES = new Set([8, 128]);
const REPLY_TYPES = new Set([0, 129]);

export interface WirePacket {
  /** Leaving through the device (else received from it). */
  out: boolean;
  request: boolean;
  id: number;
  seq: number;
  /** Kernel stamp, CLOCK_REALTIME ns minus the capture's base (exact in a double for days). */
  ns: number;
}

/** One line of wire-stamps' output ("o 8 ID SEQ NS"); null for any other line. */
export function parseWireLine(line: string, baseNs: bigint): WirePacket | null {
  const f = line.split(' ');
  if (f.length !== 5 || (f[0] !== 'o' && f[0] !== 'i')) return null;
  const type = Number(f[1]);
  const request = REQUEST_TYPES.has(type);
  if (!request && !REPLY_TYPES.has(type)) return null;
  const id = Number(f[2]);
  const seq = Number(f[3]);
  if (!/^\d+$/.test(f[4]) || !(id >= 0 && id <= 0xffff) || !(seq >= 0 && seq <= 0xffff)) return null;
  return { out: f[0] === 'o', request, id, seq, ns: Number(BigInt(f[4]) - baseNs) };
}

export interface WirePair {
  requestNs: number;
  /** Loopback: the request received from the device; NaN when not seen. */
  requestInNs: number;
  /** NaN while no reply came in. */
  replyNs: number;
}

/** The round trips on the wire, by (id, seq); a key recurs when ids and seqs are reused. */
export class WireIndex {
  private readonly pairs = new Map<number, WirePair[]>();
  /** Replies received with no request of theirs out before them, or a second reply to one. */
  unpairedReplies = 0;

  constructor(packets: readonly WirePacket[]) {
    const ordered = [...packets].sort((a, b) => a.ns - b.ns);
    for (const p of ordered) {
      const key = p.id * 0x10000 + p.seq;
      if (p.request && p.out) {
        const list = this.pairs.get(key);
        const pair = { requestNs: p.ns, requestInNs: NaN, replyNs: NaN };
        if (list) list.push(pair);
        else this.pairs.set(key, [pair]);
      } else if (!p.request && !p.out) {
        const last = this.pairs.get(key)?.at(-1);
        if (last && Number.isNaN(last.replyNs)) last.replyNs = p.ns;
        else this.unpairedReplies++;
      } else if (p.request) {
        const last = this.pairs.get(key)?.at(-1);
        if (last && Number.isNaN(last.requestInNs) && Number.isNaN(last.replyNs)) last.requestInNs = p.ns;
      }
      // A reply sent is loopback's other half of the reply received.
    }
  }

  /** The round trip (id, seq) whose request left in [fromNs, toNs], the nearest to nearNs. */
  find(id: number, seq: number, fromNs: number, toNs: number, nearNs: number): WirePair | undefined {
    const list = this.pairs.get(id * 0x10000 + seq);
    if (!list) return undefined;
    let best: WirePair | undefined;
    for (const pair of list) {
      if (pair.requestNs < fromNs || pair.requestNs > toNs) continue;
      if (!best || Math.abs(pair.requestNs - nearNs) < Math.abs(best.requestNs - nearNs)) best = pair;
    }
    return best;
  }

  /** Wire RTT in ns of that round trip; NaN when there is none or it was not answered. */
  rttNs(id: number, seq: number, fromNs: number, toNs: number, nearNs: number): number {
    const pair = this.find(id, seq, fromNs, toNs, nearNs);
    return pair ? pair.replyNs - pair.requestNs : NaN;
  }
}

/** A tool's answered probes as it reported them, in parallel arrays (no object per probe). */
export class ProbeLog {
  readonly id: number[] = [];
  readonly seq: number[] = [];
  readonly rttNs: number[] = [];
  /** Where its request must have left: [fromNs, toNs] on the capture's base, nearest nearNs. */
  readonly fromNs: number[] = [];
  readonly toNs: number[] = [];
  readonly nearNs: number[] = [];

  add(id: number, seq: number, rttNs: number, fromNs: number, toNs: number, nearNs: number): void {
    this.id.push(id);
    this.seq.push(seq);
    this.rttNs.push(rttNs);
    this.fromNs.push(fromNs);
    this.toNs.push(toNs);
    this.nearNs.push(nearNs);
  }

  get length(): number {
    return this.id.length;
  }
}

export interface WireComparison {
  /** Probes of the tool found on the wire with their reply / not found. */
  matched: number;
  unmatched: number;
  /** Median wire RTT of the matched probes (request out → reply in), µs. */
  wireMedianUs: number;
  /** Per probe tool RTT − wire RTT, µs: median and p99. */
  diffMedianUs: number;
  diffP99Us: number;
  /** Loopback: median of request in − request out (the tap's own copy of the request, the
   *  driver's TX stamp and its delivery to the sender's socket, netif_rx); NaN when the device
   *  does not show requests arriving. */
  tapCopyMedianUs: number;
  /** Per probe tool RTT − (reply in − request in): against the round trip from the moment
   *  the device delivered the request, which leaves the tap's copy out. */
  arrivalDiffMedianUs: number;
  arrivalDiffP99Us: number;
}

export function compareWithWire(log: ProbeLog, wire: WireIndex): WireComparison {
  const diffs: number[] = [];
  const wireRtts: number[] = [];
  const tapCopies: number[] = [];
  const arrivalDiffs: number[] = [];
  for (let i = 0; i < log.length; i++) {
    const pair = wire.find(log.id[i], log.seq[i], log.fromNs[i], log.toNs[i], log.nearNs[i]);
    if (!pair || !Number.isFinite(pair.replyNs)) continue;
    const w = pair.replyNs - pair.requestNs;
    wireRtts.push(w / 1000);
    diffs.push((log.rttNs[i] - w) / 1000);
    if (Number.isFinite(pair.requestInNs)) {
      tapCopies.push((pair.requestInNs - pair.requestNs) / 1000);
      arrivalDiffs.push((log.rttNs[i] - (pair.replyNs - pair.requestInNs)) / 1000);
    }
  }
  return {
    matched: diffs.length,
    unmatched: log.length - diffs.length,
    wireMedianUs: median(wireRtts),
    diffMedianUs: median(diffs),
    diffP99Us: quantile(diffs, 0.99),
    tapCopyMedianUs: median(tapCopies),
    arrivalDiffMedianUs: median(arrivalDiffs),
    arrivalDiffP99Us: quantile(arrivalDiffs, 0.99),
  };
}
