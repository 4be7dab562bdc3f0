// RFC 3339 timestamps in UTC with all nine fractional digits, as the troubleshooting API
// (contract C, seed 004) prints them: "2025-05-20T13:07:48.849780286Z". The fraction is
// always nine digits (never trimmed like Go's RFC3339Nano) so the text has a fixed width;
// any RFC 3339 parser reads it.

const NS_PER_SECOND = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** Formats Unix-epoch nanoseconds (CLOCK_REALTIME) as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`. */
export function formatRfc3339Nano(unixNs: bigint): string {
  // Floor division so that instants before 1970 keep a positive fraction.
  let seconds = unixNs / NS_PER_SECOND;
  let fraction = unixNs % NS_PER_SECOND;
  if (fraction < 0n) {
    fraction += NS_PER_SECOND;
    seconds -= 1n;
  }
  const ms = Number(seconds) * 1000;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime()) || year < 0 || year > 9999) {
    throw new RangeError(`formatRfc3339Nano: ${unixNs} ns since the epoch is outside years 0000..9999`);
  }
  return (
    `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}` +
    `.${fraction.toString().padStart(9, '0')}Z`
  );
}

/** Same, from a millisecond timestamp such as `Date.now()` (the fraction's last six digits are 0). */
export function formatRfc3339NanoFromMs(unixMs: number): string {
  if (!Number.isFinite(unixMs)) throw new RangeError(`formatRfc3339NanoFromMs: ${unixMs} is not a timestamp`);
  return formatRfc3339Nano(BigInt(Math.round(unixMs)) * NS_PER_MS);
}

/**
 * Parses an RFC 3339 timestamp (any offset, 0..9 fractional digits) back to Unix-epoch
 * nanoseconds; returns undefined when the text is not RFC 3339.
 */
export function parseRfc3339Nano(text: string): bigint | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  const check = new Date(0);
  check.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  check.setUTCHours(Number(h), Number(mi), Number(s), 0);
  const ms = check.getTime();
  // Dates roll 2025-02-30 over to March: reject fields that did not survive.
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 59
  ) {
    return undefined;
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const seconds = BigInt(ms / 1000 - offsetMinutes * 60);
  return seconds * NS_PER_SECOND + BigInt(frac.padEnd(9, '0') || '0');
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
