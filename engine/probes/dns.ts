// DNS probe (nslookup): the A and AAAA answers for a name and the time the resolver took.
//
// Two resolvers, as nslookup users need both:
//   - the system resolver (default): getaddrinfo through dns.lookup, which honours
//     /etc/hosts and nsswitch — what every other program on the host sees. No TTLs.
//   - explicit DNS servers (`servers`): A and AAAA queries over the DNS protocol with
//     node:dns's Resolver (c-ares), with TTLs, one try each, cancelled at the deadline.
//
// Names under the special-use TLD ".invalid" (RFC 6761 §6.4) fail as NXDOMAIN without a
// query: the RFC asks resolvers to do exactly that, and no packet leaves the host.

import dns from 'node:dns';
import net from 'node:net';
import { EngineInputError } from '../types.js';
import { elapsedMs, monotonicNs, toUnixNs } from './clock.js';
import { abortedFailure, classifyErrorCode, errorCode, timeoutFailure } from './failure.js';
import { settleProbe } from './settle.js';
import type { ProbeFailure, ProbeOutcomeBase, ProbeRequestBase } from './types.js';
import { checkFamily, checkHost, checkTimeout } from './validate.js';

export interface DnsProbeRequest extends ProbeRequestBase {
  /** The name to resolve. An IP literal is answered as itself. */
  host: string;
  /** DNS servers ("127.0.0.1", "127.0.0.1:5353", "[::1]:53"); absent → the system resolver. */
  servers?: string[];
  /** Which answers: 4 (A), 6 (AAAA) or 0 (default) for both. */
  family?: 0 | 4 | 6;
}

export interface DnsAnswer {
  address: string;
  family: 4 | 6;
  /** Seconds; only from explicit servers (getaddrinfo does not report TTLs). */
  ttl?: number;
}

export interface DnsProbeOutcome extends ProbeOutcomeBase {
  kind: 'dns';
  host: string;
  /** 'system' or the servers queried, comma-separated. */
  resolver: string;
  answers: DnsAnswer[];
  /** Time from the query to the answer (the resolver's time), ms. Same as totalMs. */
  resolveMs: number;
}

const INVALID_TLD = /(^|\.)invalid\.?$/i;

export async function probeDns(request: DnsProbeRequest): Promise<DnsProbeOutcome> {
  const host = checkHost(request.host);
  const timeoutMs = checkTimeout(request.timeoutMs);
  const family = checkFamily(request.family);
  const servers = request.servers;
  if (servers !== undefined && (!Array.isArray(servers) || servers.length === 0 || servers.some((s) => typeof s !== 'string' || s === ''))) {
    throw new EngineInputError('servers', 'servers must be a non-empty list of DNS server addresses such as "127.0.0.1:53"');
  }
  const resolverName = servers ? servers.join(',') : 'system';

  const start = monotonicNs();
  const finish = (end: bigint, answers: DnsAnswer[], failure?: ProbeFailure): DnsProbeOutcome => {
    const totalMs = elapsedMs(start, end);
    const outcome: DnsProbeOutcome = {
      kind: 'dns',
      ok: failure === undefined,
      startedAtUnixNs: toUnixNs(start),
      endedAtUnixNs: toUnixNs(end),
      totalMs,
      host,
      resolver: resolverName,
      answers,
      resolveMs: totalMs,
    };
    if (failure) outcome.failure = failure;
    return outcome;
  };

  if (request.signal?.aborted) return finish(monotonicNs(), [], abortedFailure(host));

  const literal = net.isIP(host);
  if (literal !== 0) {
    if (family !== 0 && family !== literal) {
      return finish(monotonicNs(), [], { kind: 'name-not-found', message: `${host} is an IPv${literal} address, not IPv${family}` });
    }
    return finish(monotonicNs(), [{ address: host, family: literal === 6 ? 6 : 4 }]);
  }
  if (INVALID_TLD.test(host)) {
    return finish(monotonicNs(), [], nxdomain(host, 'the .invalid TLD never resolves (RFC 6761), no query sent'));
  }

  const resolver = servers ? makeResolver(servers, timeoutMs) : undefined;
  const query = resolver ? queryServers(resolver, host, family) : querySystem(host, family);

  // A list settles with those answers, a failure with none. getaddrinfo cannot be cancelled:
  // past the deadline its late answer is ignored.
  return settleProbe<DnsAnswer[], DnsProbeOutcome>(
    timeoutMs,
    request.signal,
    host,
    (settled, end) => (Array.isArray(settled) ? finish(end, settled) : finish(end, [], settled)),
    (settle) => {
      query.then(
        (answers) => settle(answers.length > 0 ? answers : nxdomain(host, family === 0 ? 'no A or AAAA record' : `no ${family === 6 ? 'AAAA' : 'A'} record`)),
        (error: unknown) => settle(dnsFailure(error, host, resolverName, timeoutMs)),
      );
      return () => resolver?.cancel();
    },
  );
}

