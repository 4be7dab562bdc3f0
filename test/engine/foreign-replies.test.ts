// Forged ICMP traffic, injected from another raw socket on loopback while a job runs: echo
// replies with the engine's own identifiers but a wrong token count as foreign (never as a
// reply), foreign identifiers never reach the engine (BPF filter), bad checksums count as
// corrupted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native, type IcmpSocket } from '../../native-bindings/index.js';
import { buildEchoMessage } from '../../engine/icmp/worker/echo-packet.js';
import { createEngine, type Engine } from '../../engine/index.js';
import { builtWorker, canRaw4, NO_RAW, NOT_BUILT } from './helpers.js';
import { waitFor } from '../wait-for.js';

describe.skipIf(!canRaw4 || !builtWorker)(`forged replies (${!builtWorker ? NOT_BUILT : NO_RAW})`, () => {
  let engine: Engine;
  let injector: IcmpSocket;
  beforeAll(() => {
    engine = createEngine({ threads: 1 });
    // Its own BPF filter admits nothing the test sends: it is only used to send.
    injector = native.openIcmpSocket({ family: 4, mode: 'raw', idBase: 1, idCount: 1 });
  });
  afterAll(async () => {
    injector?.close();
    await engine?.close();
  });

  it('counts right-id wrong-token replies as foreign and corrupted ones as corrupted, not as replies', async () => {
    await engine.ping({ targets: ['127.0.0.1'], count: 1 }); // opens the worker's sockets
    const before = await engine.stats();
    const block = before.idBlocks?.[0];
    expect(block, 'engine.stats() reports the worker id block').toBeDefined();
    const base = block!.base;
    let answered = 0;
    const job = engine.ping({ targets: ['127.0.0.1'], count: 20, intervalMs: 20, timeoutMs: 1000 }, () => { answered++; });
    await waitFor(() => answered >= 3 && answered < 20, { intervalMs: 2, message: 'some probes answered, the job still running' });
    let forged = 0;
    // Every seq the job can be using (its slots are the first of the block), wrong token.
    for (let seq = 0; seq < 64; seq++) {
      injector.sendPacket('127.0.0.1', buildEchoMessage({ family: 4, kind: 'reply', id: base, seq, token: 0xbad0_0000_0000_0000n + BigInt(seq), payloadSize: 56 }));
      forged++;
    }
    // Same, on other ids of the block.
    for (let k = 1; k < block!.count; k += 9) {
      injector.sendPacket('127.0.0.1', buildEchoMessage({ family: 4, kind: 'reply', id: base + k, seq: 1, token: 7n, payloadSize: 56 }));
      forged++;
    }
    // Identifiers outside the block: the socket never sees them.
    for (const id of [base - 1, base + block!.count, (base + 30_000) % 65_536]) {
      injector.sendPacket('127.0.0.1', buildEchoMessage({ family: 4, kind: 'reply', id, seq: 0, token: 1n, payloadSize: 56 }));
    }
    // A corrupted reply: right id, checksum broken.
    const corrupted = buildEchoMessage({ family: 4, kind: 'reply', id: base, seq: 3, token: 5n, payloadSize: 56 });
    corrupted[30] ^= 0xff;
    injector.sendPacket('127.0.0.1', corrupted);

    const summary = await job;
    // the worker counts the forged replies as they come; wait for its count, then check it exactly
    const after = await waitFor(async () => {
      const s = await engine.stats();
      return s.foreign - before.foreign >= forged && s.corrupted - before.corrupted >= 1 && s;
    }, { message: 'every forged reply counted' });
    expect(summary.targets[0]).toMatchObject({ sent: 20, received: 20, duplicates: 0, late: 0, errors: {}, lossPercent: 0 });
    expect(after.foreign - before.foreign).toBe(forged);
    expect(after.corrupted - before.corrupted).toBe(1);
    expect(after.received - before.received).toBe(20);
    expect(after.duplicates - before.duplicates).toBe(0);
    expect(after.late - before.late).toBe(0);
  });
});
