// The window writer's thread on a real SQLite file: a handed-over window (its arrays
// transferred, not copied) is written row for row, rollups follow once the main side says the
// period is complete, a writer that cannot start reports why instead of failing the caller,
// and one that dies is started again and reports the windows it lost.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAULT_CHANNEL, type FaultOrder } from '../../engine/fault-injection.js';
import { BucketAccumulator, decodeBuckets } from '../../engine/monitor/hdr-codec.js';
import { WindowStore } from '../../engine/monitor/window-store.js';
import { WindowTable } from '../../engine/monitor/window-table.js';
import { WindowWriter, type WriterSettings } from '../../engine/monitor/window-writer.js';
import { migrate, type Db } from '../../engine/store/database.js';
import { windowDb, type WindowDb } from './helpers.js';

const SETTINGS: WriterSettings = { windowMs: 1000, rollupMs: 2000, rawRetentionMs: 3_600_000, rollupRetentionMs: 7_200_000 };
const ROWS = 600; // more than one write transaction
/** Windows start near now: older ones would be purged (raw retention 1 h). */
const BASE = Math.floor(Date.now() / 2000) * 2000 - 20_000;
let fixture: WindowDb;
let db: Db;
let store: WindowStore;

beforeEach(() => {
  fixture = windowDb(ROWS);
  ({ db, store } = fixture);
});

afterEach(() => fixture.close());

/** Row r: r % 7 RTTs of (r + 1) µs · k, one timeout; every 5th row stays silent. */
function window(startMs: number): WindowTable {
  const t = new WindowTable(ROWS, startMs, 8);
  for (let r = 0; r < ROWS; r++) {
    if (r % 5 === 4) continue;
    for (let k = 1; k <= r % 7; k++) t.recordRtt(r, (r + 1) * 1000 * k);
    t.recordTimeout(r);
  }
  t.seal();
  return t;
}

const seqs = Array.from({ length: ROWS }, (_, r) => r + 1);

function total(hist: Buffer | null): number {
  const acc = new BucketAccumulator();
  if (hist !== null) decodeBuckets(hist, acc.add);
  return acc.total;
}

