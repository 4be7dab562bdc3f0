// The window store on a real SQLite file: merge on a key written twice (a restart inside a
// window), purge in bounded steps, rollups in steps that resume where they stopped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../engine/store/database.js';
import { windowDb, type WindowDb } from './helpers.js';
import { BucketAccumulator, bucketOf, decodeBuckets, encodeBuckets, toV2Compressed } from '../../engine/monitor/hdr-codec.js';
import { WindowStore, type WindowRow } from '../../engine/monitor/window-store.js';

const TWO_32 = 4294967296;
let fixture: WindowDb;
let store: WindowStore;

beforeEach(() => {
  // targets seq 1..5 (rollups walk the targets table)
  fixture = windowDb(5);
  store = fixture.store;
});

afterEach(() => fixture.close());

function row(targetSeq: number, startMs: number, rtts: number[], spanMs = 1000): WindowRow {
  const counts = new Map<number, number>();
  for (const v of rtts) counts.set(bucketOf(v), (counts.get(bucketOf(v)) ?? 0) + 1);
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const pairs = Float64Array.from(keys, (b) => b * TWO_32 + counts.get(b)!);
  return {
    targetSeq, monitorSeq: 1, spanMs, startMs, sent: rtts.length + 1, received: rtts.length, duplicates: 0, late: 0,
    errors: [0, 0, 0, 0, 0, 0], minNs: rtts.length ? Math.min(...rtts) : null, maxNs: rtts.length ? Math.max(...rtts) : null,
    sumNs: rtts.reduce((a, b) => a + b, 0), hist: rtts.length ? encodeBuckets(pairs, 0, pairs.length) : null,
  };
}

function total(hist: Buffer | null): number {
  const acc = new BucketAccumulator();
  if (hist !== null) decodeBuckets(hist, acc.add);
  return acc.total;
}

describe('window store', () => {
  it('merges a window written twice instead of losing either part', () => {
    store.write([row(1, 5000, [10_000, 20_000])]);
    store.write([row(1, 5000, [30_000, 40_000, 50_000]), row(2, 5000, [1])]);
    const [w] = store.range(1, 1000, 5000, 6000);
    expect(w).toMatchObject({ sent: 7, received: 5, minNs: 10_000, maxNs: 50_000, sumNs: 150_000 });
    expect(total(w.hist)).toBe(5);
  });

  it('purges only rows of the span older than the cutoff, a few targets per step, deleted targets too', () => {
    const rows: WindowRow[] = [];
    for (let t = 1; t <= 5; t++) for (let k = 0; k < 10; k++) rows.push(row(t, k * 1000, [1000 + k]));
    rows.push(row(1, 0, [5], 4000));
    rows.push(row(99, 0, [5])); // a target deleted since: no longer in the targets table
    store.write(rows);
    const steps: boolean[] = [];
    for (let more = true; more && steps.length < 10;) steps.push(more = store.purgeStep(1000, 6000, 2));
    // targets 1,2 | 3,4 | 5,99 | the end of the pass
    expect(steps).toEqual([true, true, true, false]);
    for (let t = 1; t <= 5; t++) expect(store.range(t, 1000, 0, 100_000).map((w) => w.startMs)).toEqual([6000, 7000, 8000, 9000]);
    expect(store.range(99, 1000, 0, 100_000)).toEqual([]);
    expect(store.range(1, 4000, 0, 100_000)).toHaveLength(1);
    // the next pass starts from the first target again
    store.write([row(2, 6500, [1])]);
    expect(store.purgeStep(1000, 7000, 100)).toBe(false);
    expect(store.range(2, 1000, 0, 100_000).map((w) => w.startMs)).toEqual([7000, 8000, 9000]);
  });

  it('purges a backlog a few windows per target and step', () => {
    const rows: WindowRow[] = [];
    for (let t = 1; t <= 2; t++) for (let k = 0; k < 10; k++) rows.push(row(t, k * 1000, [1000 + k]));
    store.write(rows);
    const left = (t: number) => store.range(t, 1000, 0, 100_000).length;
    // at most 3 windows of a target per step: target 1 takes three steps (3 + 3 + 2 of 8), the
    // third goes on to target 2
    expect(store.purgeStep(1000, 8000, 10, 3)).toBe(true);
    expect([left(1), left(2)]).toEqual([7, 10]);
    store.purgeStep(1000, 8000, 10, 3);
    store.purgeStep(1000, 8000, 10, 3);
    expect([left(1), left(2)]).toEqual([2, 7]);
    for (let steps = 0; store.purgeStep(1000, 8000, 10, 3) && steps < 10; steps++);
    expect([left(1), left(2)]).toEqual([2, 2]);
  });

  it('rolls up period by period, only when the period has been written, in resumable steps', () => {
    const rows: WindowRow[] = [];
    for (let t = 1; t <= 5; t++) for (let k = 0; k < 8; k++) rows.push(row(t, 4000 + k * 1000, [1000 * t + k, 2000 * t]));
    store.write(rows);
    expect(store.rollupStep(1000, 4000, 7000, 50)).toBe(false); // [4000, 8000) not complete
    expect(store.rolledUntil(1000, 4000)).toBe(4000);
    // a zero budget does no work; then steps finish both periods
    expect(store.rollupStep(1000, 4000, 12_000, 0)).toBe(true);
    expect(store.rolledUntil(1000, 4000)).toBe(4000);
    let steps = 0;
    while (store.rollupStep(1000, 4000, 12_000, 50) && steps < 10) steps++;
    expect(store.rolledUntil(1000, 4000)).toBe(12_000);
    for (let t = 1; t <= 5; t++) {
      const rolled = store.range(t, 4000, 0, 100_000);
      expect(rolled.map((w) => [w.startMs, w.sent, w.received])).toEqual([[4000, 12, 8], [8000, 12, 8]]);
      expect(rolled.map((w) => total(w.hist))).toEqual([8, 8]);
    }
  });
});

