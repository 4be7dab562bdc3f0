// How long a diagnostic test may take before its task gives up on it, locally or on a
// remote agent (the bus call waits the same time plus its margin).
import type { DiagnosticTest } from './types.js';

/** The longest a test may take before the task gives up on it (a safety net over the probes' own timeouts). */
export function testDeadlineMs(test: DiagnosticTest): number {
  switch (test.kind) {
    case 'ping':
      return (test.count - 1) * test.intervalMs + test.timeoutMs + 10_000;
    case 'traceroute':
      return Math.ceil(test.maxHops / 8) * (test.timeoutMs + 1000) + 10_000;
    default:
      return test.timeoutMs + 5_000;
  }
}
