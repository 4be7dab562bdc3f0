// The packet core driven directly with built echo requests and a simulated clock: every
// profile effect, its accounting, and the safety checks. (The same core runs behind the TUN
// device in sim-worker.ts; netsim.test.ts drives it through the kernel.)
import { describe, expect, it } from 'vitest';
import { TUN_FRAME_HEADER } from '../../native-bindings/layout.js';
import { formatAddress, LOCAL_V4, LOCAL_V6, parseAddress, type Family } from '../../netsim/addresses.js';
import { buildEchoRequest, icmpChecksumOk, Parse, ParsedPacket, parsePacket } from '../../netsim/packets.js';
import type { HostProfile } from '../../netsim/profile.js';
import { Responder, type ResponderOptions } from '../../netsim/responder.js';

interface Out {
  at: number;
  family: Family;
  src: string;
  type: number;
  code: number;
  seq: number;
  ttl: number;
  checksumOk: boolean;
  quotedSeq: number;
}

function harness(options: ResponderOptions) {
  const written: Out[] = [];
  let clock = 0;
  const p = new ParsedPacket();
  const sink = {
    write(frames: Buffer, count: number): number {
      let off = 0;
      for (let i = 0; i < count; i++) {
        const len = frames.readUInt32LE(off);
        const at = off + TUN_FRAME_HEADER;
        expect(parsePacket(frames, at, len, p)).toBe(Parse.Ok);
        const src = frames.subarray(p.srcOffset, p.srcOffset + (p.family === 4 ? 4 : 16));
        const quoted = p.icmpOffset + 8;
        written.push({
          at: clock, family: p.family, src: formatAddress(p.family, src, 0), type: p.icmpType, code: p.icmpCode, seq: p.seq, ttl: p.ttl,
          checksumOk: icmpChecksumOk(frames, p),
          quotedSeq: p.icmpType === 0 || p.icmpType === 129 ? -1 : frames.readUInt16BE(quoted + (p.family === 4 ? 20 : 40) + 6),
        });
        off += TUN_FRAME_HEADER + ((len + 3) & ~3);
      }
      return count;
    },
  };
  const r = new Responder(options, sink);
  const frame = Buffer.alloc(70_000);
  const send = (dst: string, seq: number, opts: { ttl?: number; src?: string; size?: number; sentRealtimeNs?: bigint } = {}) => {
    const d = parseAddress(dst);
    const src = parseAddress(opts.src ?? (d.family === 4 ? LOCAL_V4 : LOCAL_V6)).bytes;
    const payload = Buffer.alloc(opts.size ?? 56, seq & 0xff);
    if (opts.sentRealtimeNs !== undefined) payload.writeBigUInt64LE(opts.sentRealtimeNs, 8);
    const n = buildEchoRequest(frame, TUN_FRAME_HEADER, d.family, src, d.bytes, opts.ttl ?? 64, 0x1234, seq, payload);
    frame.writeUInt32LE(n, 0);
    r.handleFrames(frame, 1, clock);
    r.flush();
  };
  const advance = (ms: number) => {
    const end = clock + ms;
    for (;;) {
      const due = r.nextDue();
      if (due > end) break;
      clock = Math.max(clock, due);
      r.releaseDue(clock);
      r.flush();
    }
    clock = end;
  };
  return { r, written, send, advance, now: () => clock };
}


const H = '198.18.0.10';
const H6 = '2001:db8::10';
const withProfile = (profile: HostProfile, seed = 7) => harness({ seed, hosts: { [H]: profile, [H6]: profile } });

