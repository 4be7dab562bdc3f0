// Which process runs a campaign: "pid:start-time" (the start time, field 22 of
// /proc/<pid>/stat, tells a live owner from a later process that got the same pid). A run
// stored 'running' is in progress while its owner lives, whichever process reads it.
import { readFileSync } from 'node:fs';

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: count from its last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function currentOwner(): string {
  return `${process.pid}:${startTime(process.pid) ?? '?'}`;
}

export function ownerAlive(owner: string): boolean {
  const [pidText, started] = owner.split(':');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return started === (startTime(pid) ?? '?');
  const now = startTime(pid);
  if (now !== null) return now === started;
  try {
    process.kill(pid, 0); // no /proc: the pid exists (or exists for another user)
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
