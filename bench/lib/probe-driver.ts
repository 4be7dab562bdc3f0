// bench:monitor --probe tcp|http|dns, engine mode: the engine's non-ICMP probes (probeTcp,
// HttpCheck, probeDns from engine/index.ts) run in a process of their own on the monitor's
// schedule rule — N targets each probed once per interval at its own offset (i/N of the
// interval), a probe more than an interval late skipped and counted, one probe per target in
// flight — so that this process's CPU and RSS are what the probes cost.
//
//   node dist/bench/lib/probe-driver.js <json config>
//   config: { kind: 'tcp'|'http'|'https'|'dns', n, port, addresses: string[], intervalMs,
//             timeoutMs, keepAlive: boolean }
//
// Prints {"ready":true} when every target is prepared; on SIGUSR2 prints the counters since
// the last SIGUSR2 (sent, ok, failures by kind, skipped, drift p50/p99/max ms, inFlight) and
// resets them; exits on SIGTERM.
import { HttpCheck, probeDns, probeTcp, type ProbeFailure } from '../../engine/index.js';

interface Config { kind: 'tcp' | 'http' | 'https' | 'dns'; n: number; port: number; addresses: string[]; intervalMs: number; timeoutMs: number; keepAlive: boolean }
const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const { n, intervalMs, timeoutMs } = config;

// drift histogram: 10 µs bins up to 2 s, the rest in the last bin (no allocation per probe)
const BIN_MS = 0.01;
const drift = new Uint32Array(200_001);
let driftMax = 0;
let sent = 0;
let ok = 0;
let skipped = 0;
let inFlight = 0;
const failures = new Map<string, number>();

const busy = new Uint8Array(n);
const address = (i: number): string => config.addresses[i % config.addresses.length]!;
const checks: HttpCheck[] = [];
if (config.kind === 'http' || config.kind === 'https') {
  for (let i = 0; i < n; i++) {
    checks.push(new HttpCheck({
      url: `${config.kind}://${address(i)}:${config.port}/t/${i}`, timeoutMs, keepAlive: config.keepAlive,
      tlsVerify: false, followRedirects: false,
    }));
  }
}

const done = (i: number, failure: ProbeFailure | undefined): void => {
  busy[i] = 0;
  inFlight--;
  if (failure === undefined) ok++;
  else failures.set(failure.kind, (failures.get(failure.kind) ?? 0) + 1);
};

function probe(i: number): void {
  busy[i] = 1;
  inFlight++;
  sent++;
  switch (config.kind) {
    case 'tcp':
      void probeTcp({ host: address(i), port: config.port, timeoutMs }).then((r) => done(i, r.failure));
      return;
    case 'dns':
      void probeDns({ host: `t${i}.bench.test`, servers: [`${address(i)}:${config.port}`], family: 4, timeoutMs }).then((r) => done(i, r.failure));
      return;
    default:
      void checks[i]!.run().then((r) => done(i, r.failure));
  }
}

// the schedule: target i is due at epoch + round × interval + i/N × interval
const epoch = performance.now() + 100;
let round = 0;
let next = 0;
function tick(): void {
  const now = performance.now();
  for (;;) {
    const due = epoch + round * intervalMs + (next * intervalMs) / n;
    if (due > now) {
      setTimeout(tick, Math.max(0, due - now));
      return;
    }
    const late = now - due;
    if (late > intervalMs || busy[next] === 1) skipped++;
    else {
      const bin = Math.min(drift.length - 1, Math.round(late / BIN_MS));
      drift[bin]!++;
      if (late > driftMax) driftMax = late;
      probe(next);
    }
    if (++next === n) {
      next = 0;
      round++;
    }
  }
}

function quantileMs(q: number): number | null {
  let total = 0;
  for (let b = 0; b < drift.length; b++) total += drift[b]!;
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let b = 0; b < drift.length; b++) {
    seen += drift[b]!;
    if (seen >= rank) return b * BIN_MS;
  }
  return null;
}

process.on('SIGUSR2', () => {
  console.log(JSON.stringify({
    sent, ok, skipped, inFlight, failures: Object.fromEntries(failures),
    driftP50Ms: quantileMs(0.5), driftP99Ms: quantileMs(0.99), driftMaxMs: driftMax,
  }));
  sent = 0; ok = 0; skipped = 0; driftMax = 0;
  failures.clear();
  drift.fill(0);
});
process.on('SIGTERM', () => {
  for (const c of checks) c.close();
  process.exit(0);
});
console.log(JSON.stringify({ ready: true }));
setTimeout(tick, 100);
