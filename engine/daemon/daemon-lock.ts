// One daemon per data directory: `sonde serve` holds an exclusive lock on <data>/daemon.lock
// for as long as it runs. The lock is SQLite's (locking_mode EXCLUSIVE: a POSIX lock the
// kernel drops when the process ends, however it ends — no stale pid file after a kill -9).
// Only daemons take it: CLI commands open the database next to a running daemon as designed.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SondeError } from '../errors.js';
import { describeHolders } from '../store/lock-holders.js';

export const DAEMON_LOCK_FILE = 'daemon.lock';

export interface DaemonLock {
  path: string;
  release(): void;
}

/** Takes the data directory's daemon lock, or throws naming the daemon that holds it. */
export function lockDaemon(dataDir: string): DaemonLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, DAEMON_LOCK_FILE);
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (error) {
    throw new SondeError('internal', `cannot open the daemon lock ${path}: ${(error as Error).message}`);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY');
    // the first write takes the exclusive lock; EXCLUSIVE mode keeps it until close
    db.exec(`CREATE TABLE IF NOT EXISTS daemon (pid INTEGER, started_at INTEGER); DELETE FROM daemon; INSERT INTO daemon VALUES (${process.pid}, ${Date.now()})`);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new SondeError('conflict', `another sonde daemon serves the data directory ${dir}${describeHolders([path])}: `
        + 'stop it first, or give this one another data directory (--data); CLI commands (sonde keys, targets, monitors) work next to a running daemon');
    }
    throw new SondeError('internal', `cannot take the daemon lock ${path}: ${(error as Error).message}`);
  }
  return { path, release: () => db.close() };
}
