// At start the daemon kills the process groups that commands of a previous (crashed) run
// left, from the exec_groups table, and never a process that merely got a recorded pid
// again. Real processes (each its own session and group, like an exec'd command) and real
// SQLite; rows are written as a crashed daemon would have left them.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { openSonde } from '../../engine/index.js';
import { openDatabase } from '../../engine/store/database.js';
import { tempDataDir } from './helpers.js';
import { alive, bootId, inGroup, procStat, waitUntil } from './processes.js';
import { localResolver } from '../setup/local-resolver.js';

interface Row { pgid: number; start_ticks: number; boot_id: string; owner_pid: number; owner_start_ticks: number }

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A process leading its own session and group, as an exec'd command does. */
function leader(script: string): ChildProcess {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  children.push(child);
  return child;
}

const self = procStat(process.pid)!;
/** An owner that is gone: this pid with a start time it never had. */
const deadOwner = { owner_pid: process.pid, owner_start_ticks: self.startTicks + 1 };

function writeRows(dir: string, rows: Row[]): void {
  const { db } = openDatabase(dir);
  const insert = db.prepare('INSERT INTO exec_groups VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const r of rows) insert.run(r.pgid, r.start_ticks, r.boot_id, r.owner_pid, r.owner_start_ticks, 'sleep', Date.now());
  db.close();
}

function rowsLeft(dir: string): number[] {
  const db = new Database(`${dir}/sonde.db`, { readonly: true });
  try {
    return (db.prepare('SELECT pgid FROM exec_groups ORDER BY pgid').all() as { pgid: number }[]).map((r) => r.pgid);
  } finally {
    db.close();
  }
}

async function restart(dir: string): Promise<void> {
  const sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver, hostname: 'localhost' } });
  await sonde.close();
}

describe('leftover exec process groups at daemon start', () => {
  it('kills a recorded group whose owner is gone; spares a reused pid; keeps a live owner\'s row; ignores another boot', async () => {
    const { dir, cleanup } = tempDataDir();
    try {
      const recorded = leader('exec sleep 300');
      const reused = leader('exec sleep 301');
      const liveOwners = leader('exec sleep 302');
      const otherBoot = leader('exec sleep 303');
      const boot = bootId();
      const ticks = (c: ChildProcess): number => procStat(c.pid!)!.startTicks;
      writeRows(dir, [
        { pgid: recorded.pid!, start_ticks: ticks(recorded), boot_id: boot, ...deadOwner },
        // The pid now names another process: the recorded one started at another time.
        { pgid: reused.pid!, start_ticks: ticks(reused) - 1, boot_id: boot, ...deadOwner },
        // Its owner (this process) still runs, e.g. a second process on the data directory.
        { pgid: liveOwners.pid!, start_ticks: ticks(liveOwners), boot_id: boot, owner_pid: process.pid, owner_start_ticks: self.startTicks },
        { pgid: otherBoot.pid!, start_ticks: ticks(otherBoot), boot_id: 'another-boot', ...deadOwner },
      ]);

      await restart(dir);
      expect(await waitUntil(() => !alive(recorded.pid!)), 'the recorded group survived the restart').toBe(true);
      expect(alive(reused.pid!)).toBe(true);
      expect(alive(liveOwners.pid!)).toBe(true);
      expect(alive(otherBoot.pid!)).toBe(true);
      expect(rowsLeft(dir)).toEqual([liveOwners.pid!]);
    } finally {
      cleanup();
    }
  });

  it('kills what a command left in its group after the command itself died (leader gone)', async () => {
    const { dir, cleanup } = tempDataDir();
    try {
      const sh = leader('sleep 300 & wait');
      const pgid = sh.pid!;
      const startTicks = procStat(pgid)!.startTicks;
      expect(await waitUntil(() => inGroup(pgid).length === 2)).toBe(true);
      const [orphan] = inGroup(pgid).filter((pid) => pid !== pgid);
      const shGone = new Promise((r) => sh.once('exit', r));
      process.kill(pgid, 'SIGKILL'); // the leader only, as PR_SET_PDEATHSIG does
      await shGone;
      expect(alive(orphan)).toBe(true);
      writeRows(dir, [{ pgid, start_ticks: startTicks, boot_id: bootId(), ...deadOwner }]);

      await restart(dir);
      expect(await waitUntil(() => !alive(orphan)), `sleep ${orphan} of the dead command survived the restart`).toBe(true);
      expect(rowsLeft(dir)).toEqual([]);
    } finally {
      cleanup();
    }
  });

  it('a tool (not the daemon) opening the data directory kills nothing and keeps the rows', async () => {
    const { dir, cleanup } = tempDataDir();
    try {
      const recorded = leader('exec sleep 300');
      writeRows(dir, [{ pgid: recorded.pid!, start_ticks: procStat(recorded.pid!)!.startTicks, boot_id: bootId(), ...deadOwner }]);
      const sonde = await openSonde({ dataDir: dir, mode: 'tool', agent: { resolver: localResolver, hostname: 'localhost' } });
      await sonde.close();
      expect(alive(recorded.pid!)).toBe(true);
      expect(rowsLeft(dir)).toEqual([recorded.pid!]);
    } finally {
      cleanup();
    }
  });
});
