// dns monitors: one query per probe to the server asked (node:dns's Resolver: c-ares, one
// try, its timeout the monitor's), RTT = query → answer. NXDOMAIN counts as name-not-found,
// SERVFAIL / refused as dns-failure, an answer without the expected record as wrong-answer;
// no answer within the timeout is a timeout (socket-job.ts). c-ares cannot cancel one query:
// a query past its deadline ends at c-ares's own timeout (the same) and is ignored then.
//
// One Resolver per server asked (c-ares keeps its UDP socket open between queries); one
// callback per probe, as node:dns takes no context argument.
import dns from 'node:dns';
import { isIPv6 } from 'node:net';
import { classifyErrorCode, errorCode } from '../probes/failure.js';
import { ERROR_INDEX_OF_FAILURE, MonitorErrorIndex } from './error-kinds.js';
import type { Flight, SocketJob, SocketProber } from './socket-job.js';
import type { DnsRecordType } from './types.js';

export interface DnsProbeTarget {
  /** The server's IP address. */
  server: string;
  port: number;
  name: string;
}

type AnyAnswer = string | string[] | dns.MxRecord | dns.SoaRecord;

/** One answer as a monitor's dns.expect spells it. */
function answerText(type: DnsRecordType, a: AnyAnswer): string {
  switch (type) {
    case 'MX': return `${(a as dns.MxRecord).priority} ${(a as dns.MxRecord).exchange}`;
    case 'TXT': return (a as string[]).join('');
    default: return a as string;
  }
}

function expected(type: DnsRecordType, answers: AnyAnswer | AnyAnswer[], expect: string): boolean {
  const want = expect.endsWith('.') && expect.length > 1 ? expect.slice(0, -1) : expect;
  // SOA comes as one record: its primary name server or its admin mailbox may be expected
  if (type === 'SOA') {
    const soa = answers as dns.SoaRecord;
    return soa.nsname === want || soa.hostmaster === want;
  }
  for (const a of answers as AnyAnswer[]) {
    const text = answerText(type, a);
    if (text === want || (type === 'MX' && (a as dns.MxRecord).exchange === want)) return true;
  }
  return false;
}

export function dnsErrorIndex(error: unknown): number {
  const kind = classifyErrorCode(errorCode(error));
  if (kind === 'timeout') return -1;
  if (kind === 'name-not-found') return MonitorErrorIndex.NAME_NOT_FOUND;
  // the resolver refusing, unreachable or answering garbage: the server failing
  if (kind === 'refused' || kind === 'reset' || kind === 'unreachable' || kind === 'other' || kind === 'dns-failure') return MonitorErrorIndex.DNS_FAILURE;
  return ERROR_INDEX_OF_FAILURE[kind];
}

export class DnsProber implements SocketProber {
  private readonly resolvers: dns.Resolver[];

  constructor(
    private readonly targets: readonly DnsProbeTarget[],
    private readonly type: DnsRecordType,
    private readonly expect: string | undefined,
    timeoutMs: number,
  ) {
    const byServer = new Map<string, dns.Resolver>();
    this.resolvers = targets.map((t) => {
      const key = isIPv6(t.server) ? `[${t.server}]:${t.port}` : `${t.server}:${t.port}`;
      let r = byServer.get(key);
      if (r === undefined) {
        r = new dns.Resolver({ timeout: timeoutMs, tries: 1 });
        r.setServers([key]);
        byServer.set(key, r);
      }
      return r;
    });
  }

  start(flight: Flight, job: SocketJob): void {
    const t = flight.targetIndex;
    const gen = flight.gen;
    const type = this.type;
    const expect = this.expect;
    this.resolvers[t].resolve(this.targets[t].name, type, (error: Error | null, answers: unknown) => {
      if (error !== null) return job.fail(flight, gen, dnsErrorIndex(error));
      const rttNs = (performance.now() - flight.startPerf) * 1e6;
      if (expect !== undefined && !expected(type, answers as AnyAnswer | AnyAnswer[], expect)) return job.fail(flight, gen, MonitorErrorIndex.WRONG_ANSWER);
      job.ok(flight, gen, rttNs);
    });
  }

  cancel(): void {
    // c-ares ends the query at its own timeout, the same as the job's; its answer is ignored
  }

  close(): void {
    for (const r of new Set(this.resolvers)) r.cancel();
  }
}
