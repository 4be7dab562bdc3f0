// An agent whose NATS user has only the permissions docs/distributed.md lists
// (agentPermissions): it registers, heartbeats, takes its work and answers; publishing as
// another agent or reading another agent's work is refused by nats-server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Status } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { agentPermissions, subjects } from '../../engine/index.js';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { natsSuite, startNatsServer, type NatsServer } from './nats-server.js';
import { startAgent, startController, type AgentChild, type ControllerChild } from './sonde-processes.js';

const AGENT = 'agent-p';
const CONTROLLER = { user: 'controller', password: 'controller-secret' };
const RESTRICTED = { user: AGENT, password: 'agent-secret' };

function serverAuth(): string {
  const p = agentPermissions(AGENT);
  const list = (xs: string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  return `authorization {
  users = [
    { user: ${CONTROLLER.user}, password: ${CONTROLLER.password} }
    { user: "${RESTRICTED.user}", password: ${RESTRICTED.password}, permissions: { publish: { allow: ${list(p.publish)} }, subscribe: { allow: ${list(p.subscribe)} } } }
  ]
}`;
}

natsSuite('an agent with least-privilege NATS permissions', () => {
  let nats: NatsServer;
  let root: string;
  let controller: ControllerChild;
  let agent: AgentChild;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sonde-perms-'));
    nats = await startNatsServer({ config: serverAuth() });
    controller = await startController(join(root, 'controller'), nats.url, ['--no-local-agent'], CONTROLLER);
    agent = await startAgent(root, nats.url, { hostname: AGENT, allow: ['sh'], auth: RESTRICTED });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('registers, stays healthy and runs exec and ping from the controller', async () => {
    const api = (path: string, body?: unknown) => call(`${controller.url}${path}`, { key: controller.key, ...(body !== undefined ? { body } : {}) });
    await waitFor(async () => ((await api('/v1/agents')).body as { items: { hostname: string; healthy: boolean }[] }).items.some((a) => a.hostname === AGENT && a.healthy), {
      timeoutMs: 15_000, message: 'the restricted agent healthy in GET /v1/agents',
    });
    const res = await api(`/node/${AGENT}/command/exec`, { command: 'sh', args: ['-c', 'echo ok'] });
    expect(res.status, res.text).toBe(202);
    expect((res.body as { results: unknown[] }).results).toEqual([expect.objectContaining({ hostname: AGENT, exit_code: 0, stdout: 'ok\n' })]);
    const ping = await api('/node/_any/network/ping', { address: '127.0.0.1', count: 1 });
    expect(ping.status, ping.text).toBe(200);
    expect((ping.body as { results: unknown[] }).results).toEqual([expect.objectContaining({ hostname: AGENT, packets_received: 1 })]);
    expect(agent.output()).not.toMatch(/[Pp]ermissions [Vv]iolation/);
    expect(nats.log()).not.toMatch(/Permissions Violation/);
  }, 30_000);

  it('nats-server refuses what the agent may not do: publish as another agent, read another agent\'s work', async () => {
    const nc = await connect({ servers: nats.url, user: RESTRICTED.user, pass: RESTRICTED.password });
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status() as AsyncIterable<Status>) if (s.type === 'error') errors.push(s.error.message);
    })();
    try {
      nc.publish(subjects.result('agent-q', 'x'), '{}');
      nc.subscribe(subjects.work('agent-q'));
      nc.publish(subjects.work(AGENT), '{}'); // an agent does not queue work, not even for itself
      await nc.flush();
      await waitFor(() => errors.length >= 3, { message: 'three permission violations reported' });
      expect(errors.join('\n')).toMatch(/Permissions Violation for Publish to "sonde\.result\.agent-q\.x"/);
      expect(errors.join('\n')).toMatch(/Permissions Violation for Subscription to "sonde\.work\.agent-q"/);
      expect(errors.join('\n')).toMatch(/Permissions Violation for Publish to "sonde\.work\.agent-p"/);
    } finally {
      await nc.close();
    }
  }, 30_000);
});
