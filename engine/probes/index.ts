// Non-ICMP probes (one kind per file, same shape): re-exported by engine/index.ts.
export * from './types.js';
export { unixNowNs, monotonicNs, toUnixNs, elapsedMs } from './clock.js';
export { probeTcp, type TcpProbeRequest, type TcpProbeOutcome } from './tcp.js';
export {
  probeHttp,
  type HttpProbeRequest,
  type HttpProbeOutcome,
  type HttpProbeMethod,
  type HttpPhases,
  type HttpTiming,
  type HttpTlsInfo,
} from './http.js';
export {
  HttpCheck,
  certExpiresSoon,
  HTTP_CHECK_METHODS,
  DEFAULT_HTTP_CHECK_MAX_BODY_BYTES,
  MAX_HTTP_CHECK_BODY_BYTES,
  DEFAULT_HTTP_CHECK_MAX_REDIRECTS,
  DEFAULT_HTTP_CHECK_POOL_SIZE,
  type HttpCheckOptions,
  type HttpCheckResult,
} from './http-check.js';
export { probeDns, type DnsProbeRequest, type DnsProbeOutcome, type DnsAnswer } from './dns.js';
export { parseServerTiming, deriveServerTimes, type ServerTimingMetric, type ServerTimes } from './server-timing.js';
export {
  buildProbePayload,
  modelHeaders,
  modelRequestHeaders,
  DEFAULT_PAYLOAD_TEXT,
  PROBE_PAYLOAD_TYPES,
  MAX_SYNTHETIC_PAYLOAD_BYTES,
  type ProbePayloadType,
  type ProbePayloadSpec,
  type ProbePayload,
} from './payload.js';
