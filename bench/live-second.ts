// The once-a-second work of continuous monitoring at fleet size, on the main thread:
// SecondStats.rotate + the status evaluation (the engine's second pass), a monitor frame of
// the live feed, and LiveState.summarize (behind GET /v1/monitors/{id}/summary), each timed
// over 50,000 rows (SONDE_BENCH_ROWS to change), medians and maxima of 30 runs (the first 3 left out).
// Also the per-probe cost of LiveState.ok()/failed(). `npm run bench:live`.
import { LiveState } from '../engine/monitor/live-state.js';
import { evaluateStatus, DEFAULT_STATUS_SETTINGS } from '../engine/monitor/status-tracker.js';
import { WindowTable } from '../engine/monitor/window-table.js';
import { TARGET_STATUSES, type LiveMonitorSecond } from '../engine/index.js';
import { FrameWriter } from '../server/live/frame-writer.js';

const ROWS = Number(process.env.SONDE_BENCH_ROWS ?? 50_000);
const RUNS = 30;

/** Median, p90 and maximum after the first 3 runs (JIT, first touch of the arrays). */
function stats(xs: number[]): string {
  const s = xs.slice(3).sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(2)} ms, p90 ${s[Math.floor(s.length * 0.9)].toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms`;
}

const live = new LiveState();
live.ensureRows(ROWS);
const rows = Array.from({ length: ROWS }, (_, i) => i);
const ids = rows.map((i) => `01a22fa4-0000-7000-8000-${i.toString(16).padStart(12, '0')}`);
const addresses = rows.map((i) => `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
const monitorId = '01a22fa4-ffff-7000-8000-000000000000';

// five whole windows remembered plus one open, as after five minutes of 60 s windows
const start = Date.now();
for (let w = 0; w < 5; w++) {
  const t = new WindowTable(ROWS, start + w * 60_000);
  for (let r = 0; r < ROWS; r++) for (let k = 0; k < 60; k++) {
    if (r % 97 === 0 && k < 5) t.recordTimeout(r);
    else t.recordRtt(r, 20_000 + (r % 1000));
  }
  live.remember(w, t);
}
const open = new WindowTable(ROWS, start + 5 * 60_000);

// per-probe cost
const probes = 2_000_000;
let t0 = performance.now();
for (let i = 0; i < probes; i++) {
  const r = i % ROWS;
  if (r % 97 === 0) live.failed(r, start + i);
  else live.ok(r, 20_000 + (i & 1023), start + i);
}
const perProbeNs = ((performance.now() - t0) * 1e6) / probes;

const pass: number[] = [];
const frame: number[] = [];
const summary: number[] = [];
let changes = 0;
const writer = new FrameWriter();
let bytes = 0;
for (let run = 0; run < RUNS; run++) {
  // one second of probes: every row answers once (every 97th fails)
  for (let r = 0; r < ROWS; r++) {
    if (r % 97 === 0) live.failed(r, start);
    else live.ok(r, 20_000 + r, start);
  }
  t0 = performance.now();
  live.second.rotate(start + run * 1000);
  evaluateStatus(live, rows, DEFAULT_STATUS_SETTINGS, () => { changes++; });
  pass.push(performance.now() - t0);
  const s = live.second;
  const m: LiveMonitorSecond = { monitorId, rows, ids, addresses, sent: s.lastSent, received: s.lastReceived, p50Ns: s.lastP50Ns, maxNs: s.lastMaxNs, status: live.status,
    lastRttNs: live.lastRttNs, lossSent: s.lossSent, lossReceived: s.lossReceived };
  t0 = performance.now();
  writer.start(`monitor:${monitorId}`, start + run * 1000);
  for (let k = 0; k < ROWS; k++) writer.entry(m, k);
  const bytesOut = writer.end();
  bytes = bytesOut.length;
  if (run === 0) JSON.parse(Buffer.from(bytesOut).toString('utf8')); // valid JSON
  frame.push(performance.now() - t0);
  t0 = performance.now();
  const out = live.summarize(rows, ids, addresses, 5, 4, [{ table: open, phases: null }]);
  summary.push(performance.now() - t0);
  if (out.targets.length !== ROWS) throw new Error('summary lost targets');
}
const counts = Object.fromEntries(TARGET_STATUSES.map((st, i) => [st, live.status.reduce((n, c) => n + (c === i ? 1 : 0), 0)]));
console.log(`rows ${ROWS}; per probe ok()/failed(): ${perProbeNs.toFixed(1)} ns`);
console.log(`second pass (rotate + status): ${stats(pass)}; transitions seen ${changes}; statuses ${JSON.stringify(counts)}`);
console.log(`live frame of the whole monitor: ${stats(frame)}, ${(bytes / 1e6).toFixed(2)} MB`);
console.log(`LiveState.summarize (objects, no JSON): ${stats(summary)}`);
