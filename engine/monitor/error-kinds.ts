// The error kinds a monitor's windows count: ICMP's (engine/stats/error-kinds.ts, first and
// in the same order, so ICMP code indexes them unchanged) and then those of the socket probes
// (tcp, dns, http), named as engine/probes' failure kinds. A timeout is not an error kind: it
// is a probe sent and not answered, as for ICMP. One column each in latency_windows.
import type { ProbeFailureKind } from '../probes/types.js';
import { ERROR_KINDS } from '../stats/error-kinds.js';

export const SOCKET_ERROR_KINDS = [
  'refused', 'reset', 'name-not-found', 'dns-failure', 'tls', 'http-status', 'body', 'protocol', 'wrong-answer',
] as const;
export type SocketErrorKind = (typeof SOCKET_ERROR_KINDS)[number];

export const MONITOR_ERROR_KINDS: readonly string[] = [...ERROR_KINDS, ...SOCKET_ERROR_KINDS];
export const MONITOR_ERROR_KIND_COUNT = MONITOR_ERROR_KINDS.length;

/** Index of a kind in MONITOR_ERROR_KINDS (the socket probers look theirs up once). */
export const MonitorErrorIndex = {
  UNREACHABLE: 0,
  OTHER: 5,
  REFUSED: 6,
  RESET: 7,
  NAME_NOT_FOUND: 8,
  DNS_FAILURE: 9,
  TLS: 10,
  HTTP_STATUS: 11,
  BODY: 12,
  PROTOCOL: 13,
  WRONG_ANSWER: 14,
} as const;

if (MONITOR_ERROR_KINDS[MonitorErrorIndex.OTHER] !== 'other' || MONITOR_ERROR_KINDS[MonitorErrorIndex.WRONG_ANSWER] !== 'wrong-answer') {
  throw new Error('MonitorErrorIndex no longer follows MONITOR_ERROR_KINDS');
}

/** The window error index of a probe failure kind (probes/types.ts); a timeout is no error. */
export const ERROR_INDEX_OF_FAILURE: Record<Exclude<ProbeFailureKind, 'timeout'>, number> = {
  'refused': MonitorErrorIndex.REFUSED,
  'unreachable': MonitorErrorIndex.UNREACHABLE,
  'reset': MonitorErrorIndex.RESET,
  'name-not-found': MonitorErrorIndex.NAME_NOT_FOUND,
  'dns-failure': MonitorErrorIndex.DNS_FAILURE,
  'tls': MonitorErrorIndex.TLS,
  'http-status': MonitorErrorIndex.HTTP_STATUS,
  'body': MonitorErrorIndex.BODY,
  'protocol': MonitorErrorIndex.PROTOCOL,
  'aborted': MonitorErrorIndex.OTHER,
  'other': MonitorErrorIndex.OTHER,
};
