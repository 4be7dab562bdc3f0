// npm run bench:fleet — the dashboard's fleet frames (server/live/fleet-frame.ts) at fleet
// size: N loopback targets (127.0.0.0/8 only) monitored at 1 probe/s by an in-process daemon
// with the real engine, one /v1/live client subscribed to fleet:<monitor> as a dashboard tab
// is. After a warm-up, for --seconds:
//   - bytes/s the tab receives (binary fleet frames; the index and JSON messages apart);
//   - records per frame (targets that changed that second);
//   - build time of a second's frame: FleetState.update() over the monitor's real second,
//     timed on a second FleetState fed by the same onSecond as the feed's, and fullFrame();
//   - connect → fleet-index and → first frame (the monitor has just been created);
// medians (and p90/max), for each N. The JSON monitor frame of the same second
// (frame-writer.ts) is sized alongside for comparison.
//
//   node dist/bench/fleet-frames.js [--sizes 10000,50000] [--seconds 30] [--warmup-seconds 20] [--threads 0]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { createEngine, openDaemon, type HostResolver, type LiveMonitorSecond } from '../engine/index.js';
import { startServer } from '../server/index.js';
import { FleetState } from '../server/live/fleet-frame.js';
import { FrameWriter } from '../server/live/frame-writer.js';
import { loopbackTargets } from './lib/targets.js';
import { quantile } from './lib/stats.js';

function list(v: string): number[] {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n < 1 || n > 200_000)) throw new InvalidArgumentError('a comma-separated list of target counts, 1..200000');
  return out;
}
function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const opts = new Command()
  .option('--sizes <list>', 'target counts', list, [10_000, 50_000])
  .option('--seconds <n>', 'measured seconds per size', positive, 30)
  .option('--warmup-seconds <n>', 'seconds before measuring (every target probed and up)', positive, 20)
  .option('--threads <n>', 'probe worker threads (0 = one per core)', (v) => Number(v), 0)
  .parse()
  .opts<{ sizes: number[]; seconds: number; warmupSeconds: number; threads: number }>();

// the agent's fqdn fact from memory: a benchmark sends no DNS query
const localResolver: HostResolver = {
  lookup: async () => ({ address: '127.0.0.1' }),
  lookupService: async () => ({ hostname: 'localhost' }),
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const summary = (xs: number[], digits = 2): string =>
  xs.length === 0 ? 'n/a' : `median ${quantile(xs, 0.5).toFixed(digits)}, p90 ${quantile(xs, 0.9).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)}`;

/** Opens a fleet client, times its index and first frame, closes it. */
function lateTab(base: string, key: string, monitorId: string): Promise<{ indexMs: number; frameMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let indexMs = 0;
    const ws = new WebSocket(`${base.replace('http://', 'ws://')}/v1/live?fleet=${monitorId}`, { headers: { authorization: `Bearer ${key}` } });
    ws.on('message', (data, isBinary) => {
      if (!isBinary && indexMs === 0 && (data as Buffer).includes('"fleet-index"')) indexMs = performance.now() - t0;
      if (isBinary) {
        ws.close();
        resolve({ indexMs, frameMs: performance.now() - t0 });
      }
    });
    ws.once('error', reject);
  });
}

