// npm run bench:tasks — create-then-poll through the whole daemon (uWS, API key auth, rate
// limit, the diagnostic task service, the probe engine, SQLite) for the service ping API
// (POST /api/v1/{service_id}/ping/ then GET /api/v1/ping/{task_id}/) and the
// troubleshooting API (POST …/aps/{serial}/ping then GET the location), count 1 to
// 127.0.0.1. Reference in the same run: the same cycle through the native job API (POST
// /v1/jobs + GET /v1/jobs/{id}), which runs one engine job and four commits per ping.
// Goal (issue 5): ≥ 5,000 tasks/s created and completed.
//
// The client is a minimal keep-alive HTTP/1.1 client on raw sockets (one request in flight
// per connection): wrk cannot tie a poll's answer to its task, and node:http's client costs
// more CPU per request than the server on this 2-core machine.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { freePort, startDaemon } from './lib/daemon-process.js';
import { describeMachine, printMachine } from './lib/machine.js';
import { saveResult } from './lib/results.js';
import { fmtInt, median, quantile } from './lib/stats.js';

const { values: flags } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '200' },
    'poll-delay-ms': { type: 'string', default: '2' },
    'no-save': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (flags.help) {
  console.log('usage: npm run bench:tasks -- [--runs 3] [--duration S=5] [--connections 200] [--poll-delay-ms 2] [--no-save]');
  process.exit(0);
}
const runs = Number(flags.runs);
const durationMs = Number(flags.duration) * 1000;
const connections = Number(flags.connections);
const pollDelayMs = Number(flags['poll-delay-ms']);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const SERIAL = 'BENCH-AP-0001';

/** One keep-alive connection, one request at a time; resolves with status and body. */
class Connection {
  private buffer = '';
  private waiting: ((r: { status: number; body: string }) => void) | null = null;
  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.setNoDelay(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.failWaiting?.(new Error('the server closed the connection')));
  }

  private failWaiting: ((error: Error) => void) | null = null;

  static async open(port: number): Promise<Connection> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new Connection(socket);
  }

  request(text: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
      this.socket.write(text);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buffer.slice(0, end);
    const m = /content-length: *(\d+)/i.exec(head);
    const length = m ? Number(m[1]) : 0;
    if (this.buffer.length < end + 4 + length) return;
    const body = this.buffer.slice(end + 4, end + 4 + length);
    this.buffer = this.buffer.slice(end + 4 + length);
    const status = Number(head.slice(9, 12));
    const resolve = this.waiting!;
    this.waiting = null;
    resolve({ status, body });
  }
}

interface Api {
  name: string;
  create: string;
  /** The poll request for a created task, from the create answer's body. */
  poll(body: string): string;
  /** null while running; true for a successful outcome. */
  outcome(body: string): boolean | null;
}

function apis(secret: string): Api[] {
  const auth = `Authorization: Bearer ${secret}\r\n`;
  const post = (path: string, json: string): string =>
    `POST ${path} HTTP/1.1\r\nHost: b\r\n${auth}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
  const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: b\r\n${auth}\r\n`;
  return [
    {
      name: 'service API (B)',
      create: post('/api/v1/7/ping/', '{"pings":1}'),
      poll: (body) => get(`/api/v1/ping/${/"task_id":"([^"]+)"/.exec(body)![1]}/`),
      outcome: (body) => (body.includes('"ping_pending"') ? null : body.includes('"stable_connection"')),
    },
    {
      name: 'troubleshooting API (C)',
      create: post(`/network-troubleshooting/v1alpha1/aps/${SERIAL}/ping`, '{"destination":"127.0.0.1","count":1}'),
      poll: (body) => get(/"location":"([^"]+)"/.exec(body)![1]),
      outcome: (body) => (body.includes('"status":"RUNNING"') || body.includes('"status":"INITIATED"') ? null : body.includes('"status":"COMPLETED"')),
    },
    {
      name: 'reference: native jobs (POST /v1/jobs + GET /v1/jobs/{id})',
      create: post('/v1/jobs', '{"operation":"ping","targets":["127.0.0.1"],"count":1,"timeoutMs":1000}'),
      poll: (body) => get(`/v1/jobs/${/"id":"([^"]+)"/.exec(body)![1]}`),
      outcome: (body) => (body.includes('"status":"submitted"') || body.includes('"status":"processing"') ? null : body.includes('"status":"completed"')),
    },
  ];
}

interface RunResult { tasksPerS: number; requestsPerS: number; pollsPerTask: number; failed: number; p50Ms: number; p99Ms: number; cpuUsPerTask: number; clientCpuUsPerTask: number }

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Fresh connections per run: uWS closes keep-alive connections idle for 10 s. */
async function measure(api: Api, connectionCount: number, daemonPid: number): Promise<RunResult> {
  const conns = await Promise.all(Array.from({ length: connectionCount }, () => Connection.open(port)));
  try {
    return await measureOn(api, conns, daemonPid);
  } finally {
      }
}

