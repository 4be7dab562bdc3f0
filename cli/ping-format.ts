// Text output of `sonde ping`: fping-style per-probe lines and the summary table.
import { boxTable, type Align, type BoxCell } from './box-table.js';
import type { ByteLines } from './byte-lines.js';
import type { ProbeResult, TargetSummary } from '../engine/ping.js';

/** fping's precision: three decimals below 1 ms, two below 100 ms, none above. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 0) return ms.toFixed(3);
  // Integer arithmetic: toFixed is slow, and a 10,000-row summary formats 80,000 cells.
  if (ms >= 100) return String(Math.round(ms));
  const decimals = ms < 1 ? 3 : 2;
  const scale = decimals === 3 ? 1000 : 100;
  const scaled = Math.round(ms * scale);
  const frac = String(scaled % scale);
  return `${Math.floor(scaled / scale)}.${frac.length === decimals ? frac : frac.padStart(decimals, '0')}`;
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

  /** Writes the fping line for one probe event, in place (nothing allocated per probe). */
  writeLine(p: ProbeResult, out: ByteLines): void {
    const t = p.targetIndex;
    const rttMs = p.rttNs / 1e6;
    const bytes = p.bytes + 8; // fping counts the ICMP header
    out.text(p.target).text(' : [').uint(p.seq).text('], ');
    switch (p.status) {
      case 'ok':
        this.concluded[t]++;
        this.received[t]++;
        this.rttSumMs[t] += rttMs;
        out.uint(bytes).text(' bytes, ').ms(rttMs).text(' ms ');
        this.tail(t, out);
        break;
      case 'timeout':
        this.concluded[t]++;
        out.text('timed out ');
        this.tail(t, out);
        break;
      case 'error':
        // Running figures on the lines are indicative; the summary table is exact.
        this.concluded[t]++;
        if (p.errorKind === 'send-failed') out.text('send failed ');
        else out.text(`${p.errorKind} from ${p.from ?? '?'} (ICMP type ${p.icmpType} code ${p.icmpCode}) `);
        this.tail(t, out);
        break;
      case 'duplicate':
        out.uint(bytes).text(' bytes, ').ms(rttMs).text(' ms (DUP!)');
        break;
      case 'late':
        out.uint(bytes).text(' bytes, ').ms(rttMs).text(' ms (late: after the timeout, counted lost)');
        break;
    }
    out.end();
  }

  private tail(t: number, out: ByteLines): void {
    const n = this.concluded[t];
    const r = this.received[t];
    out.text('(');
    if (r > 0) out.ms(this.rttSumMs[t] / r);
    else out.text('NaN');
    out.text(' avg, ').uint(n > 0 ? Math.round(((n - r) / n) * 100) : 0).text('% loss)');
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
