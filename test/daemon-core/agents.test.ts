import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { arch, hostname as osHostname, release } from 'node:os';
import * as engineApi from '../../engine/index.js';
import { AGENT_TIMEOUT_ERROR, openSonde, SondeError, type Agent, type Engine, type Sonde } from '../../engine/index.js';
import { primaryInterface } from '../../engine/agents/facts.js';
import { tempDataDir, TestAgent } from './helpers.js';
import { localResolver } from '../setup/local-resolver.js';

let sonde: Sonde;
let dir: string;
let cleanup: () => void;
beforeEach(async () => {
  const t = tempDataDir();
  dir = t.dir;
  cleanup = t.cleanup;
  sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver, hostname: 'alpha', labels: { site: 'eu.paris', role: 'edge' }, facts: { rack: 'r12' } } });
});
afterEach(async () => {
  await sonde.close();
  cleanup();
});

const names = (agents: readonly Agent[]) => agents.map((a) => a.hostname);

function addAgents(): { beta: TestAgent; gamma: TestAgent } {
  const beta = new TestAgent('beta', 'SN-BETA', { site: 'eu.berlin' });
  const gamma = new TestAgent('gamma', 'SN-GAMMA', { site: 'europe', role: 'core' });
  sonde.agents.register(beta);
  sonde.agents.register(gamma);
  return { beta, gamma };
}

