// A TUN device and ICMP sockets created inside a network namespace this test creates
// (198.18.0.0/15 and 2001:db8::/32 are routed to the TUN there, and nowhere else).
import { readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ICMP4,
  ICMP6,
  native,
  readAddress,
  REPLY_FLAG,
  TUN_FRAME_HEADER,
  type IcmpSocket,
  type TunDevice,
} from '../../native-bindings/index.js';
import { checksum, collectReplies, ipv4Packet, ipv6IcmpPacket, isRoot, randomIdBlock, requestBuffer, sh } from './helpers.js';

const NS = `sonde-t-${process.pid}`;
const NS_PATH = `/run/netns/${NS}`;
const TUN_NAME = `sondet${process.pid % 100000}`;

function ns(...args: string[]): void {
  sh('ip', ['-n', NS, ...args]);
}

const isEchoRequest4 = (p: Buffer): boolean => p[0] >> 4 === 4 && p[9] === 1 && p[(p[0] & 0x0f) * 4] === ICMP4.ECHO_REQUEST;
const isEchoRequest6 = (p: Buffer): boolean => p[0] >> 4 === 6 && p[6] === 58 && p[40] === ICMP6.ECHO_REQUEST;

/** Echo requests read from the TUN (the kernel also sends its own IPv6 router solicitations
 *  and MLD reports there; those are skipped). */
function readPackets(tun: TunDevice, want: number, timeoutMs = 2000): Promise<Buffer[]> {
  const out = Buffer.alloc(64 * 1024);
  const packets: Buffer[] = [];
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      tun.stopPolling();
      resolve(packets);
    };
    const timer = setTimeout(finish, timeoutMs);
    tun.startPolling(() => {
      for (let n = tun.read(out); n > 0; n = tun.read(out)) {
        let off = 0;
        for (let i = 0; i < n; i++) {
          const len = out.readUInt32LE(off);
          const packet = Buffer.from(out.subarray(off + TUN_FRAME_HEADER, off + TUN_FRAME_HEADER + len));
          if (isEchoRequest4(packet) || isEchoRequest6(packet)) packets.push(packet);
          off += TUN_FRAME_HEADER + ((len + 3) & ~3);
        }
      }
      if (packets.length >= want) finish();
    });
  });
}

function frames(packets: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of packets) {
    const head = Buffer.alloc(TUN_FRAME_HEADER);
    head.writeUInt32LE(p.length);
    parts.push(head, p, Buffer.alloc(((p.length + 3) & ~3) - p.length));
  }
  return Buffer.concat(parts);
}

function ipv4EchoReply(request: Buffer, ttl = 50): Buffer {
  const ihl = (request[0] & 0x0f) * 4;
  const icmp = Buffer.from(request.subarray(ihl));
  icmp[0] = ICMP4.ECHO_REPLY;
  icmp.writeUInt16BE(0, 2);
  icmp.writeUInt16BE(checksum(icmp), 2);
  return ipv4Packet(readAddress(request, 16, 4), readAddress(request, 12, 4), 1, icmp, ttl);
}

function ipv4Unreachable(request: Buffer, from: string, code: number): Buffer {
  const msg = Buffer.concat([Buffer.from([ICMP4.DEST_UNREACH, code, 0, 0, 0, 0, 0, 0]), request]);
  msg.writeUInt16BE(checksum(msg), 2);
  return ipv4Packet(from, readAddress(request, 12, 4), 1, msg, 60);
}

const open: { close(): void }[] = [];
function keep<T extends { close(): void }>(x: T): T {
  open.push(x);
  return x;
}

