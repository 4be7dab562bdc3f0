import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSonde, SondeError } from '../../engine/index.js';
import { DB_FILE, migrate, openDatabase } from '../../engine/store/database.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../engine/store/migrations.js';
import { tempDataDir } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

const dirs: (() => void)[] = [];
afterEach(() => dirs.splice(0).forEach((c) => c()));
function dataDir(): string {
  const t = tempDataDir();
  dirs.push(t.cleanup);
  return t.dir;
}

describe('store: database and migrations', () => {
  it('creates a missing data directory and migrates an empty database to the latest version', async () => {
    const dir = join(dataDir(), 'nested', 'data');
    const sonde = await openSonde({ dataDir: dir, mode: 'tool', agent: { resolver: localResolver } });
    expect(existsSync(join(dir, DB_FILE))).toBe(true);
    expect(sonde.schemaVersion).toBe(SCHEMA_VERSION);
    await sonde.close();
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(expect.arrayContaining(['agents', 'targets', 'target_labels', 'jobs', 'api_keys', 'audit']));
    db.close();
  });

  it('sets WAL, foreign keys, busy timeout and synchronous=NORMAL on the connection', () => {
    const { db, version, previousVersion } = openDatabase(dataDir());
    expect(previousVersion).toBe(0);
    expect(version).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    db.close();
  });

  it('opening an up-to-date database again changes nothing and keeps the data', async () => {
    const dir = dataDir();
    const a = await openSonde({ dataDir: dir, mode: 'tool', agent: { resolver: localResolver } });
    const t = a.targets.create({ kind: 'HOST', address: '127.0.0.1', labels: { site: 'eu' } });
    await a.close();
    const { db, previousVersion } = openDatabase(dir);
    expect(previousVersion).toBe(SCHEMA_VERSION);
    db.close();
    const b = await openSonde({ dataDir: dir, mode: 'tool', agent: { resolver: localResolver } });
    expect(b.targets.get(t.id)).toEqual(t);
    await b.close();
  });

  it('upgrades a database left at an older schema version, keeping its rows', async () => {
    const dir = dataDir();
    // Build a version-1 database by hand, as an older sonde would have left it.
    const db = new Database(join(dir, DB_FILE));
    migrate(db, 1);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.prepare(
      `INSERT INTO targets (id, kind, address, labels, created_at, updated_at) VALUES ('11111111-1111-4111-8111-111111111111', 'HOST', '127.0.0.2', '{}', 1, 1)`,
    ).run();
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'audit'").get()).toEqual({ n: 0 });
    db.close();

    const sonde = await openSonde({ dataDir: dir, mode: 'tool', agent: { resolver: localResolver } });
    expect(sonde.schemaVersion).toBe(SCHEMA_VERSION);
    expect(sonde.targets.get('11111111-1111-4111-8111-111111111111')?.address).toBe('127.0.0.2');
    sonde.audit.record({ keyId: null, method: 'GET', path: '/healthz', status: 200, durationMs: 0.1 });
    expect(sonde.audit.recent(1)[0].path).toBe('/healthz');
    await sonde.close();
  });

  it('refuses a database from a newer sonde with a message that says what to do', async () => {
    const dir = dataDir();
    const db = new Database(join(dir, DB_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    await expect(openSonde({ dataDir: dir, agent: { resolver: localResolver } })).rejects.toThrow(/newer than this sonde knows.*run a newer sonde/);
  });

  it('rejects bad configuration with the field named', async () => {
    await expect(openSonde({ dataDir: '' })).rejects.toBeInstanceOf(SondeError);
    await expect(openSonde({ dataDir: dataDir(), jobs: { retentionDays: -1 }, agent: { resolver: localResolver } })).rejects.toThrow(/jobs.retentionDays/);
    await expect(openSonde({ dataDir: dataDir(), agent: { resolver: localResolver, labels: { 'bad key': 'x' } } })).rejects.toThrow(/agent.labels/);
    await expect(openSonde({ dataDir: dataDir(), agent: { resolver: localResolver, hostname: '_any' } })).rejects.toThrow(/agent hostname/);
    await expect(openSonde({ dataDir: dataDir(), rateLimit: { perSecond: 0 }, agent: { resolver: localResolver } })).rejects.toThrow(/rateLimit.perSecond/);
  });
});
