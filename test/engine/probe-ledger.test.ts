// Exact accounting of every kind of answer, driven with reply records as the addon writes
// them (layout REPLY): the cases loopback cannot produce (duplicates, late replies, ICMP
// errors, spoofed sources) are proved here record by record; the network simulator proves
// them again end to end.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ICMP4, ICMP6, REPLY_FLAG } from '../../native-bindings/layout.js';
import { parseIpLiteral } from '../../engine/icmp/shared/address.js';
import { SlotState } from '../../engine/icmp/worker/inflight-table.js';
import { ProbeEventReader, type ProbeEventsMessage } from '../../engine/icmp/shared/probe-events.js';
import { ProbeLedger } from '../../engine/icmp/worker/probe-ledger.js';
import { ReplyBatch, writeReplyRecord, type ReplyRecordFields } from '../../engine/icmp/worker/reply-batch.js';
import { Counter } from '../../engine/icmp/shared/shared-state.js';
import type { PingTask } from '../../engine/icmp/shared/task.js';
import { WorkerJob } from '../../engine/icmp/worker/worker-job.js';
import { decodeTargetSummary } from '../../engine/stats/summary-codec.js';
import type { ProbeResult } from '../../engine/types.js';

const ID_BASE = 3000;
const SEND_NS = 1_700_000_000_000_000_000n;
const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

const OK = REPLY_FLAG.CHECKSUM_OK | REPLY_FLAG.HAS_TOKEN;

function setup(targets: string[], options: { size?: number; timeoutMs?: number } = {}) {
  const counters = new Float64Array(16);
  const ledger = new ProbeLedger({ idBase: ID_BASE, idCount: 2, counters, nowMs: 0, tokenSeed: 42, initialCapacity: 64 });
  const addresses = new Uint8Array(targets.length * 16);
  const families = new Uint8Array(targets.length);
  targets.forEach((t, i) => {
    const p = parseIpLiteral(t)!;
    addresses.set(p.bytes, i * 16);
    families[i] = p.family;
  });
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const task: PingTask = {
    addresses, families, targetIndices: Uint32Array.from(targets, (_, i) => i + 10), count: 5, intervalMs: 0, sendIntervalMs: 0,
    timeoutMs: options.timeoutMs ?? 1000, size: options.size ?? 56, ttl: 0, tos: -1, dontFragment: false, port: port2, streamProbes: true,
  };
  const job = new WorkerJob(1, task);
  ledger.addJob(job);
  const messages: ProbeEventsMessage[] = [];
  port1.on('message', (m: ProbeEventsMessage) => messages.push(m));
  const events = async (): Promise<Array<Partial<ProbeResult> & { from?: string }>> => {
    job.events!.flush();
    await new Promise((r) => setTimeout(r, 20));
    const names = Array.from({ length: targets.length + 10 }, (_, i) => (i >= 10 ? targets[i - 10] : ''));
    const reader = new ProbeEventReader(names, names);
    const out: Array<Partial<ProbeResult> & { from?: string }> = [];
    for (const m of messages.splice(0)) {
      reader.forEach(m, (p) => out.push({ targetIndex: p.targetIndex, seq: p.seq, echoId: p.echoId, echoSeq: p.echoSeq, status: p.status, errorKind: p.errorKind, icmpType: p.icmpType, icmpCode: p.icmpCode, rttNs: p.rttNs, ttl: p.ttl, bytes: p.bytes, from: p.from, sentAtNs: p.sentAtNs, receivedAtNs: p.receivedAtNs }));
    }
    return out;
  };
  /** Sends probe `seq` of target t at SEND_NS + offset. */
  const send = (t: number, seq: number, nowMs = 0, offsetNs = 0n): number => {
    const slot = ledger.reserve(job, t, seq, nowMs);
    const at = SEND_NS + offsetNs;
    ledger.sent(slot, Number(at & 0xffffffffn), Number(at >> 32n), nowMs);
    return slot;
  };
  const batch = new ReplyBatch(8);
  /** Feeds one record answering `slot` (overrides allowed). */
  const answer = (slot: number, rttNs: bigint, over: Partial<ReplyRecordFields> = {}, nowMs = 1): void => {
    const t = ledger.table.target[slot];
    const addr = parseIpLiteral(targets[t])!;
    writeReplyRecord(batch, 0, {
      addr: addr.bytes, type: addr.family === 4 ? ICMP4.ECHO_REPLY : ICMP6.ECHO_REPLY, id: ledger.idOf(slot), seq: ledger.seqOf(slot), ttl: 61,
      flags: OK | (addr.family === 6 ? REPLY_FLAG.IPV6 : 0), tokenLo: ledger.table.tokenLo[slot], tokenHi: ledger.table.tokenHi[slot],
      recvTimeNs: SEND_NS + rttNs, payloadLen: 56, ...over,
    });
    ledger.match(batch, 1, nowMs);
  };
  const summary = (t: number) => decodeTargetSummary(job.stats.pack(), t, targets[t], targets[t]);
  return { ledger, job, counters, events, send, answer, summary };
}