describe.skipIf(!isRoot)('TUN device and sockets in a test network namespace', () => {
  let tun: TunDevice;

  beforeAll(() => {
    sh('ip', ['netns', 'add', NS]);
    ns('link', 'set', 'lo', 'up');
    tun = keep(native.openTun(TUN_NAME, { netns: NS_PATH }));
    ns('link', 'set', TUN_NAME, 'up');
    ns('addr', 'add', '198.19.255.254/32', 'dev', TUN_NAME);
    ns('route', 'add', '198.18.0.0/15', 'dev', TUN_NAME, 'src', '198.19.255.254');
    ns('addr', 'add', '2001:db8:ffff::fffe/128', 'dev', TUN_NAME, 'nodad');
    ns('route', 'add', '2001:db8::/32', 'dev', TUN_NAME);
  });

  afterAll(() => {
    for (const x of open.splice(0)) x.close();
    sh('ip', ['netns', 'del', NS]);
  });

  it('creates the device inside the namespace and leaves this thread in its own', () => {
    expect(tun.name).toBe(TUN_NAME);
    const before = readlinkSync('/proc/thread-self/ns/net');
    keep(native.openIcmpSocket({ family: 4, mode: 'raw', netns: NS_PATH }));
    expect(readlinkSync('/proc/thread-self/ns/net')).toBe(before);
    expect(sh('ip', ['-n', NS, '-o', 'link', 'show', TUN_NAME])).toContain(TUN_NAME);
    expect(() => sh('ip', ['-o', 'link', 'show', TUN_NAME])).toThrow();
  });

  it('IPv4: the echo request arrives on the TUN with its per-record TTL, and a crafted reply and error come back', async () => {
    const idBase = randomIdBlock(2);
    const s: IcmpSocket = keep(native.openIcmpSocket({ family: 4, mode: 'raw', idBase, idCount: 2, ttl: 33, netns: NS_PATH }));
    const requests = requestBuffer([
      { address: '198.18.0.5', id: idBase, seq: 1, token: 111n, ttl: 7 },
      { address: '198.18.0.5', id: idBase + 1, seq: 2, token: 222n },
    ]);
    const packetsPromise = readPackets(tun, 2);
    expect(s.send(requests, 2)).toBe(2);
    const packets = await packetsPromise;
    expect(packets).toHaveLength(2);
    const [p1, p2] = packets;
    expect(readAddress(p1, 12, 4)).toBe('198.19.255.254');
    expect(readAddress(p1, 16, 4)).toBe('198.18.0.5');
    expect(p1[8]).toBe(7); // per-record TTL
    expect(p2[8]).toBe(33); // the socket's TTL
    expect(p1[20]).toBe(ICMP4.ECHO_REQUEST);
    expect(checksum(p1.subarray(20))).toBe(0);
    expect(p1.readUInt16BE(24)).toBe(idBase);
    expect(p1.readBigUInt64LE(28)).toBe(111n);

    const repliesPromise = collectReplies(s, (r) => r.length >= 3);
    expect(tun.write(frames([ipv4EchoReply(p1), ipv4EchoReply(p2), ipv4Unreachable(p2, '198.18.0.1', 3)]), 3)).toBe(3);
    const replies = await repliesPromise;
    expect(replies).toHaveLength(3);
    expect(replies[0]).toMatchObject({ address: '198.18.0.5', type: 0, id: idBase, seq: 1, token: 111n, ttl: 50 });
    expect(replies[0].flags & REPLY_FLAG.CHECKSUM_OK).toBeTruthy();
    expect(replies[1]).toMatchObject({ id: idBase + 1, seq: 2, token: 222n });
    expect(replies[2]).toMatchObject({ address: '198.18.0.1', type: 3, code: 3, id: idBase + 1, seq: 2, token: 222n, ttl: 60 });
    expect(replies[2].quotedAddress).toBe('198.18.0.5');
    expect(replies[2].flags & REPLY_FLAG.IS_ERROR).toBeTruthy();
  });

  it('IPv6: per-record hop limit on the wire, a crafted reply and a time-exceeded error come back', async () => {
    const idBase = randomIdBlock(1);
    const s: IcmpSocket = keep(native.openIcmpSocket({ family: 6, mode: 'raw', idBase, netns: NS_PATH }));
    const requests = requestBuffer([{ address: '2001:db8::5', id: idBase, seq: 9, token: 999n, ttl: 5 }]);
    const packetsPromise = readPackets(tun, 1);
    expect(s.send(requests, 1)).toBe(1);
    const [p] = await packetsPromise;
    expect(p[0] >> 4).toBe(6);
    expect(p[6]).toBe(58);
    expect(p[7]).toBe(5); // per-record hop limit
    expect(readAddress(p, 24, 6)).toBe('2001:db8::5');
    expect(p[40]).toBe(ICMP6.ECHO_REQUEST);
    const src = readAddress(p, 8, 6);
    const icmp = Buffer.from(p.subarray(40));
    icmp[0] = ICMP6.ECHO_REPLY;
    const reply = ipv6IcmpPacket('2001:db8::5', src, icmp, 42);
    const timeExceeded = ipv6IcmpPacket('2001:db8::1', src, Buffer.concat([Buffer.from([ICMP6.TIME_EXCEEDED, 0, 0, 0, 0, 0, 0, 0]), p]), 61);
    const repliesPromise = collectReplies(s, (r) => r.length >= 2);
    expect(tun.write(frames([reply, timeExceeded]), 2)).toBe(2);
    const replies = await repliesPromise;
    expect(replies[0]).toMatchObject({ address: '2001:db8::5', type: 129, id: idBase, seq: 9, token: 999n, ttl: 42 });
    expect(replies[1]).toMatchObject({ address: '2001:db8::1', type: 3, code: 0, id: idBase, seq: 9, token: 999n, ttl: 61 });
    expect(replies[1].quotedAddress).toBe('2001:db8::5');
    expect(replies[1].flags & (REPLY_FLAG.IS_ERROR | REPLY_FLAG.IPV6)).toBe(REPLY_FLAG.IS_ERROR | REPLY_FLAG.IPV6);
  });

  it('ping (dgram) socket: the kernel-assigned id is localId, replies and ICMP errors (error queue) come back', async () => {
    sh('ip', ['netns', 'exec', NS, 'sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647']);
    const s: IcmpSocket = keep(native.openIcmpSocket({ family: 4, mode: 'dgram', netns: NS_PATH }));
    expect(s.mode).toBe('dgram');
    expect(s.localId).toBeGreaterThan(0);
    const packetsPromise = readPackets(tun, 1);
    expect(s.send(requestBuffer([{ address: '198.18.0.7', id: 1, seq: 3, token: 333n }]), 1)).toBe(1);
    const [p] = await packetsPromise;
    expect(p.readUInt16BE(24)).toBe(s.localId);
    const repliesPromise = collectReplies(s, (r) => r.length >= 2);
    expect(tun.write(frames([ipv4EchoReply(p, 44), ipv4Unreachable(p, '198.18.0.1', 1)]), 2)).toBe(2);
    const replies = await repliesPromise;
    expect(replies[0]).toMatchObject({ address: '198.18.0.7', type: 0, id: s.localId, seq: 3, token: 333n, ttl: 44 });
    expect(replies[0].flags & REPLY_FLAG.CHECKSUM_OK).toBeTruthy();
    expect(replies[1]).toMatchObject({ address: '198.18.0.1', type: 3, code: 1, id: s.localId, seq: 3, token: 333n });
    expect(replies[1].quotedAddress).toBe('198.18.0.7');
    expect(replies[1].flags & REPLY_FLAG.IS_ERROR).toBeTruthy();
  });

  it('IPv6 ping (dgram) socket: reply and an ICMPv6 unreachable (error queue) come back with localId', async () => {
    sh('ip', ['netns', 'exec', NS, 'sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647']);
    const s: IcmpSocket = keep(native.openIcmpSocket({ family: 6, mode: 'dgram', netns: NS_PATH }));
    expect(s.localId).toBeGreaterThan(0);
    const packetsPromise = readPackets(tun, 1);
    expect(s.send(requestBuffer([{ address: '2001:db8::7', id: 1, seq: 4, token: 444n, ttl: 9 }]), 1)).toBe(1);
    const [p] = await packetsPromise;
    expect(p[7]).toBe(9);
    expect(p.readUInt16BE(44)).toBe(s.localId);
    const src = readAddress(p, 8, 6);
    const icmp = Buffer.from(p.subarray(40));
    icmp[0] = ICMP6.ECHO_REPLY;
    const unreachable = ipv6IcmpPacket('2001:db8::1', src, Buffer.concat([Buffer.from([ICMP6.DEST_UNREACH, 3, 0, 0, 0, 0, 0, 0]), p]));
    const repliesPromise = collectReplies(s, (r) => r.length >= 2);
    expect(tun.write(frames([ipv6IcmpPacket('2001:db8::7', src, icmp, 40), unreachable]), 2)).toBe(2);
    const replies = await repliesPromise;
    expect(replies[0]).toMatchObject({ address: '2001:db8::7', type: 129, id: s.localId, seq: 4, token: 444n, ttl: 40 });
    expect(replies[1]).toMatchObject({ address: '2001:db8::1', type: 1, code: 3, id: s.localId, seq: 4, token: 444n, quotedAddress: '2001:db8::7' });
    expect(replies[1].flags & REPLY_FLAG.IS_ERROR).toBeTruthy();
  });

  it('write checks frames before writing any, counts packets the kernel refuses, and read keeps what does not fit', async () => {
    const bad = frames([Buffer.alloc(20)]);
    bad.writeUInt32LE(4000, 0);
    expect(() => tun.write(bad, 1)).toThrow(/frame 0 has length 4000/);
    expect(() => tun.write(frames([Buffer.alloc(20)]), 2)).toThrow(/frame 1 starts past the end/);
    const garbage = Buffer.alloc(20, 0xff); // version 15: not IPv4 or IPv6
    const before = tun.stats().writeErrors;
    expect(tun.write(frames([garbage]), 1)).toBe(1);
    expect(tun.stats().writeErrors).toBe(before + 1);

    const s: IcmpSocket = keep(native.openIcmpSocket({ family: 4, mode: 'raw', idBase: randomIdBlock(1), netns: NS_PATH }));
    s.send(requestBuffer([{ address: '198.18.0.9', id: 1, seq: 2, token: 1n, payloadSize: 1000 }]), 1);
    await new Promise((r) => setTimeout(r, 50));
    // A 1028-byte packet does not fit a 100-byte buffer: read() stops there and keeps it.
    const small = Buffer.alloc(100);
    while (tun.read(small) > 0) expect(small.readUInt32LE(0)).toBeLessThan(100);
    const out = Buffer.alloc(8192);
    const n = tun.read(out);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(out.readUInt32LE(0)).toBe(1028);
    expect(out.readUInt16BE(TUN_FRAME_HEADER + 26)).toBe(2); // the seq-2 request
  });
});
