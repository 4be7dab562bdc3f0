// Contract D's `result` object (POST /v1/ping:stream items, POST /v1/ping:once) from an
// engine probe outcome: HTTP/EMBEDDER/RERANKER/LLM targets (probeHttp), TCP targets
// (probeTcp) and HOST targets (an ICMP ProbeResult of the engine's ping). Nanosecond
// times are decimal strings, so no JSON parser rounds them to a double.

import type { HttpProbeOutcome, ProbeResult, TcpProbeOutcome } from '../../engine/index.js';

export type PingTargetType = 'HOST' | 'TCP' | 'HTTP' | 'EMBEDDER' | 'RERANKER' | 'LLM';

export interface PingEndpointInfo {
  targetType: PingTargetType;
  targetId: string;
  /** What was probed: the URL, "host:port", or the ICMP address. */
  resolvedEndpoint: string;
  provider?: string;
  modelIdentifier?: string;
}

export interface PingTimingWire {
  clientSendTimeUnixNanos: string;
  serverReceivedTimeUnixNanos?: string;
  serverSendTimeUnixNanos?: string;
  clientReceiveTimeUnixNanos: string;
}

export interface PingResultWire {
  endpoint: PingEndpointInfo;
  seq: number;
  bytesSent: number;
  bytesReceived: number;
  ok: boolean;
  httpStatus?: number;
  errorMessage?: string;
  rttMs: number;
  timing: PingTimingWire;
  metadata?: Record<string, string>;
}

/** Response headers worth passing on as `metadata` (request ids, throttling signals). */
const METADATA_HEADERS = /^(x-request-id|request-id|x-amzn-requestid|openai-processing-ms|retry-after|x-ratelimit-[a-z-]+)$/;

/**
 * From an HTTP probe. rttMs is the whole request (resolution, connect, TLS, exchange), the
 * time a client of the endpoint waits, and the two client times are the ends of that same
 * interval — the probe's start and the response's end (or when the probe gave up) — so
 * rttMs is clientReceive − clientSend by construction. When the request was fully written
 * is in metadata.requestSentUnixNanos.
 */
export function httpPingResult(endpoint: PingEndpointInfo, seq: number, outcome: HttpProbeOutcome): PingResultWire {
  const t = outcome.timing;
  const sentAt = outcome.startedAtUnixNs;
  const receivedAt = t.responseEndUnixNs ?? outcome.endedAtUnixNs;
  const result: PingResultWire = {
    endpoint,
    seq,
    bytesSent: outcome.bytesSent,
    bytesReceived: outcome.bytesReceived,
    ok: outcome.ok,
    rttMs: roundMs(Number(receivedAt - sentAt) / 1e6),
    timing: {
      clientSendTimeUnixNanos: String(sentAt),
      clientReceiveTimeUnixNanos: String(receivedAt),
    },
  };
  if (outcome.status !== undefined) result.httpStatus = outcome.status;
  if (outcome.failure) result.errorMessage = outcome.failure.message;
  if (t.serverReceivedUnixNs !== undefined && t.serverSendUnixNs !== undefined) {
    result.timing.serverReceivedTimeUnixNanos = String(t.serverReceivedUnixNs);
    result.timing.serverSendTimeUnixNanos = String(t.serverSendUnixNs);
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(outcome.headers)) if (METADATA_HEADERS.test(name)) metadata[name] = value;
  if (t.requestSentUnixNs !== undefined) metadata['requestSentUnixNanos'] = String(t.requestSentUnixNs);
  if (t.serverTimesEstimated !== undefined) metadata['serverTimes'] = t.serverTimesEstimated ? 'estimated-from-server-timing-dur' : 'server-timing-timestamps';
  if (outcome.truncated) metadata['responseTruncated'] = 'true';
  if (Object.keys(metadata).length > 0) result.metadata = metadata;
  return result;
}

/** From a TCP probe: rttMs is the handshake time (the whole probe when it failed). */
export function tcpPingResult(endpoint: PingEndpointInfo, seq: number, outcome: TcpProbeOutcome): PingResultWire {
  const result: PingResultWire = {
    endpoint,
    seq,
    bytesSent: 0,
    bytesReceived: 0,
    ok: outcome.ok,
    rttMs: roundMs(outcome.connectMs ?? outcome.totalMs),
    timing: {
      clientSendTimeUnixNanos: String(outcome.startedAtUnixNs),
      clientReceiveTimeUnixNanos: String(outcome.endedAtUnixNs),
    },
  };
  if (outcome.failure) result.errorMessage = outcome.failure.message;
  return result;
}

/**
 * From one ICMP probe of the engine (HOST targets). `payloadBytes` is the echo payload
 * size asked for; `timeoutMs` the probe timeout, for the contract's timeout message and
 * for the receive time of a probe that got no answer (send time + timeout).
 */
export function icmpPingResult(
  endpoint: PingEndpointInfo,
  seq: number,
  probe: Pick<ProbeResult, 'status' | 'rttNs' | 'bytes' | 'sentAtNs' | 'receivedAtNs' | 'errorKind' | 'from' | 'address'>,
  payloadBytes: number,
  timeoutMs: number,
): PingResultWire {
  const ok = probe.status === 'ok';
  const answered = ok || probe.status === 'duplicate' || probe.status === 'late';
  const receivedAt = probe.receivedAtNs !== 0n ? probe.receivedAtNs : probe.sentAtNs + BigInt(Math.round(timeoutMs * 1e6));
  const result: PingResultWire = {
    endpoint,
    seq,
    bytesSent: payloadBytes,
    bytesReceived: answered ? probe.bytes : 0,
    ok,
    rttMs: Number.isFinite(probe.rttNs) ? roundMs(probe.rttNs / 1e6) : roundMs(timeoutMs),
    timing: {
      clientSendTimeUnixNanos: String(probe.sentAtNs),
      clientReceiveTimeUnixNanos: String(receivedAt),
    },
  };
  if (!ok) result.errorMessage = icmpErrorMessage(probe, timeoutMs);
  return result;
}

function icmpErrorMessage(probe: Pick<ProbeResult, 'status' | 'errorKind' | 'from' | 'address'>, timeoutMs: number): string {
  switch (probe.status) {
    case 'timeout':
      return `Probe exceeded timeout of ${timeoutMs} ms`;
    case 'late':
      return `Reply from ${probe.address} arrived after the timeout of ${timeoutMs} ms`;
    case 'duplicate':
      return `Duplicate reply from ${probe.address}`;
    default:
      return `ICMP ${probe.errorKind ?? 'error'}${probe.from ? ` from ${probe.from}` : ''} while probing ${probe.address}`;
  }
}

/** Milliseconds to the microsecond: enough for loopback, no float noise in the JSON. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
