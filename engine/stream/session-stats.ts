// Totals of one probe session. RTTs are kept (one Float64Array sized from the count, which
// the server caps), so the percentiles are exact nearest-rank values, not bucket bounds.
import type { ProbeSessionTotals, SessionProbe } from './types.js';

export class SessionStats {
  private readonly rtts: Float64Array;
  private answered = 0;
  private requests = 0;
  private ok = 0;
  private timeouts = 0;
  private bytesSent = 0;
  private bytesReceived = 0;
  private sum = 0;

  constructor(count: number) {
    this.rtts = new Float64Array(count);
  }

  add(probe: SessionProbe): void {
    this.requests++;
    if (probe.ok) this.ok++;
    if (probe.timedOut) this.timeouts++;
    this.bytesSent += probe.bytesSent;
    this.bytesReceived += probe.bytesReceived;
    if (probe.answered && Number.isFinite(probe.rttMs) && this.answered < this.rtts.length) {
      this.rtts[this.answered++] = probe.rttMs;
      this.sum += probe.rttMs;
    }
  }

  totals(durationMs: number, pausedMs: number, cancelled: boolean): ProbeSessionTotals {
    const n = this.answered;
    const sorted = this.rtts.subarray(0, n).sort();
    const rank = (p: number): number => (n === 0 ? NaN : sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]);
    return {
      requests: this.requests,
      responses: n,
      ok: this.ok,
      timeouts: this.timeouts,
      errors: this.requests - this.ok - this.timeouts,
      rttMinMs: n === 0 ? NaN : sorted[0],
      rttAvgMs: n === 0 ? NaN : this.sum / n,
      rttP50Ms: rank(0.5),
      rttP90Ms: rank(0.9),
      rttP99Ms: rank(0.99),
      rttMaxMs: n === 0 ? NaN : sorted[n - 1],
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      durationMs,
      pausedMs,
      cancelled,
    };
  }
}
