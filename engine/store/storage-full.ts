// SQLite's "database or disk is full" in words a user can act on. SQLite rolls the failed
// transaction back (nothing stored is touched), so every writer treats it as retryable:
// an API write answers 503 with this message, background writers retry and say so.
import { dirname } from 'node:path';
import { SondeError } from '../errors.js';

/** SQLITE_FULL, or an I/O error SQLite got from ENOSPC/EDQUOT (e.g. growing the WAL). */
export function isStorageFull(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error ? String(error.code) : '';
  if (code === 'SQLITE_FULL') return true;
  const message = 'message' in error ? String(error.message) : '';
  return code.startsWith('SQLITE_IOERR') && /ENOSPC|EDQUOT|No space left|quota/i.test(message);
}

/** What failed, why, and what to do, for `dbPath` (in the data directory). */
export function storageFullMessage(dbPath: string, what: string): string {
  return `${what}: the file system of the data directory ${dirname(dbPath)} is full (SQLITE_FULL writing ${dbPath}); `
    + 'free space there (or give sonde another data directory); what is stored is kept, and writes work again once there is room';
}

/** A disk-full error as a retryable SondeError ('unavailable': HTTP 503); other errors: null. */
export function storageFullError(error: unknown, dbPath: string, what = 'not written'): SondeError | null {
  return isStorageFull(error) ? new SondeError('unavailable', storageFullMessage(dbPath, what)) : null;
}
