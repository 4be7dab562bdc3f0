// TCP probe: time to complete a TCP handshake with host:port (blackbox_exporter's
// prober/tcp.go without the query/response dialogue). The connection is closed as soon
// as it is established.

import net from 'node:net';
import { elapsedMs, monotonicNs, toUnixNs } from './clock.js';
import { abortedFailure, failureFromError } from './failure.js';
import { settleProbe } from './settle.js';
import type { ProbeFailure, ProbeOutcomeBase, ProbeRequestBase } from './types.js';
import { checkFamily, checkHost, checkPort, checkTimeout } from './validate.js';

export interface TcpProbeRequest extends ProbeRequestBase {
  /** IP address or DNS name. */
  host: string;
  port: number;
  /** Address family to resolve a name to: 4, 6, or 0 (default) for whichever comes first. */
  family?: 0 | 4 | 6;
}

export interface TcpProbeOutcome extends ProbeOutcomeBase {
  kind: 'tcp';
  host: string;
  port: number;
  /** The address connected to (or attempted), when known. */
  address?: string;
  family?: 4 | 6;
  /** Name resolution time; absent when host is an IP literal. */
  lookupMs?: number;
  /** Handshake time: SYN sent (after resolution) → connection established. */
  connectMs?: number;
}

export async function probeTcp(request: TcpProbeRequest): Promise<TcpProbeOutcome> {
  const host = checkHost(request.host);
  const port = checkPort(request.port);
  const timeoutMs = checkTimeout(request.timeoutMs);
  const family = checkFamily(request.family);
  const peer = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;

  const start = monotonicNs();
  let lookupDone: bigint | undefined;
  let address: string | undefined = net.isIP(host) ? host : undefined;
  let addressFamily: 4 | 6 | undefined = net.isIPv4(host) ? 4 : net.isIPv6(host) ? 6 : undefined;

  const finish = (end: bigint, failure?: ProbeFailure): TcpProbeOutcome => {
    const outcome: TcpProbeOutcome = {
      kind: 'tcp',
      ok: failure === undefined,
      startedAtUnixNs: toUnixNs(start),
      endedAtUnixNs: toUnixNs(end),
      totalMs: elapsedMs(start, end),
      host,
      port,
    };
    if (failure) outcome.failure = failure;
    if (address !== undefined) outcome.address = address;
    if (addressFamily !== undefined) outcome.family = addressFamily;
    if (lookupDone !== undefined) outcome.lookupMs = elapsedMs(start, lookupDone);
    if (failure === undefined) outcome.connectMs = elapsedMs(lookupDone ?? start, end);
    return outcome;
  };

  if (request.signal?.aborted) return finish(monotonicNs(), abortedFailure(peer));

  return settleProbe<undefined, TcpProbeOutcome>(
    timeoutMs,
    request.signal,
    peer,
    (failure, end) => finish(end, failure),
    (settle) => {
      const socket = net.connect({ host, port, family });
      socket.once('lookup', (error: Error | null, resolved: string, resolvedFamily: number | string | null) => {
        lookupDone = monotonicNs();
        if (!error) {
          address = resolved;
          addressFamily = resolvedFamily === 6 || resolvedFamily === 'IPv6' ? 6 : 4;
        }
      });
      socket.once('connect', () => settle(undefined));
      socket.once('error', (error) => settle(failureFromError(error, peer)));
      return () => socket.destroy();
    },
  );
}
