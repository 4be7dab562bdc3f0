// What `sonde ping --output fping` (or sonde invoked as `fping`) was asked to do, after the
// command line was parsed and fping's defaults were applied.
export interface FpingOptions {
  targets: string[];
  /** -c N or -C N; undefined in fping's default mode (one probe, retried). */
  count?: number;
  /** -C: report every probe's RTT. */
  vcount: boolean;
  /** -l: until interrupted. */
  loop: boolean;
  periodMs: number;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  backoff: number;
  size: number;
  ttl?: number;
  tos?: number;
  /** -M */
  dontFragment: boolean;
  family: 4 | 6;
  quiet: boolean;
  /** -Q: seconds between the split reports. */
  reportEveryS?: number;
  alive: boolean;
  unreachable: boolean;
  elapsed: boolean;
  timestamp: boolean;
  outage: boolean;
  stats: boolean;
  /** -A: show targets by address. */
  byAddress: boolean;
  /** -x / -X: the reachability threshold. */
  minReachable?: number;
  threads?: number;
}
