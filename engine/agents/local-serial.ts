// The local agent's row in the agents table: its serial is generated once and kept.

import { randomBytes } from 'node:crypto';
import { SondeError } from '../errors.js';
import type { Db } from '../store/database.js';

const SERIAL = /^[A-Za-z0-9_-]{1,64}$/;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

export function generateSerial(): string {
  const bytes = randomBytes(10);
  let s = 'SD';
  for (const b of bytes) s += ALPHABET[b & 31];
  return s;
}

/** Returns the serial to use (configured, stored, or new) and records the agent. */
export function localAgentSerial(db: Db, hostname: string, labels: Record<string, string>, configured?: string): string {
  if (configured !== undefined && !SERIAL.test(configured)) {
    throw new SondeError('invalid', `agent serial "${configured}" must match [A-Za-z0-9_-]{1,64}`, 'agent.serial');
  }
  const now = Date.now();
  // IMMEDIATE: a deferred read-then-write fails SQLITE_BUSY_SNAPSHOT when another process opening
  // the same new database commits between our read and our write (busy_timeout cannot retry that).
  return db.transaction(() => {
    const stored = db.prepare('SELECT serial FROM agents WHERE local = 1 ORDER BY created_at LIMIT 1').get() as { serial: string } | undefined;
    const serial = configured ?? stored?.serial ?? generateSerial();
    db.prepare('UPDATE agents SET local = 0 WHERE local = 1 AND serial <> ?').run(serial);
    db.prepare(
      `INSERT INTO agents (serial, hostname, labels, local, created_at, last_seen_at) VALUES (?, ?, ?, 1, ?, ?)
       ON CONFLICT(serial) DO UPDATE SET hostname = excluded.hostname, labels = excluded.labels, local = 1, last_seen_at = excluded.last_seen_at`,
    ).run(serial, hostname, JSON.stringify(labels), now, now);
    return serial;
  }).immediate();
}
