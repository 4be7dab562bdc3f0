// createEngine({ inThread: true }): the probes run on the calling thread (no worker), with
// real raw ICMP sockets on loopback. What `sonde ping` uses for a few targets.
import { describe, expect, it } from 'vitest';
import { createEngine, EngineInputError, type ProbeResult } from '../../engine/ping.js';
import { canRaw4, canRaw6, NO_RAW } from './helpers.js';

describe.skipIf(!canRaw4)(`in-thread engine on loopback (${NO_RAW})`, () => {
  it('probes IPv4 and IPv6 loopback, streams each probe, counts them, and reports one healthy thread', async () => {
    const engine = createEngine({ inThread: true });
    try {
      const targets = canRaw6 ? ['127.0.0.1', '127.0.0.2', '::1'] : ['127.0.0.1', '127.0.0.2'];
      const seen: Array<[number, number, string]> = [];
      const summary = await engine.ping({ targets, count: 3, intervalMs: 10, timeoutMs: 1000 }, (p: ProbeResult) => {
        seen.push([p.targetIndex, p.seq, p.status]);
      });
      expect(summary.targets.map((t) => [t.target, t.sent, t.received])).toEqual(targets.map((t) => [t, 3, 3]));
      expect(seen.filter(([, , status]) => status === 'ok')).toHaveLength(3 * targets.length);
      for (let i = 0; i < targets.length; i++) {
        expect(seen.filter(([k]) => k === i).map(([, seq]) => seq).sort()).toEqual([0, 1, 2]);
      }
      const stats = await engine.stats();
      expect(stats.sent).toBe(3 * targets.length);
      expect(stats.received).toBe(3 * targets.length);
      expect(stats.inFlight).toBe(0);
      expect(engine.health()).toMatchObject({ state: 'ok', threads: 1, running: 1 });
    } finally {
      await engine.close();
    }
  });

  it('a job still running when the engine closes is rejected, and the engine takes no job after', async () => {
    const engine = createEngine({ inThread: true });
    const running = engine.ping({ targets: ['127.0.0.1'], count: 1000, intervalMs: 10, timeoutMs: 1000 });
    const outcome = running.then(() => 'resolved', (e: Error) => e.message);
    await new Promise((r) => setTimeout(r, 100));
    await engine.close();
    expect(await outcome).toMatch(/closed while this ping job was running/);
    await expect(engine.ping({ targets: ['127.0.0.1'], count: 1, intervalMs: 10, timeoutMs: 100 })).rejects.toThrow(/after close/);
  });

  it('refuses a thread count other than 1', () => {
    expect(() => createEngine({ inThread: true, threads: 2 })).toThrow(EngineInputError);
    expect(() => createEngine({ inThread: true, threads: 2 })).toThrow(/threads must be unset or 1/);
  });
});
