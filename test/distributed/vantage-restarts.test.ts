// A monitor with agents "_all" on two `sonde agent` processes (loopback) while nats-server is
// restarted, and then while the controller is restarted: afterwards every agent's series in
// the controller (through the HTTP API) has every window of the whole period exactly once —
// none missing, none doubled — each with every probe of its window (the agents went on
// probing; their spools kept the windows until the bus and the controller took them).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { natsSuite, startNatsServer, type NatsServer } from './nats-server.js';
import { startAgent, startController, type AgentChild, type ControllerChild } from './sonde-processes.js';

const HOSTS = ['east', 'west'] as const;
/** 1 s windows at 200 ms: 5 probes each. */
const PROBES_PER_WINDOW = 5;
const CONTROLLER_CONFIG = ['monitoring: { windowSeconds: 1, rollupMinutes: 1, tickMs: 20 }'];

interface AgentWindow { targetId: string; start: number; sent: number; received: number }

natsSuite('monitors from vantage points through a nats-server restart and a controller restart', () => {
  let nats: NatsServer;
  let root: string;
  let controller: ControllerChild;
  const agents: AgentChild[] = [];
  let monitorId: string;
  let targetId: string;

  const api = (path: string, init: { method?: string; body?: unknown } = {}) => call(`${controller.url}${path}`, { key: controller.key, ...init });
  const windowsOf = async (agent: string, from = 0): Promise<AgentWindow[]> => {
    const res = await api(`/v1/agents/${agent}/windows?monitor=${monitorId}&from=${from}&limit=10000`);
    expect(res.status, res.text).toBe(200);
    return (res.body as { windows: AgentWindow[] }).windows;
  };
  const latest = async (agent: string): Promise<number> => Math.max(-1, ...(await windowsOf(agent)).map((w) => w.start));
  /** Waits until every agent has stored a window starting at or after `t`. */
  const storedUntil = (t: number, what: string) => waitFor(async () => {
    for (const h of HOSTS) if ((await latest(h)) < t) return undefined;
    return true;
  }, { timeoutMs: 60_000, message: what });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sonde-vantage-restarts-'));
    nats = await startNatsServer();
    controller = await startController(join(root, 'controller'), nats.url, ['--no-local-agent'], undefined, [], CONTROLLER_CONFIG);
    for (const h of HOSTS) agents.push(await startAgent(root, nats.url, { hostname: h }));
    await waitFor(async () => {
      const list = (await api('/v1/agents')).body as { items?: { healthy: boolean }[] };
      return (list.items ?? []).filter((a) => a.healthy).length === HOSTS.length ? true : undefined;
    }, { timeoutMs: 20_000, message: 'two healthy agents' });
    const target = await api('/v1/targets', { method: 'POST', body: { kind: 'HOST', address: '127.0.0.1' } });
    expect(target.status, target.text).toBe(201);
    targetId = (target.body as { id: string }).id;
    const created = await api('/v1/monitors', { method: 'POST', body: { name: 'both', selection: { ids: [targetId] }, agents: '_all', intervalMs: 200, timeoutMs: 200 } });
    expect(created.status, created.text).toBe(201);
    monitorId = (created.body as { id: string }).id;
    await storedUntil(0, 'first windows from both agents');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await controller?.stop();
    await nats?.stop();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('no window is missing or doubled after a nats-server restart and a controller restart', async () => {
    // the window during which both restarts happen, judged after the first full windows
    const first = Math.max(...(await Promise.all(HOSTS.map(latest)))) + 1_000;
    await storedUntil(first + 2_000, 'two full windows before the outages');

    await nats.halt();
    await new Promise((r) => setTimeout(r, 3_000)); // the agents seal three windows with no bus
    await nats.restart();
    await storedUntil(Date.now(), 'windows sealed during the bus outage stored');

    const dir = join(root, 'controller');
    expect(await controller.stop()).toBe(0);
    await new Promise((r) => setTimeout(r, 3_000)); // three windows published with no controller
    controller = await startController(dir, nats.url, ['--no-local-agent'], undefined, [], CONTROLLER_CONFIG);
    const end = Math.floor(Date.now() / 1000) * 1000 + 2_000;
    await storedUntil(end, 'windows sealed while the controller was down stored');

    for (const h of HOSTS) {
      const w = (await windowsOf(h, first)).filter((x) => x.start < end);
      const starts = w.map((x) => x.start);
      // one row per window start (the store's key), and every start of the period present
      expect(new Set(starts).size, `${h}: doubled windows`).toBe(starts.length);
      const expected = (end - first) / 1000;
      const missing: number[] = [];
      for (let t = first; t < end; t += 1000) if (!starts.includes(t)) missing.push(t);
      expect(missing, `${h}: windows missing of ${expected}`).toEqual([]);
      // every probe of each window: the agent kept probing through both outages
      for (const x of w) expect(x.sent, `${h} window ${x.start}`).toBe(PROBES_PER_WINDOW);
      expect(new Set(w.map((x) => x.targetId))).toEqual(new Set([targetId]));
    }
    // the merged history of the period counts each stored window once
    const history = await api(`/v1/targets/${targetId}/history?from=${first}&to=${end}&step=1000&monitor=${monitorId}`);
    const sent = (history.body as { points: { sent: number }[] }).points.reduce((n, p) => n + p.sent, 0);
    expect(sent).toBe(HOSTS.length * PROBES_PER_WINDOW * ((end - first) / 1000));
  }, 180_000);
});
