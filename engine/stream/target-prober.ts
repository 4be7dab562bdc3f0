// One probe function per target kind: seq → SessionProbe. HOST goes through the shared ICMP
// ping coalescer (kernel timestamps), TCP through probeTcp, HTTP/EMBEDDER/RERANKER/LLM through
// probeHttp as a POST of the payload with the target's provider/model as headers.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { SondeError } from '../errors.js';
import type { Target } from '../store/types.js';
import { buildProbePayload, modelRequestHeaders, type ProbePayload, type ProbePayloadSpec } from '../probes/payload.js';
import { probeHttp } from '../probes/http.js';
import { probeTcp } from '../probes/tcp.js';
import { EngineInputError } from '../types.js';
import type { PingCoalescer } from '../icmp/main-thread/ping-coalescer.js';
import { failedRecord, IcmpProbes } from './icmp-probe.js';
import type { SessionProbe } from './types.js';

export type ProbeFn = (seq: number, signal: AbortSignal | undefined) => Promise<SessionProbe>;

export interface TargetProber {
  resolvedEndpoint: string;
  probe: ProbeFn;
}

/** ICMP payload when the request names neither payload nor size (iputils ping's 56). */
const DEFAULT_ICMP_PAYLOAD_BYTES = 56;
const MAX_ICMP_PAYLOAD_BYTES = 65_500;

export async function proberFor(
  target: Target, timeoutMs: number, payload: ProbePayloadSpec, icmp: PingCoalescer | null,
): Promise<TargetProber> {
  switch (target.kind) {
    case 'HOST':
      return hostProber(target, timeoutMs, payload, icmp);
    case 'TCP':
      return tcpProber(target, timeoutMs);
    default:
      return httpProber(target, timeoutMs, payload);
  }
}

async function hostProber(target: Target, timeoutMs: number, payload: ProbePayloadSpec, icmp: PingCoalescer | null): Promise<TargetProber> {
  if (icmp === null) {
    throw new SondeError('unavailable', `HOST target ${target.id} needs the ICMP probe engine, and this daemon runs without one`);
  }
  const size = payload.payloadSizeBytes ?? (payload.payload !== undefined ? Buffer.byteLength(payload.payload, 'utf8') : DEFAULT_ICMP_PAYLOAD_BYTES);
  if (size > MAX_ICMP_PAYLOAD_BYTES) {
    throw new SondeError('invalid', `an ICMP echo payload is at most ${MAX_ICMP_PAYLOAD_BYTES} bytes (got ${size}) for HOST target ${target.id}`, 'payloadSizeBytes');
  }
  // A name is resolved once per session, so every probe of it goes to the same address.
  let address = target.address;
  let failure: string | undefined;
  if (net.isIP(address) === 0) {
    try {
      address = (await lookup(target.address)).address;
    } catch (error) {
      failure = `name ${target.address} did not resolve: ${(error as Error).message}`;
    }
  }
  const probes = new IcmpProbes(icmp, address, timeoutMs, size);
  return {
    resolvedEndpoint: address,
    probe: async (seq, signal) => {
      const record = failure !== undefined ? failedRecord(address, failure) : await probes.probe(signal);
      const ok = record.status === 'ok';
      return {
        kind: 'icmp', seq, ok, timedOut: record.status === 'timeout', answered: ok,
        rttMs: ok ? record.rttNs / 1e6 : NaN,
        bytesSent: record.failure === undefined ? size : 0,
        bytesReceived: ok ? record.bytes : 0,
        icmp: record, payloadBytes: size, timeoutMs,
      };
    },
  };
}

function tcpProber(target: Target, timeoutMs: number): TargetProber {
  if (target.port === null) {
    throw new SondeError('invalid', `TCP target ${target.id} has no port; set one with PATCH /v1/targets/${target.id}`, 'port');
  }
  const port = target.port;
  const host = target.address;
  return {
    resolvedEndpoint: `${net.isIPv6(host) ? `[${host}]` : host}:${port}`,
    probe: async (seq, signal) => {
      const tcp = await probeTcp({ host, port, timeoutMs, ...(signal ? { signal } : {}) });
      return {
        kind: 'tcp', seq, ok: tcp.ok, timedOut: tcp.failure?.kind === 'timeout', answered: tcp.ok,
        rttMs: tcp.connectMs ?? NaN, bytesSent: 0, bytesReceived: 0, tcp,
      };
    },
  };
}

function httpProber(target: Target, timeoutMs: number, payloadSpec: ProbePayloadSpec): TargetProber {
  let payload: ProbePayload;
  try {
    payload = buildProbePayload(payloadSpec);
  } catch (error) {
    if (error instanceof EngineInputError) throw new SondeError('invalid', error.message, error.field);
    throw error;
  }
  const headers = modelRequestHeaders(payload, target);
  const url = target.address;
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new SondeError('invalid', `${target.kind} target ${target.id} has address ${JSON.stringify(url)}, which is not an http(s) URL; fix it with PATCH /v1/targets/${target.id}`, 'address');
  }
  return {
    resolvedEndpoint: url,
    probe: async (seq, signal) => {
      const http = await probeHttp({ url, method: 'POST', body: payload.body, headers, timeoutMs, ...(signal ? { signal } : {}) });
      const answered = http.status !== undefined;
      return {
        kind: 'http', seq, ok: http.ok, timedOut: http.failure?.kind === 'timeout', answered,
        rttMs: answered ? http.totalMs : NaN, bytesSent: http.bytesSent, bytesReceived: http.bytesReceived, http,
      };
    },
  };
}
