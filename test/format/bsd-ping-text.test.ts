import { describe, expect, it } from 'vitest';
import { bsdPingFigures, bsdPingOutput, formatBsdPingText, type BsdPingRun } from '../../server/format/bsd-ping-text.js';

// Seed 004's example, verbatim.
const SEED_RAW_OUTPUT =
  '\nCOMMAND=ping www.google.com\nPING 142.251.46.164 (142.251.46.164): 56 data bytes\n64 bytes from 142.251.46.164: icmp_seq=0 ttl=108 time=200.2 ms\n64 bytes from 142.251.46.164: icmp_seq=1 ttl=108 time=209.8 ms\n64 bytes from 142.251.46.164: icmp_seq=3 ttl=108 time=208.8 ms\n64 bytes from 142.251.46.164: icmp_seq=4 ttl=108 time=200.2 ms\n\n--- 142.251.46.164 ping statistics ---\n5 packets transmitted, 4 packets received, 20% packet loss\nround-trip min/avg/max = 200.2/204.7/209.8 ms\n';

const SEED_OUTPUT = {
  receivedPacketsCount: '4',
  packetLossPercent: '20',
  minimumRoundTripTimeMilliseconds: '200.2',
  maximumRoundTripTimeMilliseconds: '209.8',
  replies: [
    { sentPacketAddress: '142.251.46.164', sentPacketIcmpSequenceNumber: '0', sentPacketTimeToLive: '108', sentPacketTimeMilliseconds: '200.2', sentPacketSizeBytes: '64' },
    { sentPacketAddress: '142.251.46.164', sentPacketIcmpSequenceNumber: '1', sentPacketTimeToLive: '108', sentPacketTimeMilliseconds: '209.8', sentPacketSizeBytes: '64' },
    { sentPacketAddress: '142.251.46.164', sentPacketIcmpSequenceNumber: '3', sentPacketTimeToLive: '108', sentPacketTimeMilliseconds: '208.8', sentPacketSizeBytes: '64' },
    { sentPacketAddress: '142.251.46.164', sentPacketIcmpSequenceNumber: '4', sentPacketTimeToLive: '108', sentPacketTimeMilliseconds: '200.2', sentPacketSizeBytes: '64' },
  ],
  averageRoundTripTimeMilliseconds: '204.7',
  destination: 'www.google.com',
  resolvedIp: '142.251.46.164',
  transmittedPacketsCount: '5',
};

// RTTs with sub-0.1 ms digits that BSD truncates away.
const seedRun: BsdPingRun = {
  destination: 'www.google.com',
  address: '142.251.46.164',
  dataBytes: 56,
  transmitted: 5,
  replies: [
    { seq: 0, ttl: 108, bytes: 64, rttNs: 200_293_117n },
    { seq: 1, ttl: 108, bytes: 64, rttNs: 209_850_000 },
    { seq: 3, ttl: 108, bytes: 64, rttNs: 208_899_999n },
    { seq: 4, ttl: 108, bytes: 64, rttNs: 200_200_000n },
  ],
};

describe('formatBsdPingText', () => {
  it("reproduces seed 004's rawOutput byte for byte", () => {
    expect(formatBsdPingText(seedRun)).toBe(SEED_RAW_OUTPUT);
  });

  it('prints no round-trip line and 100% loss when nothing came back', () => {
    const text = formatBsdPingText({ destination: '127.0.0.2', address: '127.0.0.2', dataBytes: 56, transmitted: 3, replies: [] });
    expect(text).toBe(
      '\nCOMMAND=ping 127.0.0.2\nPING 127.0.0.2 (127.0.0.2): 56 data bytes\n\n--- 127.0.0.2 ping statistics ---\n' +
        '3 packets transmitted, 0 packets received, 100% packet loss\n',
    );
  });

  it('rounds loss down and marks duplicates the 4.4BSD way', () => {
    const run: BsdPingRun = {
      destination: 'localhost',
      address: '127.0.0.1',
      dataBytes: 1000,
      transmitted: 3,
      replies: [
        { seq: 0, ttl: 64, bytes: 1008, rttNs: 31_000 },
        { seq: 0, ttl: 64, bytes: 1008, rttNs: 1_250_000, duplicate: true },
        { seq: 2, ttl: 64, bytes: 1008, rttNs: 12_345_678_900n },
      ],
    };
    expect(formatBsdPingText(run).split('\n')).toEqual([
      '',
      'COMMAND=ping localhost',
      'PING 127.0.0.1 (127.0.0.1): 1000 data bytes',
      '1008 bytes from 127.0.0.1: icmp_seq=0 ttl=64 time=0.0 ms',
      '1008 bytes from 127.0.0.1: icmp_seq=0 ttl=64 time=1.2 ms (DUP!)',
      '1008 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=12345.6 ms',
      '',
      '--- 127.0.0.1 ping statistics ---',
      // 1 of 3 lost: 33.3% printed as 33%.
      '3 packets transmitted, 2 packets received, +1 duplicates, 33% packet loss',
      // (0 + 12 + 123456) / 3 = 41156 tenths.
      'round-trip min/avg/max = 0.0/4115.6/12345.6 ms',
      '',
    ]);
    expect(bsdPingFigures(run)).toMatchObject({ received: 2, duplicates: 1, lossPercent: 33 });
  });

  it('rejects negative or non-finite RTTs instead of printing nonsense', () => {
    const bad = (rttNs: number | bigint): BsdPingRun => ({
      destination: 'x', address: '127.0.0.1', dataBytes: 56, transmitted: 1, replies: [{ seq: 0, ttl: 64, bytes: 64, rttNs }],
    });
    expect(() => formatBsdPingText(bad(Number.NaN))).toThrow(RangeError);
    expect(() => formatBsdPingText(bad(-1n))).toThrow(RangeError);
  });
});

describe('bsdPingOutput', () => {
  it("reproduces seed 004's output object, field for field", () => {
    const output = bsdPingOutput(seedRun);
    expect(output).toStrictEqual(SEED_OUTPUT);
    expect(Object.keys(output)).toEqual(Object.keys(SEED_OUTPUT));
  });

  it('reports 0.0 ms figures and no replies when nothing came back', () => {
    expect(bsdPingOutput({ destination: 'h', address: '127.0.0.1', dataBytes: 56, transmitted: 2, replies: [] })).toMatchObject({
      receivedPacketsCount: '0',
      packetLossPercent: '100',
      minimumRoundTripTimeMilliseconds: '0.0',
      averageRoundTripTimeMilliseconds: '0.0',
      maximumRoundTripTimeMilliseconds: '0.0',
      replies: [],
      transmittedPacketsCount: '2',
    });
  });
});
