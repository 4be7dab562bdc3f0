// The shared shape of every non-ICMP probe (tcp, http, dns), in the spirit of Prometheus
// blackbox_exporter's prober/ folder: one file per kind, each exporting one async function
// `probeX(request) → Promise<XProbeOutcome>`.
//
// A probe never rejects because the network failed: refused, timeout, unreachable, NXDOMAIN,
// TLS and HTTP errors are outcomes with ok:false and a classified `failure`. It rejects only
// for a malformed request (EngineInputError naming the field), before sending anything.

export type ProbeKind = 'tcp' | 'http' | 'dns';

export type ProbeFailureKind =
  /** The peer answered the SYN with a RST (ECONNREFUSED). */
  | 'refused'
  /** Nothing (or not everything) came back within the request's timeoutMs. */
  | 'timeout'
  /** No route / host or network unreachable (EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL). */
  | 'unreachable'
  /** The connection was reset or closed mid-exchange (ECONNRESET, EPIPE, socket hang up). */
  | 'reset'
  /** The name does not exist (NXDOMAIN / ENOTFOUND), or has no address of the asked family. */
  | 'name-not-found'
  /** The resolver failed (SERVFAIL, refused, unreachable, EAI_AGAIN). */
  | 'dns-failure'
  /** TLS handshake or certificate verification failed. */
  | 'tls'
  /** The HTTP server answered with a status outside 2xx (a monitor: outside its expected statuses). */
  | 'http-status'
  /** The response body did not match (or matched) a monitor's body pattern. */
  | 'body'
  /** The peer spoke something that is not valid HTTP. */
  | 'protocol'
  /** Cancelled through the request's AbortSignal. */
  | 'aborted'
  | 'other';

export interface ProbeFailure {
  kind: ProbeFailureKind;
  /** What happened, to what: e.g. "connection refused by 127.0.0.1:9". */
  message: string;
  /** The system error code when there is one (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED …). */
  code?: string;
}

/** Fields every probe kind reports. Times are Unix-epoch nanoseconds (see clock.ts). */
export interface ProbeOutcomeBase {
  kind: ProbeKind;
  ok: boolean;
  /** Present exactly when ok is false. */
  failure?: ProbeFailure;
  /** When the probe started (before any name resolution). */
  startedAtUnixNs: bigint;
  /** When the probe ended (success, failure or timeout). */
  endedAtUnixNs: bigint;
  /** endedAt − startedAt in milliseconds (fractional, from the monotonic clock). */
  totalMs: number;
}

/** Options every probe request accepts. */
export interface ProbeRequestBase {
  /** Whole-probe deadline in ms, 1..600000: name resolution, connect, exchange. */
  timeoutMs: number;
  /** Cancels the probe at once; the outcome is ok:false with failure kind 'aborted'. */
  signal?: AbortSignal;
}
