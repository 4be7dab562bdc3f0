// bench:accuracy's wire column, the pure half: wire-stamps' lines parsed, requests paired with
// their replies by (echo id, seq) even when a key recurs, and each tool probe's RTT set
// against its own round trip.
import { describe, expect, it } from 'vitest';
import { compareWithWire, parseWireLine, ProbeLog, WireIndex, type WirePacket } from '../../bench/lib/wire-match.js';

const BASE = 1_765_000_000_000_000_000n;
const at = (ns: number): string => String(BASE + BigInt(ns));

/** The four packets of one loopback round trip: request out and in, reply out and in. */
function roundTrip(id: number, seq: number, requestNs: number, rttNs: number, family: 4 | 6 = 4): WirePacket[] {
  const [req, rep] = family === 4 ? [8, 0] : [128, 129];
  return [
    `o ${req} ${id} ${seq} ${at(requestNs)}`, `i ${req} ${id} ${seq} ${at(requestNs + 100)}`,
    `o ${rep} ${id} ${seq} ${at(requestNs + rttNs - 200)}`, `i ${rep} ${id} ${seq} ${at(requestNs + rttNs)}`,
  ].map((line) => parseWireLine(line, BASE)!);
}

describe('parseWireLine', () => {
  it('reads direction, kind, id, seq and the stamp relative to the base, exactly', () => {
    expect(parseWireLine(`o 8 31234 17 ${at(123_456_789_012)}`, BASE)).toEqual({ out: true, request: true, id: 31234, seq: 17, ns: 123_456_789_012 });
    expect(parseWireLine(`i 129 65535 0 ${at(5)}`, BASE)).toEqual({ out: false, request: false, id: 65535, seq: 0, ns: 5 });
  });

  it('ignores the tap\'s other lines and anything malformed', () => {
    for (const line of ['ready', 'end 10 0', '', `x 8 1 1 ${at(1)}`, `o 3 1 1 ${at(1)}`, `o 8 70000 1 ${at(1)}`, `o 8 1 1 12e3`, `o 8 1 ${at(1)}`]) {
      expect(parseWireLine(line, BASE), line).toBeNull();
    }
  });
});

describe('WireIndex and compareWithWire', () => {
  it('pairs each request with its reply and takes the round trip whose request left in the window, nearest the hint', () => {
    // The same (id, seq) three times (a reused slot, a restarted ping), IPv4 and IPv6.
    const packets = [
      ...roundTrip(7, 1, 1_000_000, 20_000), ...roundTrip(7, 1, 50_000_000, 30_000, 6), ...roundTrip(7, 1, 90_000_000, 40_000),
      ...roundTrip(7, 2, 2_000_000, 25_000),
    ];
    // Out of order as several drains might interleave: the index sorts by stamp.
    const wire = new WireIndex(packets.reverse());
    expect(wire.rttNs(7, 1, 0, 10_000_000, 1_000_000)).toBe(20_000);
    expect(wire.rttNs(7, 1, 0, 100_000_000, 49_000_000)).toBe(30_000);
    expect(wire.rttNs(7, 1, 0, 100_000_000, 100_000_000)).toBe(40_000);
    expect(wire.rttNs(7, 2, 0, 100_000_000, 0)).toBe(25_000);
    expect(wire.rttNs(7, 1, 2_000_000, 40_000_000, 0)).toBeNaN(); // none left in the window
    expect(wire.rttNs(8, 1, 0, 100_000_000, 0)).toBeNaN(); // never on the wire
    expect(wire.unpairedReplies).toBe(0);
  });

  it('a request with no reply has no wire RTT; a reply without its request, or a second one, is counted apart', () => {
    const packets = [
      parseWireLine(`o 8 9 1 ${at(1000)}`, BASE)!,
      parseWireLine(`i 0 9 2 ${at(2000)}`, BASE)!,
      ...roundTrip(9, 3, 3000, 10_000),
      parseWireLine(`i 0 9 3 ${at(20_000)}`, BASE)!,
    ];
    const wire = new WireIndex(packets);
    expect(wire.rttNs(9, 1, 0, 10_000, 1000)).toBeNaN();
    expect(wire.rttNs(9, 2, 0, 10_000, 1000)).toBeNaN();
    expect(wire.rttNs(9, 3, 0, 10_000, 3000)).toBe(10_000);
    expect(wire.find(9, 3, 0, 10_000, 3000)).toEqual({ requestNs: 3000, requestInNs: 3100, replyNs: 13_000 });
    expect(wire.find(9, 1, 0, 10_000, 1000)).toEqual({ requestNs: 1000, requestInNs: NaN, replyNs: NaN });
    expect(wire.unpairedReplies).toBe(2);
  });

  it('per tool: probes found, the wire median, and the median and p99 of tool RTT − wire RTT in µs', () => {
    const packets: WirePacket[] = [];
    const log = new ProbeLog();
    // 100 probes, wire RTT 10 + k µs; the tool reads 2 µs more, and 30 µs more on the last one.
    for (let k = 0; k < 100; k++) {
      const sent = 1_000_000 * (k + 1);
      packets.push(...roundTrip(100, k, sent, 10_000 + 1000 * k));
      log.add(100, k, 12_000 + 1000 * k + (k === 99 ? 28_000 : 0), sent - 1e6, sent + 1e6, sent + 300);
    }
    log.add(100, 500, 12_000, 0, 1e9, 0); // not on the wire
    const c = compareWithWire(log, new WireIndex(packets));
    // The request arrives 100 ns after it left (roundTrip): the tap's copy, left out of the arrival figures.
    expect(c).toEqual({
      matched: 100, unmatched: 1, wireMedianUs: 59.5, diffMedianUs: 2, diffP99Us: 2, tapCopyMedianUs: 0.1, arrivalDiffMedianUs: 2.1, arrivalDiffP99Us: 2.1,
    });
    log.add(100, 98, 200_000, 98.5e6, 99.5e6, 99e6); // a second large difference makes the p99
    expect(compareWithWire(log, new WireIndex(packets))).toMatchObject({ matched: 101, diffP99Us: 30 });
  });

  it('an empty log or an empty capture gives NaN statistics, not a failure', () => {
    expect(compareWithWire(new ProbeLog(), new WireIndex([]))).toEqual({
      matched: 0, unmatched: 0, wireMedianUs: NaN, diffMedianUs: NaN, diffP99Us: NaN, tapCopyMedianUs: NaN, arrivalDiffMedianUs: NaN, arrivalDiffP99Us: NaN,
    });
    const log = new ProbeLog();
    log.add(1, 1, 1000, 0, 1, 0);
    expect(compareWithWire(log, new WireIndex([]))).toMatchObject({ matched: 0, unmatched: 1 });
  });
});
