// The parameters every probe of a job shares: validated, defaults filled in, on the main
// thread (main-thread/validate-request.ts) and carried to the worker as they are in each
// PingTask. This interface is the one list of them.

export interface ProbeParameters {
  /** Probes per target (per round, for a scheduled job). */
  count: number;
  /** Between two probes to the same target, ms (the grid's period, for a scheduled job). */
  intervalMs: number;
  /** Minimum gap between any two sends of the job, ms (0: as fast as allowed). */
  sendIntervalMs: number;
  timeoutMs: number;
  /** ICMP payload bytes. */
  size: number;
  /** 0 = the socket's default. */
  ttl: number;
  /** -1 = leave the socket's TOS / traffic class alone. */
  tos: number;
  /** Don't fragment (IPv4 DF, IPv6 IPV6_DONTFRAG): a probe larger than the path MTU fails
   *  to send instead of going out in fragments. */
  dontFragment: boolean;
}

/** Just the probe parameters of `source` (the compiler checks that this names each field). */
export function probeParametersOf(source: ProbeParameters): ProbeParameters {
  const { count, intervalMs, sendIntervalMs, timeoutMs, size, ttl, tos, dontFragment } = source;
  return { count, intervalMs, sendIntervalMs, timeoutMs, size, ttl, tos, dontFragment };
}
