// Thread priorities on a shared host. Probe threads keep schedules (a monitor's grid: drift
// p99 ≤ 5 ms): the main thread's API work, or any other process, can hold a core for several
// ms, so when the process may (root or CAP_SYS_NICE) a probe worker raises its own thread's
// priority; without that permission nothing changes. The monitors' window writer does bulk
// work with a minute to spare: it lowers its priority (no permission needed) so that it runs
// on what the API and the probes leave over. Linux: the thread id from /proc/thread-self, and
// setpriority() on a thread id applies to that thread only.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value probe threads ask for (the main thread stays at the process's). */
export const PROBE_THREAD_NICE = -10;
/** The nice value of the window writer's thread. */
export const WRITER_THREAD_NICE = 10;

/** Sets the calling thread's nice value; true when it did. */
export function setThreadNice(nice: number): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
