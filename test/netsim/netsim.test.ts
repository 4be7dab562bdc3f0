// The simulator through the kernel: its namespace, TUN device and worker thread, probed with a
// raw socket from the native binding inside the namespace (independent of the engine).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { netsimAvailability, startNetsim, type Netsim } from '../../netsim/netsim.js';
import { SimPinger } from './pinger.js';
import { waitFor } from '../wait-for.js';

const availability = netsimAvailability();
const title = (t: string) => (availability.ok ? t : `${t} — SKIPPED: ${availability.reason}`);
const namespaces = () => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);

describe.skipIf(!availability.ok)(title('netsim through the kernel'), () => {
  let sim: Netsim;
  const pingers: SimPinger[] = [];
  const pinger = (family: 4 | 6) => {
    const p = new SimPinger(sim.netns, family, 40000 + Math.floor(Math.random() * 20000));
    pingers.push(p);
    return p;
  };

  beforeAll(async () => {
    sim = await startNetsim({
      seed: 5,
      hosts: {
        '198.18.0.0/24': { latency: 20 },
        '198.18.0.9': { loss: { every: 3 } },
        '198.18.1.1': { unreachable: { code: 13 } },
        '198.18.1.2': { timeExceeded: { fromHop: 3 } },
        '198.18.1.3': { corrupt: { seqs: [2] }, duplicate: { seqs: [3] }, ttl: 33 },
        '2001:db8::/48': { latency: 10 },
        '2001:db8::7': { unreachable: { code: 3, when: { seqs: [2] } } },
      },
    });
  });
  afterEach(() => {
    for (const p of pingers.splice(0)) p.close();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('lives in its own namespace, with the device and routes only there', () => {
    expect(sim.name).toMatch(/^sonde-sim-\d+-\d+$/);
    expect(namespaces()).toContain(sim.name);
    const inside = execFileSync('ip', ['-n', sim.name, 'route', 'get', '198.18.3.4'], { encoding: 'utf8' });
    expect(inside).toContain(`dev ${sim.tun} src 198.19.255.254`);
    expect(() => execFileSync('ip', ['link', 'show', 'dev', sim.tun], { stdio: 'ignore' })).toThrow();
    const here = execFileSync('ip', ['route', 'show'], { encoding: 'utf8' }) + execFileSync('ip', ['-6', 'route', 'show'], { encoding: 'utf8' });
    expect(here).not.toContain(sim.tun);
  });

  it('answers IPv4 and IPv6 echo after the profile latency, and counts it', async () => {
    const p4 = pinger(4);
    const p6 = pinger(6);
    p4.send('198.18.0.5', [{ seq: 1 }, { seq: 2 }]);
    p6.send('2001:db8::5', [{ seq: 1 }]);
    const r4 = await p4.waitFor(2, 2000);
    const r6 = await p6.waitFor(1, 2000);
    expect(r4.map((r) => [r.from, r.type, r.seq, r.checksumOk])).toEqual([['198.18.0.5', 0, 1, true], ['198.18.0.5', 0, 2, true]]);
    expect(r6.map((r) => [r.from, r.type, r.seq])).toEqual([['2001:db8::5', 129, 1]]);
    for (const r of r4) expect(r.rttMs).toBeGreaterThanOrEqual(20);
    expect(r6[0].rttMs).toBeGreaterThanOrEqual(10);
    const s = await sim.stats();
    expect(s.hosts['198.18.0.5']).toMatchObject({ rule: '198.18.0.0/24', received: 2, echoReplies: 2, packetsSent: 2 });
    expect(s.hosts['2001:db8::5']).toMatchObject({ rule: '2001:db8::/48', received: 1, echoReplies: 1 });
    for (const a of s.hosts['198.18.0.5'].replies.appliedMs) expect(a).toBeGreaterThanOrEqual(20);
    expect(s.frames.unsafeRefused).toBe(0);
    expect(s.kernel).toEqual({ tunTxDropped: 0, qdiscDropped: 0 });
  });

  it('drops exactly every 3rd request', async () => {
    const p = pinger(4);
    p.send('198.18.0.9', Array.from({ length: 9 }, (_, i) => ({ seq: i + 1 })));
    await p.waitFor(6, 2000);
    // every request has reached the simulator (the three dropped are counted): no reply is left to come
    await waitFor(async () => (await sim.host('198.18.0.9'))?.dropped.seqs.length === 3, { timeoutMs: 2000, message: 'three requests dropped' });
    expect(p.replies.map((r) => r.seq).sort((a, b) => a - b)).toEqual([1, 2, 4, 5, 7, 8]);
    expect((await sim.host('198.18.0.9'))?.dropped.seqs).toEqual([3, 6, 9]);
  });

  it('sends unreachable and time exceeded that the kernel delivers as errors quoting the request', async () => {
    const p = pinger(4);
    p.send('198.18.1.1', [{ seq: 7 }]);
    p.send('198.18.1.2', [{ seq: 1, ttl: 1 }, { seq: 2, ttl: 2 }, { seq: 3, ttl: 3 }]);
    const r = await p.waitFor(4, 2000);
    const byType = r.map((x) => [x.from, x.type, x.code, x.seq, x.isError]).sort();
    expect(byType).toEqual([
      ['198.18.1.1', 3, 13, 7, true],
      ['198.18.1.2', 0, 0, 3, false],
      ['198.19.254.1', 11, 0, 1, true],
      ['198.19.254.2', 11, 0, 2, true],
    ]);
    const p6 = pinger(6);
    p6.send('2001:db8::7', [{ seq: 1 }, { seq: 2 }]);
    const r6 = await p6.waitFor(2, 2000);
    expect(r6.map((x) => [x.type, x.code, x.seq, x.isError]).sort()).toEqual([[1, 3, 2, true], [129, 0, 1, false]]);
  });

  it('corrupts and duplicates replies and sets their TTL', async () => {
    const p = pinger(4);
    p.send('198.18.1.3', [{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
    const r = await p.waitFor(4, 2000);
    expect(r.map((x) => [x.seq, x.checksumOk, x.ttl])).toEqual([[1, true, 33], [2, false, 33], [3, true, 33], [3, true, 33]]);
    const s = await sim.host('198.18.1.3');
    expect(s).toMatchObject({ received: 3, echoReplies: 3, packetsSent: 4, duplicatesSent: 1 });
    expect(s?.corrupted.seqs).toEqual([2]);
  });

  it('changes a profile at run time: a host goes dark and comes back', async () => {
    const p = pinger(4);
    await sim.setProfile('198.18.2.1', { blackhole: true });
    p.send('198.18.2.1', [{ seq: 1 }]);
    await waitFor(async () => (await sim.host('198.18.2.1'))?.droppedBy.blackhole === 1, { timeoutMs: 2000, message: 'seq 1 dropped by the blackhole' });
    await sim.setProfile('198.18.2.1', null);
    p.send('198.18.2.1', [{ seq: 2 }]);
    const r = await p.waitFor(1, 2000);
    expect(r.map((x) => x.seq)).toEqual([2]);
    const s = await sim.host('198.18.2.1');
    expect(s?.droppedBy.blackhole).toBe(1);
    expect(s?.rule).toBe('(default)');
    await expect(sim.setProfile('10.0.0.1', {})).rejects.toThrow(/outside the simulator's ranges/);
  });
});

describe.skipIf(!availability.ok)(title('netsim lifecycle and safety'), () => {
  it('refuses bad options before creating anything', async () => {
    const before = namespaces();
    await expect(startNetsim({ hosts: { '8.8.8.8': {} } })).rejects.toMatchObject({ field: 'hosts["8.8.8.8"]' });
    await expect(startNetsim({ hosts: { '198.18.0.1': { loss: 101 } } })).rejects.toMatchObject({ field: 'hosts["198.18.0.1"].loss.percent' });
    await expect(startNetsim({ seed: -1 })).rejects.toMatchObject({ field: 'seed' });
    expect(namespaces()).toEqual(before);
  });

  it('removes its namespace on stop, and stop is idempotent', async () => {
    const sim = await startNetsim();
    expect(namespaces()).toContain(sim.name);
    await sim.stop();
    await sim.stop();
    expect(namespaces()).not.toContain(sim.name);
    await expect(sim.stats()).rejects.toThrow(/exited|crashed/);
  });

  it('sweeps namespaces left by dead processes at start', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    const stale = `sonde-sim-${dead.pid}-0`;
    execFileSync('ip', ['netns', 'add', stale]);
    const sim = await startNetsim();
    try {
      expect(namespaces()).not.toContain(stale);
    } finally {
      await sim.stop();
      if (namespaces().includes(stale)) execFileSync('ip', ['netns', 'del', stale]);
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`removes its namespace when the process gets ${signal}`, async () => {
      const url = new URL('../../dist/netsim/netsim.js', import.meta.url).href;
      const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(url)}); const s = await m.startNetsim(); console.log(s.name);`], { stdio: ['ignore', 'pipe', 'inherit'] });
      const name = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => resolve(d.toString().trim()));
        child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
      });
      expect(namespaces()).toContain(name);
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig)));
      child.kill(signal);
      expect(await exited).toBe(signal); // the default action still happens after the cleanup
      expect(namespaces()).not.toContain(name);
    });
  }
});
