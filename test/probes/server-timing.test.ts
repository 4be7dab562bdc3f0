import { describe, expect, it } from 'vitest';
import { deriveServerTimes, parseServerTiming } from '../../engine/probes/server-timing.js';

describe('parseServerTiming', () => {
  it("parses the spec's examples", () => {
    expect(parseServerTiming('miss, db;dur=53, app;dur=47.2')).toEqual([
      { name: 'miss', params: {} },
      { name: 'db', dur: 53, params: { dur: '53' } },
      { name: 'app', dur: 47.2, params: { dur: '47.2' } },
    ]);
    expect(parseServerTiming('cache;desc="Cache Read";dur=23.2')).toEqual([
      { name: 'cache', dur: 23.2, desc: 'Cache Read', params: { desc: 'Cache Read', dur: '23.2' } },
    ]);
  });

  it('keeps commas and semicolons inside quoted strings, and unescapes them', () => {
    expect(parseServerTiming('a;desc="x, y; \\"z\\"";dur=1')).toEqual([
      { name: 'a', dur: 1, desc: 'x, y; "z"', params: { desc: 'x, y; "z"', dur: '1' } },
    ]);
  });

  it('joins repeated headers, skips malformed metrics and keeps the first of a repeated param', () => {
    expect(parseServerTiming(['a;dur=1', ' ;dur=2, "bad";dur=3, b;DUR=4;dur=5, c;dur=abc'])).toEqual([
      { name: 'a', dur: 1, params: { dur: '1' } },
      { name: 'b', dur: 4, params: { dur: '4' } },
      { name: 'c', params: { dur: 'abc' } },
    ]);
    expect(parseServerTiming(undefined)).toEqual([]);
    expect(parseServerTiming('')).toEqual([]);
  });
});

describe('deriveServerTimes', () => {
  const sent = 1_000_000_000_000n;
  const firstByte = sent + 50_000_000n; // 50 ms window

  it('centres a total duration in the request-sent → first-byte window', () => {
    expect(deriveServerTimes(parseServerTiming('db;dur=5, total;dur=30'), sent, firstByte)).toEqual({
      serverReceivedUnixNs: sent + 10_000_000n,
      serverSendUnixNs: sent + 40_000_000n,
      estimated: true,
    });
  });

  it('falls back to the largest duration when there is no total, and clamps to the window', () => {
    expect(deriveServerTimes(parseServerTiming('db;dur=5, app;dur=20'), sent, firstByte)).toMatchObject({
      serverReceivedUnixNs: sent + 15_000_000n,
      serverSendUnixNs: sent + 35_000_000n,
    });
    expect(deriveServerTimes(parseServerTiming('total;dur=90'), sent, firstByte)).toMatchObject({
      serverReceivedUnixNs: sent,
      serverSendUnixNs: firstByte,
    });
  });

  it('prefers absolute instants (ts param or desc)', () => {
    expect(deriveServerTimes(parseServerTiming(`recv;ts=${sent + 1n}, send;desc="${sent + 2n}", total;dur=30`), sent, firstByte)).toEqual({
      serverReceivedUnixNs: sent + 1n,
      serverSendUnixNs: sent + 2n,
      estimated: false,
    });
  });

  it('gives nothing when there is nothing to go on', () => {
    expect(deriveServerTimes(parseServerTiming('miss, hit;desc=x'), sent, firstByte)).toBeUndefined();
    expect(deriveServerTimes(parseServerTiming('total;dur=1'), firstByte, sent)).toBeUndefined();
    // send before recv is nonsense: ignored, no duration either.
    expect(deriveServerTimes(parseServerTiming(`recv;ts=${sent + 2n}, send;ts=${sent + 1n}`), sent, firstByte)).toBeUndefined();
  });
});
