// Remote agents over a real nats-server: three `sonde agent` processes and one controller
// (`sonde serve --nats --no-local-agent`), each a child process. Node API exec and ping
// through the bus: `_any` reaches exactly one agent per call, `_all` one item per agent,
// a label selector its agents; a kill -9 mid-job is the timeout item at the job's deadline;
// a stopped heartbeat makes the agent unhealthy (no `_any` work); a restart re-registers; a
// clean stop deregisters; garbage on the bus crashes nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import Database from 'better-sqlite3';
import { SpoolPublisher } from '../../engine/distributed/spool-publisher.js';
import { WindowOutbox } from '../../engine/distributed/window-outbox.js';
import { WindowSpool } from '../../engine/distributed/window-spool.js';
import { WindowTable } from '../../engine/monitor/window-table.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { subjects } from '../../engine/index.js';
import { cliEntry } from '../../bench/lib/daemon-process.js';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { natsSuite, startNatsServer, type NatsServer } from './nats-server.js';
import { HEARTBEAT_TTL_MS, startAgent, startController, type AgentChild, type AgentSpec, type ControllerChild } from './sonde-processes.js';

interface AgentView { hostname: string; healthy: boolean; local: boolean; labels: Record<string, string>; facts: Record<string, string>; version?: string; lastHeartbeatAt?: string | null }
interface ExecItem { hostname: string; stdout: string; exit_code: number; error?: string }
interface PingItem { hostname: string; packets_received: number; packets_sent: number; error?: string }

const SPECS: AgentSpec[] = [
  { hostname: 'agent-a', labels: { site: 'eu.west' }, allow: ['sh'] },
  { hostname: 'agent-b', labels: { site: 'eu.north' }, allow: ['sh'] },
  { hostname: 'agent-c', labels: { site: 'us' }, allow: ['sh'] },
];

/** Appends its tag to ran.log in the agent's working directory: one line per execution. */
const MARK = ['-c', 'echo "$1" >> ran.log; echo "$1"', 'mark'];

