// Node API fan-out through the NATS bus (issue 19): one nats-server, `sonde serve --nats
// --no-local-agent` and N `sonde agent` processes on this machine. Measures
// `POST /node/_all/network/ping` (count 1, 127.0.0.1) p50/p99 against the same ping on one
// local agent (`sonde serve` without a bus: the ping itself plus HTTP), and `_any` node pings
// per second through the bus against the local agent, both in the same run.
// The 4 × 12,500-target monitor run is bench/distributed-monitors.ts (npm run bench:distributed runs both).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cliEntry } from './lib/daemon-process.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { quantile } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    agents: { type: 'string', default: '4' },
    calls: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '3' },
    'no-save': { type: 'boolean', default: false },
  },
});
const AGENTS = Number(flags.agents);
const CALLS = Number(flags.calls);
const SECONDS = Number(flags.seconds);
const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

interface Child { child: ChildProcess; out: () => string }

function run(cmd: string, args: string[], cwd: string): Child {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SONDE_CONFIG: '' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return { child, out: () => out };
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(c: Child): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  c.child.kill('SIGTERM');
  await once(c.child, 'exit');
}

const root = mkdtempSync(join(tmpdir(), 'sonde-bench-distributed-'));
const children: Child[] = [];
const sonde = (args: string[], dir: string): Child => {
  const c = run(process.execPath, [cliEntry, ...args], dir);
  children.push(c);
  return c;
};

async function startServe(dir: string, config: string, extra: string[]): Promise<{ url: string; key: string }> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'serve.yaml'), config);
  const c = sonde(['serve', '--config', join(dir, 'serve.yaml'), '--data', join(dir, 'data'), '--port', '0', '--threads', '1', '--log-level', 'warn', ...extra], dir);
  const url = await until('sonde serve', () => /listening on (http:\/\/\S+)/.exec(c.out())?.[1]);
  return { url, key: readFileSync(join(dir, 'data', 'admin.key'), 'utf8').trim() };
}

async function post(url: string, key: string, body: unknown): Promise<{ status: number; body: { results: { hostname: string; packets_received: number }[] } }> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as never };
}

const PING = { address: '127.0.0.1', count: 1, timeout_ms: 1000 };

/** Sequential calls: latency of each (ms). */
async function latencies(url: string, key: string, selector: string, expectItems: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < CALLS + 5; i++) {
    const t0 = performance.now();
    const r = await post(`${url}/node/${selector}/network/ping`, key, PING);
    const ms = performance.now() - t0;
    if (r.status !== 200 || r.body.results.length !== expectItems || r.body.results.some((x) => x.packets_received !== 1)) {
      throw new Error(`${selector}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    if (i >= 5) out.push(ms); // 5 warm-up calls
  }
  return out;
}

/** Calls per second with 4 in flight for SECONDS. */
async function rate(url: string, key: string, selector: string): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (performance.now() < end) {
      const r = await post(`${url}/node/${selector}/network/ping`, key, PING);
      if (r.status !== 200) throw new Error(`${selector}: ${r.status}`);
      n++;
    }
  }));
  return n / SECONDS;
}

const fmt = (xs: number[]): string => `p50 ${quantile(xs, 0.5).toFixed(2)} ms, p99 ${quantile(xs, 0.99).toFixed(2)} ms`;

const machine = describeMachine();
printMachine(machine);
try {
  // the reference: one local agent, no bus
  const local = await startServe(join(root, 'local'), 'agent: { hostname: localhost }\nrateLimit: { perSecond: 100000, burst: 100000 }\n', []);
  const localLat = await latencies(local.url, local.key, 'localhost', 1);
  const localRate = await rate(local.url, local.key, 'localhost');

  const natsDir = join(root, 'nats');
  mkdirSync(join(natsDir, 'ports'), { recursive: true });
  writeFileSync(join(natsDir, 'nats.conf'), `host: 127.0.0.1\nport: -1\njetstream { store_dir: ${JSON.stringify(join(natsDir, 'js'))} }\n`);
  const nats = run(NATS_SERVER, ['-c', join(natsDir, 'nats.conf'), '--ports_file_dir', join(natsDir, 'ports')], natsDir);
  children.push(nats);
  const natsUrl = await until('nats-server', () => {
    const f = readdirSync(join(natsDir, 'ports')).find((x) => x.endsWith('.ports'));
    return f === undefined || !nats.out().includes('Server is ready') ? undefined : (JSON.parse(readFileSync(join(natsDir, 'ports', f), 'utf8')) as { nats: string[] }).nats[0];
  });
  const natsYaml = `nats: { servers: ["${natsUrl}"], heartbeatMs: 1000, heartbeatTtlMs: 5000 }\n`;
  const ctl = await startServe(join(root, 'controller'), `agent: { hostname: localhost }\nrateLimit: { perSecond: 100000, burst: 100000 }\n${natsYaml}`, ['--no-local-agent']);
  for (let i = 0; i < AGENTS; i++) {
    const dir = join(root, `agent-${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'agent.yaml'), `agent: { hostname: "bench-${i}", fqdn: "bench-${i}.test" }\n${natsYaml}`);
    sonde(['agent', '--config', join(dir, 'agent.yaml'), '--data', join(dir, 'data'), '--threads', '1', '--log-level', 'warn'], dir);
  }
  await until(`${AGENTS} healthy agents`, async () => {
    const res = await fetch(`${ctl.url}/v1/agents`, { headers: { authorization: `Bearer ${ctl.key}` } });
    const items = ((await res.json()) as { items: { healthy: boolean }[] }).items;
    return items.filter((a) => a.healthy).length === AGENTS ? true : undefined;
  }, 30_000);
  const allLat = await latencies(ctl.url, ctl.key, '_all', AGENTS);
  const anyRate = await rate(ctl.url, ctl.key, '_any');

  console.log(`\nPOST /node/{selector}/network/ping, count 1 to 127.0.0.1, ${CALLS} sequential calls after 5 warm-up`);
  console.log(`  local agent (no bus), localhost:   ${fmt(localLat)}`);
  console.log(`  ${AGENTS} agents over NATS, _all:        ${fmt(allLat)}`);
  console.log(`  p99 above the local ping:          ${(quantile(allLat, 0.99) - quantile(localLat, 0.99)).toFixed(2)} ms (goal ≤ 50 ms)`);
  console.log(`\nnode pings per second, 4 in flight, ${SECONDS} s`);
  console.log(`  local agent: ${localRate.toFixed(0)}/s   _any over NATS (${AGENTS} agents): ${anyRate.toFixed(0)}/s   ratio ${(anyRate / localRate).toFixed(2)}`);
  if (!flags['no-save']) {
    const path = saveResult('distributed', {
      machine, agents: AGENTS, calls: CALLS,
      localMs: { p50: quantile(localLat, 0.5), p99: quantile(localLat, 0.99) },
      allMs: { p50: quantile(allLat, 0.5), p99: quantile(allLat, 0.99) },
      localPerSecond: localRate, anyPerSecond: anyRate,
    });
    console.log(`\nsaved ${path}`);
  }
} finally {
  for (const c of children.reverse()) await stop(c);
  rmSync(root, { recursive: true, force: true });
}
