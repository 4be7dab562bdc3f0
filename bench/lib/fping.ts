// Runs fping over a targets file and reads its summary (fping prints it on stderr).
import { spawnSync } from 'node:child_process';
import type { ToolRun } from './tool-run.js';

/** fping 5.x keeps one 16-bit sequence space whose entries stay reserved for 10 s: more
 *  probes than this within 10 s make it exit with "not enough sequence numbers available". */
export const FPING_SEQUENCE_CEILING = 65_535;

export interface FpingOptions {
  targetsFile: string;
  count: number;
  periodMs: number;
  timeoutMs: number;
  size: number;
}

export function fpingArgs(o: FpingOptions): string[] {
  // -i 0: no gap between any two sends; -p: per-target period; -q -s: summaries only.
  return ['-i', '0', '-p', String(o.periodMs), '-t', String(o.timeoutMs), '-b', String(o.size), '-c', String(o.count), '-q', '-s', '-f', o.targetsFile];
}

const PER_TARGET = /^\S+\s*: xmt\/rcv\/%loss = (\d+)\/(\d+)\//;
const ELAPSED = /([\d.]+) sec \(elapsed real time\)/;

export function parseFpingSummary(stderr: string): Pick<ToolRun, 'sent' | 'received' | 'elapsedSec'> & { duplicates: number; errors: string[] } {
  let sent = 0;
  let received = 0;
  let duplicates = 0;
  const errors: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = PER_TARGET.exec(line);
    if (m) {
      sent += Number(m[1]);
      received += Number(m[2]);
    } else if (/duplicate/i.test(line)) {
      duplicates++;
    } else if (/error|not enough|fping:/i.test(line)) {
      errors.push(line.trim());
    }
  }
  const elapsed = ELAPSED.exec(stderr);
  return { sent, received, duplicates, errors, elapsedSec: elapsed ? Number(elapsed[1]) : NaN };
}

export function runFping(fping: string, o: FpingOptions): ToolRun {
  const r = spawnSync(fping, fpingArgs(o), { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  // Exit 0: all answered; 1: some did not. Anything else is a failure of fping itself.
  const parsed = parseFpingSummary(r.stderr ?? '');
  if ((r.status !== 0 && r.status !== 1) || !Number.isFinite(parsed.elapsedSec)) {
    throw new Error(`fping failed (exit ${r.status ?? r.signal}): ${parsed.errors.join('; ') || r.stderr?.slice(-500) || r.error?.message}`);
  }
  return {
    sent: parsed.sent,
    received: parsed.received,
    duplicates: parsed.duplicates,
    elapsedSec: parsed.elapsedSec,
    roundTripsPerSec: parsed.received / parsed.elapsedSec,
    note: parsed.errors.length ? parsed.errors.slice(0, 3).join('; ') : undefined,
  };
}
