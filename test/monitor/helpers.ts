// Shared helpers of the monitor suites: a temp data directory with a Sonde (the target
// registry) next to the monitor service, and loopback HOST targets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSonde, type Sonde, type Target } from '../../engine/index.js';
import { WindowStore } from '../../engine/monitor/window-store.js';
import { openDatabase, type Db } from '../../engine/store/database.js';
import { loopbackTargets } from '../engine/helpers.js';
import { localResolver } from '../setup/local-resolver.js';

export interface MonitorFixture {
  dir: string;
  sonde: Sonde;
  cleanup(): Promise<void>;
}

export async function monitorFixture(): Promise<MonitorFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-monitor-'));
  const sonde = await openSonde({ dataDir: dir, mode: 'tool', agent: { resolver: localResolver } });
  return {
    dir,
    sonde,
    async cleanup() {
      await sonde.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** n HOST targets on 127.x.y.z with the labels given per index. */
export function createLoopbackTargets(sonde: Sonde, n: number, labels: (i: number) => Record<string, string> = () => ({})): Target[] {
  return loopbackTargets(n, 1).map((address, i) => sonde.targets.create({ kind: 'HOST', address, labels: labels(i) }));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WindowDb {
  db: Db;
  store: WindowStore;
  close(): void;
}

/** A temp database with targets seq 1..n (rows inserted directly) and a WindowStore on it. */
export function windowDb(n: number): WindowDb {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-windows-'));
  const db = openDatabase(dir).db;
  const insert = db.prepare("INSERT INTO targets (id, kind, address, created_at, updated_at) VALUES (?, 'HOST', ?, 0, 0)");
  db.transaction(() => {
    for (let i = 1; i <= n; i++) insert.run(`00000000-0000-7000-8000-${String(i).padStart(12, '0')}`, `127.0.${i >> 8}.${i & 255}`);
  })();
  return {
    db,
    store: new WindowStore(db),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
