// npm run bench:summary-json — what serializing GET /v1/monitors/{id}/summary costs with
// 50,000 targets (issue 6: the summary must answer with p99 ≤ 50 ms): JSON.stringify and the
// UTF-8 bytes uWS sends (Buffer.from of that string, the conversion uWS does in C++ for a
// string body) vs two hand-written serializers: string concatenation per field (the code
// fast-json-stringify generates from a schema) and bench/lib/json-rows.ts writing bytes
// directly; and JSON.stringify again with lastRttMs rounded to 1 µs (what a summary that
// rounded its RTTs would cost). The entries have the shape of a running monitor's
// TargetStatus (uuid, loopback address, status, last RTT with full double precision, ...).
//
//   node dist/bench/summary-json.js [--targets 50000] [--repeats 30]
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Command, InvalidArgumentError } from 'commander';
import { jsonWithRows } from './lib/json-rows.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { median, quantile } from './lib/stats.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const opts = new Command('bench:summary-json')
  .option('--targets <n>', 'summary entries', positiveInt, 50_000)
  .option('--repeats <n>', 'timed serializations per way', positiveInt, 30)
  .parse()
  .opts<{ targets: number; repeats: number }>();

const now = Date.now();
const targets = Array.from({ length: opts.targets }, (_, i) => {
  const down = i % 97 === 0;
  return {
    targetId: randomUUID(),
    address: `127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
    status: down ? 'down' : 'up',
    lastRttMs: down ? null : (12_000 + ((i * 7919) % 80_000)) / 1e6 + (i % 3 === 0 ? 1e-9 / 3 : 0), // ns / 1e6, some with float noise
    lastProbeAtMs: now - (i % 1000),
    failStreak: down ? 4 : 0,
    sent: 300,
    received: down ? 296 : 300,
    lossPercent: down ? 1.3333333333333333 : 0,
  };
});
const summary = { monitorId: randomUUID(), running: true, atMs: now, lossWindowMs: 300_000, counts: { up: opts.targets, degraded: 0, down: 0, unknown: 0 }, targets };

function time(fn: () => unknown): { medianMs: number; p99Ms: number } {
  for (let i = 0; i < 3; i++) fn();
  const runs: number[] = [];
  for (let i = 0; i < opts.repeats; i++) {
    const t0 = performance.now();
    fn();
    runs.push(performance.now() - t0);
  }
  return { medianMs: median(runs), p99Ms: quantile(runs, 0.99) };
}

printMachine(describeMachine());
const same = JSON.stringify(JSON.parse(jsonWithRows(summary, 'targets', targets).toString('utf8'))) === JSON.stringify(summary);
console.log(`${opts.targets.toLocaleString('en-US')} entries, ${(Buffer.byteLength(JSON.stringify(summary)) / 1e6).toFixed(1)} MB of JSON; json-rows output parses to the same object: ${same}`);
type Entry = (typeof targets)[number];
const q = (v: string): string => JSON.stringify(v);
const n = (v: number | null): string => (v === null || !Number.isFinite(v) ? 'null' : String(v));
function concat(s: typeof summary): string {
  let out = `{"monitorId":${q(s.monitorId)},"running":${s.running},"atMs":${n(s.atMs)},"lossWindowMs":${n(s.lossWindowMs)},"counts":${JSON.stringify(s.counts)},"targets":[`;
  s.targets.forEach((t: Entry, i) => {
    out += `${i > 0 ? ',' : ''}{"targetId":${q(t.targetId)},"address":${q(t.address)},"status":${q(t.status)},"lastRttMs":${n(t.lastRttMs)},"lastProbeAtMs":${n(t.lastProbeAtMs)},"failStreak":${n(t.failStreak)},"sent":${n(t.sent)},"received":${n(t.received)},"lossPercent":${n(t.lossPercent)}}`;
  });
  return `${out}]}`;
}
const rounded = { ...summary, targets: targets.map((t) => ({ ...t, lastRttMs: t.lastRttMs === null ? null : Math.round(t.lastRttMs * 1000) / 1000 })) };
if (concat(summary) !== JSON.stringify(summary)) throw new Error('the concatenating serializer differs from JSON.stringify');
const results = {
  stringify: time(() => JSON.stringify(summary)),
  stringifyToBytes: time(() => Buffer.from(JSON.stringify(summary), 'utf8')),
  concatToBytes: time(() => Buffer.from(concat(summary), 'utf8')),
  jsonRows: time(() => jsonWithRows(summary, 'targets', targets)),
  stringifyRoundedRtt: time(() => JSON.stringify(rounded)),
};
for (const [name, r] of Object.entries(results)) console.log(`  ${name.padEnd(18)} median ${r.medianMs.toFixed(1).padStart(6)} ms   p99 ${r.p99Ms.toFixed(1).padStart(6)} ms`);
console.log(`(stringifyToBytes is what the route does: JSON.stringify, then uWS copies the string as UTF-8)\nload average after: ${describeMachine().loadAvg.join(' ')}`);
if (!same) process.exitCode = 1;
