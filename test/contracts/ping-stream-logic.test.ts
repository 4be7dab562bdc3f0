// Pure logic behind contract D: the limits (defaults, clamps, notices), the Accept → framing
// choice, and the session scheduler (pacing, maxInFlight, backpressure pause, abort) driven
// by a probe function that only records when it was called.
import { describe, expect, it } from 'vitest';
import { runSession } from '../../engine/stream/run-session.js';
import type { SessionProbe } from '../../engine/stream/types.js';
import { NDJSON, SSE, framingFor } from '../../server/routes/ping-stream/framing.js';
import { applyLimits, DEFAULT_LIMITS } from '../../server/routes/ping-stream/limits.js';
import { waitFor } from '../wait-for.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function fakeProbe(seq: number, rttMs: number): SessionProbe {
  return {
    kind: 'tcp', seq, ok: true, timedOut: false, answered: true, rttMs, bytesSent: 0, bytesReceived: 0,
    tcp: { kind: 'tcp', ok: true, startedAtUnixNs: 0n, endedAtUnixNs: 0n, totalMs: rttMs, host: '127.0.0.1', port: 1 },
  };
}

describe('limits', () => {
  it('0 and absent take the seed\'s defaults without notices', () => {
    for (const request of [{}, { count: 0, intervalMs: 0, timeoutMs: 0, maxInFlight: 0 }]) {
      const plan = applyLimits(request);
      expect(plan).toMatchObject({ count: 4, intervalMs: 1000, timeoutMs: 5000, maxInFlight: 1, notices: [], appliedLimits: {} });
    }
  });

  it('each value over a limit is clamped, with one notice and one appliedLimits entry', () => {
    const plan = applyLimits({ count: DEFAULT_LIMITS.maxCount + 1, intervalMs: 1, timeoutMs: 10 ** 6, maxInFlight: 10 ** 6 });
    expect(plan).toMatchObject({ count: DEFAULT_LIMITS.maxCount, intervalMs: DEFAULT_LIMITS.minIntervalMs, timeoutMs: DEFAULT_LIMITS.maxTimeoutMs, maxInFlight: DEFAULT_LIMITS.maxInFlight });
    expect(plan.notices.map((n) => n.details.field)).toEqual(['count', 'intervalMs', 'timeoutMs', 'maxInFlight']);
    expect(plan.appliedLimits).toEqual({
      count: DEFAULT_LIMITS.maxCount, intervalMs: DEFAULT_LIMITS.minIntervalMs,
      timeoutMs: DEFAULT_LIMITS.maxTimeoutMs, maxInFlight: DEFAULT_LIMITS.maxInFlight,
    });
    expect(plan.notices[0].message).toBe(`count ${DEFAULT_LIMITS.maxCount + 1} is above the server maximum of ${DEFAULT_LIMITS.maxCount} probes per stream; the stream uses ${DEFAULT_LIMITS.maxCount}`);
  });

  it('values at the limits pass untouched', () => {
    const plan = applyLimits({ count: DEFAULT_LIMITS.maxCount, intervalMs: DEFAULT_LIMITS.minIntervalMs, timeoutMs: DEFAULT_LIMITS.maxTimeoutMs, maxInFlight: DEFAULT_LIMITS.maxInFlight });
    expect(plan.notices).toEqual([]);
  });
});

describe('framing by Accept', () => {
  it.each([
    ['text/event-stream', SSE],
    ['text/event-stream; charset=utf-8', SSE],
    ['TEXT/EVENT-STREAM', SSE],
    ['application/x-ndjson', NDJSON],
    ['', NDJSON],
    ['*/*', NDJSON],
    ['application/json', null],
    ['text/event-stream, application/x-ndjson', SSE],
    ['application/x-ndjson, text/event-stream', NDJSON],
    ['application/x-ndjson;q=0.5, text/event-stream', SSE],
    ['text/event-stream;q=0.1, application/x-ndjson', NDJSON],
    ['text/event-stream;q=0, application/x-ndjson', NDJSON],
    ['text/event-stream;q=0', null],
    ['text/*', SSE],
  ])('%j → %s', (accept, framing) => {
    expect(framingFor(accept)).toBe(framing);
  });

  it('frames: SSE item and close, NDJSON lines', () => {
    expect(SSE.item('{"a":1}')).toBe('event: item\ndata: {"a":1}\n\n');
    expect(SSE.close).toBe('event: close\ndata: {"type":"completed"}\n\n');
    expect(NDJSON.item('{"a":1}')).toBe('{"a":1}\n');
  });
});

describe('session scheduler', () => {
  it('paces probe starts by the interval and reports totals with exact percentiles', async () => {
    const starts: number[] = [];
    const t0 = performance.now();
    const totals = await runSession({ count: 5, intervalMs: 40, maxInFlight: 1, jitter: false }, async (seq) => {
      starts.push(performance.now() - t0);
      return fakeProbe(seq, seq); // rtt 1..5 ms
    }, { onProbe: () => {} });
    for (let k = 1; k < starts.length; k++) expect(starts[k]).toBeGreaterThanOrEqual(k * 40 - 1);
    expect(totals).toMatchObject({ requests: 5, responses: 5, ok: 5, timeouts: 0, errors: 0, rttMinMs: 1, rttMaxMs: 5, rttP50Ms: 3, rttP90Ms: 5, rttAvgMs: 3, cancelled: false });
  });

  it('never has more than maxInFlight probes outstanding', async () => {
    let outstanding = 0;
    let peak = 0;
    await runSession({ count: 12, intervalMs: 0, maxInFlight: 3, jitter: false }, async (seq) => {
      outstanding++;
      peak = Math.max(peak, outstanding);
      await sleep(15);
      outstanding--;
      return fakeProbe(seq, 15);
    }, { onProbe: () => {} });
    expect(peak).toBe(3);
  });

  it('starts no probe while the consumer signals backpressure, and resumes when it clears', async () => {
    let release: (() => void) | null = null;
    let blocked = false;
    const starts: number[] = [];
    const run = runSession({ count: 6, intervalMs: 5, maxInFlight: 1, jitter: false }, async (seq) => {
      starts.push(seq);
      if (seq === 2) blocked = true;
      return fakeProbe(seq, 1);
    }, {
      onProbe: () => {},
      backpressure: () => (blocked ? new Promise<void>((resolve) => { release = resolve; }) : null),
    });
    // parked on the consumer's promise: nothing can start until it is released
    await waitFor(() => release !== null, { message: 'the session waiting on backpressure' });
    expect(starts).toEqual([1, 2]);
    blocked = false;
    release!();
    const totals = await run;
    expect(starts).toEqual([1, 2, 3, 4, 5, 6]);
    expect(totals.pausedMs).toBeGreaterThan(0);
  });

  it('an abort stops at once: no probe starts afterwards, in-flight probes get the signal', async () => {
    const abort = new AbortController();
    const starts: number[] = [];
    let sawAbort = false;
    const run = runSession({ count: 100, intervalMs: 10, maxInFlight: 1, jitter: false, signal: abort.signal }, async (seq, signal) => {
      starts.push(seq);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 30); // long enough that the abort lands while one is in flight
        signal?.addEventListener('abort', () => { sawAbort = true; clearTimeout(timer); resolve(); }, { once: true });
      });
      return fakeProbe(seq, 1);
    }, { onProbe: () => {} });
    await sleep(45);
    abort.abort();
    const n = starts.length;
    const totals = await run;
    await sleep(50);
    expect(starts.length).toBe(n);
    expect(n).toBeLessThan(100);
    expect(totals.cancelled).toBe(true);
    expect(sawAbort).toBe(true);
  });
});
