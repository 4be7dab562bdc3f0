// Runs one diagnostic test with this process's engine and probes, reporting progress as it
// goes. The result is plain JSON (bigints as decimal strings) so that it can be stored as is.

import type { JsonValue } from '../jobs/types.js';
import { probeDns } from '../probes/dns.js';
import { probeHttp } from '../probes/http.js';
import { probeTcp } from '../probes/tcp.js';
import { traceroute } from '../traceroute/traceroute.js';
import type { Engine, ProbeResult } from '../types.js';
import type { PingCoalescer } from '../icmp/main-thread/ping-coalescer.js';
import type { DiagnosticTest, PingTest, PingTestResult } from './types.js';

export interface TestRun {
  /** 0..1, advancing while the test runs. */
  progress(): number;
  /** What is known so far (ping: the replies and counts), or null. */
  snapshot(): JsonValue | null;
  /** The outcome; rejects with an Error whose message says why the test could not run. */
  done: Promise<JsonValue>;
  /** Stops the test; `done` then settles soon (the caller reports the reason). */
  cancel(reason: Error): void;
}

export interface TestRunDeps {
  engine: Engine | null;
  coalescer: PingCoalescer | null;
  /** Name of the agent (for "no probe engine" messages). */
  agentName: string;
}

/** JSON.stringify replacer: bigints as decimal strings (probe times are Unix-epoch ns). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function toJsonValue(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value, jsonReplacer)) as JsonValue;
}

export function runTest(test: DiagnosticTest, deps: TestRunDeps): TestRun {
  if (test.kind === 'ping') return runPing(test, deps);
  // The other tests take an AbortSignal (pings are cancelled through the coalescer: no controller per ping).
  const controller = new AbortController();
  const signal = controller.signal;
  const cancel = (reason: Error): void => controller.abort(reason);
  switch (test.kind) {
    case 'traceroute': {
      const engine = requireEngine(deps);
      let fraction = 0;
      const done = traceroute(
        engine,
        { destination: test.destination, maxHops: test.maxHops, probesPerHop: test.probesPerHop, timeoutMs: test.timeoutMs, signal },
        (f) => (fraction = f),
      ).then(toJsonValue);
      return { progress: () => fraction, snapshot: () => null, done, cancel };
    }
    case 'tcp':
      return timed(test.timeoutMs, probeTcp({ host: test.host, port: test.port, timeoutMs: test.timeoutMs, signal }), cancel);
    case 'http':
      return timed(test.timeoutMs, probeHttp({ url: test.url, timeoutMs: test.timeoutMs, signal, method: 'GET' }), cancel);
    case 'dns':
      return timed(test.timeoutMs, probeDns({ host: test.host, timeoutMs: test.timeoutMs, signal }), cancel);
  }
}

function requireEngine(deps: TestRunDeps): Engine {
  if (deps.engine === null) {
    throw new Error(`agent ${deps.agentName} has no probe engine: start sonde with the engine enabled (openSonde({ engine }))`);
  }
  return deps.engine;
}

/** Probes with one deadline: progress is the share of the deadline elapsed (never 100 % before the end). */
function timed(timeoutMs: number, outcome: Promise<unknown>, cancel: (reason: Error) => void): TestRun {
  const start = performance.now();
  return {
    progress: () => Math.min(0.95, (performance.now() - start) / timeoutMs),
    snapshot: () => null,
    done: outcome.then(toJsonValue),
    cancel,
  };
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

function runPing(test: PingTest, deps: TestRunDeps): TestRun {
  if (deps.coalescer === null) requireEngine(deps);
  const live: PingTestResult = {
    destination: test.destination, address: null, dataBytes: test.size, sent: 0, received: 0, duplicates: 0,
    lossPercent: 0, minMs: null, avgMs: null, maxMs: null, replies: [],
  };
  // One flag per probe: an ICMP error that arrives after its probe timed out is a second event.
  const concludedSeqs = new Uint8Array(test.count);
  let concluded = 0;
  // The RTT summary of the replies so far, kept as they come (a poll reads it while running).
  let rttSumMs = 0;
  const conclude = (seq: number): void => {
    if (seq < concludedSeqs.length && concludedSeqs[seq] === 0) {
      concludedSeqs[seq] = 1;
      concluded++;
    }
  };
  const sink = {
    onProbe(p: ProbeResult): void {
      if (live.address === null) live.address = p.address;
      switch (p.status) {
        case 'ok':
          conclude(p.seq);
          live.received++;
          live.replies.push({ seq: p.seq, ttl: p.ttl, bytes: p.bytes + 8, rttNs: p.rttNs });
          {
            const ms = p.rttNs / 1e6;
            rttSumMs += ms;
            live.minMs = live.minMs === null || ms < live.minMs ? ms : live.minMs;
            live.maxMs = live.maxMs === null || ms > live.maxMs ? ms : live.maxMs;
            live.avgMs = rttSumMs / live.received;
          }
          break;
        case 'duplicate':
          live.duplicates++;
          live.replies.push({ seq: p.seq, ttl: p.ttl, bytes: p.bytes + 8, rttNs: p.rttNs, duplicate: true });
          break;
        case 'timeout':
        case 'error':
          conclude(p.seq);
          break;
        default:
          break;
      }
      live.sent = concluded;
    },
  };
  const run = deps.coalescer!.run(test, sink);
  const done = run.done.then((summary): JsonValue => {
    if (summary.error !== undefined) throw new Error(summary.error);
    const result: PingTestResult = {
      ...live,
      address: summary.address ?? live.address,
      sent: summary.sent,
      received: summary.received,
      duplicates: summary.duplicates,
      lossPercent: summary.lossPercent,
      minMs: nullIfNaN(summary.minMs),
      avgMs: nullIfNaN(summary.avgMs),
      maxMs: nullIfNaN(summary.maxMs),
    };
    // Plain numbers and strings already: no JSON round trip needed.
    return result as unknown as JsonValue;
  });
  return {
    progress: () => Math.min(0.99, concluded / test.count),
    snapshot: () => ({ ...live, replies: [] }) as unknown as JsonValue,
    done,
    cancel: run.cancel,
  };
}
