// ProbeErrorKind <-> small integer, for packed counters and probe-event records.
import type { ProbeErrorKind } from '../types.js';

export const ERROR_KINDS: readonly ProbeErrorKind[] = [
  'unreachable', 'time-exceeded', 'param-problem', 'packet-too-big', 'send-failed', 'other',
];
export const ERROR_KIND_COUNT = ERROR_KINDS.length;

export const ErrorKindIndex = {
  UNREACHABLE: 0,
  TIME_EXCEEDED: 1,
  PARAM_PROBLEM: 2,
  PACKET_TOO_BIG: 3,
  SEND_FAILED: 4,
  OTHER: 5,
} as const;