describe('responder', () => {
  it('answers echo at once with the default profile, IPv4 and IPv6', () => {
    const h = harness({});
    h.send(H, 1);
    h.send(H6, 2);
    expect(h.written).toMatchObject([
      { family: 4, src: H, type: 0, seq: 1, ttl: 64, checksumOk: true },
      { family: 6, src: H6, type: 129, seq: 2, ttl: 64, checksumOk: true },
    ]);
    const s = h.r.stats();
    expect(s.hosts[H]).toMatchObject({ received: 1, echoReplies: 1, packetsSent: 1, pending: 0, rule: '(default)' });
    expect(s.totals).toMatchObject({ hosts: 2, received: 2, echoReplies: 2, packetsSent: 2 });
    expect(s.frames).toMatchObject({ read: 2, written: 2, unsafeRefused: 0 });
  });

  it('drops every 5th request exactly', () => {
    const h = withProfile({ loss: { every: 5 } });
    for (let seq = 100; seq < 120; seq++) h.send(H, seq);
    const s = h.r.stats().hosts[H];
    expect(s.dropped).toEqual({ count: 4, seqs: [104, 109, 114, 119], ordinals: [5, 10, 15, 20], truncated: false });
    expect(s.droppedBy.loss).toBe(4);
    expect(h.written.map((w) => w.seq)).toEqual([...Array(20).keys()].map((i) => 100 + i).filter((q) => (q - 99) % 5 !== 0));
  });

  it('drops a seeded 20% that repeats with the seed and changes with it', () => {
    const run = (seed: number) => {
      const h = withProfile({ loss: 20 }, seed);
      for (let seq = 0; seq < 1000; seq++) h.send(H, seq);
      return h.r.stats().hosts[H].dropped.seqs;
    };
    const a = run(11);
    expect(a.length).toBeGreaterThan(150);
    expect(a.length).toBeLessThan(250);
    expect(run(11)).toEqual(a);
    expect(run(12)).not.toEqual(a);
  });

  it('drops listed seqs and ordinals', () => {
    const h = harness({ hosts: { [H]: { loss: { seqs: [3, 7] } }, '198.18.0.11': { loss: { ordinals: [1] } } } });
    for (let seq = 0; seq < 10; seq++) { h.send(H, seq); h.send('198.18.0.11', seq + 50); }
    const s = h.r.stats().hosts;
    expect(s[H].dropped.seqs).toEqual([3, 7]);
    expect(s['198.18.0.11'].dropped.seqs).toEqual([50]);
  });

  it('delays replies by the fixed or jittered latency from one queue', () => {
    const h = harness({ seed: 3, hosts: { [H]: { latency: 50 }, '198.18.0.11': { latency: { ms: 50, jitterMs: 5 } } } });
    h.send(H, 1);
    h.advance(49.9);
    expect(h.written).toHaveLength(0);
    h.advance(0.1);
    expect(h.written).toMatchObject([{ seq: 1, at: 50 }]);
    for (let seq = 0; seq < 200; seq++) h.send('198.18.0.11', seq);
    h.advance(100);
    const r = h.r.stats().hosts['198.18.0.11'].replies;
    expect(r.count).toBe(200);
    expect(Math.min(...r.scheduledMs)).toBeGreaterThanOrEqual(45);
    expect(Math.max(...r.scheduledMs)).toBeLessThanOrEqual(55);
    expect(Math.max(...r.scheduledMs) - Math.min(...r.scheduledMs)).toBeGreaterThan(8);
    // With an exact clock the applied delay is the scheduled one.
    r.appliedMs.forEach((a, i) => expect(a).toBeCloseTo(r.scheduledMs[i], 9));
    // Written in due order, not in request order.
    expect(r.seqs).not.toEqual([...r.seqs].sort((a, b) => a - b));
  });

  it('sends duplicates, reorders, corrupts and holds late replies, and counts each', () => {
    const h = withProfile({ latency: 10, duplicate: { seqs: [1] }, duplicateCopies: 2, duplicateGapMs: 1, reorder: { seqs: [2] }, reorderDelayMs: 30, corrupt: { seqs: [3] }, late: { seqs: [4] }, lateDelayMs: 500 });
    for (let seq = 0; seq < 6; seq++) h.send(H, seq);
    h.advance(1000);
    expect(h.written.map((w) => [w.seq, w.at, w.checksumOk])).toEqual([
      [0, 10, true], [1, 10, true], [3, 10, false], [5, 10, true], [1, 11, true], [1, 12, true], [2, 40, true], [4, 500, true],
    ]);
    const s = h.r.stats().hosts[H];
    expect(s).toMatchObject({ received: 6, echoReplies: 6, packetsSent: 8, duplicatesSent: 2, pending: 0 });
    expect([s.duplicated.seqs, s.reordered.seqs, s.corrupted.seqs, s.late.seqs]).toEqual([[1], [2], [3], [4]]);
    expect(s.replies.seqs).toEqual([0, 1, 3, 5, 2, 4]);
  });

  it('answers with destination unreachable of any code, from the host or a given router', () => {
    const h = harness({ hosts: { [H]: { unreachable: { code: 13, when: { seqs: [2] } } }, [H6]: { unreachable: { code: 4, from: '2001:db8:ff::1' } } } });
    for (let seq = 1; seq <= 3; seq++) h.send(H, seq);
    h.send(H6, 9);
    expect(h.written.map((w) => [w.src, w.type, w.code, w.seq, w.quotedSeq, w.checksumOk])).toEqual([
      [H, 0, 0, 1, -1, true], [H, 3, 13, 0, 2, true], [H, 0, 0, 3, -1, true], ['2001:db8:ff::1', 1, 4, 0, 9, true],
    ]);
    const s = h.r.stats();
    expect(s.hosts[H].unreachable.seqs).toEqual([2]);
    expect(s.hosts[H6].unreachable.seqs).toEqual([9]);
    expect(s.hosts[H].echoReplies).toBe(2);
  });

  it('sends time exceeded from hop TTL below fromHop and answers from fromHop on', () => {
    const h = harness({ hosts: { [H]: { timeExceeded: { fromHop: 4 } }, [H6]: { timeExceeded: { fromHop: 3, routers: ['2001:db8:aa::1', '2001:db8:aa::2'] } } } });
    for (let ttl = 1; ttl <= 5; ttl++) h.send(H, ttl, { ttl });
    for (let ttl = 1; ttl <= 3; ttl++) h.send(H6, ttl, { ttl });
    expect(h.written.map((w) => [w.src, w.type, w.ttl, w.quotedSeq])).toEqual([
      ['198.19.254.1', 11, 255, 1], ['198.19.254.2', 11, 254, 2], ['198.19.254.3', 11, 253, 3], [H, 0, 64, -1], [H, 0, 64, -1],
      ['2001:db8:aa::1', 3, 255, 1], ['2001:db8:aa::2', 3, 254, 2], [H6, 129, 64, -1],
    ]);
    expect(h.r.stats().hosts[H].timeExceeded).toMatchObject({ count: 3, seqs: [1, 2, 3] });
  });

  it('limits the answer rate with a token bucket', () => {
    const h = withProfile({ rateLimit: 10 });
    for (let seq = 0; seq < 30; seq++) h.send(H, seq);
    h.advance(500); // 5 tokens back
    for (let seq = 30; seq < 40; seq++) h.send(H, seq);
    const s = h.r.stats().hosts[H];
    expect(s.echoReplies).toBe(15);
    expect(s.droppedBy.rateLimit).toBe(25);
    expect(s.dropped.seqs.slice(0, 3)).toEqual([10, 11, 12]);
  });

  it('limits the answer rate with a small bucket: the limit bites at once above the rate', () => {
    const h = withProfile({ rateLimit: 100, rateLimitBurst: 5 });
    // 200 requests/s for 1 s: the bucket's 5, then 1 token every 10 ms for 1 request every 5 ms
    for (let seq = 0; seq < 200; seq++) {
      h.send(H, seq);
      h.advance(5);
    }
    const s = h.r.stats().hosts[H];
    expect(s.echoReplies).toBe(5 + 99);
    expect(s.droppedBy.rateLimit).toBe(200 - 104);
    // below the rate nothing is dropped
    const slow = withProfile({ rateLimit: 100, rateLimitBurst: 5 });
    for (let seq = 0; seq < 200; seq++) {
      slow.send(H, seq);
      slow.advance(10.5);
    }
    expect(slow.r.stats().hosts[H].droppedBy.rateLimit).toBe(0);
    expect(() => withProfile({ rateLimitBurst: 5 })).toThrow(/rateLimitBurst needs .*rateLimit/);
  });

  it('queues behind a bottleneck: no wait below its rate, a growing one above it, drops beyond the buffer', () => {
    const below = withProfile({ latency: 2, bottleneck: { pps: 100 } });
    for (let seq = 0; seq < 50; seq++) {
      const sentAt = below.now();
      below.send(H, seq);
      below.advance(12); // 83 requests/s
      expect(below.written.at(-1)!.at - sentAt).toBe(2);
    }
    const above = withProfile({ latency: 2, bottleneck: { pps: 100, bufferMs: 100 } });
    for (let seq = 0; seq < 50; seq++) {
      above.send(H, seq);
      above.advance(5); // 200 requests/s: each waits 5 ms more than the one before
    }
    above.advance(1000);
    const rtt = new Map(above.written.map((w) => [w.seq, w.at - 5 * w.seq]));
    // request k (sent at 5k ms) waits 5k ms until that would exceed the 100 ms buffer (k = 21,
    // dropped); from then on the queue is full and every other request is dropped
    for (let k = 0; k <= 20; k++) expect(rtt.get(k)).toBe(2 + 5 * k);
    expect(rtt.has(21)).toBe(false);
    expect(rtt.get(22)).toBe(102);
    const s = above.r.stats().hosts[H];
    expect(s.droppedBy.bottleneck).toBe(15); // 21, 23, …, 49
    expect(s.echoReplies).toBe(35);
    expect(s.dropped.seqs).toEqual(Array.from({ length: 15 }, (_, i) => 21 + 2 * i));
    expect(() => withProfile({ bottleneck: { pps: 0 } })).toThrow(/bottleneck\.pps must be a number from 1/);
    expect(() => withProfile({ bottleneck: { pps: 1, size: 2 } as unknown as { pps: number } })).toThrow(/bottleneck\.size is not a bottleneck setting/);
  });

  it('blackholes, and a host can go dark and come back at run time', () => {
    const h = harness({ hosts: { '198.18.0.0/24': { latency: 1 } } });
    h.send(H, 1);
    h.r.setRule(H, { blackhole: true });
    h.send(H, 2);
    h.r.setRule(H, null); // back to the /24's profile
    h.send(H, 3);
    h.advance(5);
    const s = h.r.stats().hosts[H];
    expect(s.rule).toBe('198.18.0.0/24');
    expect(s.dropped.seqs).toEqual([2]);
    expect(s.droppedBy.blackhole).toBe(1);
    expect(h.written.map((w) => w.seq)).toEqual([1, 3]);
  });

  it('a null default profile leaves unknown hosts silent', () => {
    const h = harness({ defaultProfile: null });
    h.send('198.19.1.1', 1);
    expect(h.written).toHaveLength(0);
    expect(h.r.stats().hosts['198.19.1.1'].droppedBy.blackhole).toBe(1);
  });

  it('ignores requests from foreign sources or to addresses outside its ranges', () => {
    const h = harness({});
    h.send(H, 1, { src: '198.18.9.9' });
    h.send('10.1.2.3', 2);
    h.send(LOCAL_V4, 3);
    expect(h.written).toHaveLength(0);
    expect(h.r.stats().frames).toMatchObject({ read: 3, foreignSource: 1, outsideRange: 2, written: 0, unsafeRefused: 0 });
  });

  it('refuses profiles for addresses outside the simulator ranges', () => {
    expect(() => harness({ hosts: { '10.0.0.0/8': {} } })).toThrow(/outside the simulator's ranges/);
    expect(() => harness({ hosts: { '198.18.0.0/14': {} } })).toThrow(/outside/);
  });

  it('carries 64 KB echo payloads', () => {
    const h = harness({});
    h.send(H, 1, { size: 65_000 });
    h.send(H6, 2, { size: 65_000 });
    expect(h.written.map((w) => w.checksumOk)).toEqual([true, true]);
  });

  it('counts delays from the payload send time when asked to', () => {
    const h = harness({ delayFrom: 'payload-timestamp', hosts: { [H]: { latency: 10 } } });
    const realtimeMs = 1_700_000_000_000;
    h.r.setRealtime(h.now(), realtimeMs);
    // Sent 3 ms before the simulator read it: the reply is due 7 ms after the read.
    h.send(H, 1, { sentRealtimeNs: BigInt(realtimeMs - 3) * 1_000_000n });
    // Sent 12 ms before: already past its delay, answered at once.
    h.send(H, 2, { sentRealtimeNs: BigInt(realtimeMs - 12) * 1_000_000n });
    // No plausible timestamp (zeros): counts from arrival.
    h.send(H, 3, { sentRealtimeNs: 0n });
    h.advance(20);
    expect(h.written.map((w) => [w.seq, w.at])).toEqual([[2, 0], [1, 7], [3, 10]]);
    const r = h.r.stats().hosts[H].replies;
    expect(r.sinceSendMs[0]).toBeCloseTo(12, 6);
    expect(r.sinceSendMs[1]).toBeCloseTo(10, 6);
    expect(r.sinceSendMs[2]).toBeNaN();
    expect(r.appliedMs).toEqual([0, 7, 10]);
  });

  it('resets counters but keeps counting ordinals', () => {
    const h = withProfile({ loss: { every: 2 } });
    h.send(H, 1);
    h.send(H, 2);
    expect(h.r.stats(true).hosts[H].dropped.ordinals).toEqual([2]);
    h.send(H, 3);
    h.send(H, 4);
    const s = h.r.stats().hosts[H];
    expect(s.received).toBe(2);
    expect(s.dropped.ordinals).toEqual([4]);
  });
});