async function measureOn(api: Api, conns: Connection[], daemonPid: number): Promise<RunResult> {
  let completed = 0;
  let failed = 0;
  let requests = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  const stopAt = t0 + durationMs;
  const cpu0 = cpuSeconds(daemonPid);
  const client0 = process.cpuUsage();
  await Promise.all(conns.map(async (c) => {
    while (performance.now() < stopAt) {
      const start = performance.now();
      const created = await c.request(api.create);
      requests++;
      if (created.status !== 200 && created.status !== 202) throw new Error(`${api.name}: create answered ${created.status} ${created.body}`);
      const poll = api.poll(created.body);
      for (;;) {
        if (pollDelayMs > 0) await sleep(pollDelayMs);
        const r = await c.request(poll);
        requests++;
        if (r.status !== 200) throw new Error(`${api.name}: poll answered ${r.status} ${r.body}`);
        const outcome = api.outcome(r.body);
        if (outcome === null) continue;
        if (outcome) completed++;
        else failed++;
        latencies.push(performance.now() - start);
        break;
      }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(daemonPid) - cpu0;
  const client = process.cpuUsage(client0);
  const tasks = completed + failed;
  return {
    tasksPerS: completed / seconds,
    requestsPerS: requests / seconds,
    pollsPerTask: (requests - tasks) / Math.max(1, tasks),
    failed,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    cpuUsPerTask: (cpu * 1e6) / Math.max(1, tasks),
    clientCpuUsPerTask: (client.user + client.system) / Math.max(1, tasks),
  };
}

const machine = describeMachine();
printMachine(machine);
console.log('note: the machine is shared with other sessions; figures move with their load.');
console.log(`${connections} connections, each: create, then poll every ${pollDelayMs} ms until finished; ${flags.duration} s per run, ${runs} runs per API, alternating; medians reported.`);
const loadBefore = loadavg();
console.log(`load average at the start: ${loadBefore.map((l) => l.toFixed(2)).join(' ')}\n`);

const dataDir = mkdtempSync(join(tmpdir(), 'sonde-bench-tasks-'));
const port = await freePort();
const env = { SONDE_RATE_LIMIT: '100000000', SONDE_AGENT_SERIAL: SERIAL };
console.log(`sonde serve --data ${dataDir} --port ${port} --log-level warn   (env SONDE_RATE_LIMIT=100000000 SONDE_AGENT_SERIAL=${SERIAL})`);
const daemon = await startDaemon(dataDir, port, env, 'warn');
const secret = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
const target = await fetch(`${daemon.url}/v1/targets`, {
  method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
  body: JSON.stringify({ kind: 'HOST', address: '127.0.0.1', serviceId: 7 }),
});
if (target.status !== 201) throw new Error(`POST /v1/targets answered ${target.status}: ${await target.text()}`);

const list = apis(secret);
// Warm-up (JIT, SQLite pages, engine workers) and a check that every API completes tasks.
for (const api of list) {
  const warm = await measure(api, 8, daemon.child.pid!);
  if (warm.tasksPerS === 0) throw new Error(`${api.name}: no task completed in the warm-up (${warm.failed} failed): not benchmarking a broken route`);
}
const results: Record<string, RunResult[]> = Object.fromEntries(list.map((a) => [a.name, []]));
for (let i = 0; i < runs; i++) {
  for (const api of list) {
    const r = await measure(api, connections, daemon.child.pid!);
    results[api.name].push(r);
    console.log(`run ${i + 1}/${runs} ${api.name}: ${fmtInt(r.tasksPerS)} tasks/s (${fmtInt(r.requestsPerS)} req/s, ${r.pollsPerTask.toFixed(2)} polls/task, ${r.failed} failed)`);
  }
}
const exitCode = await daemon.stop();
rmSync(dataDir, { recursive: true, force: true });

const table = new Table({ head: ['API', 'median tasks/s', 'runs (tasks/s)', 'req/s', 'polls/task', 'create→done p50 / p99 ms', 'daemon CPU µs/task', 'client CPU µs/task', 'failed'] });
const medians: Record<string, number> = {};
for (const [name, rs] of Object.entries(results)) {
  medians[name] = median(rs.map((r) => r.tasksPerS));
  table.push([
    name, fmtInt(medians[name]), rs.map((r) => fmtInt(r.tasksPerS)).join(', '), fmtInt(median(rs.map((r) => r.requestsPerS))),
    median(rs.map((r) => r.pollsPerTask)).toFixed(2), `${median(rs.map((r) => r.p50Ms)).toFixed(1)} / ${median(rs.map((r) => r.p99Ms)).toFixed(1)}`,
    median(rs.map((r) => r.cpuUsPerTask)).toFixed(0), median(rs.map((r) => r.clientCpuUsPerTask)).toFixed(0), String(rs.reduce((a, r) => a + r.failed, 0)),
  ]);
}
console.log(`\n${table.toString()}`);
const [b, c, ref] = list.map((a) => medians[a.name]);
for (const [name, v, key] of [['service API', b, list[0].name], ['troubleshooting API', c, list[1].name]] as const) {
  const cpuUs = median(results[key].map((r) => r.cpuUsPerTask));
  console.log(`${name}: ${fmtInt(v)} tasks/s — goal ≥ 5,000: ${v >= 5000 ? 'met' : 'NOT met'}; ${(v / ref).toFixed(2)}× the native job path in the same run; ` +
    `${cpuUs.toFixed(0)} µs of daemon CPU per task bounds it at ~${fmtInt(1e6 / cpuUs)} tasks/s per core the daemon gets (the client and other sessions share the 2 cores)`);
}
const loadAfter = loadavg();
console.log(`load average: start ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, end ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; daemon exit code after SIGTERM: ${exitCode}`);
if (!flags['no-save']) {
  const path = saveResult('tasks', { machine, connections, pollDelayMs, durationS: durationMs / 1000, runs, results, medians, loadBefore, loadAfter });
  console.log(`saved ${path}`);
}
