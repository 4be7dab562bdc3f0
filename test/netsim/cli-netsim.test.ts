// `sonde netsim` as a process: starts the demo simulator, is probed from inside its namespace,
// prints its statistics on SIGTERM and leaves no namespace behind.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netsimAvailability } from '../../netsim/netsim.js';
import { SimPinger } from './pinger.js';
import type { NetsimStats } from '../../netsim/stats.js';

const availability = netsimAvailability();
const cli = new URL('../../dist/cli/index.js', import.meta.url).pathname;
const namespaces = () => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);

describe.skipIf(!availability.ok)(availability.ok ? 'sonde netsim' : `sonde netsim — SKIPPED: ${availability.reason}`, () => {
  it('runs the simulator until SIGTERM, then prints its statistics and removes the namespace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-netsim-'));
    const config = join(dir, 'sim.yaml');
    writeFileSync(config, 'seed: 3\nhosts:\n  198.18.5.0/24:\n    loss: { every: 2 }\n');
    const child = spawn(process.execPath, [cli, 'netsim', '--config', config, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const netns = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /network namespace (\S+) \((\S+)\)/.exec(stderr);
        if (m) resolve(m[2]);
      });
      child.on('exit', (code) => reject(new Error(`sonde netsim exited (${code}): ${stderr}`)));
    });
    const pinger = new SimPinger(netns, 4, 45000 + (process.pid % 1000));
    try {
      pinger.send('198.18.5.1', [{ seq: 1 }, { seq: 2 }, { seq: 3 }, { seq: 4 }]);
      const replies = await pinger.waitFor(2, 2000);
      expect(replies.map((r) => r.seq).sort()).toEqual([1, 3]);
    } finally {
      pinger.close();
    }
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const stats = JSON.parse(stdout) as NetsimStats;
    expect(stats.hosts['198.18.5.1']).toMatchObject({ rule: '198.18.5.0/24', received: 4, echoReplies: 2, dropped: { seqs: [2, 4] } });
    expect(namespaces()).not.toContain(netns.split('/').pop());
  });

  it('exits 2 and names the field for a bad profile', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-netsim-'));
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ hosts: { '198.18.0.1': { latency: -5 } } }));
    const r = spawnSync(process.execPath, [cli, 'netsim', '--config', config], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('hosts["198.18.0.1"].latency');
  });
});
