// Bad input is refused with an EngineInputError naming the field, before anything is sent,
// and the engine keeps working after each; closing the engine leaves the process healthy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, EngineInputError, type Engine, type PingRequest } from '../../engine/index.js';
import { builtWorker, canRaw4, NO_RAW, NOT_BUILT } from './helpers.js';
import { waitFor } from '../wait-for.js';

const ok: PingRequest = { targets: ['127.0.0.1'], count: 1 };

const badRequests: Array<[string, PingRequest, string]> = [
  ['no targets', { targets: [] }, 'targets'],
  ['targets not an array', { targets: '127.0.0.1' as unknown as string[] }, 'targets'],
  ['an invalid address', { targets: ['127.0.0.1', 'not an address!'] }, 'targets'],
  ['an IPv4 address out of range', { targets: ['300.1.2.3'] }, 'targets'],
  ['a short IPv4 form', { targets: ['127.1'] }, 'targets'],
  ['a bad IPv6 address', { targets: ['2001:db8::zz'] }, 'targets'],
  ['an IPv6 zone id', { targets: ['fe80::1%lo'] }, 'targets'],
  ['a non-string target', { targets: [42 as unknown as string] }, 'targets'],
  ['count 0', { ...ok, count: 0 }, 'count'],
  ['count over 1,000,000', { ...ok, count: 1_000_001 }, 'count'],
  ['a fractional count', { ...ok, count: 2.5 }, 'count'],
  ['a negative timeout', { ...ok, timeoutMs: -1 }, 'timeoutMs'],
  ['a zero timeout', { ...ok, timeoutMs: 0 }, 'timeoutMs'],
  ['a NaN timeout', { ...ok, timeoutMs: NaN }, 'timeoutMs'],
  ['a negative period', { ...ok, intervalMs: -5 }, 'intervalMs'],
  ['a negative send interval', { ...ok, sendIntervalMs: -0.5 }, 'sendIntervalMs'],
  ['size over 65,500', { ...ok, size: 65_501 }, 'size'],
  ['a negative size', { ...ok, size: -1 }, 'size'],
  ['ttl 0', { ...ok, ttl: 0 }, 'ttl'],
  ['ttl 256', { ...ok, ttl: 256 }, 'ttl'],
  ['tos 300', { ...ok, tos: 300 }, 'tos'],
  ['dontFragment "yes"', { ...ok, dontFragment: 'yes' as unknown as boolean }, 'dontFragment'],
  ['family 5', { ...ok, family: 5 as 4 }, 'family'],
];

describe.skipIf(!builtWorker)(`input validation (${NOT_BUILT})`, () => {
  let engine: Engine;
  beforeAll(() => {
    engine = createEngine({ threads: 1 });
  });
  afterAll(async () => {
    await engine?.close();
  });

  for (const [what, request, field] of badRequests) {
    it(`refuses ${what} (field ${field})`, async () => {
      const error = await engine.ping(request).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(EngineInputError);
      expect((error as EngineInputError).field).toBe(field);
      expect((error as Error).message).toContain(field);
      if (canRaw4) {
        const summary = await engine.ping(ok);
        expect(summary.targets[0].received).toBe(1);
      }
    });
  }

  it('names the offending index of a bad target', async () => {
    await expect(engine.ping({ targets: ['127.0.0.1', '::1', 'bad name'] })).rejects.toThrow(/targets\[2\]/);
  });

  it('refuses bad engine options', () => {
    for (const threads of [0, -1, 1.5, 1000]) {
      expect(() => createEngine({ threads })).toThrow(EngineInputError);
    }
    expect(() => createEngine({ netns: '' })).toThrow(/netns/);
  });
});

describe.skipIf(!canRaw4 || !builtWorker)(`closing the engine (${!builtWorker ? NOT_BUILT : NO_RAW})`, () => {
  it('rejects a running job with a clear error and leaves the process healthy', async () => {
    const engine = createEngine({ threads: 2 });
    await engine.ping(ok); // workers up, sockets open
    let replies = 0;
    const running = engine.ping({ targets: ['127.0.0.1', '127.0.0.2'], count: 1000, intervalMs: 10 }, () => { replies++; }).then(() => null, (e: unknown) => e);
    await waitFor(() => replies > 0, { message: 'a first reply of the running job' });
    await engine.close();
    expect(String(await running)).toMatch(/closed while this ping job was running/);
    await expect(engine.ping(ok)).rejects.toThrow(/after close/);
    await engine.close(); // idempotent

    const next = createEngine({ threads: 2 });
    const summary = await next.ping({ targets: ['127.0.0.1'], count: 3, intervalMs: 0 });
    expect(summary.targets[0].received).toBe(3);
    await next.close();
  });

  it('closes an idle engine and engines that never ran a job', async () => {
    for (let i = 0; i < 3; i++) await createEngine({ threads: 2 }).close();
    const engine = createEngine({ threads: 1 });
    await engine.ping(ok);
    await engine.close();
  });
});
