// fping 5.x's line formats, byte for byte (its fping.c: sprint_tm, the per-reply and
// timeout lines, print_per_system_stats, print_per_system_splits, print_global_stats).
import type { Counts, HostTally } from './tally.js';

/** fping's sprint_tm: milliseconds with three significant-ish digits. */
export function fpingMs(ms: number): string {
  if (ms < 0) return ms.toPrecision(2);
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  if (ms < 1_000_000) return ms.toFixed(0);
  return ms.toExponential(3);
}

/** fping's `[%.5f] ` prefix of -D: seconds since the epoch. */
export function timestampPrefix(epochNs: bigint | number): string {
  return `[${(Number(epochNs) / 1e9).toFixed(5)}] `;
}

/** `%-*s`: the host left-aligned in the width of the longest host. */
export function padHost(host: string, width: number): string {
  return host.length >= width ? host : host + ' '.repeat(width - host.length);
}

/** fping truncates the percentages (integer division). */
function lossPercent(sent: number, received: number): number {
  return sent > 0 ? Math.trunc(((sent - received) * 100) / sent) : 0;
}

function runningTail(t: HostTally): string {
  const avg = t.received > 0 ? fpingMs(Math.trunc(t.rttSumNs / t.received) / 1e6) : 'NaN';
  const share = t.received <= t.sent ? `${lossPercent(t.sent, t.received)}% loss` : `${Math.trunc((t.receivedTotal * 100) / t.sent)}% return`;
  return ` (${avg} avg, ${share})`;
}

export function replyLine(host: string, width: number, seq: number, bytes: number, rttNs: number, t: HostTally): string {
  return `${padHost(host, width)} : [${seq}], ${bytes} bytes, ${fpingMs(rttNs / 1e6)} ms${runningTail(t)}`;
}

export function timeoutLine(host: string, width: number, seq: number, t: HostTally): string {
  return `${padHost(host, width)} : [${seq}], timed out${runningTail(t)}`;
}

/** One host's `xmt/rcv/%loss` summary (final with -c/-l, or a -Q split); times in ns. */
export function statsLine(host: string, width: number, c: Counts, outageMs: number | null): string {
  const { sent, received } = c;
  let line = `${padHost(host, width)} :`;
  if (received <= sent) {
    line += ` xmt/rcv/%loss = ${sent}/${received}/${lossPercent(sent, received)}%`;
    if (outageMs !== null) line += `, outage(ms) = ${Math.trunc(outageMs)}`;
  } else {
    line += ` xmt/rcv/%return = ${sent}/${received}/${Math.trunc((received * 100) / sent)}%`;
  }
  if (received > 0) line += `, min/avg/max = ${fpingMs(c.minNs / 1e6)}/${fpingMs(Math.trunc(c.sumNs / received) / 1e6)}/${fpingMs(c.maxNs / 1e6)}`;
  return line;
}

/** -C: every probe's RTT in order, `-` for a lost one. */
export function rttListLine(host: string, width: number, rttsNs: ArrayLike<number>, n: number): string {
  let line = `${padHost(host, width)} :`;
  for (let k = 0; k < n; k++) line += rttsNs[k] < 0 ? ' -' : ` ${fpingMs(rttsNs[k] / 1e6)}`;
  return line;
}

/** The `[HH:MM:SS]` header of a -Q split, local time. */
export function splitHeader(now: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `[${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}]`;
}

export interface GlobalStats {
  hosts: number;
  alive: number;
  unreachable: number;
  noAddress: number;
  timeouts: number;
  sent: number;
  received: number;
  otherIcmp: number;
  minNs: number;
  sumNs: number;
  replies: number;
  maxNs: number;
  elapsedS: number;
}

/** -s: fping's print_global_stats block. */
export function globalStatsBlock(g: GlobalStats): string {
  const n = (v: number): string => String(v).padStart(7);
  const none = g.replies === 0;
  const lines = [
    '',
    ` ${n(g.hosts)} targets`,
    ` ${n(g.alive)} alive`,
    ` ${n(g.unreachable)} unreachable`,
    ` ${n(g.noAddress)} unknown addresses`,
    '',
    ` ${n(g.timeouts)} timeouts (waiting for response)`,
    ` ${n(g.sent)} ICMP Echos sent`,
    ` ${n(g.received)} ICMP Echo Replies received`,
    ` ${n(g.otherIcmp)} other ICMP received`,
    '',
    ` ${fpingMs(none ? 0 : g.minNs / 1e6)} ms (min round trip time)`,
    ` ${fpingMs(none ? 0 : Math.trunc(g.sumNs / g.replies) / 1e6)} ms (avg round trip time)`,
    ` ${fpingMs(none ? 0 : g.maxNs / 1e6)} ms (max round trip time)`,
    ` ${g.elapsedS.toFixed(3).padStart(12)} sec (elapsed real time)`,
    '',
  ];
  return lines.join('\n');
}