describe('ProbeLedger accounting', () => {
  it('an in-time reply: ok with the exact kernel RTT', async () => {
    const { send, answer, summary, events, counters, job } = setup(['127.0.0.1']);
    const slot = send(0, 0);
    answer(slot, 23_456n);
    expect(summary(0)).toMatchObject({ sent: 1, received: 1, duplicates: 0, late: 0, minMs: 0.023456 });
    expect(await events()).toEqual([expect.objectContaining({ targetIndex: 10, seq: 0, status: 'ok', rttNs: 23_456, ttl: 61, bytes: 56, sentAtNs: SEND_NS, receivedAtNs: SEND_NS + 23_456n })]);
    expect(counters[Counter.RECEIVED]).toBe(1);
    expect(job.outstanding).toBe(0);
  });

  it('every event names the echo id and seq its request carried on the wire (a ping socket: the kernel\'s id)', async () => {
    const { ledger, send, answer, events } = setup(['127.0.0.1', '::1'], { timeoutMs: 100 });
    const a = send(0, 0, 0);
    const b = send(1, 0, 0);
    answer(a, 10_000n);
    ledger.expire(101);
    expect(await events()).toEqual([
      expect.objectContaining({ status: 'ok', echoId: ledger.idOf(a), echoSeq: ledger.seqOf(a) }),
      expect.objectContaining({ status: 'timeout', echoId: ledger.idOf(b), echoSeq: ledger.seqOf(b) }),
    ]);
    expect(ledger.seqOf(a)).not.toBe(ledger.seqOf(b));
    // A ping socket's kernel writes its own id (here one with the top bit set) into every request.
    ledger.setKernelId(4, 0xfedc);
    answer(send(0, 1), 10_000n);
    const c = send(1, 1);
    answer(c, 10_000n);
    expect((await events()).map((e) => [e.status, e.echoId])).toEqual([['ok', 0xfedc], ['ok', ledger.idOf(c)]]);
  });

  it('a second reply to an answered probe is a duplicate', async () => {
    const { send, answer, summary, events, counters } = setup(['127.0.0.1']);
    const slot = send(0, 0);
    answer(slot, 20_000n);
    answer(slot, 25_000n);
    answer(slot, 26_000n);
    expect(summary(0)).toMatchObject({ sent: 1, received: 1, duplicates: 2 });
    expect((await events()).map((e) => e.status)).toEqual(['ok', 'duplicate', 'duplicate']);
    expect(counters[Counter.DUPLICATES]).toBe(2);
  });

  it('a reply after the timeout fired is late and the probe stays lost', async () => {
    const { ledger, send, answer, summary, events, counters } = setup(['127.0.0.1'], { timeoutMs: 100 });
    const slot = send(0, 0, 0);
    ledger.expire(99);
    expect(ledger.table.state[slot]).toBe(SlotState.IN_FLIGHT);
    ledger.expire(101);
    expect(ledger.table.state[slot]).toBe(SlotState.TIMED_OUT);
    answer(slot, 150_000_000n, {}, 150);
    expect(summary(0)).toMatchObject({ sent: 1, received: 0, late: 1, lossPercent: 100 });
    expect((await events()).map((e) => e.status)).toEqual(['timeout', 'late']);
    expect(counters[Counter.TIMEOUTS]).toBe(1);
    expect(counters[Counter.LATE]).toBe(1);
  });

  it('a reply read before the wheel fired but with an RTT over the timeout is timeout + late', async () => {
    const { send, answer, summary, events, job } = setup(['127.0.0.1'], { timeoutMs: 100 });
    const slot = send(0, 0, 0);
    answer(slot, 100_000_001n, {}, 50);
    expect(summary(0)).toMatchObject({ sent: 1, received: 0, late: 1 });
    expect((await events()).map((e) => e.status)).toEqual(['timeout', 'late']);
    expect(job.outstanding).toBe(0);
  });

  it('an RTT exactly at the timeout is in time', () => {
    const { send, answer, summary } = setup(['127.0.0.1'], { timeoutMs: 100 });
    answer(send(0, 0), 100_000_000n);
    expect(summary(0)).toMatchObject({ received: 1, late: 0 });
  });

  it('rejects spoofed and foreign replies without touching the probe', async () => {
    const { ledger, send, answer, summary, events, counters, job } = setup(['127.0.0.1', '::1']);
    const v4 = send(0, 0);
    const v6 = send(1, 0);
    const v4addr = parseIpLiteral('127.0.0.1')!.bytes;
    answer(v4, 1000n, { tokenLo: ledger.table.tokenLo[v4] ^ 1 }); // wrong token (low half)
    answer(v4, 1000n, { tokenHi: (ledger.table.tokenHi[v4] ^ 0x80000000) >>> 0 }); // wrong token (high half)
    answer(v4, 1000n, { addr: parseIpLiteral('127.0.0.2')!.bytes }); // wrong source
    answer(v4, 1000n, { flags: OK | REPLY_FLAG.IPV6 }); // wrong family
    answer(v4, 1000n, { id: ID_BASE - 1 }); // id below the block
    answer(v4, 1000n, { id: ID_BASE + 2 }); // id above the block
    answer(v4, 1000n, { seq: 40 }); // a slot never used
    answer(v4, 1000n, { flags: REPLY_FLAG.CHECKSUM_OK }); // no token although the probe carried one
    answer(v4, 1000n, { type: ICMP4.ECHO_REQUEST }); // not a reply at all
    answer(v6, 1000n, { addr: v4addr, flags: OK }); // IPv4 answer for an IPv6 probe
    expect(counters[Counter.FOREIGN]).toBe(10);
    answer(v4, 1000n, { flags: REPLY_FLAG.HAS_TOKEN }); // checksum failed
    expect(counters[Counter.CORRUPTED]).toBe(1);
    expect(summary(0)).toMatchObject({ sent: 1, received: 0, duplicates: 0 });
    expect(await events()).toEqual([]);
    expect(job.outstanding).toBe(2);
    answer(v4, 2000n);
    answer(v6, 3000n);
    expect(summary(0).received).toBe(1);
    expect(summary(1).received).toBe(1);
  });

  it('matches by id and sequence only when the payload is too small for a token', () => {
    const { send, answer, summary } = setup(['127.0.0.1'], { size: 8 });
    answer(send(0, 0), 5000n, { flags: REPLY_FLAG.CHECKSUM_OK, tokenLo: 0, tokenHi: 0, payloadLen: 8 });
    expect(summary(0)).toMatchObject({ received: 1 });
  });

  it('an ICMP error quoting an in-flight probe concludes it, by kind; later answers are duplicates', async () => {
    const { ledger, send, answer, summary, events, counters, job } = setup(['127.0.0.1'], { timeoutMs: 100 });
    const slot = send(0, 0);
    const router = parseIpLiteral('127.9.9.9')!.bytes;
    const target = parseIpLiteral('127.0.0.1')!.bytes;
    const error = { addr: router, quotedAddr: target, type: ICMP4.DEST_UNREACH, code: 1, flags: OK | REPLY_FLAG.IS_ERROR };
    answer(slot, 500n, error);
    expect(job.outstanding).toBe(0);
    ledger.expire(1000); // nothing left to time out
    answer(slot, 600n, { ...error, type: ICMP4.TIME_EXCEEDED, code: 0 }); // a second error: not a second outcome
    answer(slot, 700n); // an echo reply after the error: a second answer
    // An error quoting another destination is not about our probe.
    answer(slot, 800n, { ...error, quotedAddr: parseIpLiteral('127.0.0.2')!.bytes });
    // Routers quote only 8 bytes of ICMP: errors without a token still match by id/seq.
    answer(slot, 900n, { ...error, code: 4, flags: REPLY_FLAG.CHECKSUM_OK | REPLY_FLAG.IS_ERROR });
    const s = summary(0);
    expect(s).toMatchObject({ sent: 1, received: 0, duplicates: 3, late: 0, lossPercent: 100, errors: { unreachable: 1 } });
    expect(counters[Counter.TIMEOUTS]).toBe(0);
    expect(counters[Counter.ERRORS]).toBe(1);
    expect(counters[Counter.DUPLICATES]).toBe(3);
    expect(counters[Counter.FOREIGN]).toBe(1);
    const ev = await events();
    expect(ev.map((e) => [e.status, e.errorKind])).toEqual([['error', 'unreachable'], ['duplicate', 'time-exceeded'], ['duplicate', undefined], ['duplicate', 'packet-too-big']]);
    expect(ev[0]).toMatchObject({ from: '127.9.9.9', icmpType: 3, icmpCode: 1 });
    expect(ev[1]).toMatchObject({ from: '127.9.9.9', icmpType: 11, icmpCode: 0 });
  });

  it('an ICMP error after the probe timed out is late: one outcome per probe, the probe stays lost', async () => {
    const { ledger, send, answer, summary, events, counters, job } = setup(['127.0.0.1'], { timeoutMs: 100 });
    const slot = send(0, 0, 0);
    ledger.expire(101);
    expect(ledger.table.state[slot]).toBe(SlotState.TIMED_OUT);
    const error = {
      addr: parseIpLiteral('127.9.9.9')!.bytes, quotedAddr: parseIpLiteral('127.0.0.1')!.bytes,
      type: ICMP4.DEST_UNREACH, code: 13, flags: REPLY_FLAG.CHECKSUM_OK | REPLY_FLAG.IS_ERROR,
    };
    answer(slot, 250_000_000n, error, 250);
    answer(slot, 260_000_000n, {}, 260); // and the echo reply itself, later still
    expect(summary(0)).toMatchObject({ sent: 1, received: 0, late: 2, duplicates: 0, errors: {}, lossPercent: 100 });
    expect(counters[Counter.TIMEOUTS]).toBe(1);
    expect(counters[Counter.LATE]).toBe(2);
    expect(counters[Counter.ERRORS]).toBe(0);
    expect(job.outstanding).toBe(0);
    const ev = await events();
    expect(ev.map((e) => [e.status, e.errorKind])).toEqual([['timeout', undefined], ['late', 'unreachable'], ['late', undefined]]);
    expect(ev[1]).toMatchObject({ seq: 0, from: '127.9.9.9', icmpType: 3, icmpCode: 13, rttNs: 250_000_000 });
  });

  it('classifies ICMPv6 errors', async () => {
    const { send, answer, summary } = setup(['::1']);
    const slot = send(0, 0);
    const addr = parseIpLiteral('::1')!.bytes;
    answer(slot, 100n, { addr: parseIpLiteral('2001:db8::1')!.bytes, quotedAddr: addr, type: ICMP6.TIME_EXCEEDED, code: 0, flags: OK | REPLY_FLAG.IS_ERROR | REPLY_FLAG.IPV6 });
    expect(summary(0).errors).toEqual({ 'time-exceeded': 1 });
  });

  it('a refused send counts as sent and lost with error send-failed', async () => {
    const { ledger, job, summary, events, counters } = setup(['127.0.0.1']);
    const slot = ledger.reserve(job, 0, 0, 0);
    ledger.sendFailed(slot, 0);
    expect(summary(0)).toMatchObject({ sent: 1, received: 0, errors: { 'send-failed': 1 } });
    expect((await events())[0]).toMatchObject({ status: 'error', errorKind: 'send-failed', icmpType: undefined });
    expect(counters[Counter.SENT]).toBe(1);
    expect(job.outstanding).toBe(0);
  });

  it('withdrawing a cancelled job un-counts its in-flight probes; their replies are ignored', async () => {
    const { ledger, job, send, answer, summary, counters } = setup(['127.0.0.1', '127.0.0.2']);
    const a = send(0, 0);
    const b = send(1, 0);
    const pending = ledger.reserve(job, 0, 1, 0);
    answer(a, 1000n);
    ledger.withdraw(job, 5);
    expect(job.outstanding).toBe(0);
    expect(ledger.table.busy).toBe(0);
    expect(ledger.table.state[pending]).toBe(SlotState.WITHDRAWN);
    expect(summary(0)).toMatchObject({ sent: 1, received: 1 });
    expect(summary(1)).toMatchObject({ sent: 0, received: 0, lossPercent: 0 });
    answer(b, 2000n);
    expect(summary(1).received).toBe(0);
    expect(counters[Counter.LATE]).toBe(1);
  });

  it('after a job finished, answers for its probes count at the worker level only', () => {
    const { ledger, job, send, answer, counters } = setup(['127.0.0.1'], { timeoutMs: 10 });
    const answered = send(0, 0);
    const lost = send(0, 1);
    answer(answered, 1000n);
    ledger.expire(20);
    ledger.removeJob(job);
    answer(answered, 1000n);
    answer(lost, 30_000_000n);
    const error = {
      addr: parseIpLiteral('127.9.9.9')!.bytes, quotedAddr: parseIpLiteral('127.0.0.1')!.bytes,
      type: ICMP4.DEST_UNREACH, code: 1, flags: REPLY_FLAG.CHECKSUM_OK | REPLY_FLAG.IS_ERROR,
    };
    answer(lost, 31_000_000n, error);
    answer(answered, 2000n, error);
    expect(counters[Counter.DUPLICATES]).toBe(2);
    expect(counters[Counter.LATE]).toBe(2);
    expect(counters[Counter.ERRORS]).toBe(0);
  });

  it('gives every probe a fresh token', () => {
    const { ledger, send } = setup(['127.0.0.1']);
    const tokens = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const s = send(0, i);
      tokens.add(`${ledger.table.tokenHi[s]}:${ledger.table.tokenLo[s]}`);
    }
    expect(tokens.size).toBe(50);
  });
});
