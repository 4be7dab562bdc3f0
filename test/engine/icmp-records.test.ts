import { describe, expect, it } from 'vitest';
import { REPLY, REPLY_FLAG, REQ } from '../../native-bindings/layout.js';
import { addressSlotsEqual, formatAddressSlot, parseIpLiteral, writeAddressSlot } from '../../engine/icmp/shared/address.js';
import { RequestBatch } from '../../engine/icmp/worker/request-batch.js';
import { ReplyBatch, writeReplyRecord } from '../../engine/icmp/worker/reply-batch.js';
import { buildEchoMessage, internetChecksum } from '../../engine/icmp/worker/echo-packet.js';

describe('address slots', () => {
  it('parses strict IPv4 and IPv6 literals and rejects everything else', () => {
    expect(parseIpLiteral('127.0.0.1')).toMatchObject({ family: 4, text: '127.0.0.1' });
    expect(parseIpLiteral('::1')).toMatchObject({ family: 6, text: '::1' });
    expect(parseIpLiteral('2001:DB8:0:0:0:0:0:1')).toMatchObject({ family: 6, text: '2001:db8::1' });
    expect(parseIpLiteral('::ffff:127.0.0.9')).toMatchObject({ family: 4, text: '127.0.0.9' });
    for (const bad of ['127.1', '0x7f.0.0.1', '256.0.0.1', 'fe80::1%eth0', 'localhost', '', '1.2.3.4 ']) {
      expect(parseIpLiteral(bad), bad).toBeNull();
    }
  });

  it('round-trips through 16-byte slots and compares by family', () => {
    const slots = new Uint8Array(64);
    writeAddressSlot(slots, 0, parseIpLiteral('127.1.2.3')!);
    writeAddressSlot(slots, 16, parseIpLiteral('2001:db8::42')!);
    writeAddressSlot(slots, 32, parseIpLiteral('127.1.2.3')!);
    slots[32 + 5] = 0xee; // stray bytes after an IPv4 address never matter
    expect(formatAddressSlot(slots, 0, 4)).toBe('127.1.2.3');
    expect(formatAddressSlot(slots, 16, 6)).toBe('2001:db8::42');
    const words = new Uint32Array(slots.buffer);
    expect(addressSlotsEqual(words, 0, words, 8, 4)).toBe(true);
    expect(addressSlotsEqual(words, 0, words, 8, 6)).toBe(false);
    expect(addressSlotsEqual(words, 4, words, 4, 6)).toBe(true);
    expect(addressSlotsEqual(words, 0, words, 4, 4)).toBe(false);
  });
});

describe('request records', () => {
  it('writes every REQ field at its documented offset', () => {
    const batch = new RequestBatch(4);
    const addr = new Uint8Array(16);
    writeAddressSlot(addr, 0, parseIpLiteral('2001:db8::7')!);
    const words = new Uint32Array(addr.buffer);
    batch.push(9, words, 0, 0xbeef, 0x1234, 17, 56, 0xdeadbeef, 0x01020304);
    batch.push(10, words, 0, 1, 2, 0, 0, 5, 6);
    const b = batch.buffer;
    expect(b.subarray(REQ.ADDR, REQ.ADDR + 16)).toEqual(Buffer.from(addr));
    expect(b.readUInt16LE(REQ.ID)).toBe(0xbeef);
    expect(b.readUInt16LE(REQ.SEQ)).toBe(0x1234);
    expect(b.readUInt8(REQ.TTL)).toBe(17);
    expect(b.readUInt16LE(REQ.PAYLOAD_SIZE)).toBe(56);
    expect(b.readBigUInt64LE(REQ.TOKEN)).toBe(0x01020304deadbeefn);
    expect(b.readUInt16LE(REQ.SIZE + REQ.SEQ)).toBe(2);
    expect(batch.count).toBe(2);
    expect(Array.from(batch.slots.subarray(0, 2))).toEqual([9, 10]);
    // What the addon writes back: send time and errno.
    b.writeBigUInt64LE(0x0000000500000007n, REQ.SIZE + REQ.SEND_TIME_NS);
    b.writeInt32LE(-11, REQ.SIZE + REQ.ERROR);
    expect(batch.sendTimeLo(1)).toBe(7);
    expect(batch.sendTimeHi(1)).toBe(5);
    expect(batch.error(1)).toBe(-11);
  });

  it('shift() keeps unsent records in order and retain() drops withdrawn ones', () => {
    const batch = new RequestBatch(8);
    const words = new Uint32Array(4);
    for (let i = 0; i < 6; i++) batch.push(100 + i, words, 0, 1, i, 0, 56, i, 0);
    batch.shift(2);
    expect(batch.count).toBe(4);
    expect(Array.from(batch.slots.subarray(0, 4))).toEqual([102, 103, 104, 105]);
    expect(batch.buffer.readUInt16LE(REQ.SEQ)).toBe(2);
    batch.retain((slot) => slot !== 103 && slot !== 105);
    expect(Array.from(batch.slots.subarray(0, batch.count))).toEqual([102, 104]);
    expect(batch.buffer.readUInt16LE(REQ.SIZE + REQ.SEQ)).toBe(4);
    expect(batch.tokenLo(1)).toBe(4);
  });
});

