// The progress of `sonde capacity run` on stderr: on a terminal one line rewritten in place
// (step i of n, elapsed, current rate, loss, p99); otherwise (a pipe, a log file) a plain line
// when a step starts measuring and then at most every PLAIN_EVERY_MS, so a log stays short.
// Lines about finished steps go above the live line.
import type { CampaignProgress } from '../../engine/index.js';

const PLAIN_EVERY_MS = 5000;

function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor(s / 60) % 60).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function progressText(p: CampaignProgress): string {
  const p99 = p.p99Ms === null ? '–' : `${Number(p.p99Ms.toPrecision(3))} ms`;
  return `step ${p.step + 1}/${p.steps} ${p.phase.padEnd(7)} ${clock(p.elapsedMs)} elapsed  ${Math.round(p.currentRate)} probes/s  loss ${p.lossPercent.toFixed(2)} %  p99 ${p99}`;
}

export class ProgressLine {
  private shown = false;
  private lastPlainMs = -Infinity;
  private lastKey = '';

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly live = stream.isTTY === true) {}

  update(p: CampaignProgress): void {
    const text = progressText(p);
    if (this.live) {
      // \r and erase-line: the line is rewritten, never scrolled
      this.stream.write(`\r\x1b[2K${text.slice(0, Math.max(20, (this.stream.columns ?? 120) - 1))}`);
      this.shown = true;
      return;
    }
    const key = `${p.step}:${p.phase}`;
    const now = Date.now();
    if (key !== this.lastKey || now - this.lastPlainMs >= PLAIN_EVERY_MS) {
      this.lastKey = key;
      this.lastPlainMs = now;
      this.stream.write(`${text}\n`);
    }
  }

  /** A line of its own (a finished step), above the live line. */
  note(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}
