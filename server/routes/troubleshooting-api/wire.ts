// Diagnostic tasks in contract C's words: the async-operation body of seed 004, with each
// test's rawOutput/output from server/format.
import type {
  DiagnosticTask, DnsProbeOutcome, HttpProbeOutcome, PingTestResult, TcpProbeOutcome, TracerouteResult,
} from '../../../engine/index.js';
import { bsdPingOutput, formatBsdPingText, type BsdPingRun } from '../../format/bsd-ping-text.js';
import { formatRfc3339Nano } from '../../format/rfc3339-nano.js';
import { formatTracerouteText, tracerouteOutput, type TracerouteRun } from '../../format/traceroute-text.js';
import { httpTestResult, nslookupTestResult, tcpTestResult } from '../../format/troubleshooting-outputs.js';
import type { TestName } from './schemas.js';

export const BASE_PATH = '/network-troubleshooting/v1alpha1';

export function locationOf(serial: string, test: TestName, taskId: string): string {
  return `${BASE_PATH}/aps/${encodeURIComponent(serial)}/${test}/async-operations/${taskId}`;
}

type Status = 'INITIATED' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface AsyncOperation {
  startTime: string;
  endTime: string | null;
  rawOutput: string | null;
  output: object | null;
  failReason: string | null;
  progressPercent: number;
  status: Status;
}

function pingRun(r: PingTestResult): BsdPingRun {
  return { destination: r.destination, address: r.address ?? r.destination, dataBytes: r.dataBytes, transmitted: r.sent, replies: r.replies };
}

function tracerouteRun(r: TracerouteResult): TracerouteRun {
  return {
    destination: r.destination,
    address: r.address,
    maxHops: r.maxHops,
    packetBytes: r.packetBytes,
    reached: r.reached,
    hops: r.hops.map((hop) => ({
      ttl: hop.ttl,
      probes: hop.probes.map((p) => (p.rttNs !== undefined && p.address !== undefined ? { address: p.address, rttNs: p.rttNs } : {})),
    })),
  };
}

/** rawOutput and output of a completed test. Stored probe outcomes carry their ns times as strings; the formatters read none of them. */
function formatted(test: TestName, result: unknown): { rawOutput: string; output: object } {
  switch (test) {
    case 'ping': {
      const run = pingRun(result as PingTestResult);
      return { rawOutput: formatBsdPingText(run), output: bsdPingOutput(run) };
    }
    case 'traceroute': {
      const run = tracerouteRun(result as TracerouteResult);
      return { rawOutput: formatTracerouteText(run), output: tracerouteOutput(run) };
    }
    case 'tcp':
      return tcpTestResult(result as TcpProbeOutcome);
    case 'http':
    case 'https':
      return httpTestResult(result as HttpProbeOutcome);
    case 'nslookup':
      return nslookupTestResult(result as DnsProbeOutcome);
  }
}

export function asyncOperation(test: TestName, task: DiagnosticTask): AsyncOperation {
  const startTime = formatRfc3339Nano(task.createdAtUnixNs);
  const endTime = task.finishedAtUnixNs !== null ? formatRfc3339Nano(task.finishedAtUnixNs) : null;
  if (task.status === 'completed' && task.result !== null) {
    const { rawOutput, output } = formatted(test, task.result);
    const includeRawOutput = (task.context as { includeRawOutput?: boolean } | null)?.includeRawOutput !== false;
    return { startTime, endTime, rawOutput: includeRawOutput ? rawOutput : null, output, failReason: null, progressPercent: 100, status: 'COMPLETED' };
  }
  if (task.status === 'failed' || task.status === 'completed') {
    return { startTime, endTime, rawOutput: null, output: null, failReason: task.error ?? 'the test failed', progressPercent: Math.floor(task.progress), status: 'FAILED' };
  }
  return {
    startTime,
    endTime: null,
    rawOutput: null,
    output: null,
    failReason: null,
    progressPercent: Math.min(99, Math.floor(task.progress)),
    status: task.status === 'pending' ? 'INITIATED' : 'RUNNING',
  };
}