describe('reply records', () => {
  it('reads every REPLY field written at its documented offset', () => {
    const batch = new ReplyBatch(2);
    const addr = new Uint8Array(16);
    writeAddressSlot(addr, 0, parseIpLiteral('127.0.0.5')!);
    writeReplyRecord(batch, 1, {
      addr, type: 0, code: 0, id: 40000, seq: 65535, ttl: 63,
      flags: REPLY_FLAG.CHECKSUM_OK | REPLY_FLAG.HAS_TOKEN,
      tokenLo: 0xffffffff, tokenHi: 7, recvTimeNs: (12n << 32n) | 34n, payloadLen: 56, quotedAddr: addr,
    });
    expect(batch.id(1)).toBe(40000);
    expect(batch.seq(1)).toBe(65535);
    expect(batch.ttl(1)).toBe(63);
    expect(batch.flags(1)).toBe(REPLY_FLAG.CHECKSUM_OK | REPLY_FLAG.HAS_TOKEN);
    expect(batch.tokenLo(1)).toBe(0xffffffff);
    expect(batch.tokenHi(1)).toBe(7);
    expect(batch.recvTimeLo(1)).toBe(34);
    expect(batch.recvTimeHi(1)).toBe(12);
    expect(batch.payloadLen(1)).toBe(56);
    expect(batch.u32[batch.addrWord(1)]).toBe(new Uint32Array(addr.buffer)[0]);
    expect(batch.u32[batch.quotedAddrWord(1)]).toBe(new Uint32Array(addr.buffer)[0]);
    expect(batch.addrWord(1) * 4).toBe(REPLY.SIZE + REPLY.ADDR);
  });
});

describe('echo messages', () => {
  it('builds an IPv4 echo reply whose checksum verifies and carries token and send time', () => {
    const msg = buildEchoMessage({ family: 4, kind: 'reply', id: 0x1234, seq: 7, token: 0xabcdef0123456789n, sendTimeNs: 99n, payloadSize: 56 });
    expect(msg.length).toBe(64);
    expect(msg[0]).toBe(0);
    expect(internetChecksum(msg)).toBe(0);
    expect(msg.readUInt16BE(4)).toBe(0x1234);
    expect(msg.readUInt16BE(6)).toBe(7);
    expect(msg.readBigUInt64LE(8)).toBe(0xabcdef0123456789n);
    expect(msg.readBigUInt64LE(16)).toBe(99n);
  });

  it('computes RFC 1071 checksums for odd lengths', () => {
    // Example from RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d.
    expect(internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]))).toBe(0x220d);
    expect(internetChecksum(Uint8Array.from([0xff]))).toBe(0x00ff);
  });
});

describe('dotted-quad fast path', () => {
  it('agrees with node:net isIP on tricky inputs', async () => {
    const { isIP } = await import('node:net');
    const cases = ['0.0.0.0', '255.255.255.255', '1.2.3.4', '01.2.3.4', '1.2.3.04', '1.2.3', '1.2.3.4.5', '1..3.4', '.1.2.3', '1.2.3.', '256.1.1.1', '1.2.3.4a', '999.0.0.0', '00.0.0.0', '10.0.0.10'];
    for (const c of cases) expect(parseIpLiteral(c) !== null, c).toBe(isIP(c) === 4);
  });
});