describe('agent routing', () => {
  it('routes by hostname (case-insensitive) and says which agent was not found', () => {
    addAgents();
    expect(names(sonde.agents.route('beta'))).toEqual(['beta']);
    expect(names(sonde.agents.route('GAMMA'))).toEqual(['gamma']);
    const e = (() => {
      try {
        sonde.agents.route('delta');
      } catch (err) {
        return err as SondeError;
      }
    })();
    expect(e).toBeInstanceOf(SondeError);
    expect(e).toMatchObject({ kind: 'invalid', message: 'target agent "delta" not found' });
  });

  it('_any picks exactly one healthy agent and spreads across calls', () => {
    const { beta } = addAgents();
    const picks = Array.from({ length: 6 }, () => sonde.agents.route('_any'));
    expect(picks.every((p) => p.length === 1)).toBe(true);
    expect(new Set(picks.map((p) => p[0].hostname))).toEqual(new Set(['alpha', 'beta', 'gamma']));
    const counts = new Map<string, number>();
    for (const p of picks) counts.set(p[0].hostname, (counts.get(p[0].hostname) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2]);
    beta.up = false;
    const healthyPicks = new Set(Array.from({ length: 4 }, () => sonde.agents.route('_any')[0].hostname));
    expect(healthyPicks).toEqual(new Set(['alpha', 'gamma']));
  });

  it('_all returns every healthy agent, in hostname order', () => {
    const { gamma } = addAgents();
    expect(names(sonde.agents.route('_all'))).toEqual(['alpha', 'beta', 'gamma']);
    gamma.up = false;
    expect(names(sonde.agents.route('_all'))).toEqual(['alpha', 'beta']);
  });

  it('key:value matches equal values and dot-segment prefixes only', () => {
    addAgents();
    expect(names(sonde.agents.route('site:eu'))).toEqual(['alpha', 'beta']); // not "europe"
    expect(names(sonde.agents.route('site:eu.paris'))).toEqual(['alpha']);
    expect(names(sonde.agents.route('site:europe'))).toEqual(['gamma']);
    expect(names(sonde.agents.route('role:core'))).toEqual(['gamma']);
    expect(() => sonde.agents.route('site:eu.par')).toThrow('target agent "site:eu.par" not found');
    expect(() => sonde.agents.route('site:asia')).toThrow('target agent "site:asia" not found');
    expect(() => sonde.agents.route('site:eu paris')).toThrow(/not found: a label selector is key:value/);
    expect(() => sonde.agents.route('site:')).toThrow(/not found/);
    expect(() => sonde.agents.route('')).toThrow(/not found/);
  });

  it('refuses duplicate hostnames or serials', () => {
    addAgents();
    expect(() => sonde.agents.register(new TestAgent('BETA', 'other'))).toThrow(/hostname BETA is already registered/);
    expect(() => sonde.agents.register(new TestAgent('delta', 'SN-BETA'))).toThrow(/serial SN-BETA/);
    expect(() => sonde.agents.register(new TestAgent('_all', 'x'))).toThrow(/not be _any or _all/);
    expect(sonde.agents.getBySerial('SN-GAMMA')?.hostname).toBe('gamma');
    expect(sonde.agents.unregister('gamma')).toBe(true);
    expect(sonde.agents.unregister('alpha')).toBe(false); // the local agent stays
    expect(sonde.agents.list().map((a) => [a.hostname, a.local])).toEqual([
      ['alpha', true],
      ['beta', false],
    ]);
  });

  it('runOnAgents gives an agent that never answers a timeout item and aborts its signal', async () => {
    const silent = new TestAgent('silent', 'SN-SILENT');
    sonde.agents.register(silent);
    let abortedReason = '';
    const seen: string[] = [];
    const items = await sonde.agents.runOnAgents(
      sonde.agents.route('_all'),
      async (agent, signal) => {
        signal.addEventListener('abort', () => (abortedReason = String((signal.reason as Error).message)));
        if (agent.hostname === 'silent') return agent.ping({ targets: ['127.0.0.1'] }, signal).then(() => 'answered');
        return `hello from ${agent.hostname}`;
      },
      { timeoutMs: 150, onItem: (i) => seen.push(i.agent.hostname) },
    );
    expect(silent.pings).toBe(1);
    expect(seen).toEqual(['alpha', 'silent']);
    expect(items.map((i) => (i.ok ? i.value : i.error))).toEqual(['hello from alpha', AGENT_TIMEOUT_ERROR]);
    expect(items[1]).toMatchObject({ ok: false, timedOut: true });
    expect(items[1].durationMs).toBeGreaterThanOrEqual(140);
    expect(abortedReason).toBe(AGENT_TIMEOUT_ERROR);
  });

  it('runOnAgents reports an agent failure as that agent\'s item and honours cancellation', async () => {
    addAgents();
    const items = await sonde.agents.runOnAgents(
      sonde.agents.route('_all'),
      async (agent) => {
        if (agent.hostname === 'beta') throw new Error('beta exploded');
        return 1;
      },
      { timeoutMs: 1000 },
    );
    expect(items.map((i) => (i.ok ? 'ok' : i.error))).toEqual(['ok', 'beta exploded', 'ok']);
    const controller = new AbortController();
    const pending = sonde.agents.runOnAgents(sonde.agents.route('_all'), (a, s) => a.ping({ targets: ['127.0.0.1'] }, s), {
      timeoutMs: 10_000,
      signal: controller.signal,
    });
    controller.abort();
    expect((await pending).map((i) => (i.ok ? 'ok' : i.error))).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});

describe('local agent', () => {
  it('has the configured hostname and labels, and built-in and custom facts', async () => {
    const local = sonde.agents.local;
    expect(local.hostname).toBe('alpha');
    expect(local.labels).toEqual({ site: 'eu.paris', role: 'edge' });
    const facts = local.facts();
    expect(facts).toMatchObject({ hostname: 'alpha', arch: arch(), kernel: release(), 'interface.primary': primaryInterface(), 'custom.rack': 'r12' });
    expect(await local.resolveFact('fqdn')).toEqual(expect.any(String));
    expect(await local.resolveFact('custom.rack')).toBe('r12');
    expect(await local.resolveFact('nope')).toBeUndefined();
  });

  it('defaults its hostname to os.hostname()', async () => {
    const t = tempDataDir();
    const s = await openSonde({ dataDir: t.dir, mode: 'tool', agent: { resolver: localResolver } });
    expect(s.agents.local.hostname).toBe(osHostname());
    await s.close();
    t.cleanup();
  });

  it('finds the default-route interface in a route table', () => {
    const table =
      'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n' +
      'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n' +
      'eth1\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n' +
      'eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n';
    expect(primaryInterface(table)).toBe('eth1');
  });

  it('keeps a generated serial across restarts, and a configured one wins', async () => {
    const serial = sonde.agents.local.serial;
    expect(serial).toMatch(/^SD[0-9A-Z]{10}$/);
    await sonde.close();
    sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver } });
    expect(sonde.agents.local.serial).toBe(serial);
    await sonde.close();
    sonde = await openSonde({ dataDir: dir, agent: { resolver: localResolver, serial: 'CNF7JSS7LK' } });
    expect(sonde.agents.local.serial).toBe('CNF7JSS7LK');
    expect(sonde.agents.getBySerial('CNF7JSS7LK')).toBe(sonde.agents.local);
  });

  it('without a probe engine, a ping fails with a message saying so', async () => {
    await expect(sonde.agents.local.ping({ targets: ['127.0.0.1'] }, new AbortController().signal)).rejects.toThrow(/has no probe engine/);
  });

  const createEngine = (engineApi as unknown as { createEngine?: (o?: object) => Promise<Engine> }).createEngine;
  const canRaw = process.getuid?.() === 0;
  const skipReason = !createEngine ? ' (SKIPPED: engine/index.ts exports no createEngine)' : !canRaw ? ' (SKIPPED: needs root/CAP_NET_RAW)' : '';
  describe.skipIf(skipReason !== '')(
    `pings through the real engine${skipReason}`,
    () => {
      it('local agent ping of 127.0.0.1', async () => {
        const engine = await createEngine!({ threads: 1 });
        const t = tempDataDir();
        const s = await openSonde({ dataDir: t.dir, engine, agent: { resolver: localResolver } });
        try {
          const summary = await s.agents.local.ping({ targets: ['127.0.0.1'], count: 2, intervalMs: 10 }, new AbortController().signal);
          expect(summary.targets[0]).toMatchObject({ sent: 2, received: 2 });
        } finally {
          await s.close();
          await engine.close();
          t.cleanup();
        }
      });
    },
  );
});
