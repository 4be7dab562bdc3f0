// Which processes hold POSIX locks on a file (Linux /proc/locks), to name the other process
// when a database or the daemon's lock is busy. Best effort: [] where /proc/locks is missing.
import { readFileSync, statSync } from 'node:fs';

export interface LockHolder {
  pid: number;
  /** Its command line (shortened), '' when it cannot be read. */
  command: string;
  /** True for a write (exclusive) lock. */
  write: boolean;
}

const MAX_COMMAND = 120;

function commandOf(pid: number): string {
  try {
    const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '').join(' ');
    return line.length > MAX_COMMAND ? `${line.slice(0, MAX_COMMAND)}…` : line;
  } catch {
    return '';
  }
}

/** Other processes with a lock on any of `paths` (files that do not exist are skipped). */
export function lockHolders(paths: readonly string[]): LockHolder[] {
  const inodes = new Set<string>();
  for (const p of paths) {
    try {
      const s = statSync(p, { bigint: true });
      // st_dev as /proc/locks prints it: major:minor in hex
      const major = Number(((s.dev >> 8n) & 0xfffn) | ((s.dev >> 32n) & ~0xfffn));
      const minor = Number((s.dev & 0xffn) | ((s.dev >> 12n) & ~0xffn));
      inodes.add(`${major.toString(16)}:${minor.toString(16)}:${s.ino}`);
    } catch {
      // not there (e.g. no -shm file yet)
    }
  }
  let text: string;
  try {
    text = readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  const holders = new Map<number, LockHolder>();
  for (const line of text.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 31568 fe:00:2155794 120 120" ("->" marks a waiter)
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || f[1] === '->') continue;
    const pid = Number(f[4]);
    const [maj, min, ino] = f[5].split(':');
    if (!Number.isInteger(pid) || pid === process.pid || ino === undefined) continue;
    if (!inodes.has(`${parseInt(maj, 16).toString(16)}:${parseInt(min, 16).toString(16)}:${ino}`)) continue;
    const write = f[3] === 'WRITE';
    const known = holders.get(pid);
    if (known !== undefined) known.write ||= write;
    else holders.set(pid, { pid, command: commandOf(pid), write });
  }
  return [...holders.values()];
}

/** " (held by pid 123: node …)" naming the writers first, or '' when nobody is known. */
export function describeHolders(paths: readonly string[]): string {
  const all = lockHolders(paths);
  const writers = all.filter((h) => h.write);
  const shown = writers.length > 0 ? writers : all;
  if (shown.length === 0) return '';
  return ` (held by ${shown.map((h) => `pid ${h.pid}${h.command !== '' ? `: ${h.command}` : ''}`).join('; ')})`;
}
