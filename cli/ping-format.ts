// Text output of `sonde ping`: fping-style per-probe lines and the summary table.
import { boxTable, type Align, type BoxCell } from './box-table.js';
import type { ProbeResult, TargetSummary } from '../engine/index.js';

/** fping's precision: three decimals below 1 ms, two below 100 ms, none above. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return ms.toFixed(3);
  if (ms < 100) return ms.toFixed(2);
  return ms.toFixed(0);
}

export function formatPercent(p: number): string {
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

/** Running per-target figures for the per-probe lines (avg and loss so far). */
export class RunningTotals {
  private readonly concluded: Float64Array;
  private readonly received: Float64Array;
  private readonly rttSumMs: Float64Array;

  constructor(targets: number) {
    this.concluded = new Float64Array(targets);
    this.received = new Float64Array(targets);
    this.rttSumMs = new Float64Array(targets);
  }

  /** The fping line for one probe event. */
  line(p: ProbeResult): string {
    const t = p.targetIndex;
    const rttMs = p.rttNs / 1e6;
    const bytes = p.bytes + 8; // fping counts the ICMP header
    switch (p.status) {
      case 'ok':
        this.concluded[t]++;
        this.received[t]++;
        this.rttSumMs[t] += rttMs;
        return `${p.target} : [${p.seq}], ${bytes} bytes, ${formatMs(rttMs)} ms ${this.tail(t)}`;
      case 'timeout':
        this.concluded[t]++;
        return `${p.target} : [${p.seq}], timed out ${this.tail(t)}`;
      case 'error': {
        if (p.errorKind === 'send-failed') {
          this.concluded[t]++;
          return `${p.target} : [${p.seq}], send failed ${this.tail(t)}`;
        }
        // Running figures on the lines are indicative; the summary table is exact.
        this.concluded[t]++;
        return `${p.target} : [${p.seq}], ${p.errorKind} from ${p.from ?? '?'} (ICMP type ${p.icmpType} code ${p.icmpCode}) ${this.tail(t)}`;
      }
      case 'duplicate':
        return `${p.target} : [${p.seq}], ${bytes} bytes, ${formatMs(rttMs)} ms (DUP!)`;
      case 'late':
        return `${p.target} : [${p.seq}], ${bytes} bytes, ${formatMs(rttMs)} ms (late: after the timeout, counted lost)`;
    }
  }

  private tail(t: number): string {
    const n = this.concluded[t];
    const r = this.received[t];
    const avg = r > 0 ? formatMs(this.rttSumMs[t] / r) : 'NaN';
    const loss = n > 0 ? Math.round(((n - r) / n) * 100) : 0;
    return `(${avg} avg, ${loss}% loss)`;
  }
}

const SUMMARY_HEAD = ['target', 'address', 'sent', 'rcvd', 'loss', 'min', 'avg', 'max', 'p50', 'p90', 'p99', 'stddev', 'dup', 'late', 'errors'];
const SUMMARY_ALIGNS: Align[] = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'];

function summaryRow(s: TargetSummary): BoxCell[] {
  if (s.error !== undefined) return [s.target, s.address ?? '-', { colSpan: 13, content: s.error }];
  const errors = Object.entries(s.errors).map(([kind, n]) => `${kind} ${n}`).join(', ');
  return [
    s.target, s.address ?? '-', s.sent, s.received, formatPercent(s.lossPercent),
    formatMs(s.minMs), formatMs(s.avgMs), formatMs(s.maxMs), formatMs(s.p50Ms), formatMs(s.p90Ms), formatMs(s.p99Ms),
    formatMs(s.stddevMs), s.duplicates, s.late, errors,
  ];
}

/** The summary table, one row per target (ms columns). */
export function summaryTable(summaries: readonly TargetSummary[]): string {
  return boxTable(SUMMARY_HEAD, summaries.map(summaryRow), SUMMARY_ALIGNS);
}
