// Engine session outcomes → contract D's wire objects (result, summary, notice).
import type { ProbeSessionTotals, SessionProbe, Target } from '../../../engine/index.js';
import {
  httpPingResult, icmpPingResult, tcpPingResult, type PingEndpointInfo, type PingResultWire,
} from '../../format/ping-stream-result.js';

/** The wire summary: the session's totals (same names, same units; RTTs null when no probe was
 *  answered) plus rates and limits. */
export type PingSummaryWire = Pick<ProbeSessionTotals, 'requests' | 'responses' | 'ok' | 'timeouts' | 'errors'>
  & Record<'rttMinMs' | 'rttAvgMs' | 'rttP50Ms' | 'rttP90Ms' | 'rttP99Ms' | 'rttMaxMs', number | null> & {
  endpoint: PingEndpointInfo;
  requestsPerSecond: number;
  bytesPerSecond: number;
  appliedLimits?: Record<string, number>;
};

export interface PingNoticeWire {
  code: string;
  message: string;
  /** Integers as numbers. */
  details?: Record<string, string | number>;
}

export function endpointOf(target: Target, resolvedEndpoint: string): PingEndpointInfo {
  const endpoint: PingEndpointInfo = { targetType: target.kind, targetId: target.id, resolvedEndpoint };
  if (target.provider !== null) endpoint.provider = target.provider;
  if (target.modelIdentifier !== null) endpoint.modelIdentifier = target.modelIdentifier;
  return endpoint;
}

export function resultOf(endpoint: PingEndpointInfo, probe: SessionProbe): PingResultWire {
  switch (probe.kind) {
    case 'http':
      return httpPingResult(endpoint, probe.seq, probe.http);
    case 'tcp':
      return tcpPingResult(endpoint, probe.seq, probe.tcp);
    case 'icmp': {
      const result = icmpPingResult(endpoint, probe.seq, probe.icmp, probe.payloadBytes, probe.timeoutMs);
      if (probe.icmp.failure !== undefined) {
        // Never sent (the name did not resolve, the engine failed): say why, count no bytes.
        result.errorMessage = probe.icmp.failure;
        result.bytesSent = 0;
        result.rttMs = 0;
      }
      return result;
    }
  }
}

/** ms to the microsecond. */
const ms = (value: number): number => (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : 0);
/** An RTT statistic: NaN (no answered probe) → null, not a measurement of zero. */
const rtt = (value: number): number | null => (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null);

export function summaryOf(endpoint: PingEndpointInfo, totals: ProbeSessionTotals, appliedLimits: Record<string, number>): PingSummaryWire {
  const seconds = totals.durationMs / 1000;
  const summary: PingSummaryWire = {
    endpoint,
    requests: totals.requests,
    responses: totals.responses,
    ok: totals.ok,
    timeouts: totals.timeouts,
    errors: totals.errors,
    rttMinMs: rtt(totals.rttMinMs),
    rttAvgMs: rtt(totals.rttAvgMs),
    rttP50Ms: rtt(totals.rttP50Ms),
    rttP90Ms: rtt(totals.rttP90Ms),
    rttP99Ms: rtt(totals.rttP99Ms),
    rttMaxMs: rtt(totals.rttMaxMs),
    requestsPerSecond: seconds > 0 ? ms(totals.requests / seconds) : 0,
    bytesPerSecond: seconds > 0 ? ms((totals.bytesSent + totals.bytesReceived) / seconds) : 0,
  };
  if (Object.keys(appliedLimits).length > 0) summary.appliedLimits = appliedLimits;
  return summary;
}
