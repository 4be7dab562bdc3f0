// Public types of the traceroute probe (engine/index.ts re-exports them).

export interface TracerouteRequest {
  /** IP address or DNS name (resolved once, before the first probe). */
  destination: string;
  /** Highest TTL / hop limit probed, 1..255 (default 30). */
  maxHops?: number;
  /** Echo requests per hop, 1..10 (default 3). */
  probesPerHop?: number;
  /** How long to wait for each probe's answer, ms (default 1000). */
  timeoutMs?: number;
  /** ICMP payload bytes (default 32: 60-byte IPv4 packets, as BSD traceroute). */
  size?: number;
  /** Hops probed at the same time (default 8); the trace stops after the window that reached the destination. */
  parallelHops?: number;
  /** Prefer this family when the name resolves to both (default 4). */
  family?: 4 | 6;
  signal?: AbortSignal;
}

export type TracerouteAnswer =
  /** A router on the path: ICMP time exceeded, matched to our probe through the quoted header. */
  | 'time-exceeded'
  /** The destination's echo reply. */
  | 'reply'
  /** Destination unreachable (from a router or the destination): the trace ends there. */
  | 'unreachable'
  | 'other-error';

export interface TracerouteProbeResult {
  /** Who answered; absent when nothing came back in time. */
  address?: string;
  answer?: TracerouteAnswer;
  /** Round trip in ns (send → kernel receive time of the answer); absent when nothing came back. */
  rttNs?: number;
  /** ICMP type/code of an error answer. */
  icmpType?: number;
  icmpCode?: number;
}

export interface TracerouteHopResult {
  ttl: number;
  probes: TracerouteProbeResult[];
}

export interface TracerouteResult {
  destination: string;
  /** The address probed. */
  address: string;
  family: 4 | 6;
  maxHops: number;
  probesPerHop: number;
  /** Bytes per probe packet, IP header included (as traceroute prints it). */
  packetBytes: number;
  /** Hops 1..n, where n is the first hop the destination answered (or maxHops). */
  hops: TracerouteHopResult[];
  /** Whether the destination itself answered. */
  reached: boolean;
}
