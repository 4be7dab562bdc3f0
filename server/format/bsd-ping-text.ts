// The BSD ping text of the troubleshooting API (contract C, seed 004), line for line, and
// the seed's `output` object whose figures are the same strings.
//
// The seed's text is the classic 4.4BSD ping format, not today's FreeBSD/macOS one:
//   - times have one decimal, truncated to 0.1 ms ("time=200.2 ms"); 4.4BSD keeps the RTT
//     in units of 100 µs. The seed proves the truncation: its replies 200.2, 209.8, 208.8
//     and 200.2 ms average 204.75 and it prints 204.7;
//   - loss is an integer percentage, rounded down ("20% packet loss");
//   - the statistics line is "round-trip min/avg/max = a/b/c ms" (no stddev), printed only
//     when a reply came back;
//   - lost probes print nothing (no "Request timeout for icmp_seq N" lines: the seed's
//     icmp_seq=2 is simply missing);
//   - the text starts with "\nCOMMAND=ping <destination>\n" (the device's framing), and the
//     PING header and statistics name the resolved address, as in the seed.
// Duplicates follow 4.4BSD: " (DUP!)" on the reply line, "+N duplicates, " in the
// statistics, their RTTs in min/avg/max and the average divided by received + duplicates.

export interface BsdPingReply {
  /** ICMP sequence number as sent (the seed counts from 0). */
  seq: number;
  ttl: number;
  /** ICMP bytes received (8-byte header + payload): 64 for the default 56 data bytes. */
  bytes: number;
  /** Round-trip time in nanoseconds. */
  rttNs: number | bigint;
  /** A second (or later) reply to the same probe. */
  duplicate?: boolean;
}

export interface BsdPingRun {
  /** What the user asked to ping (IP or DNS name): shown on the COMMAND line and in `output`. */
  destination: string;
  /** The address probed (the resolved IP). */
  address: string;
  /** ICMP payload bytes per probe (the "56 data bytes" of the header). */
  dataBytes: number;
  /** Probes sent. */
  transmitted: number;
  /** Replies that came back in time, in arrival order (duplicates included, flagged). */
  replies: readonly BsdPingReply[];
}

/** The statistics of a run in BSD's integer units. */
export interface BsdPingFigures {
  transmitted: number;
  /** Distinct probes answered (duplicates excluded). */
  received: number;
  duplicates: number;
  /** floor((transmitted - received) * 100 / transmitted); 0 when nothing was sent. */
  lossPercent: number;
  /** RTT statistics in tenths of a millisecond (BSD's units); undefined when no reply came back. */
  minTenthsMs?: number;
  avgTenthsMs?: number;
  maxTenthsMs?: number;
}

/** The seed's `output` object: every number as a string. */
export interface BsdPingOutput {
  receivedPacketsCount: string;
  packetLossPercent: string;
  minimumRoundTripTimeMilliseconds: string;
  maximumRoundTripTimeMilliseconds: string;
  replies: BsdPingOutputReply[];
  averageRoundTripTimeMilliseconds: string;
  destination: string;
  resolvedIp: string;
  transmittedPacketsCount: string;
}

export interface BsdPingOutputReply {
  sentPacketAddress: string;
  sentPacketIcmpSequenceNumber: string;
  sentPacketTimeToLive: string;
  sentPacketTimeMilliseconds: string;
  sentPacketSizeBytes: string;
}

const NS_PER_TENTH_MS = 100_000n;

/** RTT in BSD's units: whole tenths of a millisecond, truncated. */
export function tenthsOfMs(rttNs: number | bigint): number {
  if (typeof rttNs === 'number') {
    if (!Number.isFinite(rttNs) || rttNs < 0) throw new RangeError(`bsd-ping-text: RTT ${rttNs} ns is not a duration`);
    return Math.floor(rttNs / 100_000);
  }
  if (rttNs < 0n) throw new RangeError(`bsd-ping-text: RTT ${rttNs} ns is negative`);
  return Number(rttNs / NS_PER_TENTH_MS);
}

