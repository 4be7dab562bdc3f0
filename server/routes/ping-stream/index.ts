// Contract D, the ping stream API (GoodMem pingStream / pingOnce; seed 002,
// docs/contracts.md#ping-stream-api): POST /v1/ping:stream (SSE or NDJSON, backpressure,
// cancellation on disconnect, server limits with notices) and POST /v1/ping:once. Targets
// come from the registry by UUID.
import { createProbeStreams, type ProbeSession, type ProbeStreams, type Sonde, type Target } from '../../../engine/index.js';
import { HttpError, badRequest, notFound } from '../../http/errors.js';
import { defineRoute, type AnyRoute } from '../../http/route.js';
import type { ResponseStream } from '../../http/stream.js';
import { framingFor, type Framing } from './framing.js';
import { DEFAULT_LIMITS, STREAM_DEFAULTS, applyLimits, type EffectivePlan, type StreamLimits } from './limits.js';
import { PingOnceBody, PingResultSchema, PingStreamBody } from './schemas.js';
import { endpointOf, resultOf, summaryOf, type PingNoticeWire } from './wire.js';
import type { PingEndpointInfo } from '../../format/ping-stream-result.js';

interface PayloadFields {
  payloadType?: 'TEXT' | 'JSON' | 'BINARY';
  payload?: string;
  payloadSizeBytes?: number;
}

const ERRORS = {
  400: { description: 'Invalid request (e.g. both payload and payloadSizeBytes)' },
  401: { description: 'Missing or unknown API key' },
  403: { description: 'The key lacks network:write' },
  404: { description: 'No target with this id' },
  406: { description: 'Accept names neither application/x-ndjson nor text/event-stream (stream only)' },
  429: { description: 'Rate limit exceeded' },
  503: { description: 'HOST target while the daemon runs without the ICMP engine' },
};