describe('window writer', () => {
  it('starts no thread until there is something to write', async () => {
    const before = readdirSync('/proc/self/task').length;
    const writer = new WindowWriter({ dbPath: db.name, settings: SETTINGS });
    writer.ready(Date.now());
    await writer.flush();
    expect(readdirSync('/proc/self/task').length).toBe(before);
    await writer.close();
  });

  it('writes a handed-over window on its thread, every active row, and leaves the table reusable', async () => {
    const writer = new WindowWriter({ dbPath: db.name, settings: SETTINGS });
    try {
      const table = window(BASE + 1000);
      let written = 0;
      writer.write({ monitorSeq: 1, spanMs: 1000, table, rowSeq: seqs, release: () => written++ });
      expect(table.rows).toBe(0); // the arrays went to the thread
      await writer.flush();
      expect(written).toBe(1);
      expect(writer.queued).toBe(0);
      for (let r = 0; r < ROWS; r++) {
        const rows = store.range(r + 1, 1000, BASE, BASE + 10_000);
        if (r % 5 === 4) {
          expect(rows).toEqual([]);
          continue;
        }
        expect(rows).toHaveLength(1);
        const n = r % 7;
        expect(rows[0]).toMatchObject({ startMs: BASE + 1000, monitorSeq: 1, sent: n + 1, received: n, minNs: n > 0 ? (r + 1) * 1000 : null });
        expect(total(rows[0].hist)).toBe(n);
      }
      table.reset(3, BASE + 2000);
      table.recordRtt(2, 5000);
      expect([table.rows, table.sent[2], table.received[2]]).toEqual([3, 1, 1]);
      expect(writer.lastError).toBeNull();
    } finally {
      await writer.close();
    }
  });

  it('rolls up a period once the main side says it is complete', async () => {
    const writer = new WindowWriter({ dbPath: db.name, settings: SETTINGS });
    try {
      for (const start of [BASE, BASE + 1000, BASE + 2000]) writer.write({ monitorSeq: 1, spanMs: 1000, table: window(start), rowSeq: seqs, release: () => {} });
      await writer.flush();
      writer.ready(BASE + 2000); // [BASE, BASE + 2000) complete; the next period not
      const deadline = Date.now() + 10_000;
      while (store.rolledUntil(1000, 2000) !== BASE + 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(store.rolledUntil(1000, 2000)).toBe(BASE + 2000);
      const rolled = store.range(2, 2000, 0, BASE + 100_000);
      expect(rolled.map((w) => [w.startMs, w.sent, w.received])).toEqual([[BASE, 4, 2]]);
      expect(total(rolled[0].hist)).toBe(2);
    } finally {
      await writer.close();
    }
  });

  it('drops windows beyond its queue limit while it cannot write, logs it, and writes what it kept', async () => {
    const errors: string[] = [];
    const writer = new WindowWriter({ dbPath: db.name, settings: SETTINGS }, { log: { error: (m) => errors.push(m), info: () => {} }, maxQueuedBytes: 1 });
    try {
      let written = 0;
      // another connection's write transaction: the writer's first window waits for it
      db.exec('BEGIN EXCLUSIVE');
      try {
        for (const start of [BASE, BASE + 1000, BASE + 2000]) writer.write({ monitorSeq: 1, spanMs: 1000, table: window(start), rowSeq: seqs, release: () => written++ });
        expect([writer.queued, writer.dropped]).toEqual([1, 2]);
        expect(writer.lastError).toMatch(/windows dropped \(1 so far\): 0 MiB of windows wait to be written, more than the 0 MiB kept/);
        expect(errors).toHaveLength(1); // the second drop within a minute is counted, not logged
      } finally {
        db.exec('COMMIT');
      }
      await writer.flush();
      expect(written).toBe(1);
      expect(store.range(1, 1000, BASE, BASE + 10_000).map((w) => w.startMs)).toEqual([BASE]);
    } finally {
      await writer.close();
    }
  });

  it('reports a writer that cannot start, and the caller carries on', async () => {
    const old = mkdtempSync(join(tmpdir(), 'sonde-writer-old-'));
    try {
      const path = join(old, 'sonde.db');
      const v2 = new Database(path);
      migrate(v2, 2); // no latency_windows table yet
      v2.close();
      const writer = new WindowWriter({ dbPath: path, settings: SETTINGS });
      let written = 0;
      writer.write({ monitorSeq: 1, spanMs: 1000, table: window(0), rowSeq: seqs, release: () => written++ }); // starts the thread
      const deadline = Date.now() + 10_000;
      while (!/not started again/.test(writer.lastError ?? '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(writer.lastError).toMatch(/latency_windows.*1 window\(s\) not written.*not started again/s);
      writer.write({ monitorSeq: 1, spanMs: 1000, table: window(0), rowSeq: seqs, release: () => written++ });
      await writer.flush();
      await writer.close();
      expect(written).toBe(0);
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });

  it('a writer thread that dies is started again; the windows it lost are reported, the next ones written', async () => {
    const writer = new WindowWriter({ dbPath: db.name, settings: SETTINGS }, { minLifetimeMs: 0 });
    try {
      const released = new Set<number>();
      const hand = (start: number): void => writer.write({ monitorSeq: 1, spanMs: 1000, table: window(start), rowSeq: seqs, release: () => released.add(start) });
      hand(BASE);
      await writer.flush();
      expect(released).toEqual(new Set([BASE]));
      // the thread throws from a timer (the test hook, engine/fault-injection.ts) while more
      // windows are on their way: those it had not written when it died are lost
      const channel = new BroadcastChannel(FAULT_CHANNEL);
      channel.postMessage({ thread: 'window-writer' } satisfies FaultOrder);
      channel.close();
      const inFlight = [BASE + 1000, BASE + 2000, BASE + 3000, BASE + 4000];
      for (const start of inFlight) hand(start);
      const deadline = Date.now() + 10_000;
      while (!/started again/.test(writer.lastError ?? '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(writer.lastError).toMatch(/^window writer ended unexpectedly \(window writer failed: injected fault: the window-writer thread threw \(test hook\)\); \d+ window\(s\) not written; started again$/);
      // the count it reports is exactly the windows never acknowledged
      const lost = Number(/(\d+) window\(s\) not written/.exec(writer.lastError!)![1]);
      expect(lost).toBe(inFlight.filter((start) => !released.has(start)).length);
      // the restarted thread writes what comes next, every row of it
      hand(BASE + 6000);
      await writer.flush();
      expect(released.has(BASE + 6000)).toBe(true);
      expect(writer.queued).toBe(0);
      for (const start of released) expect(store.range(1, 1000, start, start + 1000).map((w) => w.startMs)).toEqual([start]);
      expect(store.range(ROWS - 1, 1000, BASE + 6000, BASE + 7000)).toHaveLength(1);
    } finally {
      await writer.close();
    }
  });
});
