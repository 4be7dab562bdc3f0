// `sonde serve --nats` with its own local agent (the default): the local agent and a remote one
// side by side in GET /v1/agents, and one `_all` job answered by both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { natsSuite, startNatsServer, type NatsServer } from './nats-server.js';
import { startAgent, startController, type AgentChild, type ControllerChild } from './sonde-processes.js';

natsSuite('a controller with its local agent and a remote one', () => {
  let nats: NatsServer;
  let root: string;
  let controller: ControllerChild;
  let agent: AgentChild;
  const api = (path: string, body?: unknown) => call(`${controller.url}${path}`, { key: controller.key, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sonde-mixed-'));
    nats = await startNatsServer();
    controller = await startController(join(root, 'controller'), nats.url, [], undefined, ['sh']);
    agent = await startAgent(root, nats.url, { hostname: 'remote-1', allow: ['sh'] });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists both (local: true / false) and runs _all on both', async () => {
    const list = await waitFor(async () => {
      const items = ((await api('/v1/agents')).body as { items: { hostname: string; local: boolean; healthy: boolean }[] }).items;
      return items.length === 2 && items.every((a) => a.healthy) ? items : undefined;
    }, { timeoutMs: 15_000, message: 'the local and the remote agent, both healthy' });
    expect(list.map((a) => [a.hostname, a.local])).toEqual([['localhost', true], ['remote-1', false]]);
    const res = await api('/node/_all/command/exec', { command: 'sh', args: ['-c', 'echo hi'] });
    expect(res.status, res.text).toBe(202);
    const items = (res.body as { results: { hostname: string; exit_code: number; stdout: string }[] }).results;
    expect(items.map((i) => [i.hostname, i.exit_code, i.stdout])).toEqual([['localhost', 0, 'hi\n'], ['remote-1', 0, 'hi\n']]);
    expect(controller.output()).toMatch(/controller of the agents on NATS nats:\/\/127\.0\.0\.1:\d+\n/);
  }, 30_000);
});
