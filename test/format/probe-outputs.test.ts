import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeDns, probeHttp, probeTcp, type ProbeResult } from '../../engine/index.js';
import { httpPingResult, icmpPingResult, tcpPingResult, type PingEndpointInfo } from '../../server/format/ping-stream-result.js';
import { formatRfc3339Nano } from '../../server/format/rfc3339-nano.js';
import { formatTracerouteText, tracerouteOutput, type TracerouteRun } from '../../server/format/traceroute-text.js';
import { httpTestResult, nslookupTestResult, tcpTestResult } from '../../server/format/troubleshooting-outputs.js';
import { contractErrors } from '../contracts/schemas/index.js';

// Real probes against servers on 127.0.0.1, formatted, then checked against the contract
// schemas: the formatters and the schemas must agree.

const TARGET_ID = '550e8400-e29b-41d4-a716-446655440000';

function completed(rawOutput: string, output: unknown): Record<string, unknown> {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    startTime: formatRfc3339Nano(now - 1_000_000n), endTime: formatRfc3339Nano(now), rawOutput, output,
    failReason: null, progressPercent: 100, status: 'COMPLETED',
  };
}

describe('formatters over real probe outcomes', () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/fail') {
        res.writeHead(503, { 'retry-after': '2' });
        res.end('busy');
        return;
      }
      res.writeHead(200, { 'server-timing': 'total;dur=1', 'x-request-id': 'abc' });
      res.end('{"data":[0.1]}');
    });
  });
  let port = 0;
  beforeAll(async () => {
    port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('D: an HTTP model probe becomes a contract result with exact nanosecond strings', async () => {
    const endpoint: PingEndpointInfo = { targetType: 'EMBEDDER', targetId: TARGET_ID, resolvedEndpoint: `http://127.0.0.1:${port}/v1/embeddings`, provider: 'OPENAI', modelIdentifier: 'm' };
    const outcome = await probeHttp({ url: endpoint.resolvedEndpoint, body: 'ping', timeoutMs: 5000 });
    const result = httpPingResult(endpoint, 1, outcome);
    expect(contractErrors('D.once.200', result)).toEqual([]);
    expect(contractErrors('D.stream.event', { result })).toEqual([]);
    expect(result).toMatchObject({ seq: 1, ok: true, httpStatus: 200, bytesSent: 4, bytesReceived: 14, metadata: { 'x-request-id': 'abc', serverTimes: 'estimated-from-server-timing-dur' } });
    // One measurement: the client times bound the whole request, and rttMs is their difference.
    expect(result.timing.clientSendTimeUnixNanos).toBe(String(outcome.startedAtUnixNs));
    expect(result.rttMs).toBe(Math.round(Number(outcome.endedAtUnixNs - outcome.startedAtUnixNs) / 1e3) / 1e3);
    expect(result.metadata!['requestSentUnixNanos']).toBe(String(outcome.timing.requestSentUnixNs));
    expect(BigInt(result.timing.serverSendTimeUnixNanos!) - BigInt(result.timing.serverReceivedTimeUnixNanos!)).toBe(1_000_000n);
    // The wire text keeps every digit (strings, not doubles).
    expect(JSON.stringify(result)).toContain(`"clientReceiveTimeUnixNanos":"${outcome.timing.responseEndUnixNs}"`);

    const failed = httpPingResult(endpoint, 2, await probeHttp({ url: `http://127.0.0.1:${port}/fail`, timeoutMs: 5000 }));
    expect(contractErrors('D.once.200', failed)).toEqual([]);
    expect(failed).toMatchObject({ ok: false, httpStatus: 503, metadata: { 'retry-after': '2' } });
  });

  it('D: TCP probes, connected and refused', async () => {
    const endpoint: PingEndpointInfo = { targetType: 'TCP', targetId: TARGET_ID, resolvedEndpoint: `127.0.0.1:${port}` };
    const ok = tcpPingResult(endpoint, 1, await probeTcp({ host: '127.0.0.1', port, timeoutMs: 2000 }));
    expect(contractErrors('D.once.200', ok)).toEqual([]);
    expect(ok.ok).toBe(true);
    const refused = tcpPingResult(endpoint, 2, await probeTcp({ host: '127.0.0.1', port: 1, timeoutMs: 2000 }));
    expect(contractErrors('D.once.200', refused)).toEqual([]);
    expect(refused.errorMessage).toMatch(/^connection refused by 127\.0\.0\.1:1/);
  });

  it('C: tcp, http and nslookup results conform to their schemas', async () => {
    const tcp = tcpTestResult(await probeTcp({ host: 'localhost', port, timeoutMs: 2000, family: 4 }));
    expect(contractErrors('C.tcp.result.200', completed(tcp.rawOutput, tcp.output))).toEqual([]);
    expect(tcp.output).toMatchObject({ host: 'localhost', port: String(port), resolvedIp: '127.0.0.1', connected: true });
    expect(tcp.rawOutput).toMatch(new RegExp(`^\\nCOMMAND=tcp localhost ${port}\\nConnection to localhost \\(127\\.0\\.0\\.1\\) ${port} port \\[tcp\\] succeeded in \\d+\\.\\d{3} ms\\n$`));
    const refused = tcpTestResult(await probeTcp({ host: '127.0.0.1', port: 1, timeoutMs: 2000 }));
    expect(contractErrors('C.tcp.result.200', completed(refused.rawOutput, refused.output))).toEqual([]);
    expect(refused.output.connected).toBe(false);

    const web = httpTestResult(await probeHttp({ url: `http://localhost:${port}/`, timeoutMs: 5000, family: 4 }));
    expect(contractErrors('C.http.result.200', completed(web.rawOutput, web.output))).toEqual([]);
    expect(web.output).toMatchObject({ statusCode: '200', resolvedIp: '127.0.0.1' });
    expect(web.output.tlsHandshakeTimeMilliseconds).toBeUndefined();
    expect(web.rawOutput).toContain('< HTTP/1.1 200 OK');

    const dns = nslookupTestResult(await probeDns({ host: 'localhost', timeoutMs: 2000 }));
    expect(contractErrors('C.nslookup.result.200', completed(dns.rawOutput, dns.output))).toEqual([]);
    expect(dns.output.answers).toContainEqual({ type: 'A', address: '127.0.0.1' });
    const nx = nslookupTestResult(await probeDns({ host: 'nowhere.invalid', timeoutMs: 2000 }));
    expect(contractErrors('C.nslookup.result.200', completed(nx.rawOutput, nx.output))).toEqual([]);
    expect(nx.rawOutput).toBe("\nCOMMAND=nslookup nowhere.invalid\nServer:\t\tsystem\n\n** server can't find nowhere.invalid: NXDOMAIN\n");
  });
});