async function runSize(n: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sonde-bench-fleet-'));
  const engine = createEngine(opts.threads > 0 ? { threads: opts.threads } : {});
  const daemon = await openDaemon({
    dataDir, engine, rateLimit: { perSecond: 10_000, burst: 10_000 }, agent: { resolver: localResolver },
    front: (services) => startServer({ daemon: services, logger: pino({ level: 'warn' }), host: '127.0.0.1', port: 0 }),
  });
  try {
    const imported = daemon.targets.bulkImport(loopbackTargets(n).map((address) => ({ kind: 'HOST', address, labels: { bench: 'fleet' } })));
    if (imported.created !== n) throw new Error(`imported ${imported.created} of ${n} targets`);
    const monitor = daemon.monitors.create({ name: 'fleet', selection: { labels: { bench: 'fleet' } }, intervalMs: 1000, timeoutMs: 1000 });
    const key = daemon.keys.create('bench', ['network:read']).secret;

    // the same second the feed gets, framed again here to time the build
    const probe = new FleetState();
    const json = new FrameWriter();
    let measuring = false;
    const buildMs: number[] = [];
    const fullMs: number[] = [];
    const jsonBytes: number[] = [];
    let lastIds: readonly string[] | null = null;
    const detach = daemon.monitors.onSecond((second) => {
      const m: LiveMonitorSecond | undefined = second.monitors.find((x) => x.monitorId === monitor.id);
      if (m === undefined) return;
      if (m.ids !== lastIds) {
        probe.reset(m.ids.length);
        probe.update(m, 1, second.startMs, true);
        lastIds = m.ids;
        return;
      }
      if (!measuring) {
        probe.update(m, 1, second.startMs, false);
        return;
      }
      let t0 = performance.now();
      probe.update(m, 1, second.startMs, false);
      buildMs.push(performance.now() - t0);
      t0 = performance.now();
      probe.fullFrame(1, second.startMs);
      fullMs.push(performance.now() - t0);
      json.start(`monitor:${m.monitorId}`, second.startMs);
      for (let k = 0; k < m.rows.length; k++) json.entry(m, k);
      jsonBytes.push(json.end().byteLength);
    });

    const ws = new WebSocket(`${daemon.front.url.replace('http://', 'ws://')}/v1/live?fleet=${monitor.id}`, { headers: { authorization: `Bearer ${key}` } });
    const perSecond = new Map<number, { bytes: number; records: number; full: boolean }>();
    let indexBytes = 0;
    const connectAt = performance.now();
    let indexAt = 0;
    let firstFrameAt = 0;
    let statuses = new Uint8Array(n);
    ws.on('message', (data, isBinary) => {
      const buf = data as Buffer;
      if (!isBinary) {
        if (buf.includes('"fleet-index"')) {
          indexBytes = buf.byteLength;
          if (indexAt === 0) indexAt = performance.now();
        }
        return;
      }
      if (firstFrameAt === 0) firstFrameAt = performance.now();
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const t = view.getFloat64(8, true);
      const count = view.getUint32(16, true);
      if (statuses.length < n) statuses = new Uint8Array(n);
      for (let i = 0, at = 24; i < count; i++, at += 12) statuses[view.getUint32(at, true)] = view.getUint8(at + 4);
      if (measuring) perSecond.set(t, { bytes: buf.byteLength, records: count, full: view.getUint8(20) === 1 });
    });
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });

    const warmEnd = Date.now() + opts.warmupSeconds * 1000;
    while (Date.now() < warmEnd) await sleep(250);
    const up = statuses.reduce((k, s) => k + (s === 1 ? 1 : 0), 0);
    // a second tab opened on the running daemon: the topic exists, its index is built
    const late = await lateTab(daemon.front.url, key, monitor.id);
    measuring = true;
    await sleep(opts.seconds * 1000);
    measuring = false;
    detach();
    await new Promise((resolve) => { ws.once('close', resolve); ws.close(); });
    // the only tab closed: the next one builds the topic (members and index) afresh
    const fresh = await lateTab(daemon.front.url, key, monitor.id);

    const seconds = [...perSecond.values()];
    const bytes = seconds.map((s) => s.bytes);
    const records = seconds.map((s) => s.records);
    console.log(`N=${n}: ${seconds.length} frames measured (${seconds.filter((s) => s.full).length} full); ${up} of ${n} up after the warm-up; fleet-index ${(indexBytes / 1e6).toFixed(2)} MB once`);
    console.log(`  connect → fleet-index ${(indexAt - connectAt).toFixed(0)} ms, → first (full) frame ${(firstFrameAt - connectAt).toFixed(0)} ms (the monitor had just started)`);
    console.log(`  a tab opened on the running monitor: connect → fleet-index ${late.indexMs.toFixed(0)} ms, → its full frame ${late.frameMs.toFixed(0)} ms`);
    console.log(`  the first tab on the running monitor (topic built afresh): connect → fleet-index ${fresh.indexMs.toFixed(0)} ms, → its full frame ${fresh.frameMs.toFixed(0)} ms`);
    console.log(`  bytes/s to the tab: ${summary(bytes.map((b) => b / 1e3), 1)} kB   (full frame ${((24 + 12 * n) / 1e3).toFixed(0)} kB; JSON monitor frame ${summary(jsonBytes.map((b) => b / 1e6), 2)} MB)`);
    console.log(`  records per frame: ${summary(records, 0)}`);
    console.log(`  build per second (update, deltas): ${summary(buildMs, 3)} ms; full frame: ${summary(fullMs, 3)} ms`);
  } finally {
    await daemon.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const n of opts.sizes) await runSize(n);