function makeResolver(servers: string[], timeoutMs: number): dns.promises.Resolver {
  const resolver = new dns.promises.Resolver({ timeout: timeoutMs, tries: 1 });
  try {
    resolver.setServers(servers);
  } catch (error) {
    throw new EngineInputError('servers', `servers are not valid DNS server addresses (${servers.join(', ')}): ${(error as Error).message}`);
  }
  return resolver;
}

async function querySystem(host: string, family: 0 | 4 | 6): Promise<DnsAnswer[]> {
  const results = await dns.promises.lookup(host, { all: true, family, verbatim: true });
  return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
}

/** A and AAAA in parallel; "no such record type" for one family is an empty list, not a failure. */
async function queryServers(resolver: dns.promises.Resolver, host: string, family: 0 | 4 | 6): Promise<DnsAnswer[]> {
  const wantV4 = family !== 6;
  const wantV6 = family !== 4;
  const [v4, v6] = await Promise.allSettled([
    wantV4 ? resolver.resolve4(host, { ttl: true }) : Promise.resolve([]),
    wantV6 ? resolver.resolve6(host, { ttl: true }) : Promise.resolve([]),
  ]);
  const answers: DnsAnswer[] = [];
  const errors: unknown[] = [];
  if (v4.status === 'fulfilled') for (const r of v4.value) answers.push({ address: r.address, family: 4, ttl: r.ttl });
  else errors.push(v4.reason);
  if (v6.status === 'fulfilled') for (const r of v6.value) answers.push({ address: r.address, family: 6, ttl: r.ttl });
  else errors.push(v6.reason);
  if (answers.length > 0) return answers;
  // Report the most telling error: a real failure beats "no data".
  const real = errors.find((e) => errorCode(e) !== 'ENODATA');
  if (real !== undefined) throw real;
  return [];
}

function nxdomain(host: string, why: string): ProbeFailure {
  return { kind: 'name-not-found', message: `name not found: ${host} (${why})`, code: 'ENOTFOUND' };
}

function dnsFailure(error: unknown, host: string, resolver: string, timeoutMs: number): ProbeFailure {
  const code = errorCode(error);
  let kind = classifyErrorCode(code);
  // c-ares gives up at the same deadline (its timeout is the probe's): say it the same way.
  if (kind === 'timeout') return { ...timeoutFailure(timeoutMs), ...(code !== undefined ? { code } : {}) };
  // Resolver-side refusals and resets are the resolver failing, not the target.
  if (kind === 'refused' || kind === 'reset' || kind === 'unreachable' || kind === 'other') kind = 'dns-failure';
  const detail = error instanceof Error ? error.message : String(error);
  const message =
    kind === 'name-not-found'
      ? `name not found: ${host} (resolver ${resolver} answered NXDOMAIN)`
      : `resolving ${host} with ${resolver} failed: ${detail}`;
  return { kind, message, ...(code !== undefined ? { code } : {}) };
}
