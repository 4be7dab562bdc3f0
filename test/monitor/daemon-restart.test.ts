// `sonde serve` as a real child process runs the monitors created with `sonde monitors
// create`; SIGTERM writes the open windows; a second daemon keeps adding to the same history.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openMonitors } from '../../engine/index.js';
import { canRaw4, loopbackTargets } from '../engine/helpers.js';
import { sleep } from './helpers.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');

async function runDaemon(dataDir: string, ms: number): Promise<number | null> {
  const config = join(dataDir, 'sonde.yaml');
  // 1 s windows (the monitoring.* configuration keys), so a short run writes several
  writeFileSync(config, 'monitoring: { windowSeconds: 1, rollupMinutes: 1 }\n');
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve', '--config', config, '--data', dataDir, '--port', '0', '--log-level', 'silent', '--threads', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const deadline = Date.now() + 15_000;
  while (!/listening on/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sonde serve did not start: ${out}`);
    }
    await sleep(20);
  }
  await sleep(ms);
  child.kill('SIGTERM');
  const [code] = await exited;
  return code;
}

function cliRun(dataDir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args, '--data', dataDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sonde ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!canRaw4 || !existsSync(cli))('monitors in the daemon', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sonde-monitor-daemon-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('probe from start to SIGTERM, and history survives a daemon restart', async () => {
    const csv = join(dataDir, 'targets.csv');
    writeFileSync(csv, ['kind,address,labels', ...loopbackTargets(20).map((a) => `HOST,${a},grp=x`)].join('\n'));
    cliRun(dataDir, 'targets', 'import', csv);
    const created = JSON.parse(cliRun(dataDir, 'monitors', 'create', '--name', 'x', '--label', 'grp:x', '--interval', '200', '--timeout', '150', '--json')) as { id: string };

    const sentSoFar = async (): Promise<number[]> => {
      const reader = openMonitors({ dataDir, windowMs: 1000, rollupMs: 60_000 });
      try {
        const page = JSON.parse(cliRun(dataDir, 'targets', 'list', '--json')) as { items: { id: string }[] };
        return page.items.map((t) => reader.service.windows(t.id, 0, Date.now() + 120_000).reduce((n, w) => n + w.sent + (w.monitorId === created.id ? 0 : NaN), 0));
      } finally {
        await reader.close();
      }
    };

    expect(await runDaemon(dataDir, 2000)).toBe(0);
    const first = await sentSoFar();
    const reader = openMonitors({ dataDir, windowMs: 1000, rollupMs: 60_000 });
    const anyTarget = (JSON.parse(cliRun(dataDir, 'targets', 'list', '--json')) as { items: { id: string }[] }).items[0].id;
    expect(reader.service.windows(anyTarget, 0, Date.now()).length).toBeGreaterThanOrEqual(2);
    await reader.close();
    // 2 s at 5 rounds/s: each target about 10 probes, all written at shutdown
    for (const n of first) expect(n).toBeGreaterThanOrEqual(5);
    expect(await runDaemon(dataDir, 2000)).toBe(0);
    const second = await sentSoFar();
    second.forEach((n, i) => expect(n).toBeGreaterThanOrEqual(first[i] + 5));
    // the monitor is still defined, as the CLI shows
    expect(cliRun(dataDir, 'monitors', 'list')).toMatch(/1 monitor\(s\)/);
  }, 60_000);
});
