// npm run bench:history — the history API's storage side (issue 6: "a 24 h history query for
// one target ≤ 50 ms"). A temp SQLite is filled through the real WindowStore with what a
// monitor of --targets targets at 1 probe/s writes in a day (one 60 s window per target per
// minute, 60 RTT samples each, written minute by minute like the daemon does) plus 7 days of
// hourly rollups for every target; the measured target also has 7 days of raw windows and its
// real rollups. Then, on the same data in the same run:
//   - 24 h at 1 min steps (1,440 raw windows merged) and 7 d at 1 h steps (168 rollups), through
//     the engine's MonitorService.history (target lookup + SQL + merge): median and p99;
//   - the same 24 h merge by the code before this bench (bench/lib/history-baseline.ts) and by
//     hdr-histogram-js (a Histogram per window), whose percentiles the engine's must equal;
//   - EXPLAIN QUERY PLAN of the history statement (it must search the primary key).
//
//   node dist/bench/history.js [--targets 1000] [--repeats 40] [--no-save]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deflateSync, inflateSync } from 'node:zlib';
import { Command, InvalidArgumentError } from 'commander';
import { openMonitors, openSonde } from '../engine/index.js';
import { WindowStore, mergeRows, type HistoryRow, type WindowRow } from '../engine/monitor/window-store.js';
import { WindowTable } from '../engine/monitor/window-table.js';
import { toV2Compressed } from '../engine/monitor/hdr-codec.js';
import { queryHistory } from '../engine/monitor/history.js';
import { openDatabase } from '../engine/store/database.js';
import { freePort, startDaemon } from './lib/daemon-process.js';
import { baselineHistory, hdrJsHistory, type Point } from './lib/history-baseline.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { median, quantile } from './lib/stats.js';
import { DAY, HOUR, MINUTE, rand, windowRow } from './lib/window-rows.js';

const PCTS = [50, 90, 99];

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const opts = new Command('bench:history')
  .option('--targets <n>', 'targets in the table (each with 24 h of 1 min windows and 7 d of rollups)', positiveInt, 1000)
  .option('--repeats <n>', 'timed queries per case', positiveInt, 40)
  .option('--no-save', 'do not write bench/results/history-*.json')
  .parse()
  .opts<{ targets: number; repeats: number; save: boolean }>();

/** A V2 compressed window blob re-deflated with zlib's defaults (what builds before the
 *  counts blobs stored). */
function reencodeDefault(blob: Buffer): Buffer {
  const deflated = deflateSync(inflateSync(blob.subarray(8, 8 + blob.readInt32BE(4))), { level: 6 });
  const out = Buffer.alloc(8 + deflated.length);
  blob.copy(out, 0, 0, 4);
  out.writeInt32BE(deflated.length, 4);
  deflated.copy(out, 8);
  return out;
}

/** Wall time (median, p99, min) and this process's CPU time (median) per call. */
function time(repeats: number, fn: () => void): { medianMs: number; p99Ms: number; minMs: number; cpuMedianMs: number } {
  fn(); // warm
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { medianMs: median(runs), p99Ms: quantile(runs, 0.99), minMs: Math.min(...runs), cpuMedianMs: median(cpu) };
}

function samePoints(a: Point[], b: { t: number; sent: number; received: number; percentiles: Record<string, number | null> }[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p, i) => p.t === b[i].t && p.sent === b[i].sent && p.received === b[i].received
    && PCTS.every((q, k) => (Number.isNaN(p.pcts[k]) ? b[i].percentiles[`p${q}`] === null : p.pcts[k] / 1e6 === b[i].percentiles[`p${q}`])));
}

