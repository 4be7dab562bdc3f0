// Probe sessions: a run of probes to one registry target (HOST via the ICMP engine, TCP
// connect, HTTP POST of a payload for HTTP/EMBEDDER/RERANKER/LLM) with pacing, a cap on
// probes in flight, backpressure from the consumer and cancellation. What the server's
// ping-stream contract streams; nothing here knows HTTP framing or contract field names.
import type { HttpProbeOutcome, ProbePayloadSpec, TcpProbeOutcome } from '../probes/index.js';
import type { Target } from '../store/types.js';
import type { ProbeErrorKind, ProbeStatus } from '../types.js';

export interface ProbeSessionRequest {
  target: Target;
  /** Probes to run, ≥ 1. */
  count: number;
  /** Period between two probe starts, ms (≥ 0). */
  intervalMs: number;
  /** Per-probe timeout, ms (1..600,000). */
  timeoutMs: number;
  /** Probes outstanding at once, ≥ 1: the next one waits for a slot. */
  maxInFlight: number;
  /** Shift each probe's start by a random 0..intervalMs/2. */
  jitter?: boolean;
  /** HTTP kinds: the request body. HOST: only its size matters (the ICMP payload size). */
  payload?: ProbePayloadSpec;
  /** Aborting stops the session at once: no probe starts after it, probes in flight are cancelled. */
  signal?: AbortSignal;
}

/** One ICMP probe, copied out of the engine's reused ProbeResult. */
export interface IcmpProbeRecord {
  address: string;
  status: ProbeStatus;
  errorKind?: ProbeErrorKind;
  from?: string;
  /** NaN when nothing came back. */
  rttNs: number;
  bytes: number;
  /** Kernel send time (TX stamp; ping sockets: read in C before sendmmsg); never sent: when it was given up. */
  sentAtNs: bigint;
  /** Kernel receive timestamp; 0n when nothing came back (never sent: when it was given up). */
  receivedAtNs: bigint;
  /** Why the probe could not be sent at all (name did not resolve, engine failure). */
  failure?: string;
}

interface SessionProbeBase {
  /** 1-based. */
  seq: number;
  ok: boolean;
  timedOut: boolean;
  /** Something came back (an echo reply, a TCP handshake, any HTTP status). */
  answered: boolean;
  /** Round-trip time in ms for answered probes (ICMP: kernel timestamps; TCP: handshake; HTTP: whole request); NaN otherwise. */
  rttMs: number;
  bytesSent: number;
  bytesReceived: number;
}

export type SessionProbe =
  | (SessionProbeBase & { kind: 'icmp'; icmp: IcmpProbeRecord; payloadBytes: number; timeoutMs: number })
  | (SessionProbeBase & { kind: 'tcp'; tcp: TcpProbeOutcome })
  | (SessionProbeBase & { kind: 'http'; http: HttpProbeOutcome });

export interface ProbeSessionHooks {
  /** Each probe's outcome, in completion order (seq order when maxInFlight is 1). */
  onProbe(probe: SessionProbe): void;
  /**
   * Backpressure: null when the consumer can take more now, else a promise that settles when
   * it can. Asked before every probe start; while it is pending no probe starts.
   */
  backpressure?(): Promise<void> | null;
}

export interface ProbeSessionTotals {
  requests: number;
  responses: number;
  ok: number;
  timeouts: number;
  errors: number;
  /** Over answered probes; NaN when none. Percentiles are exact (nearest rank). */
  rttMinMs: number;
  rttAvgMs: number;
  rttP50Ms: number;
  rttP90Ms: number;
  rttP99Ms: number;
  rttMaxMs: number;
  bytesSent: number;
  bytesReceived: number;
  /** First probe start → last probe end. */
  durationMs: number;
  /** Time no probe could start because the consumer was behind. */
  pausedMs: number;
  cancelled: boolean;
}

export interface ProbeSession {
  /** What is probed: the URL, "host:port", or the ICMP address (a HOST name is resolved once, at open). */
  readonly resolvedEndpoint: string;
  run(hooks: ProbeSessionHooks): Promise<ProbeSessionTotals>;
}

export interface ProbeStreams {
  /**
   * Prepares a session (resolves a HOST name, builds the payload). Throws SondeError
   * 'invalid' for a request the target cannot take, 'unavailable' for a HOST target when
   * the daemon runs without a probe engine.
   */
  open(request: ProbeSessionRequest): Promise<ProbeSession>;
  /** Sessions running now. */
  active(): number;
}
