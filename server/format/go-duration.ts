// Go's time.Duration.String(), digit for digit: the node API (contract A) reports RTTs in
// this text ("14.637103ms", "950µs", "1m30s", "0s"). A port of Go's Duration.format with
// its helpers fmtFrac and fmtInt (src/time/time.go), on bigint so that every int64 value
// prints exactly as Go prints it.

const NANOSECOND = 1n;
const MICROSECOND = 1000n * NANOSECOND;
const MILLISECOND = 1000n * MICROSECOND;
const SECOND = 1000n * MILLISECOND;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Formats a duration given in nanoseconds the way Go's `time.Duration.String()` does.
 * A `number` is truncated toward zero, as Go's `time.Duration(f)` conversion does.
 * Throws a RangeError for NaN, ±Infinity and values outside Go's int64 range.
 */
export function formatGoDuration(ns: number | bigint): string {
  const d = toInt64(ns);
  let u = d < 0n ? -d : d;
  const neg = d < 0n;

  // Go fills a buffer from the right; collecting pieces in reverse order does the same.
  const parts: string[] = [];
  if (u < SECOND) {
    // Special case: if duration is smaller than a second, use smaller units, like 1.2ms.
    let prec: number;
    parts.push('s');
    if (u === 0n) {
      return '0s';
    } else if (u < MICROSECOND) {
      prec = 0;
      parts.push('n');
    } else if (u < MILLISECOND) {
      prec = 3;
      parts.push('\u00B5'); // U+00B5 MICRO SIGN, as Go prints it (not U+03BC)
    } else {
      prec = 6;
      parts.push('m');
    }
    u = fmtFrac(parts, u, prec);
    fmtInt(parts, u);
  } else {
    parts.push('s');
    u = fmtFrac(parts, u, 9);
    // u is now integer seconds
    fmtInt(parts, u % 60n);
    u /= 60n;
    // u is now integer minutes
    if (u > 0n) {
      parts.push('m');
      fmtInt(parts, u % 60n);
      u /= 60n;
      // u is now integer hours; stop at hours because days can be different lengths.
      if (u > 0n) {
        parts.push('h');
        fmtInt(parts, u);
      }
    }
  }
  if (neg) parts.push('-');
  return parts.reverse().join('');
}

/** Convenience for RTT statistics kept in milliseconds (rounded to the nearest ns). */
export function formatGoDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError(`formatGoDurationMs: ${ms} ms is not a finite duration`);
  return formatGoDuration(Math.round(ms * 1e6));
}

/**
 * Pushes (in reverse) the fraction of v / 10^prec, omitting trailing zeros and the decimal
 * point when the fraction is 0; returns v / 10^prec.
 */
function fmtFrac(parts: string[], v: bigint, prec: number): bigint {
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) parts.push(String(digit));
    v /= 10n;
  }
  if (print) parts.push('.');
  return v;
}

/** Pushes (in reverse) the decimal digits of v. */
function fmtInt(parts: string[], v: bigint): void {
  if (v === 0n) {
    parts.push('0');
    return;
  }
  while (v > 0n) {
    parts.push(String(v % 10n));
    v /= 10n;
  }
}

function toInt64(ns: number | bigint): bigint {
  let v: bigint;
  if (typeof ns === 'bigint') {
    v = ns;
  } else {
    if (!Number.isFinite(ns)) throw new RangeError(`formatGoDuration: ${ns} ns is not a finite duration`);
    v = BigInt(Math.trunc(ns));
  }
  if (v < INT64_MIN || v > INT64_MAX) {
    throw new RangeError(`formatGoDuration: ${v} ns is outside Go's time.Duration range (int64)`);
  }
  return v;
}
