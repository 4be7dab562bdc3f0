// Diagnostic tasks on a remote agent over a real nats-server: a controller without a local
// agent (`sonde serve --nats --no-local-agent`) and one `sonde agent` child process. The
// troubleshooting API (contract C) runs traceroute, tcp and ping on the agent named by its
// serial; the service API (contract B) pings through a healthy remote agent. The agent's own
// engine runs each test (its output names it), and the wire results are those of a local run.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { natsSuite, startNatsServer, type NatsServer } from './nats-server.js';
import { startAgent, startController, type AgentChild, type ControllerChild } from './sonde-processes.js';

const BASE = '/network-troubleshooting/v1alpha1';

interface Operation { status: string; output?: Record<string, unknown>; failReason?: string; rawOutput?: string }

natsSuite('diagnostic tasks on a remote agent (troubleshooting and service APIs through the bus)', () => {
  let nats: NatsServer;
  let root: string;
  let controller: ControllerChild;
  let agent: AgentChild;
  let serial: string;

  const api = (path: string, body?: unknown) => call(`${controller.url}${path}`, { key: controller.key, ...(body !== undefined ? { body } : {}) });

  async function troubleshoot(test: string, body: unknown): Promise<Operation> {
    const created = await api(`${BASE}/aps/${serial}/${test}`, body);
    expect(created.status, created.text).toBe(202);
    const location = (created.body as { location: string }).location;
    let last: Operation | undefined;
    await waitFor(async () => {
      last = (await api(location)).body as Operation;
      return last.status === 'COMPLETED' || last.status === 'FAILED';
    }, { timeoutMs: 20_000, message: `${test} task finished` });
    return last!;
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sonde-remote-tasks-'));
    nats = await startNatsServer();
    controller = await startController(join(root, 'controller'), nats.url, ['--no-local-agent']);
    agent = await startAgent(root, nats.url, { hostname: 'probe-a', labels: { site: 'lab' }, allow: [] });
    await waitFor(async () => {
      const items = ((await api('/v1/agents')).body as { items: Array<{ hostname: string; healthy: boolean; serial: string }> }).items;
      serial = items.find((a) => a.hostname === 'probe-a' && a.healthy)?.serial ?? '';
      return serial !== '';
    }, { timeoutMs: 15_000, message: 'the remote agent is healthy' });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    await nats?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('traceroute on the remote agent: loopback is one hop away; an unresolvable destination FAILS with the reason', async () => {
    const done = await troubleshoot('traceroute', { destination: '127.0.0.1' });
    expect(done.status, JSON.stringify(done)).toBe('COMPLETED');
    expect(done.output).toMatchObject({ destinationReached: true, hops: [{ hopNumber: '1', address: '127.0.0.1' }] });
    const failed = await troubleshoot('traceroute', { destination: 'nowhere.invalid' });
    expect(failed).toMatchObject({ status: 'FAILED' });
    expect(failed.failReason).toMatch(/nowhere\.invalid.*does not resolve/);
  }, 30_000);

  it('tcp and ping on the remote agent: a listening port connects, a ping of 127.0.0.1 is answered', async () => {
    const listener = net.createServer((s) => s.end()).listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const port = (listener.address() as AddressInfo).port;
    try {
      const tcp = await troubleshoot('tcp', { host: '127.0.0.1', port });
      expect(tcp.status, JSON.stringify(tcp)).toBe('COMPLETED');
      expect(tcp.output).toMatchObject({ host: '127.0.0.1', port: String(port), connected: true });
    } finally {
      listener.close();
    }
    const ping = await troubleshoot('ping', { destination: '127.0.0.1', count: 2 });
    expect(ping.status, JSON.stringify(ping)).toBe('COMPLETED');
    expect(ping.output).toMatchObject({ transmittedPacketsCount: '2', receivedPacketsCount: '2', packetLossPercent: '0' });
  }, 30_000);

  it('service API ping on a controller without a local agent runs on the remote agent', async () => {
    const target = await api('/v1/targets', { kind: 'HOST', address: '127.0.0.1', serviceId: 4242 });
    expect(target.status, target.text).toBe(201);
    const created = await api('/api/v1/4242/ping/', { pings: 2 });
    expect(created.status, created.text).toBe(200);
    const taskId = (created.body as { data: { task_id: string } }).data.task_id;
    let last: { action: string; data: Record<string, unknown> } | undefined;
    await waitFor(async () => {
      last = (await api(`/api/v1/ping/${taskId}/`)).body as typeof last;
      return last!.data.status !== 'pending';
    }, { timeoutMs: 20_000, message: 'service ping finished' });
    expect(last).toMatchObject({ action: 'stable_connection', data: { status: 'stable', sent: 2, received: 2, packet_loss: 0 } });
  }, 30_000);

  it('with its only agent stopped, a service ping is refused with 503 saying why', async () => {
    await agent.stop();
    await waitFor(async () => !((await api('/v1/agents')).body as { items: Array<{ healthy: boolean }> }).items.some((a) => a.healthy), { timeoutMs: 15_000, message: 'no healthy agent' });
    const refused = await api('/api/v1/4242/ping/', { pings: 1 });
    expect(refused.status, refused.text).toBe(503);
    expect(refused.text).toMatch(/no local agent and no healthy remote agent/);
  }, 30_000);
});