/** "200.2" from 2002 tenths (4.4BSD's "%ld.%ld"). */
export function formatTenthsMs(tenths: number): string {
  return `${Math.trunc(tenths / 10)}.${tenths % 10}`;
}

export function bsdPingFigures(run: BsdPingRun): BsdPingFigures {
  let received = 0;
  let duplicates = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const reply of run.replies) {
    if (reply.duplicate) duplicates++;
    else received++;
    const t = tenthsOfMs(reply.rttNs);
    sum += t;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const figures: BsdPingFigures = {
    transmitted: run.transmitted,
    received,
    duplicates,
    lossPercent: run.transmitted > 0 ? Math.max(0, Math.floor(((run.transmitted - received) * 100) / run.transmitted)) : 0,
  };
  const answered = received + duplicates;
  if (answered > 0) {
    figures.minTenthsMs = min;
    figures.avgTenthsMs = Math.floor(sum / answered);
    figures.maxTenthsMs = max;
  }
  return figures;
}

/** The rawOutput text, newline-terminated, exactly in the seed's layout. */
export function formatBsdPingText(run: BsdPingRun): string {
  const f = bsdPingFigures(run);
  const lines: string[] = ['', `COMMAND=ping ${run.destination}`, `PING ${run.address} (${run.address}): ${run.dataBytes} data bytes`];
  for (const reply of run.replies) {
    lines.push(
      `${reply.bytes} bytes from ${run.address}: icmp_seq=${reply.seq} ttl=${reply.ttl} time=${formatTenthsMs(tenthsOfMs(reply.rttNs))} ms` +
        (reply.duplicate ? ' (DUP!)' : ''),
    );
  }
  lines.push('', `--- ${run.address} ping statistics ---`);
  let stats = `${f.transmitted} packets transmitted, ${f.received} packets received, `;
  if (f.duplicates > 0) stats += `+${f.duplicates} duplicates, `;
  if (f.transmitted > 0) {
    stats += f.received > f.transmitted ? "-- somebody's printing up packets!" : `${f.lossPercent}% packet loss`;
  }
  lines.push(stats);
  if (f.minTenthsMs !== undefined && f.avgTenthsMs !== undefined && f.maxTenthsMs !== undefined) {
    lines.push(
      `round-trip min/avg/max = ${formatTenthsMs(f.minTenthsMs)}/${formatTenthsMs(f.avgTenthsMs)}/${formatTenthsMs(f.maxTenthsMs)} ms`,
    );
  }
  return lines.join('\n') + '\n';
}

/**
 * The seed's `output` object for the same run. `replies` lists the replies that came back
 * (duplicates left out). With no reply at all the RTT figures are "0.0", the way the
 * node API reports "0s" when nothing came back.
 */
export function bsdPingOutput(run: BsdPingRun): BsdPingOutput {
  const f = bsdPingFigures(run);
  const ms = (tenths: number | undefined): string => formatTenthsMs(tenths ?? 0);
  return {
    receivedPacketsCount: String(f.received),
    packetLossPercent: String(f.lossPercent),
    minimumRoundTripTimeMilliseconds: ms(f.minTenthsMs),
    maximumRoundTripTimeMilliseconds: ms(f.maxTenthsMs),
    replies: run.replies
      .filter((reply) => !reply.duplicate)
      .map((reply) => ({
        sentPacketAddress: run.address,
        sentPacketIcmpSequenceNumber: String(reply.seq),
        sentPacketTimeToLive: String(reply.ttl),
        sentPacketTimeMilliseconds: formatTenthsMs(tenthsOfMs(reply.rttNs)),
        sentPacketSizeBytes: String(reply.bytes),
      })),
    averageRoundTripTimeMilliseconds: ms(f.avgTenthsMs),
    destination: run.destination,
    resolvedIp: run.address,
    transmittedPacketsCount: String(f.transmitted),
  };
}
