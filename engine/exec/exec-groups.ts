// The process groups of running commands, kept in SQLite (table exec_groups). A command's
// own process dies with the daemon (PR_SET_PDEATHSIG), but what it started in its group
// (`sh -c 'x &'`), or a set-uid/file-capability executable (for which the kernel clears
// PDEATHSIG at exec), would outlive a daemon killed with SIGKILL. The row written at the
// start and deleted when the command ends lets the next daemon start kill such a group.

import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import { bootId, groupMembers, readProcStat } from './proc-stat.js';

/** What run-command tells about the groups it starts. Never throws: a row is best effort. */
export interface ExecGroupLedger {
  started(pgid: number, command: string): void;
  ended(pgid: number): void;
}

export interface LeftoverSweep {
  /** Groups a previous run left that still had live processes: killed (SIGKILL). */
  killed: number;
  /** Rows whose group was gone, whose pid was reused, or from another boot: deleted. */
  cleared: number;
  /** Rows of a process that still runs (another process on this data directory): left. */
  kept: number;
}

interface GroupRow {
  pgid: number;
  start_ticks: number;
  boot_id: string;
  owner_pid: number;
  owner_start_ticks: number;
}

export class SqliteExecGroups implements ExecGroupLedger {
  private readonly insert: Statement;
  private readonly remove: Statement<[number]>;
  private readonly boot = bootId();
  private readonly self = readProcStat(process.pid)?.startTicks ?? 0;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO exec_groups (pgid, start_ticks, boot_id, owner_pid, owner_start_ticks, command, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.remove = db.prepare('DELETE FROM exec_groups WHERE pgid = ?');
  }

  started(pgid: number, command: string): void {
    // The child is not reaped before its exit is handled, so its /proc entry is there.
    const leader = readProcStat(pgid);
    if (leader === null) return;
    try {
      this.insert.run(pgid, leader.startTicks, this.boot, process.pid, this.self, command, Date.now());
    } catch {
      // SQLITE_BUSY or a closed database: the command still dies with the daemon.
    }
  }

  ended(pgid: number): void {
    try {
      this.remove.run(pgid);
    } catch {
      // a closed database at shutdown: the next start finds the group gone and clears the row
    }
  }

  /**
   * At daemon start: kills every group a run that is gone left behind, then deletes its row.
   * A group is killed only when it is certainly the recorded one: same boot, and either its
   * leader is the recorded process (same start time) or the leader is gone and the members
   * are in the leader's session and started after it (Linux frees a pid number only once no
   * process uses it as a process group id, so a leader pid that now names a process with
   * another start time means the old group is gone: nothing is touched then).
   */
  killLeftovers(): LeftoverSweep {
    const sweep: LeftoverSweep = { killed: 0, cleared: 0, kept: 0 };
    const rows = this.db.prepare('SELECT pgid, start_ticks, boot_id, owner_pid, owner_start_ticks FROM exec_groups').all() as GroupRow[];
    for (const row of rows) {
      if (row.boot_id === this.boot && ownerAlive(row)) {
        sweep.kept++;
        continue;
      }
      if (row.boot_id === this.boot && killGroupOf(row)) sweep.killed++;
      else sweep.cleared++;
      this.remove.run(row.pgid);
    }
    return sweep;
  }
}

function ownerAlive(row: GroupRow): boolean {
  const owner = readProcStat(row.owner_pid);
  return owner !== null && owner.state !== 'Z' && owner.startTicks === row.owner_start_ticks;
}

/** Kills the recorded group if it still has members; true when it did. */
function killGroupOf(row: GroupRow): boolean {
  const leader = readProcStat(row.pgid);
  if (leader !== null && leader.startTicks !== row.start_ticks) return false; // pid reused
  const members = groupMembers(row.pgid).filter((p) => p.session === row.pgid && p.startTicks >= row.start_ticks);
  if (members.length === 0) return false;
  try {
    process.kill(-row.pgid, 'SIGKILL');
    return true;
  } catch {
    return false; // ESRCH: they exited meanwhile
  }
}
