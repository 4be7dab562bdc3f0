// A digest of what the API stores (targets, labels, monitors, keys, jobs, agents), read from
// the daemon's SQLite file through a read-only connection while the daemon runs. Columns the
// daemon changes on its own are left out: a key's last use, an agent's last sighting, and a
// job's progress (status, results, times), which move while earlier jobs run.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const QUERIES = [
  'SELECT * FROM targets ORDER BY seq',
  'SELECT * FROM target_labels ORDER BY target_seq, key',
  'SELECT * FROM monitors ORDER BY seq',
  'SELECT id, name, prefix, hash, scopes, created_at, revoked_at FROM api_keys ORDER BY id',
  'SELECT id, operation, params, selector, key_id, created_at FROM jobs ORDER BY id',
  'SELECT serial, hostname, labels, local, created_at FROM agents ORDER BY serial',
];

export interface StoreDigest {
  /** sha256 over every row of QUERIES. */
  digest(): string;
  /** Row counts, for the report when digests differ. */
  counts(): Record<string, number>;
  close(): void;
}

export function openStoreDigest(dataDir: string): StoreDigest {
  const db = new Database(join(dataDir, 'sonde.db'), { readonly: true, fileMustExist: true });
  const statements = QUERIES.map((q) => db.prepare(q).raw(true));
  return {
    digest() {
      const h = createHash('sha256');
      const rows = db.transaction(() => statements.map((s) => s.all()))();
      for (const table of rows) for (const row of table) h.update(JSON.stringify(row, (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))).update('\n');
      return h.digest('hex');
    },
    counts() {
      const out: Record<string, number> = {};
      for (const t of ['targets', 'target_labels', 'monitors', 'api_keys', 'jobs', 'agents']) out[t] = (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      return out;
    },
    close() {
      db.close();
    },
  };
}