const machine = describeMachine();
printMachine(machine);
const dir = mkdtempSync(join(tmpdir(), 'sonde-bench-history-'));
try {
  const sonde = await openSonde({ dataDir: dir, mode: 'tool' });
  const n = opts.targets;
  sonde.targets.bulkImport(Array.from({ length: n }, (_, i) => ({ kind: 'HOST', address: `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}` })));
  await sonde.close();
  const { db } = openDatabase(dir);
  const store = new WindowStore(db);
  const seqs = db.prepare<[], { seq: number; id: string }>('SELECT seq, id FROM targets ORDER BY seq').all();
  const measured = seqs[Math.floor(n / 2)];
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  const dayFrom = now - DAY;
  const weekFrom = now - 7 * DAY;
  const table = new WindowTable(1, 0);
  const base = seqs.map(() => 300_000 + rand() * 80_000_000); // 0.3–80 ms per target
  // other targets' windows repeat a pool of real blobs per target (same sizes, cheaper to make)
  const pool = seqs.map((t, i) => Array.from({ length: 8 }, () => windowRow(t.seq, 0, base[i], table)));
  const t0 = performance.now();
  let rows = 0;
  // 7 days of the measured target's raw windows, then its real hourly rollups
  const mine: WindowRow[] = [];
  for (let t = weekFrom; t < now; t += MINUTE) mine.push(windowRow(measured.seq, t, base[Math.floor(n / 2)], table));
  for (let h = weekFrom; h < now; h += HOUR) {
    const part = mine.filter((w) => w.startMs >= h && w.startMs < h + HOUR);
    store.write([mergeRows(part, HOUR, h)]);
    rows++;
  }
  // minute by minute, every target's window of the last 24 h (older raw windows of the measured target first)
  const older = mine.filter((w) => w.startMs < dayFrom);
  store.write(older);
  rows += older.length;
  const byMinute = new Map(mine.map((w) => [w.startMs, w]));
  const batch: WindowRow[] = [];
  let lastPrint = performance.now();
  for (let t = dayFrom; t < now; t += MINUTE) {
    batch.length = 0;
    seqs.forEach((s, i) => {
      batch.push(s === measured ? byMinute.get(t)! : { ...pool[i][(t / MINUTE) % 8], startMs: t });
    });
    store.write(batch);
    rows += batch.length;
    if (performance.now() - lastPrint > 5000) {
      lastPrint = performance.now();
      console.log(`  filling: ${Math.round((100 * (t - dayFrom)) / DAY)} % of the day (${rows.toLocaleString('en-US')} window rows)`);
    }
  }
  // hourly rollups of every other target over the week (one merged pool per target, like the raw rows)
  const pooledRollup = pool.map((p) => mergeRows(p, HOUR, 0));
  for (let h = weekFrom; h < now; h += HOUR) {
    batch.length = 0;
    seqs.forEach((s, i) => {
      if (s !== measured) batch.push({ ...pooledRollup[i], startMs: h });
    });
    store.write(batch);
    rows += batch.length;
  }
  db.prepare('INSERT OR REPLACE INTO latency_rollup_cursor (window_ms, rollup_ms, done_until) VALUES (?, ?, ?)').run(MINUTE, HOUR, now);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const fillS = (performance.now() - t0) / 1000;
  const dbBytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  const plan = db.prepare<[number, number, number, number], { detail: string }>(
    `EXPLAIN QUERY PLAN SELECT start_at, monitor_seq, sent, received, min_ns, max_ns, hist FROM latency_windows
     WHERE target_seq = ? AND span_ms = ? AND start_at >= ? AND start_at < ? ORDER BY start_at`,
  ).all(measured.seq, MINUTE, dayFrom, now).map((r) => r.detail);
  const dayRows = store.historyRows(measured.seq, MINUTE, dayFrom, now);
  const blobBytes = dayRows.reduce((s, r) => s + (r[6]?.length ?? 0), 0) / dayRows.length;
  db.close();
  console.log(`filled ${rows.toLocaleString('en-US')} rows for ${n.toLocaleString('en-US')} targets in ${fillS.toFixed(1)} s; database ${(dbBytes / 1e6).toFixed(0)} MB (${(dbBytes / rows).toFixed(0)} B per row); ${blobBytes.toFixed(0)} bytes per window histogram`);
  console.log(`query plan: ${plan.join(' | ')}`);

  const handle = openMonitors({ dataDir: dir, windowMs: MINUTE, rollupMs: HOUR });
  const service = handle.service;
  const day = (): ReturnType<typeof service.history> => service.history(measured.id, { fromMs: dayFrom, toMs: now, stepMs: MINUTE, percentiles: PCTS });
  const week = (): ReturnType<typeof service.history> => service.history(measured.id, { fromMs: weekFrom, toMs: now, stepMs: HOUR, percentiles: PCTS });
  const dayHourly = (): ReturnType<typeof service.history> => service.history(measured.id, { fromMs: dayFrom, toMs: now, stepMs: HOUR, percentiles: PCTS });

  const engineDay = day();
  // the same windows in the standard V2 compressed form (what hdr-histogram-js reads)
  const dayRowsV2 = dayRows.map((r): HistoryRow => [r[0], r[1], r[2], r[3], r[4], r[5], r[6] === null ? null : toV2Compressed(r[6])]);
  const reference = hdrJsHistory(dayRowsV2, dayFrom, now, MINUTE, PCTS);
  const equal = samePoints(reference, engineDay);
  // the same windows as the encoder wrote them before (V2 compressed, zlib's own choice of
  // codes, mostly dynamic Huffman): rows stored by earlier builds
  const dayRowsBefore = dayRowsV2.map((r): HistoryRow => [r[0], r[1], r[2], r[3], r[4], r[5], r[6] === null ? null : reencodeDefault(r[6])]);
  const equalBaseline = samePoints(baselineHistory(dayRowsBefore, dayFrom, now, MINUTE, PCTS), engineDay);
  const weekPoints = week();
  console.log(`24 h at 1 min: ${engineDay.length} points; equal to hdr-histogram-js: ${equal}, to the previous code: ${equalBaseline}; 7 d at 1 h: ${weekPoints.length} points`);

  const repeats = opts.repeats;
  const readDb = openDatabase(dir).db;
  const readStore = new WindowStore(readDb);
  // the engine's merge over rows already in memory (a store that only hands them out)
  const rowsOnly = { historyRows: () => dayRows, rolledUntil: () => null } as unknown as WindowStore;
  const rowsBefore = { historyRows: () => dayRowsBefore, rolledUntil: () => null } as unknown as WindowStore;
  const results = {
    engineDay1m: time(repeats, day),
    engineWeek1h: time(repeats, week),
    engineDay1h: time(repeats, dayHourly),
    // the SQL alone, and the merge alone on rows already read
    sqlDay1m: time(repeats, () => readStore.historyRows(measured.seq, MINUTE, dayFrom, now)),
    engineMergeDay1m: time(repeats, () => queryHistory({ store: rowsOnly, windowMs: MINUTE, rollupMs: HOUR }, measured.seq, { monitorSeq: null, probe: null, phase: 'total' }, { fromMs: dayFrom, toMs: now, stepMs: MINUTE, percentiles: PCTS })),
    engineMergeOldBlobsDay1m: time(repeats, () => queryHistory({ store: rowsBefore, windowMs: MINUTE, rollupMs: HOUR }, measured.seq, { monitorSeq: null, probe: null, phase: 'total' }, { fromMs: dayFrom, toMs: now, stepMs: MINUTE, percentiles: PCTS })),
    baselineMergeDay1m: time(repeats, () => baselineHistory(dayRowsBefore, dayFrom, now, MINUTE, PCTS)),
    hdrJsMergeDay1m: time(Math.min(repeats, 5), () => hdrJsHistory(dayRowsV2, dayFrom, now, MINUTE, PCTS)),
  };
  await handle.close();
  readDb.close();

  // The same query through the API: `sonde serve` (dist) on this data directory, timed from
  // request to last body byte (JSON of 1,440 points), CPU on the client side excluded.
  const daemon = await startDaemon(dir, await freePort(), {}, 'warn');
  let http: { medianMs: number; p99Ms: number; bytes: number; points: number };
  try {
    const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
    const url = `${daemon.url}/v1/targets/${measured.id}/history?from=${dayFrom}&to=${now}&step=${MINUTE}`;
    const get = async (): Promise<Buffer> => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) throw new Error(`GET history answered ${res.status}: ${body.toString()}`);
      return body;
    };
    const first = await get();
    await new Promise((r) => setTimeout(r, 3000)); // past the daemon's start-up work
    for (let i = 0; i < 5; i++) await get();
    const runs: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await get();
      runs.push(performance.now() - t0);
    }
    http = { medianMs: median(runs), p99Ms: quantile(runs, 0.99), bytes: first.length, points: (JSON.parse(first.toString()) as { points: unknown[] }).points.length };
  } finally {
    await daemon.stop();
  }
  const line = (name: string, r: { medianMs: number; p99Ms: number; cpuMedianMs: number }): void => {
    console.log(`  ${name.padEnd(58)} median ${r.medianMs.toFixed(2).padStart(7)} ms   p99 ${r.p99Ms.toFixed(2).padStart(7)} ms   CPU median ${r.cpuMedianMs.toFixed(2).padStart(7)} ms`);
  };
  console.log(`\n${repeats} queries each (load average now ${describeMachine().loadAvg.join(' ')}):`);
  line('engine: 24 h at 1 min steps (1,440 windows; SQL + merge)', results.engineDay1m);
  line('engine: 24 h at 1 h steps (rollups)', results.engineDay1h);
  line('engine: 7 d at 1 h steps (168 rollups)', results.engineWeek1h);
  console.log(`  ${'GET /v1/targets/{id}/history, 24 h at 1 min (sonde serve)'.padEnd(58)} median ${http.medianMs.toFixed(2).padStart(7)} ms   p99 ${http.p99Ms.toFixed(2).padStart(7)} ms   (${http.points} points, ${(http.bytes / 1024).toFixed(0)} KiB)`);
  line('  of which the SQL (WindowStore.historyRows)', results.sqlDay1m);
  line('  of which the merge (rows read)', results.engineMergeDay1m);
  line('  the merge of V2 compressed windows (earlier builds)', results.engineMergeOldBlobsDay1m);
  line('before: previous code and encoding, 24 h at 1 min, merge', results.baselineMergeDay1m);
  line('hdr-histogram-js per window: 24 h at 1 min, merge only', results.hdrJsMergeDay1m);
  console.log(`goal: 24 h history ≤ 50 ms → ${http.p99Ms <= 50 ? 'PASS' : 'FAIL'} (API p99 ${http.p99Ms.toFixed(1)} ms, median ${http.medianMs.toFixed(1)} ms)`);
  if (!equal) {
    process.exitCode = 1;
    console.error('the engine\'s history differs from hdr-histogram-js\'s merge');
  }
  if (opts.save) {
    console.log(`saved ${saveResult('history', { machine, loadAvgAfter: describeMachine().loadAvg, args: opts, rows, dbBytes, blobBytes, plan, equal, equalBaseline, results, http })}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
