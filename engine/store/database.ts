// Opens the SQLite database of a data directory and brings its schema up to date.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SondeError } from '../errors.js';
import { describeHolders } from './lock-holders.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export const DB_FILE = 'sonde.db';

export interface OpenedDatabase {
  db: Db;
  path: string;
  /** user_version before migrating (0 for a new database). */
  previousVersion: number;
  version: number;
}

/** `cacheMiB`: the connection's SQLite page cache (a bound it fills up to as pages are read:
 *  32 MiB for the core's target indexes, less for connections that read little). */
export function openDatabase(dataDir: string, cacheMiB = 32): OpenedDatabase {
  const dir = resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new SondeError('internal', `cannot create data directory ${dir}: ${(err as Error).message}; choose another with --data or SONDE_DATA`);
  }
  const path = join(dir, DB_FILE);
  let db: Db;
  try {
    db = new Database(path);
  } catch (err) {
    throw new SondeError('internal', `cannot open database ${path}: ${(err as Error).message}`);
  }
  try {
    configure(db, cacheMiB);
    const previousVersion = migrate(db, MIGRATIONS.length);
    return { db, path, previousVersion, version: MIGRATIONS.length };
  } catch (err) {
    db.close();
    if (err instanceof SondeError) throw err;
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new SondeError('unavailable', `cannot prepare database ${path}: it stayed locked by another process for 5 s${describeHolders([path, `${path}-wal`, `${path}-shm`])}; `
        + 'end that process (or its transaction) and start again');
    }
    throw new SondeError('internal', `cannot prepare database ${path}: ${(err as Error).message}`);
  }
}

/**
 * A second connection to a database openDatabase() has migrated (a writer on another
 * thread); `cacheMiB`: its page cache.
 */
export function openConnection(path: string, cacheMiB = 32): Db {
  const db = new Database(path, { fileMustExist: true });
  try {
    configure(db, cacheMiB);
    checkKnown(db.pragma('user_version', { simple: true }) as number);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function configure(db: Db, cacheMiB = 32): void {
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a power loss may drop the last commits but never corrupts the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  // the core's 32 MiB (default 2 MiB): indexes of 100,000 targets stay in memory.
  db.pragma(`cache_size = ${-1024 * cacheMiB}`);
}

/**
 * Applies migrations up to `target` (exported so tests can build an older schema), one
 * transaction each. Returns the version found before migrating.
 */
export function migrate(db: Db, target: number): number {
  const found = db.pragma('user_version', { simple: true }) as number;
  checkKnown(found);
  // Each step re-reads the version inside its write transaction: a second process (the CLI
  // next to a starting daemon) that raced to migrate the same file finds the work done.
  const step = db.transaction((): boolean => {
    const v = db.pragma('user_version', { simple: true }) as number;
    checkKnown(v);
    if (v >= target) return false;
    db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${v + 1}`);
    return true;
  });
  while (step.immediate()) {
    // next migration
  }
  return found;
}

function checkKnown(version: number): void {
  if (version > MIGRATIONS.length) {
    throw new SondeError(
      'internal',
      `database schema version ${version} is newer than this sonde knows (${MIGRATIONS.length}): run a newer sonde or use another data directory`,
    );
  }
}
