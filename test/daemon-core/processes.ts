// Looking at real processes from tests, straight from /proc (proc(5)): alive or not, their
// process group and start time, who is in a group; and waiting for a condition with a bound.
import { readdirSync, readFileSync } from 'node:fs';

interface Stat { state: string; pgrp: number; session: number; startTicks: number }

export function procStat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0], pgrp: Number(f[2]), session: Number(f[3]), startTicks: Number(f[19]) };
}

/** Running (a zombie nobody reaped yet counts as gone). */
export function alive(pid: number): boolean {
  const s = procStat(pid);
  return s !== null && s.state !== 'Z';
}

/** Pids of the live processes in process group `pgid`. */
export function inGroup(pgid: number): number[] {
  return readdirSync('/proc').map(Number).filter((pid) => Number.isInteger(pid) && pid > 0 && procStat(pid)?.pgrp === pgid && alive(pid));
}

export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

export function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}
