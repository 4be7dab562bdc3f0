// Probe threads keep schedules (a monitor's grid: drift p99 ≤ 5 ms). On a busy host the main
// thread's API and storage work, or any other process, can hold a core for several ms; so
// when the process may (root or CAP_SYS_NICE) a worker raises its own thread's priority.
// Without that permission nothing changes. Linux: the thread id from /proc/thread-self, and
// setpriority() on a thread id applies to that thread only.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value probe threads ask for (the main thread stays at the process's). */
export const PROBE_THREAD_NICE = -10;

/** Raises the calling thread's priority; true when it did. */
export function raiseThreadPriority(nice = PROBE_THREAD_NICE): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
