import { describe, expect, it } from 'vitest';
import { bsdPingOutput, formatBsdPingText } from '../../../server/format/bsd-ping-text.js';
import { formatGoDuration } from '../../../server/format/go-duration.js';
import { formatRfc3339Nano } from '../../../server/format/rfc3339-nano.js';
import { CONTRACT_SCHEMAS, GO_DURATION_PATTERN, contractErrors } from './index.js';

// The seeds' own examples (verbatim, from /work/shared/seeds) must pass, except where a
// seed disagrees with docs/contracts.md — and exactly there they must fail.

const seed000Ping = {
  job_id: '550e8400-e29b-41d4-a716-446655440000',
  results: [
    {
      hostname: 'string', packets_sent: 4, packets_received: 4, packet_loss: 0,
      min_rtt: '14.637103ms', avg_rtt: '18.647498ms', max_rtt: '24.309240ms', changed: true, error: 'string',
    },
  ],
};
const seed003Exec = {
  job_id: '550e8400-e29b-41d4-a716-446655440000',
  results: [{ hostname: 'string', stdout: 'string', stderr: 'string', exit_code: 0, duration_ms: 0, changed: true, error: 'string' }],
};
const seedOsapiError = { error: 'Failed to retrieve status.', details: 'Failed due to network timeout.', code: 500 };
const seed001Create = {
  ok: true, type: 'success', action: 'ping_created', data: { task_id: '550e8400-e29b-41d4-a716-446655440000' }, message: null, meta: null,
};
const seed002Result = JSON.parse(`{
"result": {
"endpoint": {"targetType": "EMBEDDER", "targetId": "550e8400-e29b-41d4-a716-446655440000",
  "resolvedEndpoint": "https://api.openai.com/v1/embeddings", "provider": "OPENAI", "modelIdentifier": "text-embedding-3-small"},
"seq": 1, "bytesSent": 64, "bytesReceived": 64, "ok": true, "httpStatus": 200,
"errorMessage": "Probe exceeded timeout of 5000 ms", "rttMs": 123.4,
"timing": {"clientSendTimeUnixNanos": 1712082300123456800, "serverReceivedTimeUnixNanos": 1712082301123456800,
  "serverSendTimeUnixNanos": 1712082302123456800, "clientReceiveTimeUnixNanos": 1712082303123456800}
}}`) as { result: Record<string, unknown> };
const seed004Result = {
  startTime: '2025-05-20T13:07:48.849780286Z',
  endTime: '2025-05-20T13:08:04.034123064Z',
  rawOutput:
    '\nCOMMAND=ping www.google.com\nPING 142.251.46.164 (142.251.46.164): 56 data bytes\n64 bytes from 142.251.46.164: icmp_seq=0 ttl=108 time=200.2 ms\n64 bytes from 142.251.46.164: icmp_seq=1 ttl=108 time=209.8 ms\n64 bytes from 142.251.46.164: icmp_seq=3 ttl=108 time=208.8 ms\n64 bytes from 142.251.46.164: icmp_seq=4 ttl=108 time=200.2 ms\n\n--- 142.251.46.164 ping statistics ---\n5 packets transmitted, 4 packets received, 20% packet loss\nround-trip min/avg/max = 200.2/204.7/209.8 ms\n',
  output: {
    receivedPacketsCount: '4', packetLossPercent: '20', minimumRoundTripTimeMilliseconds: '200.2', maximumRoundTripTimeMilliseconds: '209.8',
    replies: [0, 1, 3, 4].map((seq, i) => ({
      sentPacketAddress: '142.251.46.164', sentPacketIcmpSequenceNumber: String(seq), sentPacketTimeToLive: '108',
      sentPacketTimeMilliseconds: ['200.2', '209.8', '208.8', '200.2'][i], sentPacketSizeBytes: '64',
    })),
    averageRoundTripTimeMilliseconds: '204.7', destination: 'www.google.com', resolvedIp: '142.251.46.164', transmittedPacketsCount: '5',
  },
  failReason: null,
  progressPercent: 100,
  status: 'COMPLETED',
};
const seed004Errors = [
  { errorCode: 'HPE_GRAVITY_BAD_REQUEST', message: 'Validation errors - packetSize must be between 10 and 2000' },
  { errorCode: 'HPE_GRAVITY_UNAUTHORIZED', message: 'Authentication required.' },
  { errorCode: 'HPE_GRAVITY_TASK_NOT_FOUND', message: 'Async operation task not found: c7a3f2d1-e8a9-4b7c-8d1e-0f9a3b2c1d0e' },
  { errorCode: 'HPE_GRAVITY_TOO_MANY_REQUESTS', message: 'Rate limit exceeded.' },
  { errorCode: 'HPE_GRAVITY_INTERNAL_SERVER_ERROR', message: 'An unexpected error occurred.' },
];

const clone = <T>(value: T): T => structuredClone(value);

