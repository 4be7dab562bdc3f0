// Real raw ICMP sockets on loopback: batched echo round trips, the BPF identifier filter,
// injected foreign packets, and input validation.
import { afterEach, describe, expect, it } from 'vitest';
import { ICMP4, ICMP6, native, REPLY, REPLY_FLAG, REQ, type IcmpSocket } from '../../native-bindings/index.js';
import {
  canRaw4,
  canRaw6,
  checksum,
  collectReplies,
  echoMessage,
  ipv4Packet,
  randomIdBlock,
  requestBuffer,
  type Probe,
  type Reply,
} from './helpers.js';
import { waitFor } from '../wait-for.js';

const open: IcmpSocket[] = [];
function openSocket(...args: Parameters<typeof native.openIcmpSocket>): IcmpSocket {
  const s = native.openIcmpSocket(...args);
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

const NO_RAW = 'needs CAP_NET_RAW (run as root) to open raw ICMP sockets';

function probes(addresses: string[], idBase: number, perAddress: number): Probe[] {
  const list: Probe[] = [];
  for (const address of addresses) {
    for (let i = 0; i < perAddress; i++) {
      const n = list.length;
      list.push({ address, id: idBase + (n % 4), seq: n, token: 0x5eed_0000_0000n + BigInt(n) * 7919n });
    }
  }
  return list;
}

/** `collectedNs`: CLOCK_REALTIME read once every reply was in hand. */
function expectRepliesMatch(sent: Probe[], requests: Buffer, replies: Reply[], family: 4 | 6, collectedNs: bigint): void {
  expect(replies).toHaveLength(sent.length);
  const bySeq = new Map(replies.map((r) => [r.seq, r]));
  sent.forEach((p, i) => {
    const r = bySeq.get(p.seq);
    expect(r, `reply for seq ${p.seq}`).toBeDefined();
    if (!r) return;
    const sendTimeNs = requests.readBigUInt64LE(i * REQ.SIZE + REQ.SEND_TIME_NS);
    expect(requests.readInt32LE(i * REQ.SIZE + REQ.ERROR)).toBe(0);
    expect(r.address).toBe(p.address);
    expect(r.type).toBe(family === 4 ? ICMP4.ECHO_REPLY : ICMP6.ECHO_REPLY);
    expect(r.id).toBe(p.id);
    expect(r.token).toBe(p.token);
    expect(r.flags & REPLY_FLAG.CHECKSUM_OK).toBeTruthy();
    expect(r.flags & REPLY_FLAG.HAS_TOKEN).toBeTruthy();
    expect(r.flags & REPLY_FLAG.IS_ERROR).toBe(0);
    expect(Boolean(r.flags & REPLY_FLAG.IPV6)).toBe(family === 6);
    expect(r.payloadLen).toBe(56);
    expect(r.ttl).toBeGreaterThan(0);
    // The payload carries the time read in C just before sendmmsg; the record's send time is
    // the kernel's TX stamp, taken later on the same clock (when loopback_xmit took the packet).
    expect(sendTimeNs).toBeGreaterThan(r.payloadTimeNs);
    expect(r.recvTimeNs).toBeGreaterThanOrEqual(sendTimeNs);
    // The kernel's receive time lies between the send and the moment the reply was in hand
    // (a real timestamp on the same clock, not a duration bound).
    expect(r.recvTimeNs).toBeLessThanOrEqual(collectedNs);
  });
}

describe.skipIf(!canRaw4)(`raw IPv4 socket on loopback (${NO_RAW})`, () => {
  it('sends a batch to 127.0.0.1 and 127.0.0.2 and receives every reply with its id, seq, token and kernel time', async () => {
    const idBase = randomIdBlock(4);
    const s = openSocket({ family: 4, mode: 'raw', idBase, idCount: 4 });
    expect(s.mode).toBe('raw');
    expect(s.family).toBe(4);
    expect(s.localId).toBe(-1);
    const sent = probes(['127.0.0.1', '127.0.0.2'], idBase, 50);
    const requests = requestBuffer(sent);
    const before = native.realtimeNs();
    expect(s.send(requests, sent.length)).toBe(sent.length);
    expect(requests.readBigUInt64LE(REQ.SEND_TIME_NS)).toBeGreaterThanOrEqual(before);
    const replies = await collectReplies(s, (r) => r.length >= sent.length);
    expectRepliesMatch(sent, requests, replies, 4, native.realtimeNs());
    expect(s.stats()).toMatchObject({ sent: sent.length, sendErrors: 0, received: sent.length, malformed: 0, kernelSendStamps: sent.length });
  });

  it('reads the kernel\'s send stamps off the error queue in each send, batch after batch, and none is left to wake the poll', async () => {
    const idBase = randomIdBlock(4);
    // Room for 200 replies and 200 stamps (they share the receive buffer; a stamp that does
    // not fit is dropped and its record keeps the time read before sendmmsg).
    const s = openSocket({ family: 4, mode: 'raw', idBase, idCount: 4, recvBufferBytes: 4 << 20 });
    for (let batch = 0; batch < 3; batch++) {
      const sent = probes(['127.0.0.1'], idBase, 200).map((p) => ({ ...p, seq: p.seq + batch * 200 }));
      const requests = requestBuffer(sent);
      expect(s.send(requests, sent.length)).toBe(sent.length);
      // The stamps followed the records batch after batch (the OPT_ID keys): the times never
      // fall, the stamped packets' (every 16th and the last) rise, and each lies after the time
      // read before sendmmsg and before its reply's receive stamp (expectRepliesMatch).
      const times = sent.map((_, i) => requests.readBigUInt64LE(i * REQ.SIZE + REQ.SEND_TIME_NS));
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
      for (let i = 16; i < times.length; i += 16) expect(times[i]).toBeGreaterThan(times[i - 16]);
      expect(times[times.length - 1]).toBeGreaterThan(times[192]);
      const replies = await collectReplies(s, (r) => r.length >= sent.length);
      expectRepliesMatch(sent, requests, replies, 4, native.realtimeNs());
    }
    expect(s.stats()).toMatchObject({ sent: 600, kernelSendStamps: 600, malformed: 0 });
    // Nothing waits now: the poll, level-triggered, stays quiet (a stamp left on the error
    // queue would make it report POLLERR on every turn).
    let wakeups = 0;
    s.startPolling(() => {
      wakeups++;
      s.receive(Buffer.alloc(REPLY.SIZE * 16));
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    s.stopPolling();
    expect(wakeups).toBe(0);
  });

  it('a second socket with another identifier block receives none of the first socket\'s replies', async () => {
    const idA = randomIdBlock(8);
    let idB = randomIdBlock(8);
    while (Math.abs(idB - idA) < 16) idB = randomIdBlock(8);
    const a = openSocket({ family: 4, mode: 'raw', idBase: idA, idCount: 8 });
    const b = openSocket({ family: 4, mode: 'raw', idBase: idB, idCount: 8 });
    const sent = probes(['127.0.0.1'], idA, 64);
    expect(a.send(requestBuffer(sent), sent.length)).toBe(sent.length);
    const [gotA, gotB] = await Promise.all([
      collectReplies(a, (r) => r.length >= sent.length),
      collectReplies(b, () => false, 300),
    ]);
    expect(gotA).toHaveLength(sent.length);
    expect(gotB.filter((r) => r.id >= idA && r.id < idA + 8)).toEqual([]);
    expect(gotB.every((r) => r.id >= idB && r.id < idB + 8)).toBe(true);
  });

  it('filters injected echo replies and errors by identifier, and flags a bad checksum', async () => {
    const idBase = randomIdBlock(4);
    const foreignId = idBase >= 2048 ? idBase - 1000 : idBase + 1000;
    const s = openSocket({ family: 4, mode: 'raw', idBase, idCount: 4 });
    const injector = openSocket({ family: 4, mode: 'raw', idBase: foreignId, idCount: 1 });

    injector.sendPacket('127.0.0.1', echoMessage(ICMP4.ECHO_REPLY, foreignId, 1, 0xf0f0n));
    injector.sendPacket('127.0.0.1', echoMessage(ICMP4.ECHO_REPLY, idBase + 3, 2, 0xabcn));
    const corrupt = echoMessage(ICMP4.ECHO_REPLY, idBase, 3, 0xbadn);
    corrupt[20] ^= 0xff;
    injector.sendPacket('127.0.0.1', corrupt);
    // Destination unreachable quoting our echo request, inside a quoted header with IP
    // options (IHL 6) so the filter's variable-length arithmetic is exercised.
    const quoted = (id: number, seq: number): Buffer =>
      ipv4Packet('127.0.0.1', '127.0.0.9', 1, echoMessage(ICMP4.ECHO_REQUEST, id, seq, 0x77n), 1, 24);
    const unreachable = (id: number, seq: number): Buffer => {
      const msg = Buffer.concat([Buffer.from([ICMP4.DEST_UNREACH, 1, 0, 0, 0, 0, 0, 0]), quoted(id, seq)]);
      msg.writeUInt16BE(checksum(msg), 2);
      return msg;
    };
    injector.sendPacket('127.0.0.1', unreachable(foreignId, 4));
    injector.sendPacket('127.0.0.1', unreachable(idBase + 1, 5));

    const got = await collectReplies(s, (r) => r.length >= 3, 1000);
    expect(got.map((r) => r.seq).sort()).toEqual([2, 3, 5]);
    const echo = got.find((r) => r.seq === 2);
    expect(echo).toMatchObject({ id: idBase + 3, token: 0xabcn, address: '127.0.0.1' });
    expect(echo!.flags & REPLY_FLAG.CHECKSUM_OK).toBeTruthy();
    expect(got.find((r) => r.seq === 3)!.flags & REPLY_FLAG.CHECKSUM_OK).toBe(0);
    const error = got.find((r) => r.seq === 5)!;
    expect(error).toMatchObject({ type: ICMP4.DEST_UNREACH, code: 1, id: idBase + 1, token: 0x77n, quotedAddress: '127.0.0.9' });
    expect(error.flags & REPLY_FLAG.IS_ERROR).toBeTruthy();
    expect(error.flags & REPLY_FLAG.CHECKSUM_OK).toBeTruthy();
  });

  it('counts packets the kernel dropped for a full receive buffer (SO_RXQ_OVFL)', async () => {
    const idBase = randomIdBlock(1);
    const s = openSocket({ family: 4, mode: 'raw', idBase, recvBufferBytes: 1 });
    const sent = probes(['127.0.0.1'], idBase, 256).map((p) => ({ ...p, id: idBase }));
    expect(s.send(requestBuffer(sent), sent.length)).toBe(sent.length);
    // replies arrive while nobody reads, until the kernel drops for the full buffer (the
    // count may keep growing with other ICMP traffic on the host: the raw socket sees it all)
    await waitFor(() => s.stats().kernelDrops > 0, { intervalMs: 5, message: 'the kernel dropping packets for the full buffer' });
    const replies = await collectReplies(s, () => false, 200);
    const { received, kernelDrops } = s.stats();
    expect(received).toBe(replies.length);
    expect(received).toBeLessThan(sent.length);
    // Once the buffer is full the kernel drops every ICMP packet for the socket before the
    // BPF filter runs (our own looped-back requests too), so the count is an upper bound.
    expect(kernelDrops).toBeGreaterThanOrEqual(sent.length - received);
  });

  it('reports bad records per record and bad arguments with errors that name them', () => {
    const s = openSocket({ family: 4, mode: 'raw', idBase: randomIdBlock(1) });
    const requests = requestBuffer([{ address: '127.0.0.1', id: 1, seq: 1, token: 1n }]);
    requests.writeUInt16LE(65501, REQ.PAYLOAD_SIZE);
    expect(s.send(requests, 1)).toBe(1);
    expect(requests.readInt32LE(REQ.ERROR)).toBe(90); // EMSGSIZE
    expect(s.stats().sendErrors).toBe(1);
    expect(() => s.send(requests, 2)).toThrow(/count 2 needs 96 bytes/);
    expect(() => s.send(requests, -1)).toThrow(/send: count/);
    expect(s.receive(Buffer.alloc(REPLY.SIZE - 1))).toBe(0);
    expect(() => s.receive('x' as unknown as Buffer)).toThrow(/receive: out must be a Buffer/);
    expect(() => s.setTtl(0)).toThrow(/setTtl: ttl must be an integer 1..255/);
    expect(s.setRecvBuffer(1 << 20)).toBeGreaterThanOrEqual(1 << 20);
    s.setTtl(33);
    s.setTos(0x10);
    s.setDontFragment(true);
    s.close();
    expect(() => s.send(requests, 1)).toThrow(/closed/);
    s.close(); // idempotent
    expect(() => native.openIcmpSocket({ family: 5 as 4 })).toThrow(/options.family must be 4 or 6/);
    expect(() => native.openIcmpSocket({ family: 4, ttl: 300 })).toThrow(/options.ttl must be an integer 1..255/);
    expect(() => native.openIcmpSocket({ family: 4, idBase: 65535, idCount: 2 })).toThrow(/idBase \+ options.idCount/);
    expect(() => native.openIcmpSocket({ family: 4, netns: '/nonexistent/ns' })).toThrow(/network namespace \/nonexistent\/ns/);
  });
});

describe.skipIf(!canRaw6)(`raw IPv6 socket on loopback (${NO_RAW})`, () => {
  it('sends a batch to ::1 and receives every reply with its id, seq, token, hop limit and kernel time', async () => {
    const idBase = randomIdBlock(4);
    const s = openSocket({ family: 6, mode: 'raw', idBase, idCount: 4 });
    const sent = probes(['::1'], idBase, 100);
    const requests = requestBuffer(sent);
    expect(s.send(requests, sent.length)).toBe(sent.length);
    const replies = await collectReplies(s, (r) => r.length >= sent.length);
    expectRepliesMatch(sent, requests, replies, 6, native.realtimeNs());
    expect(replies.every((r) => r.ttl === 64)).toBe(true);
  });

  it('filters injected ICMPv6 echo replies by identifier', async () => {
    const idBase = randomIdBlock(2);
    const foreignId = idBase >= 2048 ? idBase - 1000 : idBase + 1000;
    const s = openSocket({ family: 6, mode: 'raw', idBase, idCount: 2 });
    const injector = openSocket({ family: 6, mode: 'raw', idBase: foreignId });
    injector.sendPacket('::1', echoMessage(ICMP6.ECHO_REPLY, foreignId, 1, 1n));
    injector.sendPacket('::1', echoMessage(ICMP6.ECHO_REPLY, idBase + 1, 2, 2n));
    const got = await collectReplies(s, (r) => r.length >= 1, 500);
    expect(got.map((r) => [r.id, r.seq, r.token])).toEqual([[idBase + 1, 2, 2n]]);
  });
});
