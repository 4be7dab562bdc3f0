// What /proc says about a process: enough to tell a process group a previous run of the
// daemon left from another process that got the same pid later (proc(5), /proc/<pid>/stat).

import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), T, ... */
  state: string;
  pgrp: number;
  session: number;
  /** Field 22: when the process started, in clock ticks after boot. */
  startTicks: number;
}

/** null when there is no such process. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may contain spaces or ')'.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state), so field n is f[n - 3].
  return { pid, state: f[0], pgrp: Number(f[2]), session: Number(f[3]), startTicks: Number(f[19]) };
}

/** Changes at every boot: start times of one boot mean nothing on another. */
export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** Live (not zombie) processes whose process group is `pgid`. */
export function groupMembers(pgid: number): ProcStat[] {
  const members: ProcStat[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return members; // no /proc: nothing can be identified, so nothing is killed
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (stat !== null && stat.pgrp === pgid && stat.state !== 'Z') members.push(stat);
  }
  return members;
}
