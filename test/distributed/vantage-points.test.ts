// Three vantage points: three `sonde agent` processes, each probing from its own network
// namespace with its own network simulator, where the same simulated address has a different
// latency and loss. Each agent monitors that address; the controller stores the three series
// (agent_windows) and GET /v1/agents/{hostname}/windows reads each back with the loss and RTT
// of its own simulator's profile.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { netsimAvailability, startNetsim, type Netsim } from '../../netsim/index.js';
import { cliEntry } from '../../bench/lib/daemon-process.js';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { natsSuite, startNatsServer, type NatsServer } from './nats-server.js';
import { startAgent, startController, type AgentChild, type ControllerChild } from './sonde-processes.js';

const ADDRESS = '198.18.30.1';
const WINDOWS = 12; // 1 s windows at 100 ms: 120 probes per vantage point
const VANTAGE = [
  { hostname: 'near', latencyMs: 2, lossPercent: 0 },
  { hostname: 'mid', latencyMs: 20, lossPercent: 10 },
  { hostname: 'far', latencyMs: 60, lossPercent: 30 },
] as const;

interface Window { address: string; start: number; sent: number; received: number; lossPercent: number | null; minMs: number | null; meanMs: number | null; maxMs: number | null }

const availability = netsimAvailability();

natsSuite('vantage points: three agents, each behind its own simulator, one controller', () => {
  if (!availability.ok && process.env.CI !== 'true') {
    it.skip(`skipped: ${availability.reason}`, () => undefined);
    return;
  }
  let nats: NatsServer;
  let root: string;
  let controller: ControllerChild;
  const sims: Netsim[] = [];
  const agents: AgentChild[] = [];
  const monitors = new Map<string, string>();

  const api = (path: string) => call(`${controller.url}${path}`, { key: controller.key });

  beforeAll(async () => {
    if (!availability.ok) throw new Error(`CI=true: ${availability.reason}`);
    root = mkdtempSync(join(tmpdir(), 'sonde-vantage-'));
    nats = await startNatsServer();
    controller = await startController(join(root, 'controller'), nats.url, ['--no-local-agent']);
    for (const [i, v] of VANTAGE.entries()) {
      const sim = await startNetsim({ seed: 31 + i, hosts: { [ADDRESS]: { latency: v.latencyMs, ...(v.lossPercent > 0 ? { loss: { percent: v.lossPercent } } : {}) } } });
      sims.push(sim);
      const agent = await startAgent(root, nats.url, { hostname: v.hostname, netns: sim.netns });
      agents.push(agent);
      const data = join(agent.dir, 'data');
      const csv = join(agent.dir, 'targets.csv');
      writeFileSync(csv, `kind,address,labels\nHOST,${ADDRESS},site=${v.hostname}\n`);
      const cli = (...args: string[]) => spawnSync(process.execPath, [cliEntry, ...args, '--data', data], { encoding: 'utf8', env: { ...process.env, SONDE_CONFIG: '' }, cwd: agent.dir, timeout: 20_000 });
      const imported = cli('targets', 'import', csv);
      expect(imported.status, imported.stderr).toBe(0);
      const created = cli('monitors', 'create', '--name', `from-${v.hostname}`, '--label', `site:${v.hostname}`, '--interval', '100', '--timeout', '100', '--json');
      expect(created.status, created.stderr).toBe(0);
      monitors.set(v.hostname, (JSON.parse(created.stdout) as { id: string }).id);
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    await nats?.stop();
    await Promise.all(sims.map((s) => s.stop()));
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('the controller shows one series per vantage point, each with its own simulator\'s latency and loss', async () => {
    const series = new Map<string, Window[]>();
    for (const v of VANTAGE) {
      const full = await waitFor(async () => {
        const res = await api(`/v1/agents/${v.hostname}/windows?monitor=${monitors.get(v.hostname)!}&from=0&limit=10000`);
        expect(res.status, res.text).toBe(200);
        const w = (res.body as { windows: Window[] }).windows.filter((x) => x.sent === 10);
        return w.length >= WINDOWS ? w : undefined;
      }, { timeoutMs: 45_000, message: `${WINDOWS} full windows from ${v.hostname}` });
      series.set(v.hostname, full);
    }
    for (const v of VANTAGE) {
      const w = series.get(v.hostname)!;
      expect(new Set(w.map((x) => x.address))).toEqual(new Set([ADDRESS]));
      const sent = w.reduce((n, x) => n + x.sent, 0);
      const received = w.reduce((n, x) => n + x.received, 0);
      const loss = (100 * (sent - received)) / sent;
      // the simulator's seeded loss at 10 % / 30 %; which windows are read depends on timing, so
      // allow 4 binomial standard deviations of the sample (±10 points failed ~2 % of runs at 30 %)
      const p = v.lossPercent / 100;
      const bound = 400 * Math.sqrt((p * (1 - p)) / sent);
      if (v.lossPercent === 0) expect(received, v.hostname).toBe(sent);
      else expect(Math.abs(loss - v.lossPercent), `${v.hostname}: loss ${loss.toFixed(1)} % against ${v.lossPercent} % (±${bound.toFixed(1)})`).toBeLessThan(bound);
      // every reply carries the simulator's fixed delay, plus what the path adds (≤ 15 ms here)
      const answered = w.filter((x) => x.received > 0);
      for (const x of answered) {
        expect(x.minMs!, `${v.hostname} min RTT`).toBeGreaterThanOrEqual(v.latencyMs);
        expect(x.meanMs!, `${v.hostname} mean RTT`).toBeLessThan(v.latencyMs + 15);
      }
    }
    // what the simulators counted is what the agents measured: none probed another's namespace
    for (const [i, v] of VANTAGE.entries()) {
      const host = await sims[i]!.host(ADDRESS);
      expect(host, `${v.hostname}'s simulator saw its agent's probes`).toBeDefined();
      if (v.lossPercent > 0) expect(host!.droppedBy.loss, `${v.hostname}'s simulator dropped some`).toBeGreaterThan(0);
      else expect(host!.droppedBy.loss).toBe(0);
    }
  }, 120_000);
});