natsSuite('remote agents over NATS (sonde agent ×3, sonde serve --nats --no-local-agent)', () => {
  let nats: NatsServer;
  let root: string;
  let controller: ControllerChild;
  const agents = new Map<string, AgentChild>();

  const api = (path: string, body?: unknown) => call(`${controller.url}${path}`, { key: controller.key, ...(body !== undefined ? { body } : {}) });
  const listAgents = async (): Promise<AgentView[]> => ((await api('/v1/agents')).body as { items: AgentView[] }).items;
  const exec = async (selector: string, args: string[], timeout = 10): Promise<ExecItem[]> => {
    const res = await api(`/node/${encodeURIComponent(selector)}/command/exec`, { command: 'sh', args, timeout });
    expect(res.status, res.text).toBe(202);
    return (res.body as { results: ExecItem[] }).results;
  };
  const ranLog = (hostname: string): string[] => {
    const file = join(root, hostname, 'ran.log');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
  };
  const serials = new Map<string, string>();
  const agentSerial = (hostname: string): string | undefined => serials.get(hostname);
  const healthyNames = async (): Promise<string> => (await listAgents()).filter((a) => a.healthy).map((a) => a.hostname).sort().join(',');

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sonde-remote-'));
    nats = await startNatsServer();
    controller = await startController(join(root, 'controller'), nats.url, ['--no-local-agent']);
    for (const a of await Promise.all(SPECS.map((s) => startAgent(root, nats.url, s)))) agents.set(a.hostname, a);
    await waitFor(async () => (await healthyNames()) === 'agent-a,agent-b,agent-c', { timeoutMs: 15_000, message: 'three healthy remote agents' });
    for (const a of await listAgents()) serials.set(a.hostname, (a as AgentView & { serial: string }).serial);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...agents.values()].map((a) => a.stop()));
    await controller?.stop();
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('GET /v1/agents lists the remote agents (local: false, version, last heartbeat, facts) and not the controller', async () => {
    const list = await listAgents();
    expect(list.map((a) => a.hostname)).toEqual(['agent-a', 'agent-b', 'agent-c']);
    for (const a of list) {
      expect(a).toMatchObject({ local: false, healthy: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/), engineThreads: 1, running: 0 });
      expect((a as AgentView & { load: number }).load).toBeGreaterThanOrEqual(0);
      expect(a.facts).toMatchObject({ hostname: a.hostname, fqdn: `${a.hostname}.test` });
      expect(Date.now() - Date.parse(a.lastHeartbeatAt!)).toBeLessThan(HEARTBEAT_TTL_MS + 1000);
    }
    expect(list.find((a) => a.hostname === 'agent-b')!.labels).toEqual({ site: 'eu.north' });
  });

  it('_any: every call reaches exactly one agent, and all healthy agents get some', async () => {
    const N = 100;
    const before = new Map(SPECS.map((s) => [s.hostname, ranLog(s.hostname).length]));
    const seenBy = new Map<string, string>();
    for (let i = 0; i < N; i++) {
      const items = await exec('_any', [...MARK, `any-${i}`]);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ exit_code: 0, stdout: `any-${i}\n` });
      seenBy.set(`any-${i}`, items[0].hostname);
    }
    let total = 0;
    for (const s of SPECS) {
      const lines = ranLog(s.hostname).slice(before.get(s.hostname));
      total += lines.length;
      expect(lines.length, `${s.hostname} ran some _any calls`).toBeGreaterThan(0);
      // what the agent ran is what the item says it ran
      for (const l of lines) expect(seenBy.get(l)).toBe(s.hostname);
    }
    expect(total).toBe(N); // exactly once each: no call ran on two agents, none ran twice
  }, 60_000);

  it('_all: one item per agent, each run once; key:value routes by label prefix', async () => {
    const items = await exec('_all', [...MARK, 'all-1']);
    expect(items.map((i) => [i.hostname, i.exit_code, i.stdout])).toEqual(SPECS.map((s) => [s.hostname, 0, 'all-1\n']));
    for (const s of SPECS) expect(ranLog(s.hostname).filter((l) => l === 'all-1')).toHaveLength(1);

    const eu = await exec('site:eu', [...MARK, 'label-eu']);
    expect(eu.map((i) => i.hostname)).toEqual(['agent-a', 'agent-b']);
    const north = await exec('site:eu.north', [...MARK, 'label-north']);
    expect(north.map((i) => i.hostname)).toEqual(['agent-b']);
    // a non-zero exit is a result, not a reason to run it again
    const failed = await exec('agent-c', ['-c', 'echo "$1" >> ran.log; exit 3', 'x', 'exit-3']);
    expect(failed).toEqual([expect.objectContaining({ hostname: 'agent-c', exit_code: 3 })]);
    // the agent's work arrives in order: once a later call has run, the failed one was not run again
    await exec('agent-c', [...MARK, 'after-exit-3']);
    expect(ranLog('agent-c').filter((l) => l === 'exit-3')).toHaveLength(1);
  }, 30_000);

  it('node API ping _all through the bus: one item per agent, 127.0.0.1 answered from each', async () => {
    const res = await api('/node/_all/network/ping', { address: '127.0.0.1', count: 2, interval_ms: 100, timeout_ms: 1000 });
    expect(res.status, res.text).toBe(200);
    const items = (res.body as { results: PingItem[] }).results;
    expect(items.map((i) => i.hostname)).toEqual(['agent-a', 'agent-b', 'agent-c']);
    for (const i of items) expect(i, JSON.stringify(i)).toMatchObject({ packets_sent: 2, packets_received: 2 });
  }, 30_000);

  it('garbage on the work and result subjects is rejected and logged; agents and controller keep working', async () => {
    const nc = await connect({ servers: nats.url });
    try {
      nc.publish(subjects.work('agent-a'), 'not json');
      nc.publish(subjects.work('agent-a'), JSON.stringify({ v: 1, call: 'x', agent: 'agent-b', deadlineMs: 1000, op: { kind: 'exec', request: { command: 'sh', args: ['-c', 'echo "$1" >> ran.log', 'x', 'misrouted'], timeoutS: 1 } } }));
      nc.publish(subjects.result('agent-a', 'nope'), '{"v":1}');
      // a record that is not one, and a heartbeat out of range: refused, never an agent
      nc.publish('$KV.sonde-agents.bogus', '{"v":1,"hostname":"bogus"}');
      nc.publish('$KV.sonde-heartbeats.agent-b', '{"v":1,"hostname":"agent-b","health":"ok","reason":null,"load":-5,"running":0,"sentAt":0}');
      await nc.flush();
    } finally {
      await nc.close();
    }
    const a = agents.get('agent-a')!;
    await waitFor(() => /rejected a work message from the bus/.test(a.output()), { message: 'agent-a logs the rejected work' });
    await waitFor(() => /rejected a message from the bus/.test(controller.output()), { message: 'the controller logs the rejected result' });
    expect(ranLog('agent-a')).not.toContain('misrouted');
    expect((await listAgents()).map((x) => x.hostname)).toEqual(['agent-a', 'agent-b', 'agent-c']);
    expect(await healthyNames()).toBe('agent-a,agent-b,agent-c');
    expect(await exec('agent-a', [...MARK, 'after-garbage'])).toEqual([expect.objectContaining({ hostname: 'agent-a', exit_code: 0 })]);
  }, 30_000);

  it('an exec result larger than a NATS message is cut to fit (truncated: true), not lost', async () => {
    const [item] = await exec('agent-b', ['-c', 'head -c 1048576 /dev/zero | tr "\\0" x; head -c 1048576 /dev/zero | tr "\\0" y >&2']) as (ExecItem & { truncated?: boolean; stderr: string })[];
    expect(item).toMatchObject({ hostname: 'agent-b', exit_code: 0, truncated: true });
    expect(item.stdout.length + item.stderr.length).toBeLessThan(1024 * 1024);
    expect(item.stdout.length).toBeGreaterThan(400 * 1024);
    expect(item.stdout).toMatch(/^x+$/);
    expect(item.stderr).toMatch(/^y+$/);
  }, 30_000);

  it('kill -9 an agent mid-job: its item is the timeout item at the job\'s deadline, the others complete; it goes unhealthy, gets no _any work, and takes work again after a restart', async () => {
    const victim = agents.get('agent-c')!;
    const started = Date.now();
    // timeout 1 s: the job's deadline is 1 s + 5 s
    const pending = exec('_all', ['-c', 'echo "$1" >> ran.log; sleep 0.5; echo done', 'x', 'kill-run'], 1);
    await waitFor(() => ranLog('agent-c').includes('kill-run'), { message: 'agent-c started the command' });
    await victim.kill();
    const items = await pending;
    const elapsed = Date.now() - started;
    expect(items.map((i) => i.hostname)).toEqual(['agent-a', 'agent-b', 'agent-c']);
    expect(items.slice(0, 2).map((i) => [i.exit_code, i.stdout])).toEqual([[0, 'done\n'], [0, 'done\n']]);
    expect(items[2]).toMatchObject({ hostname: 'agent-c', error: 'timeout: agent did not respond' });
    expect(elapsed).toBeGreaterThanOrEqual(5_900);

    await waitFor(async () => (await healthyNames()) === 'agent-a,agent-b', { timeoutMs: HEARTBEAT_TTL_MS + 5_000, message: 'agent-c unhealthy once its heartbeat is older than the TTL' });
    expect((await listAgents()).find((a) => a.hostname === 'agent-c')).toMatchObject({ healthy: false, local: false });
    for (let i = 0; i < 6; i++) expect((await exec('_any', [...MARK, `while-down-${i}`]))[0].hostname).not.toBe('agent-c');

    const again = await startAgent(root, nats.url, SPECS[2]);
    agents.set('agent-c', again);
    await waitFor(async () => (await healthyNames()) === 'agent-a,agent-b,agent-c', { timeoutMs: 15_000, message: 'agent-c healthy after its restart' });
    expect(await exec('agent-c', [...MARK, 'after-restart'])).toEqual([expect.objectContaining({ hostname: 'agent-c', exit_code: 0, stdout: 'after-restart\n' })]);
    // the work it took before the kill is not run again after the restart
    expect(ranLog('agent-c').filter((l) => l === 'kill-run')).toHaveLength(1);
  }, 60_000);

  it('a nats-server restart: agents and controller reconnect, agents are healthy again and take work', async () => {
    await nats.halt();
    await waitFor(async () => (await healthyNames()) === '', { timeoutMs: 10_000, message: 'no agent healthy while the controller has no bus' });
    const refused = await api('/node/_any/command/exec', { command: 'sh', args: ['-c', 'true'] });
    expect(refused.status).toBe(400); // no healthy agent: target agent "_any" not found
    await nats.restart();
    await waitFor(async () => (await healthyNames()) === 'agent-a,agent-b,agent-c', { timeoutMs: 20_000, message: 'three healthy agents after the bus came back' });
    const items = await exec('_all', [...MARK, 'after-bus-restart']);
    expect(items.map((i) => [i.hostname, i.exit_code])).toEqual(SPECS.map((s) => [s.hostname, 0]));
    for (const s of SPECS) expect(ranLog(s.hostname).filter((l) => l === 'after-bus-restart')).toHaveLength(1);
  }, 60_000);

  it('a second live agent with a taken hostname stops at start; the first keeps its registration', async () => {
    const dup = startAgent(join(root, 'dup'), nats.url, SPECS[0]);
    await expect(dup).rejects.toThrow(/another agent \(serial \S+\) is registered on the bus as agent-a and its heartbeat is fresh/);
    expect((await listAgents()).find((a) => a.hostname === 'agent-a')).toMatchObject({ healthy: true, serial: agentSerial('agent-a') });
  }, 30_000);

  it('the controller stores windows an agent publishes in agent_windows, once each however often they are published', async () => {
    const nc = await connect({ servers: nats.url });
    const spool = new WindowSpool(join(root, 'window-spool'), { maxBatches: 100, maxBytes: 1024 * 1024 });
    const publisher = new SpoolPublisher(spool, jetstream(nc), { warn: () => {} }, 1_000);
    const outbox = new WindowOutbox('agent-a', spool, publisher, () => 'mon-remote', (seq) => ({ id: `t-${seq}`, address: `127.0.0.${seq}` }));
    publisher.start();
    const base = 1_700_000_000_000;
    const seal = (k: number): void => {
      const table = new WindowTable(4, base + k * 1000);
      for (let r = 0; r < 4; r++) table.recordRtt(r, 200_000 + r);
      table.seal();
      outbox.push({ monitorSeq: 1, spanMs: 1000, table, rowSeq: [1, 2, 3, 4], release: () => {} });
    };
    const db = new Database(join(root, 'controller', 'data', 'sonde.db'), { readonly: true, fileMustExist: true });
    const stored = (): number => (db.prepare("SELECT count(*) AS n FROM agent_windows WHERE agent = 'agent-a' AND monitor_id = 'mon-remote'").get() as { n: number }).n;
    try {
      for (let k = 0; k < 3; k++) seal(k);
      seal(1); // the same window sealed again (a republish after a restart): stored once
      await waitFor(() => spool.size.batches === 0 && stored() === 12, { message: '3 windows × 4 targets stored' });
      const rows = db.prepare("SELECT target_id AS t, start_at AS s, sent, received FROM agent_windows WHERE agent = 'agent-a' ORDER BY s, t").all() as { t: string; s: number; sent: number; received: number }[];
      expect(rows.map((r) => `${r.t}@${r.s - base}`)).toEqual([0, 1000, 2000].flatMap((s) => ['t-1', 't-2', 't-3', 't-4'].map((t) => `${t}@${s}`)));
      expect(rows.every((r) => r.sent === 1 && r.received === 1)).toBe(true);
    } finally {
      db.close();
      await publisher.stop();
      spool.close();
      await nc.close();
    }
  }, 30_000);

  it('a monitor on an agent: its sealed windows reach the controller\'s agent_windows, with the agent as a dimension', async () => {
    const a = agents.get('agent-a')!;
    const data = join(a.dir, 'data');
    const csv = join(a.dir, 'targets.csv');
    writeFileSync(csv, 'kind,address,labels\nHOST,127.0.0.1,grp=remote\nHOST,127.0.0.2,grp=remote\n');
    const cli = (...args: string[]) => spawnSync(process.execPath, [cliEntry, ...args, '--data', data], { encoding: 'utf8', env: { ...process.env, SONDE_CONFIG: '' }, cwd: a.dir, timeout: 20_000 });
    const imported = cli('targets', 'import', csv);
    expect(imported.status, imported.stderr).toBe(0);
    const created = cli('monitors', 'create', '--name', 'from-a', '--label', 'grp:remote', '--interval', '200', '--timeout', '150', '--json');
    expect(created.status, created.stderr).toBe(0);
    const monitorId = (JSON.parse(created.stdout) as { id: string }).id;
    const db = new Database(join(root, 'controller', 'data', 'sonde.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = await waitFor(() => {
        const r = db.prepare('SELECT agent, address, start_at AS s, sent, received FROM agent_windows WHERE monitor_id = ? ORDER BY s, address').all(monitorId) as { agent: string; address: string; s: number; sent: number; received: number }[];
        return r.length >= 6 ? r : undefined;
      }, { timeoutMs: 15_000, message: 'windows of agent-a\'s monitor stored by the controller' });
      expect(new Set(rows.map((r) => r.agent))).toEqual(new Set(['agent-a']));
      expect(new Set(rows.map((r) => r.address))).toEqual(new Set(['127.0.0.1', '127.0.0.2']));
      // a full 1 s window at 200 ms: 5 probes, all answered on loopback
      expect(rows.some((r) => r.sent === 5 && r.received === 5)).toBe(true);
      const keys = rows.map((r) => `${r.address}@${r.s}`);
      expect(new Set(keys).size).toBe(keys.length);
      // read back per vantage point through the API
      const res = await api(`/v1/agents/agent-a/windows?monitor=${monitorId}&from=0&limit=10000`);
      expect(res.status, res.text).toBe(200);
      const body = res.body as { agent: string; windows: { address: string; start: number; sent: number; received: number; lossPercent: number | null }[] };
      expect(body.agent).toBe('agent-a');
      const apiKeys = body.windows.map((w) => `${w.address}@${w.start}`);
      // (more windows may have been stored since the rows above were read)
      for (const k of keys) expect(apiKeys).toContain(k);
      expect(new Set(apiKeys).size).toBe(apiKeys.length);
      expect(body.windows.map((w) => w.start)).toEqual(body.windows.map((w) => w.start).sort((x, y) => x - y));
      expect(body.windows.find((w) => w.sent === 5)).toMatchObject({ received: 5, lossPercent: 0 });
      const other = await api(`/v1/agents/agent-b/windows?monitor=${monitorId}&from=0`);
      expect((other.body as { windows: unknown[] }).windows).toEqual([]);
    } finally {
      db.close();
    }
    expect(cli('monitors', 'delete', monitorId).status).toBe(0);
  }, 40_000);

  it('sonde agent without a bus stops at once saying how to give one', () => {
    const r = spawnSync(process.execPath, [cliEntry, 'agent', '--data', join(root, 'no-bus')], { encoding: 'utf8', env: { ...process.env, SONDE_CONFIG: '' }, cwd: root, timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/sonde agent needs the message bus: give --nats nats:\/\/host:4222 or set nats.servers/);
  });

  it('a clean stop (SIGTERM) deregisters the agent', async () => {
    const b = agents.get('agent-b')!;
    expect(await b.stop()).toBe(0);
    agents.delete('agent-b');
    await waitFor(async () => !(await listAgents()).some((a) => a.hostname === 'agent-b'), { message: 'agent-b gone from GET /v1/agents' });
    const res = await api('/node/agent-b/command/exec', { command: 'sh', args: ['-c', 'true'] });
    expect(res.status).toBe(400);
  }, 30_000);
});
