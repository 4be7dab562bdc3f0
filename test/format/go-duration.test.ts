import { describe, expect, it } from 'vitest';
import { formatGoDuration, formatGoDurationMs } from '../../server/format/go-duration.js';

const NS = 1n;
const US = 1000n * NS;
const MS = 1000n * US;
const S = 1000n * MS;
const MIN = 60n * S;
const H = 60n * MIN;

// Expected strings are Go's own output of time.Duration(x).String(): the first block is
// the table of Go's src/time/time_test.go (durationTests), the rest the contract's cases.
const table: Array<[string, bigint]> = [
  ['0s', 0n],
  ['1ns', 1n * NS],
  ['1.1µs', 1100n * NS],
  ['2.2ms', 2200n * US],
  ['3.3s', 3300n * MS],
  ['4m5s', 4n * MIN + 5n * S],
  ['4m5.001s', 4n * MIN + 5001n * MS],
  ['5h6m7.001s', 5n * H + 6n * MIN + 7001n * MS],
  ['8m0.000000001s', 8n * MIN + 1n * NS],
  ['2562047h47m16.854775807s', 2n ** 63n - 1n],
  ['-2562047h47m16.854775808s', -(2n ** 63n)],

  ['999ns', 999n],
  ['1µs', 1n * US],
  ['1.5µs', 1500n],
  ['999.999µs', 999_999n],
  ['14.637103ms', 14_637_103n],
  ['18.647498ms', 18_647_498n],
  ['24.30924ms', 24_309_240n], // seed 000 shows "24.309240ms", which Go never prints
  ['950µs', 950n * US],
  ['1ms', 1n * MS],
  ['999.999999ms', 999_999_999n],
  ['1s', 1n * S],
  ['1.5s', 1500n * MS],
  ['59.999999999s', 60n * S - 1n],
  ['1m0s', 1n * MIN],
  ['1m30s', 90n * S],
  ['1h0m0s', 1n * H],
  ['2h45m0.5s', 2n * H + 45n * MIN + 500n * MS],
  ['100h0m0s', 100n * H],
  ['-1ns', -1n],
  ['-1.5µs', -1500n],
  ['-14.637103ms', -14_637_103n],
  ['-1m30s', -90n * S],
  ['-1h0m0s', -1n * H],
];

describe('formatGoDuration', () => {
  it.each(table)('prints %s', (expected, ns) => {
    expect(formatGoDuration(ns)).toBe(expected);
    if (ns >= BigInt(Number.MIN_SAFE_INTEGER) && ns <= BigInt(Number.MAX_SAFE_INTEGER)) {
      expect(formatGoDuration(Number(ns))).toBe(expected);
    }
  });

  it('uses U+00B5 MICRO SIGN, not U+03BC GREEK SMALL LETTER MU', () => {
    const text = formatGoDuration(950_000);
    expect(text).toBe('950\u00B5s');
    expect([...text].map((c) => c.codePointAt(0))).toEqual([0x39, 0x35, 0x30, 0xb5, 0x73]);
  });

  it('truncates fractional nanoseconds toward zero like a Go conversion', () => {
    expect(formatGoDuration(1.9)).toBe('1ns');
    expect(formatGoDuration(-1.9)).toBe('-1ns');
    expect(formatGoDuration(0.4)).toBe('0s');
  });

  it('rejects what no time.Duration can hold', () => {
    expect(() => formatGoDuration(Number.NaN)).toThrow(RangeError);
    expect(() => formatGoDuration(Number.POSITIVE_INFINITY)).toThrow(/not a finite duration/);
    expect(() => formatGoDuration(2n ** 63n)).toThrow(/int64/);
    expect(() => formatGoDuration(-(2n ** 63n) - 1n)).toThrow(/int64/);
  });

  it('formats millisecond statistics rounded to the nanosecond', () => {
    expect(formatGoDurationMs(14.637103)).toBe('14.637103ms');
    expect(formatGoDurationMs(0.95)).toBe('950µs');
    expect(formatGoDurationMs(0.0371234)).toBe('37.123µs');
    expect(formatGoDurationMs(1500)).toBe('1.5s');
    expect(formatGoDurationMs(0)).toBe('0s');
    expect(() => formatGoDurationMs(Number.NaN)).toThrow(RangeError);
  });
});