describe('rows of builds before the counts blobs (V2 compressed histograms)', () => {
  const legacy = (w: WindowRow): WindowRow => ({ ...w, hist: w.hist === null ? null : toV2Compressed(w.hist) });

  it('merge with new rows on a key written twice and roll up with them', () => {
    const rows: WindowRow[] = [];
    // target 1: every other window stored by an earlier build
    for (let k = 0; k < 8; k++) {
      const w = row(1, 4000 + k * 1000, [1000 + k, 2000, 3000 + 7 * k]);
      rows.push(k % 2 === 0 ? legacy(w) : w);
    }
    store.write(rows);
    expect(store.range(1, 1000, 4000, 5000)[0].hist![0]).toBe(0x1c); // stored as written
    store.write([row(1, 4000, [50_000, 60_000])]);
    const [merged] = store.range(1, 1000, 4000, 5000);
    expect(merged).toMatchObject({ received: 5, minNs: 1000, maxNs: 60_000 });
    expect(total(merged.hist)).toBe(5);
    let steps = 0;
    while (store.rollupStep(1000, 4000, 12_000, 50) && steps < 10) steps++;
    const rolled = store.range(1, 4000, 0, 100_000);
    expect(rolled.map((w) => [w.startMs, w.received, total(w.hist)])).toEqual([[4000, 14, 14], [8000, 12, 12]]);
  });

  it('a corrupt one is refused with a message saying so', () => {
    const w = legacy(row(1, 4000, [1000, 2000]));
    const corrupt = Buffer.from(w.hist!);
    corrupt[10] ^= 0xff;
    corrupt[11] ^= 0xff;
    expect(() => total(corrupt)).toThrow(/HdrHistogram V2 compressed blob does not inflate .*the stored row is corrupt/);
  });
});

describe('migration 3', () => {
  it('adds the monitor tables to a version-2 database, keeping its data', async () => {
    const old = mkdtempSync(join(tmpdir(), 'sonde-migrate-'));
    try {
      const Database = (await import('better-sqlite3')).default;
      const { migrate } = await import('../../engine/store/database.js');
      const raw = new Database(join(old, 'sonde.db'));
      migrate(raw, 2);
      raw.prepare("INSERT INTO targets (id, kind, address, created_at, updated_at) VALUES ('00000000-0000-7000-8000-000000000009', 'HOST', '127.0.0.9', 1, 1)").run();
      raw.close();
      const opened = openDatabase(old);
      expect(opened.previousVersion).toBe(2);
      expect(opened.version).toBeGreaterThanOrEqual(3);
      expect(opened.db.prepare('SELECT address FROM targets').pluck().all()).toEqual(['127.0.0.9']);
      expect(opened.db.prepare('SELECT count(*) FROM monitors').pluck().get()).toBe(0);
      expect(opened.db.prepare('SELECT count(*) FROM latency_windows').pluck().get()).toBe(0);
      opened.db.close();
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});
