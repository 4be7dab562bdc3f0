// bench:monitor --probe tcp|http|dns: the monitor path itself in a process of its own — a
// MonitorRunner of that kind (engine/monitor/monitor-runner.ts: the socket job on the
// monitor's grid, the probers, window tables, live state, drift, skipped slots) over N
// targets at 1 probe/s, its windows (1 s here) sealed and counted as the daemon's turn does,
// without the HTTP API and the SQLite writer thread — so this process's CPU and RSS are what
// monitoring these kinds costs.
//
//   node dist/bench/lib/monitor-driver.js <json config>
//   config: { kind: 'tcp'|'http'|'https'|'dns', n, port, addresses: string[], intervalMs,
//             timeoutMs, keepAlive: boolean }
//
// Prints {"ready":true} once started; on SIGUSR2 prints the counters since the last SIGUSR2
// (sent, ok, failures by kind, skipped, drift p50/p99/max ms of the runner's drift samples,
// inFlight) and resets them; exits on SIGTERM.
import { decodeFromCompressedBase64, type Histogram } from 'hdr-histogram-js';
import { MONITOR_ERROR_KINDS, MONITOR_ERROR_KIND_COUNT } from '../../engine/monitor/error-kinds.js';
import type { StoredMonitor } from '../../engine/monitor/monitor-repo.js';
import { MonitorRunner, wallNowMs } from '../../engine/monitor/monitor-runner.js';
import type { Member } from '../../engine/monitor/selection.js';
import { seriesKey } from '../../engine/monitor/series.js';
import { SocketBudget } from '../../engine/monitor/socket-job.js';

interface Config { kind: 'tcp' | 'http' | 'https' | 'dns'; n: number; port: number; addresses: string[]; intervalMs: number; timeoutMs: number; keepAlive: boolean }
const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const { n, intervalMs, timeoutMs } = config;
const WINDOW_MS = 1000;
const TICK_MS = 100;

const address = (i: number): string => config.addresses[i % config.addresses.length]!;
const probe = config.kind === 'https' ? 'http' : config.kind;
const now = Date.now();
const def: StoredMonitor = {
  seq: 1, id: '00000000-0000-7000-8000-000000000001', name: 'bench', selection: { labels: { bench: 'monitor' } }, probe,
  intervalMs, probes: 1, timeoutMs, size: 56, enabled: true, createdAtMs: now, updatedAtMs: now,
};
if (probe === 'tcp') def.tcp = { port: config.port };
if (probe === 'dns') def.dns = { name: 'bench.test', port: config.port, type: 'A', expect: '127.0.0.1' };
if (probe === 'http') def.http = { keepAlive: config.keepAlive, verifyTls: false };
const members: Member[] = Array.from({ length: n }, (_, i) => ({
  seq: i + 1, id: `t${i}`, port: null,
  address: probe === 'http' ? `${config.kind}://${address(i)}:${config.port}/t/${i}` : address(i),
}));

const budget = new SocketBudget();
const runner = new MonitorRunner(def, null, WINDOW_MS, budget);
runner.setMembers(members);

let sent = 0;
let ok = 0;
const failures = new Map<string, number>();
let skippedBase = 0;
let driftBase: Histogram | null = null;

const turn = setInterval(() => {
  const t = wallNowMs();
  runner.tick(t);
  for (const w of runner.takeFinished(t)) {
    // the total series (an http window's phases are the same probes again)
    if (w.monitorSeq === seriesKey(def.seq, probe)) {
      const table = w.table;
      for (let r = 0; r < table.rows; r++) {
        sent += table.sent[r];
        ok += table.received[r];
        if (table.sent[r] === table.received[r]) continue;
        let errors = 0;
        for (let k = 0; k < MONITOR_ERROR_KIND_COUNT; k++) {
          const e = table.errors[r * MONITOR_ERROR_KIND_COUNT + k];
          if (e > 0) failures.set(MONITOR_ERROR_KINDS[k], (failures.get(MONITOR_ERROR_KINDS[k]) ?? 0) + e);
          errors += e;
        }
        const timeouts = table.sent[r] - table.received[r] - errors;
        if (timeouts > 0) failures.set('timeout', (failures.get('timeout') ?? 0) + timeouts);
      }
    }
    w.release();
  }
}, TICK_MS);

function driftSince(): { p50: number | null; p99: number | null; max: number } {
  const encoded = runner.driftHistogram();
  if (encoded === null) return { p50: null, p99: null, max: 0 };
  const h = decodeFromCompressedBase64(encoded);
  const whole = decodeFromCompressedBase64(encoded);
  if (driftBase !== null) h.subtract(driftBase);
  driftBase = whole;
  if (h.totalCount === 0) return { p50: null, p99: null, max: 0 };
  return { p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000, max: h.getValueAtPercentile(100) / 1000 };
}

process.on('SIGUSR2', () => {
  const d = driftSince();
  console.log(JSON.stringify({
    sent, ok, skipped: runner.skippedSlots - skippedBase, inFlight: budget.inFlight, failures: Object.fromEntries(failures),
    driftP50Ms: d.p50, driftP99Ms: d.p99, driftMaxMs: d.max,
  }));
  sent = 0;
  ok = 0;
  skippedBase = runner.skippedSlots;
  failures.clear();
});
process.on('SIGTERM', () => {
  clearInterval(turn);
  void runner.stop().then(() => process.exit(0));
});
console.log(JSON.stringify({ ready: true }));
