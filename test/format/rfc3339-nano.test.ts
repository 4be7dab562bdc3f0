import { describe, expect, it } from 'vitest';
import { formatRfc3339Nano, formatRfc3339NanoFromMs, parseRfc3339Nano } from '../../server/format/rfc3339-nano.js';

describe('formatRfc3339Nano', () => {
  it('prints the seed 004 timestamps from their nanosecond values', () => {
    // 2025-05-20T13:07:48Z is 1747746468 s since the epoch.
    expect(formatRfc3339Nano(1_747_746_468_849_780_286n)).toBe('2025-05-20T13:07:48.849780286Z');
    expect(formatRfc3339Nano(1_747_746_484_034_123_064n)).toBe('2025-05-20T13:08:04.034123064Z');
  });

  it('always prints nine fractional digits', () => {
    expect(formatRfc3339Nano(0n)).toBe('1970-01-01T00:00:00.000000000Z');
    expect(formatRfc3339Nano(1n)).toBe('1970-01-01T00:00:00.000000001Z');
    expect(formatRfc3339Nano(1_700_000_000_100_000_000n)).toBe('2023-11-14T22:13:20.100000000Z');
  });

  it('handles instants before 1970 and the last second of 9999', () => {
    expect(formatRfc3339Nano(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(formatRfc3339Nano(253_402_300_799_999_999_999n)).toBe('9999-12-31T23:59:59.999999999Z');
    expect(() => formatRfc3339Nano(253_402_300_800_000_000_000n)).toThrow(RangeError);
  });

  it('agrees with Date for millisecond inputs', () => {
    const ms = Date.UTC(2026, 10, 22, 5, 49, 39, 123);
    expect(formatRfc3339NanoFromMs(ms)).toBe('2026-11-22T05:49:39.123000000Z');
    expect(formatRfc3339NanoFromMs(ms).slice(0, 23)).toBe(new Date(ms).toISOString().slice(0, 23));
    expect(() => formatRfc3339NanoFromMs(Number.NaN)).toThrow(RangeError);
  });
});

describe('parseRfc3339Nano', () => {
  it('round-trips what formatRfc3339Nano prints', () => {
    for (const ns of [0n, 1n, -1n, 1_747_746_468_849_780_286n, 1_763_790_579_000_000_001n]) {
      expect(parseRfc3339Nano(formatRfc3339Nano(ns))).toBe(ns);
    }
  });

  it('reads offsets and short fractions', () => {
    expect(parseRfc3339Nano('2025-05-20T15:07:48.8497+02:00')).toBe(1_747_746_468_849_700_000n);
    expect(parseRfc3339Nano('2025-05-20T13:07:48Z')).toBe(1_747_746_468_000_000_000n);
    expect(parseRfc3339Nano('0001-01-01T00:00:00Z')).toBe(-62_135_596_800_000_000_000n);
  });

  it('rejects text that is not RFC 3339', () => {
    for (const bad of ['', '2025-05-20', '2025-05-20 13:07:48Z', '2025-02-30T00:00:00Z', '2025-05-20T24:00:00Z',
      '2025-05-20T13:07:48.1234567890Z', '2025-05-20T13:07:48']) {
      expect(parseRfc3339Nano(bad)).toBeUndefined();
    }
  });
});
