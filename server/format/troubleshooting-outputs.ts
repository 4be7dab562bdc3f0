// `rawOutput` and `output` of the troubleshooting API's tcp, http/https and nslookup tests
// (contract C) from the engine's probe outcomes. No seed shows these: the `output` shapes
// are sonde's (test/contracts/schemas/troubleshooting-api.ts), in seed 004's style —
// numbers as strings, *Milliseconds names; times with three decimals (µs) so loopback
// figures do not print as 0.0. The raw texts follow the tools an operator would run: nc -vz,
// curl -v's timing, nslookup.

import type { DnsProbeOutcome, HttpProbeOutcome, TcpProbeOutcome } from '../../engine/index.js';

export interface TroubleshootingResult<Output> {
  rawOutput: string;
  output: Output;
}

export interface TcpTestOutput {
  host: string;
  port: string;
  resolvedIp?: string;
  connected: boolean;
  connectTimeMilliseconds?: string;
  error?: string;
}

export interface HttpTestOutput {
  url: string;
  resolvedIp?: string;
  statusCode?: string;
  dnsLookupTimeMilliseconds?: string;
  tcpConnectTimeMilliseconds?: string;
  tlsHandshakeTimeMilliseconds?: string;
  timeToFirstByteMilliseconds?: string;
  totalTimeMilliseconds: string;
  error?: string;
}

export interface NslookupTestOutput {
  host: string;
  server: string;
  resolutionTimeMilliseconds: string;
  answers: Array<{ type: 'A' | 'AAAA'; address: string; ttl?: string }>;
  error?: string;
}

/** "0.123": milliseconds with three decimals. */
export function formatMs(ms: number): string {
  return ms.toFixed(3);
}

export function tcpTestResult(outcome: TcpProbeOutcome): TroubleshootingResult<TcpTestOutput> {
  const output: TcpTestOutput = { host: outcome.host, port: String(outcome.port), connected: outcome.ok };
  if (outcome.address !== undefined) output.resolvedIp = outcome.address;
  if (outcome.connectMs !== undefined) output.connectTimeMilliseconds = formatMs(outcome.connectMs);
  if (outcome.failure) output.error = outcome.failure.message;
  const lines = ['', `COMMAND=tcp ${outcome.host} ${outcome.port}`];
  lines.push(
    outcome.ok
      ? `Connection to ${outcome.host}${outcome.address && outcome.address !== outcome.host ? ` (${outcome.address})` : ''} ${outcome.port} port [tcp] succeeded in ${formatMs(outcome.connectMs ?? outcome.totalMs)} ms`
      : `connect to ${outcome.host} port ${outcome.port} (tcp) failed: ${outcome.failure?.message ?? 'unknown error'}`,
  );
  return { rawOutput: lines.join('\n') + '\n', output };
}

export function httpTestResult(outcome: HttpProbeOutcome): TroubleshootingResult<HttpTestOutput> {
  const p = outcome.phases;
  const output: HttpTestOutput = { url: outcome.url, totalTimeMilliseconds: formatMs(outcome.totalMs) };
  if (outcome.address !== undefined) output.resolvedIp = outcome.address;
  if (outcome.status !== undefined) output.statusCode = String(outcome.status);
  if (p.dnsMs !== undefined) output.dnsLookupTimeMilliseconds = formatMs(p.dnsMs);
  if (p.connectMs !== undefined) output.tcpConnectTimeMilliseconds = formatMs(p.connectMs);
  if (p.tlsMs !== undefined) output.tlsHandshakeTimeMilliseconds = formatMs(p.tlsMs);
  if (p.firstByteMs !== undefined) output.timeToFirstByteMilliseconds = formatMs(p.firstByteMs);
  if (outcome.failure) output.error = outcome.failure.message;

  const lines = ['', `COMMAND=${outcome.url.startsWith('https:') ? 'https' : 'http'} ${outcome.url}`];
  if (outcome.address !== undefined) lines.push(`Connected to ${outcome.address}`);
  if (outcome.tls) lines.push(`TLS ${outcome.tls.protocol ?? ''} ${outcome.tls.cipher ?? ''}${outcome.tls.authorized ? '' : ` (certificate not verified: ${outcome.tls.authorizationError ?? 'unknown'})`}`.replace(/\s+/g, ' ').trim());
  lines.push(`> ${outcome.method} ${new URL(outcome.url).pathname} HTTP/1.1`);
  if (outcome.status !== undefined) lines.push(`< HTTP/${outcome.httpVersion ?? '1.1'} ${outcome.status}${outcome.statusText ? ` ${outcome.statusText}` : ''}`);
  if (outcome.failure) lines.push(`error: ${outcome.failure.message}`);
  const timing: Array<[string, number | undefined]> = [
    ['dns', p.dnsMs],
    ['connect', p.connectMs],
    ['tls', p.tlsMs],
    ['first byte', p.firstByteMs],
    ['total', outcome.totalMs],
  ];
  lines.push('', ...timing.filter(([, ms]) => ms !== undefined).map(([name, ms]) => `${`${name}:`.padEnd(12)}${formatMs(ms!)} ms`));
  return { rawOutput: lines.join('\n') + '\n', output };
}

export function nslookupTestResult(outcome: DnsProbeOutcome): TroubleshootingResult<NslookupTestOutput> {
  const output: NslookupTestOutput = {
    host: outcome.host,
    server: outcome.resolver,
    resolutionTimeMilliseconds: formatMs(outcome.resolveMs),
    answers: outcome.answers.map((a) => ({
      type: a.family === 6 ? 'AAAA' : 'A',
      address: a.address,
      ...(a.ttl !== undefined ? { ttl: String(a.ttl) } : {}),
    })),
  };
  if (outcome.failure) output.error = outcome.failure.message;

  const lines = ['', `COMMAND=nslookup ${outcome.host}`, `Server:\t\t${outcome.resolver}`, ''];
  if (outcome.ok) {
    for (const a of outcome.answers) lines.push(`Name:\t${outcome.host}`, `Address: ${a.address}`);
  } else if (outcome.failure?.kind === 'name-not-found') {
    lines.push(`** server can't find ${outcome.host}: NXDOMAIN`);
  } else {
    lines.push(`;; ${outcome.failure?.message ?? 'resolution failed'}`);
  }
  return { rawOutput: lines.join('\n') + '\n', output };
}