export function pingStreamRoutes(sonde: Sonde, limits: StreamLimits = DEFAULT_LIMITS): AnyRoute[] {
  const streams: ProbeStreams = createProbeStreams(sonde.engine);
  const tags = ['ping-stream'];

  const stream = defineRoute({
    method: 'post', path: '/v1/ping:stream', operationId: 'pingStream', tags, scope: 'network:write',
    summary: 'Stream ping probe results (SSE or NDJSON by Accept) and a terminal summary',
    body: PingStreamBody,
    responses: {
      200: { description: 'One event per line (NDJSON) or per `event: item` frame (SSE): {"result"}, {"notice"} or {"summary"}; SSE ends with `event: close`', contentType: 'application/x-ndjson' },
      ...ERRORS,
    },
    handler: async ({ body, accept }) => {
      // Decided first: a client that can read neither framing gets nothing probed.
      const framing = framingFor(accept);
      if (framing === null) {
        throw new HttpError(406, `Accept "${accept}" names neither framing of this stream`, 'send Accept: application/x-ndjson or text/event-stream');
      }
      checkPayload(body);
      const target = findTarget(sonde, body.targetId);
      const plan = applyLimits(body, limits);
      const hint = hintNotice(target, body.targetTypeHint);
      const aborts = new AbortController();
      const session = await streams.open({
        target, count: plan.count, intervalMs: plan.intervalMs, timeoutMs: plan.timeoutMs, maxInFlight: plan.maxInFlight,
        jitter: body.jitter === true, payload: payloadOf(body), signal: aborts.signal,
      });
      return {
        status: 200,
        contentType: framing.contentType,
        headers: { 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' },
        stream: {
          preamble: framing.preamble,
          onAbort: () => aborts.abort(),
          start: (out) => {
            void streamSession(out, framing, session, endpointOf(target, session.resolvedEndpoint), plan, hint);
          },
        },
      };
    },
  });

  const once = defineRoute({
    method: 'post', path: '/v1/ping:once', operationId: 'pingOnce', tags, scope: 'network:write',
    summary: 'Run one probe against a target and return its result',
    body: PingOnceBody,
    responses: { 200: { description: 'The probe result', schema: PingResultSchema }, ...ERRORS },
    handler: async ({ body }) => {
      checkPayload(body);
      // An optional hint (seed 002): the target's real type is used; the result's endpoint says which.
      const target = findTarget(sonde, body.targetId);
      const timeoutMs = body.timeoutMs === undefined || body.timeoutMs === 0 ? STREAM_DEFAULTS.timeoutMs : body.timeoutMs;
      if (timeoutMs > limits.maxTimeoutMs) {
        throw badRequest(`timeoutMs ${timeoutMs} is above the server maximum of ${limits.maxTimeoutMs} ms`, 'field: timeoutMs');
      }
      const session = await streams.open({ target, count: 1, intervalMs: 0, timeoutMs, maxInFlight: 1, payload: payloadOf(body) });
      const endpoint = endpointOf(target, session.resolvedEndpoint);
      let result: ReturnType<typeof resultOf> | undefined;
      await session.run({ onProbe: (probe) => { result = resultOf(endpoint, probe); } });
      if (result === undefined) throw new HttpError(500, `the probe of target ${target.id} produced no result`);
      return { status: 200, body: result };
    },
  });

  return [stream, once];
}

/** Runs the session into the response: limit notices, one result per probe, the summary, the end. */
async function streamSession(out: ResponseStream, framing: Framing, session: ProbeSession, endpoint: PingEndpointInfo, plan: EffectivePlan,
  hint: PingNoticeWire | null): Promise<void> {
  const emit = (event: unknown): void => {
    out.write(framing.item(JSON.stringify(event)));
  };
  if (hint !== null) emit({ notice: hint });
  for (const notice of plan.notices) emit({ notice });
  // A client that stops reading pauses the probes; when it reads again, a notice says for how long.
  let pausedAt: number | undefined;
  const backpressure = (): Promise<void> | null => {
    const pending = out.backpressure();
    if (pending !== null && pausedAt === undefined) {
      pausedAt = performance.now();
      void pending.then(() => {
        const pausedMs = Math.round(performance.now() - (pausedAt ?? 0));
        pausedAt = undefined;
        emit({ notice: { code: 'PAUSED', message: `probing paused for ${pausedMs} ms while the client was not reading the stream`, details: { pausedMs } } });
      });
    }
    return pending;
  };
  try {
    const totals = await session.run({
      onProbe: (probe) => emit({ result: resultOf(endpoint, probe) }),
      backpressure,
    });
    if (totals.cancelled) return; // the client left: there is no one to tell
    // The summary, the close frame and the end of the body leave in one write.
    out.end(framing.item(JSON.stringify({ summary: summaryOf(endpoint, totals, plan.appliedLimits) })) + framing.close);
  } catch (error) {
    const notice = { code: 'PROBE_FAILED', message: `the probe session failed: ${error instanceof Error ? error.message : String(error)}` };
    out.end(framing.item(JSON.stringify({ notice })) + framing.close);
  }
}

function checkPayload(body: PayloadFields): void {
  if (body.payload !== undefined && body.payloadSizeBytes !== undefined) {
    throw badRequest('payload and payloadSizeBytes are mutually exclusive: send one of them', 'field: payload');
  }
}

function payloadOf(body: PayloadFields): PayloadFields {
  const payload: PayloadFields = {};
  if (body.payloadType !== undefined) payload.payloadType = body.payloadType;
  if (body.payload !== undefined) payload.payload = body.payload;
  if (body.payloadSizeBytes !== undefined) payload.payloadSizeBytes = body.payloadSizeBytes;
  return payload;
}

function findTarget(sonde: Sonde, id: string): Target {
  const target = sonde.targets.get(id);
  if (target === null) throw notFound(`target ${id} not found`, 'GET /v1/targets lists the registered targets');
  return target;
}

/** Seed 002 calls targetTypeHint an optional hint: one that does not match is noted, not refused. */
function hintNotice(target: Target, hint: Target['kind'] | undefined): PingNoticeWire | null {
  if (hint === undefined || hint === target.kind) return null;
  return {
    code: 'TARGET_TYPE_HINT_IGNORED',
    message: `targetTypeHint ${hint} does not match target ${target.id}, which is a ${target.kind} target; it is probed as ${target.kind}`,
    details: { field: 'targetTypeHint', hint, targetType: target.kind },
  };
}