describe('contract schemas', () => {
  it('all compile in strict mode', () => {
    for (const name of Object.keys(CONTRACT_SCHEMAS)) expect(contractErrors(name, null).length, name).toBeGreaterThan(0);
  });

  it('A: seed 000 fails exactly where it disagrees with docs/contracts.md, and passes once corrected', () => {
    expect(contractErrors('A.ping.200', seed000Ping)).toEqual([
      '/results/0/max_rtt must match pattern "' + GO_DURATION_PATTERN + '"',
      '/results/0/changed must be equal to constant',
    ]);
    const fixed = clone(seed000Ping);
    fixed.results[0].max_rtt = '24.30924ms';
    fixed.results[0].changed = false;
    expect(contractErrors('A.ping.200', fixed)).toEqual([]);
    expect(contractErrors('A.ping.200', { ...fixed, results: [{ ...fixed.results[0], status: 'ok' }] })).toEqual([]);
  });

  it('A: seed 003 and the osapi error envelope pass; renamed or missing fields do not', () => {
    expect(contractErrors('A.exec.202', seed003Exec)).toEqual([]);
    expect(contractErrors('A.error', seedOsapiError)).toEqual([]);
    const renamed = clone(seed003Exec) as { results: Array<Record<string, unknown>> };
    renamed.results[0]['exitCode'] = renamed.results[0]['exit_code'];
    delete renamed.results[0]['exit_code'];
    expect(contractErrors('A.exec.202', renamed)).toEqual([
      "/results/0 must have required property 'exit_code'",
      '/results/0 must NOT have additional properties "exitCode"',
    ]);
    expect(contractErrors('A.error', { error: 'x', code: 400 })).toEqual(["(body) must have required property 'details'"]);
  });

  it('A: jobs', () => {
    const job = {
      id: '550e8400-e29b-41d4-a716-446655440000', status: 'completed', operation: { type: 'network.ping', data: { address: '127.0.0.1' } },
      created: '2026-02-16T13:21:06Z', updated_at: '2026-02-16T13:21:07.5Z', responses: { server1: { status: 'completed', data: {} } },
    };
    expect(contractErrors('A.job.200', job)).toEqual([]);
    expect(contractErrors('A.jobs.200', { total_items: 1, items: [job] })).toEqual([]);
    expect(contractErrors('A.job.200', { ...job, status: 'unprocessed' }).length).toBeGreaterThan(0);
  });

  it('B: seed 001 passes; every result outcome has its own shape', () => {
    expect(contractErrors('B.create.200', seed001Create)).toEqual([]);
    const data = { sent: 10, received: 9, packet_loss: 10, rtt_min_ms: 0.03, rtt_avg_ms: 0.05, rtt_max_ms: 0.1 };
    const ok = (type: string, action: string, status: string, extra = {}) =>
      contractErrors('B.result.200', { ok: true, type, action, data: { status, ...data, ...extra }, message: null, meta: null });
    expect(ok('success', 'stable_connection', 'stable')).toEqual([]);
    expect(ok('info', 'intermittent_connection', 'intermittent')).toEqual([]);
    expect(ok('info', 'no_internet', 'no_internet')).toEqual([]);
    expect(ok('info', 'ping_pending', 'pending', { progress: 40 })).toEqual([]);
    expect(ok('info', 'ping_pending', 'pending').length).toBeGreaterThan(0); // progress is required while pending
    expect(ok('success', 'stable_connection', 'intermittent').length).toBeGreaterThan(0);
    expect(contractErrors('B.result.200', { ok: false, type: 'error', action: 'ping_failed', data: null, message: 'interrupted by restart', meta: null })).toEqual([]);
    expect(contractErrors('B.error', { ok: false, type: 'error', action: 'error', data: null, message: 'task 7 not found', meta: null })).toEqual([]);
    expect(contractErrors('B.create.error', { ok: false, type: 'error', action: 'ping_failed', data: null, message: 'service 7 not found', meta: null })).toEqual([]);
    expect(contractErrors('B.create.error', { ok: false, type: 'error', action: 'error', data: null, message: 'service 7 not found', meta: null }).length).toBeGreaterThan(0);
  });

  it("C: seed 004's result and errors pass; running and failed states are shaped too", () => {
    expect(contractErrors('C.ping.result.200', seed004Result)).toEqual([]);
    for (const error of seed004Errors) expect(contractErrors('C.error', error)).toEqual([]);
    expect(contractErrors('C.ping.result.200', { ...seed004Result, progressPercent: 99 }).length).toBeGreaterThan(0);
    const running = { startTime: seed004Result.startTime, endTime: null, rawOutput: null, output: null, failReason: null, progressPercent: 40, status: 'RUNNING' };
    expect(contractErrors('C.ping.result.200', running)).toEqual([]);
    const failed = { ...running, status: 'FAILED', endTime: seed004Result.endTime, failReason: 'interrupted by restart' };
    expect(contractErrors('C.ping.result.200', failed)).toEqual([]);
    expect(contractErrors('C.ping.result.200', { ...failed, failReason: null }).length).toBeGreaterThan(0);
    expect(contractErrors('C.ping.create.202', {
      location: '/network-troubleshooting/v1alpha1/aps/SN123/ping/async-operations/c7a3f2d1-e8a9-4b7c-8d1e-0f9a3b2c1d0e',
      status: 'INITIATED', startTime: '2025-05-20T13:07:48.849780286Z',
    })).toEqual([]);
    expect(contractErrors('C.tcp.create.202', {
      location: '/network-troubleshooting/v1alpha1/aps/SN123/ping/async-operations/x', status: 'INITIATED', startTime: '2025-05-20T13:07:48.849780286Z',
    }).length).toBeGreaterThan(0); // a tcp task's location names tcp
  });

  it('C: what server/format writes conforms', () => {
    const run = {
      destination: 'localhost', address: '127.0.0.1', dataBytes: 56, transmitted: 3,
      replies: [{ seq: 0, ttl: 64, bytes: 64, rttNs: 41_000 }, { seq: 2, ttl: 64, bytes: 64, rttNs: 1_234_567n }],
    };
    const now = 1_763_790_579_123_456_789n;
    const body = {
      startTime: formatRfc3339Nano(now - 2_000_000_000n), endTime: formatRfc3339Nano(now), rawOutput: formatBsdPingText(run),
      output: bsdPingOutput(run), failReason: null, progressPercent: 100, status: 'COMPLETED',
    };
    expect(contractErrors('C.ping.result.200', body)).toEqual([]);
    expect(contractErrors('C.ping.result.200', { ...body, output: bsdPingOutput({ ...run, replies: [] }) })).toEqual([]);
  });

  it('D: seed 002 passes; docs/contracts.md rules on ok:false and events hold', () => {
    expect(contractErrors('D.stream.event', seed002Result)).toEqual([]);
    expect(contractErrors('D.once.200', seed002Result.result)).toEqual([]);
    const timeout: Record<string, unknown> = {
      ...seed002Result.result, ok: false, timing: { clientSendTimeUnixNanos: '1712082300123456789', clientReceiveTimeUnixNanos: '1712082305123456789' },
    };
    delete timeout['httpStatus'];
    expect(contractErrors('D.once.200', timeout)).toEqual([]);
    const silent = { ...timeout };
    delete silent['errorMessage'];
    expect(contractErrors('D.once.200', silent)).toContain("(body) must have required property 'errorMessage'");
    expect(contractErrors('D.stream.event', { result: seed002Result.result, summary: {} }).length).toBeGreaterThan(0);
    expect(contractErrors('D.stream.event', { notice: { code: 'LIMIT_APPLIED', message: 'count clamped to 1000', details: { field: 'count', requested: 5000, applied: 1000, limit: 'maxCount' } } })).toEqual([]);
    expect(contractErrors('D.stream.event', { notice: { code: 'LIMIT_APPLIED', message: 'count clamped to 1000', details: { applied: 1.5 } } }).length).toBeGreaterThan(0);
    const summary = {
      endpoint: seed002Result.result['endpoint'], requests: 4, responses: 4, ok: 3, timeouts: 1, errors: 0,
      rttMinMs: 1, rttAvgMs: 2, rttP50Ms: 2, rttP90Ms: 3, rttP99Ms: 3, rttMaxMs: 3, requestsPerSecond: 1, bytesPerSecond: 128,
      appliedLimits: { count: 1000 },
    };
    expect(contractErrors('D.stream.event', { summary })).toEqual([]);
    expect(contractErrors('D.stream.event', { summary: { ...summary, appliedLimits: { count: '1000' } } }).length).toBeGreaterThan(0);
    expect(contractErrors('D.stream.event', { summary: { ...summary, responses: 0, rttMinMs: null, rttAvgMs: null, rttP50Ms: null, rttP90Ms: null, rttP99Ms: null, rttMaxMs: null } })).toEqual([]);
    expect(contractErrors('D.stream.close', { type: 'completed' })).toEqual([]);
    expect(contractErrors('D.error', { error: 'target not found', code: 404 })).toEqual([]);
  });
});

describe('GO_DURATION_PATTERN', () => {
  const re = new RegExp(GO_DURATION_PATTERN, 'u');

  it('accepts everything formatGoDuration prints for non-negative durations', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const ns = BigInt(Math.floor(random() * 10 ** Math.floor(random() * 16)));
      expect(formatGoDuration(ns)).toMatch(re);
    }
    for (const ns of [0n, 1n, 999n, 1000n, 1_000_000n, 1_000_000_000n, 60_000_000_000n, 3_600_000_000_000n, 2n ** 63n - 1n]) {
      expect(formatGoDuration(ns)).toMatch(re);
    }
  });

  it('rejects text Go never prints', () => {
    for (const bad of ['24.309240ms', '0.5s', '1h30s', '60s', '1000ns', '1.000µs', '0ms', '950us', '950\u03BCs', '01s', '1m60s', '-1s', '']) {
      expect(bad).not.toMatch(re);
    }
  });
});
