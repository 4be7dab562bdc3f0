// Engine session outcomes → contract D's wire objects (result, summary, notice).
import type { ProbeSessionTotals, SessionProbe, Target } from '../../../engine/index.js';
import {
  httpPingResult, icmpPingResult, tcpPingResult, type PingEndpointInfo, type PingResultWire,
} from '../../format/ping-stream-result.js';

/** The wire summary: the session's totals (same names, same units) plus rates and limits. */
export type PingSummaryWire = Pick<ProbeSessionTotals,
  'requests' | 'responses' | 'ok' | 'timeouts' | 'errors'
  | 'rttMinMs' | 'rttAvgMs' | 'rttP50Ms' | 'rttP90Ms' | 'rttP99Ms' | 'rttMaxMs'> & {
  endpoint: PingEndpointInfo;
  requestsPerSecond: number;
  bytesPerSecond: number;
  appliedLimits?: Record<string, string>;
};

export interface PingNoticeWire {
  code: string;
  message: string;
  details?: Record<string, string>;
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

/** ms to the microsecond; NaN (no answered probe) → 0, since JSON has no NaN. */
const ms = (value: number): number => (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : 0);

export function summaryOf(endpoint: PingEndpointInfo, totals: ProbeSessionTotals, appliedLimits: Record<string, string>): PingSummaryWire {
  const seconds = totals.durationMs / 1000;
  const summary: PingSummaryWire = {
    endpoint,
    requests: totals.requests,
    responses: totals.responses,
    ok: totals.ok,
    timeouts: totals.timeouts,
    errors: totals.errors,
    rttMinMs: ms(totals.rttMinMs),
    rttAvgMs: ms(totals.rttAvgMs),
    rttP50Ms: ms(totals.rttP50Ms),
    rttP90Ms: ms(totals.rttP90Ms),
    rttP99Ms: ms(totals.rttP99Ms),
    rttMaxMs: ms(totals.rttMaxMs),
    requestsPerSecond: seconds > 0 ? ms(totals.requests / seconds) : 0,
    bytesPerSecond: seconds > 0 ? ms((totals.bytesSent + totals.bytesReceived) / seconds) : 0,
  };
  if (Object.keys(appliedLimits).length > 0) summary.appliedLimits = appliedLimits;
  return summary;
}