describe('icmpPingResult', () => {
  const endpoint: PingEndpointInfo = { targetType: 'HOST', targetId: TARGET_ID, resolvedEndpoint: '127.0.0.1' };
  const base: Pick<ProbeResult, 'status' | 'rttNs' | 'bytes' | 'sentAtNs' | 'receivedAtNs' | 'address'> = {
    status: 'ok', rttNs: 37_123, bytes: 64, sentAtNs: 1_763_790_579_123_456_789n, receivedAtNs: 1_763_790_579_123_493_912n, address: '127.0.0.1',
  };

  it('maps a reply with the kernel timestamps as they are', () => {
    const result = icmpPingResult(endpoint, 1, base, 56, 1000);
    expect(contractErrors('D.once.200', result)).toEqual([]);
    expect(result).toEqual({
      endpoint, seq: 1, bytesSent: 56, bytesReceived: 64, ok: true, rttMs: 0.037,
      timing: { clientSendTimeUnixNanos: '1763790579123456789', clientReceiveTimeUnixNanos: '1763790579123493912' },
    });
  });

  it("maps a timeout to ok:false with the contract's message", () => {
    const result = icmpPingResult(endpoint, 2, { ...base, status: 'timeout', rttNs: Number.NaN, bytes: 0, receivedAtNs: 0n }, 56, 250);
    expect(contractErrors('D.once.200', result)).toEqual([]);
    expect(result).toMatchObject({ ok: false, errorMessage: 'Probe exceeded timeout of 250 ms', rttMs: 250, bytesReceived: 0 });
    expect(result.timing.clientReceiveTimeUnixNanos).toBe('1763790579373456789');
  });
});

describe('traceroute text', () => {
  const run: TracerouteRun = {
    destination: 'target.example', address: '198.18.0.9', maxHops: 30, packetBytes: 60, reached: true,
    hops: [
      { ttl: 1, probes: [{ address: '198.18.0.1', rttNs: 321_000 }, { address: '198.18.0.1', rttNs: 210_400 }, { address: '198.18.0.1', rttNs: 198_000n }] },
      { ttl: 2, probes: [{}, {}, {}] },
      { ttl: 3, probes: [{ address: '198.18.0.3', rttNs: 1_500_000 }, {}, { address: '198.18.0.4', rttNs: 1_600_000 }] },
      { ttl: 10, probes: [{ address: '198.18.0.9', rttNs: 2_000_000 }] },
    ],
  };

  it("prints BSD traceroute's numeric layout", () => {
    expect(formatTracerouteText(run)).toBe(
      '\nCOMMAND=traceroute target.example\n' +
        'traceroute to target.example (198.18.0.9), 30 hops max, 60 byte packets\n' +
        ' 1  198.18.0.1  0.321 ms  0.210 ms  0.198 ms\n' +
        ' 2  * * *\n' +
        ' 3  198.18.0.3  1.500 ms * 198.18.0.4  1.600 ms\n' +
        '10  198.18.0.9  2.000 ms\n',
    );
  });

  it('gives an output object that conforms', () => {
    const output = tracerouteOutput(run);
    expect(output.hops[1]).toEqual({ hopNumber: '2', address: '*', roundTripTimesMilliseconds: ['*', '*', '*'] });
    expect(contractErrors('C.traceroute.result.200', completed(formatTracerouteText(run), output))).toEqual([]);
  });
});
