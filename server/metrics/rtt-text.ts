// The RTT histogram families of /metrics, written as Prometheus text (format 0.0.4) straight
// from the monitors' RttBuckets into one Buffer: one histogram per monitor (all its targets)
// and, when enabled, one per target (19 lines each).
//
// Why not prom-client for these: its Histogram can only observe() single values (there is
// no way to set buckets from totals), and a custom prom-client metric needs one value object
// per line (~950,000 at 50,000 targets) that its registry then formats one template string
// at a time. A first version built the text with string concatenation: seconds per scrape
// (bench/README.md#design-metrics-text). Here each target's label text is encoded
// once and copied into its other 18 lines, counts are written digit by digit, the text goes
// out in 1 MB chunks (chunked transfer encoding, with backpressure) instead of one buffer,
// and the work yields to the event loop every ROWS_PER_SLICE targets so probes and requests
// are not held up for the whole scrape.
import { RTT_BOUNDS_NS, RTT_SLOTS, type MonitorRttView } from '../../engine/index.js';

export const MONITOR_RTT = 'sonde_monitor_rtt_seconds';
export const TARGET_RTT = 'sonde_probe_rtt_seconds';
/** http and model monitors' phases, as blackbox_exporter's probe_http_duration_seconds{phase}. */
export const MONITOR_HTTP = 'sonde_monitor_http_duration_seconds';
export const TARGET_HTTP = 'sonde_probe_http_duration_seconds';
export const TARGET_CERT_EXPIRY = 'sonde_probe_ssl_earliest_cert_expiry';
const HTTP_PHASES = ['connect', 'tls', 'ttfb', 'total'] as const;

/** Targets written between two yields to the event loop, so that a scrape never holds it
 *  long (bench/README.md#design-metrics-text). */
const ROWS_PER_SLICE = 500;

