// The seeded bus campaign (bench/lib/fuzz/bus-campaign.ts): the wire decoders on generated and
// mutated messages, then the same messages published raw on a real nats-server at a
// controller (`sonde serve --nats --no-local-agent`) and a `sonde agent`, both from dist/.
// FUZZ_SEED / FUZZ_CASES replay or lengthen it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCases, runBusCampaign, windowsSettled, type BusTarget } from '../../bench/lib/fuzz/bus-campaign.js';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { natsSuite, startNatsServer, type NatsServer } from '../distributed/nats-server.js';
import { startAgent, startController, type AgentChild, type ControllerChild } from '../distributed/sonde-processes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const KINDS = ['record', 'heartbeat', 'work', 'result', 'windows'] as const;

describe('bus message decoders (seeded)', () => {
  it(`${CASES} generated and mutated records, heartbeats, work, results and window batches: ok or a reason, never a throw; accepted ones re-encode to themselves (seed ${SEED})`, () => {
    const stats = decodeCases({ seed: SEED, cases: CASES });
    expect(stats.cases).toBeGreaterThan(CASES * 0.7); // cancels are not decoded
    // neither side of the property is vacuous, for any kind
    for (const kind of KINDS) {
      expect(stats.accepted.get(kind) ?? 0, `${kind} accepted`).toBeGreaterThan(0);
      expect(stats.rejected.get(kind) ?? 0, `${kind} rejected`).toBeGreaterThan(0);
    }
  });
});

natsSuite('bus fuzz against a controller and an agent (seeded)', () => {
  let nats: NatsServer;
  let root: string;
  let controller: ControllerChild;
  let agent: AgentChild;
  let target: BusTarget;
  const running = (p: { child: { exitCode: number | null; signalCode: string | null } }): boolean => p.child.exitCode === null && p.child.signalCode === null;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sonde-bus-fuzz-'));
    nats = await startNatsServer();
    controller = await startController(join(root, 'controller'), nats.url, ['--no-local-agent']);
    agent = await startAgent(root, nats.url, { hostname: 'fuzz-a' });
    target = {
      natsUrl: nats.url, controllerUrl: controller.url, controllerKey: controller.key,
      controllerDb: join(root, 'controller', 'data', 'sonde.db'), agent: 'fuzz-a',
      alive: () => running(controller) && running(agent),
    };
    await waitFor(async () => {
      const items = ((await call(`${controller.url}/v1/agents`, { key: controller.key })).body as { items: { hostname: string; healthy: boolean }[] }).items;
      return items.some((a) => a.hostname === 'fuzz-a' && a.healthy);
    }, { timeoutMs: 15_000, message: 'fuzz-a healthy on the controller' });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await controller?.stop();
    await nats?.stop();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it(`${CASES} messages on every subject and key they read: no crash, healthy, rejected records never agents, agent_windows exactly the accepted windows; the agent still works (seed ${SEED})`, async () => {
    const stats = await runBusCampaign(target, { seed: SEED, cases: CASES });
    expect(stats.messages).toBeGreaterThan(CASES * 0.8);
    for (const kind of [...KINDS, 'cancel'] as const) expect(stats.byKind.get(kind) ?? 0, `${kind} messages`).toBeGreaterThan(0);
    // some of each outcome: accepted windows and ghost agents exist, so the checks could fail
    expect(stats.windowsAccepted.size).toBeGreaterThan(0);
    expect(stats.agentsAccepted.size).toBeGreaterThan(1);
    expect(stats.accepted).toBeLessThan(stats.messages);
    const settled = await windowsSettled(target, stats);
    expect(settled.stored).toBe(settled.expected);

    // the real agent is healthy again (a fuzzed heartbeat may have said "down") and takes work
    await waitFor(async () => {
      const items = ((await call(`${controller.url}/v1/agents`, { key: controller.key })).body as { items: { hostname: string; healthy: boolean }[] }).items;
      return items.some((a) => a.hostname === 'fuzz-a' && a.healthy);
    }, { timeoutMs: 10_000, message: 'fuzz-a healthy after the campaign' });
    const ping = await call(`${controller.url}/node/fuzz-a/network/ping`, { key: controller.key, body: { address: '127.0.0.1', count: 2, interval_ms: 100, timeout_ms: 1000 } });
    expect(ping.status, ping.text).toBe(200);
    expect((ping.body as { results: unknown[] }).results).toEqual([expect.objectContaining({ hostname: 'fuzz-a', packets_sent: 2, packets_received: 2 })]);
    expect(target.alive()).toBe(true);
    for (const out of [controller.output(), agent.output()]) expect(out).not.toMatch(/TypeError|RangeError|Unhandled|uncaught/i);
  }, 300_000);
});
