// The unfiltered summary of a large monitor as JSON bytes, rebuilt once a second in slices
// while it is being polled, so GET /v1/monitors/{id}/summary answers from bytes at most a
// few seconds old (its atMs says when). Why: at 50,000 targets, building the objects and
// JSON.stringify (10 MB) were one long block of the event loop per request; in slices of
// SLICE targets each turn stays short, the entries are written as bytes (summary-writer.ts:
// no garbage), and a request costs only the send.
// Rebuilds alternate between two writers and serve a view of the last one's bytes (uWS copies
// what it cannot send at once): copying 10 MB out each second made V8 run full mark-compacts
// for the external memory alone.
// While clients that accept gzip poll, each rebuild is also gzip-compressed once, on libuv's
// thread pool (level 1, none of it on the event loop), for the clients that do not sit next
// to the daemon. Figures: bench/README.md#design-summary-bytes.
import { gzip, type ZlibOptions } from 'node:zlib';
import type { MonitorRunner } from './monitor-runner.js';
import { countsByName } from './live-state.js';
import { SummaryWriter } from './summary-writer.js';
import { TARGET_STATUSES, type SummaryBytes } from './types.js';

/** Targets per slice: one short turn of the event loop (a 10 MB answer leaves in many socket
 *  writes that wait for the turn in progress; bench/README.md#design-summary-bytes). */
const SLICE = 500;
const REFRESH_MS = 1000;
/** A snapshot is kept fresh this long after its last request. */
const INTEREST_MS = 60_000;
/** An older snapshot is not served (the request then builds its answer itself). */
const MAX_AGE_MS = 3000;
/** Below this many targets a request builds its own answer (a few ms). */
export const SNAPSHOT_MIN_TARGETS = 5000;

const TAIL = Buffer.from(']}');
const GZIP_OPTIONS: ZlibOptions = { level: 1 };

interface Entry {
  monitorId: string;
  /** Write this entry's rebuilds, in turn (per entry: rebuilds of several run interleaved). */
  writers: [SummaryWriter, SummaryWriter];
  rebuilds: number;
  lossWindows: number;
  lossWindowMs: number;
  wantedUntilMs: number;
  bytes: Buffer | null;
  atMs: number;
  building: boolean;
  /** gzip of a rebuild's bytes, made while gzip is wanted. */
  gzipWantedUntilMs: number;
  gz: Buffer | null;
  gzAtMs: number;
  /** A rebuild's bytes are being compressed: its writer must not be rewritten meanwhile. */
  compressing: boolean;
}

export class SummarySnapshots {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly runnerOf: (monitorId: string) => MonitorRunner | undefined) {}

  /** The snapshot of (monitor, loss period) when one is fresh — gzip-compressed when that is
   *  wanted and at hand — else null; either way it is kept fresh (and, for gzip, compressed)
   *  from now on while requests keep coming. */
  get(monitorId: string, lossWindows: number, lossWindowMs: number, nowMs: number, wantGzip = false): SummaryBytes | null {
    if (this.closed) return null;
    const key = `${monitorId}:${lossWindows}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      e = {
        monitorId, writers: [new SummaryWriter(), new SummaryWriter()], rebuilds: 0, lossWindows, lossWindowMs, wantedUntilMs: 0,
        bytes: null, atMs: 0, building: false, gzipWantedUntilMs: 0, gz: null, gzAtMs: 0, compressing: false,
      };
      this.entries.set(key, e);
    }
    e.wantedUntilMs = nowMs + INTEREST_MS;
    if (this.timer === null) {
      this.timer = setInterval(() => this.refresh(), REFRESH_MS);
      this.timer.unref();
    }
    if (wantGzip) {
      e.gzipWantedUntilMs = nowMs + INTEREST_MS;
      if (e.gz !== null && nowMs - e.gzAtMs <= MAX_AGE_MS) return { bytes: e.gz, gzip: true };
    }
    return e.bytes !== null && nowMs - e.atMs <= MAX_AGE_MS ? { bytes: e.bytes, gzip: false } : null;
  }

  /** Keeps what a request built itself until the next rebuild. */
  put(monitorId: string, lossWindows: number, bytes: Buffer, atMs: number): void {
    const e = this.entries.get(`${monitorId}:${lossWindows}`);
    if (e !== undefined && atMs > e.atMs) {
      e.bytes = bytes;
      e.atMs = atMs;
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.entries.clear();
  }

  private refresh(): void {
    const now = Date.now();
    for (const [key, e] of this.entries) {
      if (now > e.wantedUntilMs) this.entries.delete(key);
      else if (!e.building && !e.compressing) this.rebuild(key, e);
    }
    if (this.entries.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private rebuild(key: string, e: Entry): void {
    const runner = this.runnerOf(e.monitorId);
    if (runner === undefined) {
      this.entries.delete(key);
      return;
    }
    e.building = true;
    const atMs = Date.now();
    const sums = runner.lossSums(atMs, e.lossWindows);
    // membership changes replace these arrays, never mutate them: this rebuild sees one membership
    const { rows, ids, addresses } = runner.members;
    const live = runner.live;
    const counts = new Float64Array(TARGET_STATUSES.length);
    for (let k = 0; k < rows.length; k++) counts[live.status[rows[k]]]++;
    // the other writer's bytes are being served until this rebuild ends
    const w = e.writers[e.rebuilds++ % 2];
    w.reset();
    const head = JSON.stringify({ monitorId: e.monitorId, running: true, atMs, lossWindowMs: e.lossWindowMs, counts: countsByName(counts) });
    w.raw(Buffer.from(`${head.slice(0, -1)},"targets":[`));
    let from = 0;
    const step = (): void => {
      if (this.closed) return;
      const to = Math.min(rows.length, from + SLICE);
      for (let k = from; k < to; k++) w.entry(live, sums, ids, addresses, rows, k, k === 0);
      from = to;
      if (from < rows.length) {
        setImmediate(step);
        return;
      }
      w.raw(TAIL);
      e.bytes = w.view();
      e.atMs = atMs;
      e.building = false;
      if (e.gzipWantedUntilMs >= atMs) this.compress(e, e.bytes, atMs);
      else e.gz = null;
    };
    step();
  }

  private compress(e: Entry, bytes: Buffer, atMs: number): void {
    e.compressing = true;
    gzip(bytes, GZIP_OPTIONS, (error, out) => {
      e.compressing = false;
      if (this.closed || error !== null) return; // (only a lack of memory fails it; plain bytes are served)
      e.gz = out;
      e.gzAtMs = atMs;
    });
  }
}