/** strconv.FormatFloat(x, 'g', -1, 64) for the values used here: the exponent form below 1e-4. */
export function goFloat(x: number): string {
  if (x === 0 || Math.abs(x) >= 1e-4) return String(x);
  const [mantissa, exponent] = x.toExponential().split('e');
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** `le` values in seconds as Go clients write them (smokeping_prober's exact label values,
 *  so dashboards carry over): 5e-05, 0.0001, … 1.6384, then +Inf. */
export const LE: readonly string[] = [...RTT_BOUNDS_NS.map((ns) => goFloat(ns / 1e9)), '+Inf'];

/** A label value escaped for the text format (backslash, double quote, line feed). */
export function escapeLabel(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** The constant pieces of one family's lines, encoded once. */
class FamilyBytes {
  readonly bucket: Buffer;
  readonly sum: Buffer;
  readonly count: Buffer;
  /** Per bucket: `,le="…"} `. */
  readonly le: Buffer[];
  readonly close = Buffer.from('} ');
  constructor(readonly name: string) {
    this.bucket = Buffer.from(`${name}_bucket{`);
    this.sum = Buffer.from(`${name}_sum{`);
    this.count = Buffer.from(`${name}_count{`);
    this.le = LE.map((le) => Buffer.from(`,le="${le}"} `));
  }
}

const MONITOR = new FamilyBytes(MONITOR_RTT);
const TARGET = new FamilyBytes(TARGET_RTT);
const MONITOR_PHASE = new FamilyBytes(MONITOR_HTTP);
const TARGET_PHASE = new FamilyBytes(TARGET_HTTP);

function phaseBuckets(v: MonitorRttView, phase: (typeof HTTP_PHASES)[number]): MonitorRttView['buckets'] {
  return phase === 'total' ? v.buckets : v.phases![phase];
}

/** A byte buffer written from the start again after each flush; doubles if a line overflows it. */
class Writer {
  buf: Buffer;
  len = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(4096, size));
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  bytes(b: Buffer): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  text(s: string): void {
    this.ensure(s.length * 3);
    this.len += this.buf.write(s, this.len);
  }

  /** Bytes already written at [start, end), as a view to copy again with bytes() (a view and
   *  set() cost less than copyWithin(): bench/README.md#design-metrics-text). The view stays
   *  valid when the buffer grows: it keeps the old one. */
  written(start: number, end: number): Buffer {
    return this.buf.subarray(start, end);
  }

  /** A non-negative integer below 2^53, in decimal, then a line feed. */
  countLine(n: number): void {
    this.ensure(18);
    const buf = this.buf;
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let at = this.len + digits;
    buf[at] = 10;
    let x = n;
    do {
      buf[--at] = 48 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
    this.len += digits + 1;
  }
}

/** One series: 17 cumulative buckets, sum and count; the label text is written once and copied. */
function writeSeries(w: Writer, f: FamilyBytes, labels: string, cumulative: Float64Array, sumNs: number): void {
  const lineStart = w.len;
  w.bytes(f.bucket);
  const start = w.len;
  w.text(labels);
  const line = w.written(lineStart, w.len); // `name_bucket{labels`
  const label = w.written(start, w.len);
  for (let b = 0; b < RTT_SLOTS; b++) {
    if (b > 0) w.bytes(line);
    w.bytes(f.le[b]);
    w.countLine(cumulative[b]);
  }
  w.bytes(f.sum);
  w.bytes(label);
  w.bytes(f.close);
  w.text(`${sumNs / 1e9}\n`);
  w.bytes(f.count);
  w.bytes(label);
  w.bytes(f.close);
  w.countLine(cumulative[RTT_SLOTS - 1]);
}

/** Row's bucket counts made cumulative into acc; returns its RTT sum (ns). */
function rowInto(view: MonitorRttView, row: number, acc: Float64Array, buckets = view.buckets): number {
  const { counts, sumNs } = buckets;
  if (row >= buckets.rows) {
    acc.fill(0);
    return 0;
  }
  const base = row * RTT_SLOTS;
  let running = 0;
  for (let b = 0; b < RTT_SLOTS; b++) acc[b] = running += counts[base + b];
  return sumNs[row];
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Where the text goes (the response stream of server/http/stream.ts has this shape). */
export interface TextSink {
  /** false when the client is behind (the chunk is kept). */
  write(chunk: string): boolean;
  /** null when the client keeps up; else settles when it has drained or left. */
  backpressure(): Promise<void> | null;
  readonly aborted: boolean;
}

/** Bytes gathered before they go to the sink as one chunk (the writer's buffer is reused). */
const CHUNK_BYTES = 1 << 20;

/**
 * Writes `head` (the prom-client part), the per-monitor RTT family and, with perTarget, the
 * per-target one to the sink in chunks of about CHUNK_BYTES: the body is never whole in
 * memory (153 MB at 50,000 targets), waits when the client is behind, and yields to the
 * event loop every ROWS_PER_SLICE targets. Stops early when the client has left.
 */
export async function streamWithRtt(head: string, views: readonly MonitorRttView[], perTarget: boolean, sink: TextSink): Promise<void> {
  const w = new Writer(CHUNK_BYTES + 64 * 1024);
  const flush = (): void => {
    if (w.len === 0) return;
    // every chunk ends at a line feed, so no UTF-8 sequence is split
    sink.write(w.buf.toString('utf8', 0, w.len));
    w.len = 0;
  };
  sink.write(head);
  w.text(`\n# HELP ${MONITOR_RTT} Round-trip time of answered monitor probes, all targets of a monitor together (buckets 50us x 2^n).\n# TYPE ${MONITOR_RTT} histogram\n`);
  const acc = new Float64Array(RTT_SLOTS);
  const row = new Float64Array(RTT_SLOTS);
  for (const v of views) {
    acc.fill(0);
    let sum = 0;
    for (const r of v.rows) {
      sum += rowInto(v, r, row);
      for (let b = 0; b < RTT_SLOTS; b++) acc[b] += row[b];
    }
    writeSeries(w, MONITOR, `monitor="${escapeLabel(v.monitorId)}"`, acc, sum);
  }
  const http = views.filter((v) => v.phases !== undefined);
  if (http.length > 0) {
    w.text(`\n# HELP ${MONITOR_HTTP} Duration of answered http and model monitor probes by phase, all targets of a monitor together: connect and tls their own handshakes, ttfb and total from the probe's start.\n# TYPE ${MONITOR_HTTP} histogram\n`);
    for (const v of http) {
      for (const phase of HTTP_PHASES) {
        acc.fill(0);
        let sum = 0;
        for (const r of v.rows) {
          sum += rowInto(v, r, row, phaseBuckets(v, phase));
          for (let b = 0; b < RTT_SLOTS; b++) acc[b] += row[b];
        }
        writeSeries(w, MONITOR_PHASE, `monitor="${escapeLabel(v.monitorId)}",phase="${phase}"`, acc, sum);
      }
    }
    w.text(`\n# HELP ${TARGET_CERT_EXPIRY} When the server certificate of an https target expires, seconds since the epoch (as blackbox_exporter's probe_ssl_earliest_cert_expiry).\n# TYPE ${TARGET_CERT_EXPIRY} gauge\n`);
    for (const v of http) {
      for (let i = 0; i < v.rows.length; i++) {
        const at = v.certExpiresAtMs![v.rows[i]];
        if (at === at) w.text(`${TARGET_CERT_EXPIRY}{monitor="${escapeLabel(v.monitorId)}",target="${escapeLabel(v.ids[i])}",address="${escapeLabel(v.addresses[i])}"} ${Math.round(at / 1000)}\n`);
      }
    }
  }
  if (perTarget) {
    w.text(`\n# HELP ${TARGET_RTT} Round-trip time of answered monitor probes per target (buckets 50us x 2^n, as smokeping_prober).\n# TYPE ${TARGET_RTT} histogram\n`);
    let done = 0;
    for (const v of views) {
      const monitor = `monitor="${escapeLabel(v.monitorId)}",target="`;
      // the member arrays are replaced (not changed) when membership changes: these stay whole
      const { rows: members, ids, addresses } = v;
      for (let i = 0; i < members.length; i++) {
        const sum = rowInto(v, members[i], row);
        writeSeries(w, TARGET, `${monitor}${escapeLabel(ids[i])}",address="${escapeLabel(addresses[i])}"`, row, sum);
        if (w.len >= CHUNK_BYTES) flush();
        if (++done % ROWS_PER_SLICE === 0) {
          if (sink.aborted) return;
          await (sink.backpressure() ?? yieldToLoop());
        }
      }
    }
    if (http.length > 0) {
      w.text(`\n# HELP ${TARGET_HTTP} Duration of answered http and model monitor probes by phase per target.\n# TYPE ${TARGET_HTTP} histogram\n`);
      for (const v of http) {
        const { rows: members, ids, addresses } = v;
        for (let i = 0; i < members.length; i++) {
          const labels = `monitor="${escapeLabel(v.monitorId)}",target="${escapeLabel(ids[i])}",address="${escapeLabel(addresses[i])}",phase="`;
          for (const phase of HTTP_PHASES) {
            const sum = rowInto(v, members[i], row, phaseBuckets(v, phase));
            writeSeries(w, TARGET_PHASE, `${labels}${phase}"`, row, sum);
          }
          if (w.len >= CHUNK_BYTES) flush();
          if (++done % ROWS_PER_SLICE === 0) {
            if (sink.aborted) return;
            await (sink.backpressure() ?? yieldToLoop());
          }
        }
      }
    }
  }
  flush();
}

/** The same text as one Buffer (tests, benchmarks). */
export async function renderWithRtt(head: string, views: readonly MonitorRttView[], perTarget: boolean): Promise<Buffer> {
  const chunks: string[] = [];
  await streamWithRtt(head, views, perTarget, { write: (c) => chunks.push(c) > 0, backpressure: () => null, aborted: false });
  return Buffer.from(chunks.join(''));
}
