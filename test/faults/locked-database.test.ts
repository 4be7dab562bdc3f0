// The database locked by another process at start, and a second daemon on one data
// directory: the daemon refuses with a message naming the file and the other process, exits
// non-zero, and leaves everything as it was; CLI commands keep working next to a daemon.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from '../server/helpers.js';
import { waitFor } from '../wait-for.js';
import { adminKeyOf, BOUND, built, cliEntry, readStored, serveUntilExit, startDaemonChild, writeConfig, type DaemonChild } from './daemon-child.js';

function cli(dataDir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [cliEntry, ...args, '--data', dataDir], { encoding: 'utf8', env: { ...process.env, SONDE_CONFIG: '' } });
  if (r.status !== 0) throw new Error(`sonde ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(!built)('the data directory in use by another process at start', () => {
  const base = mkdtempSync(join(tmpdir(), 'sonde-fault-lock-'));
  const config = writeConfig(join(base, 'sonde.yaml'));
  let daemon: DaemonChild | undefined;
  afterAll(async () => {
    daemon?.child.kill('SIGKILL');
    await daemon?.exited;
    rmSync(base, { recursive: true, force: true });
  });

  it('a second daemon is refused, naming the first one\'s pid; CLI commands work next to the first', async () => {
    const dataDir = join(base, 'two-daemons');
    daemon = await startDaemonChild(dataDir, config);
    const first = daemon.child.pid!;
    const key = adminKeyOf(dataDir);

    const second = await serveUntilExit(dataDir, config);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`another sonde daemon serves the data directory ${dataDir} (held by pid ${first}: `);
    expect(second.output).toMatch(/stop it first, or give this one another data directory/);
    expect(second.output).not.toMatch(/listening on/);

    // the first daemon is untouched, and the CLI works next to it (reads and writes)
    expect((await call(`${daemon.url}/healthz`)).status).toBe(200);
    expect(cli(dataDir, 'keys', 'create', '--name', 'next-to-daemon', '--scopes', 'network:read')).toMatch(/sonde_/);
    expect(cli(dataDir, 'keys', 'list')).toMatch(/next-to-daemon/);
    expect(JSON.parse(cli(dataDir, 'targets', 'list', '--json'))).toMatchObject({ items: [] });
    expect((await call(`${daemon.url}/v1/targets`, { key, body: { kind: 'HOST', address: '127.0.0.1' } })).status).toBe(201);

    // the lock dies with its holder: after a kill -9 the next daemon starts at once
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    daemon = await startDaemonChild(dataDir, config);
    expect((await call(`${daemon.url}/v1/targets`, { key })).body).toMatchObject({ items: [{ address: '127.0.0.1' }] });
    expect(await daemon.stop()).toBe(0);
    daemon = undefined;
    expect(readStored(join(dataDir, 'sonde.db')).integrity).toBe('ok');
  }, 60_000);

  it('a database held with an exclusive lock: the daemon fails with the file and the holder\'s pid, nothing damaged', async () => {
    const dataDir = join(base, 'locked');
    cli(dataDir, 'keys', 'create', '--name', 'before', '--scopes', 'admin');
    const dbPath = join(dataDir, 'sonde.db');
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
    // another process: an exclusive write transaction held open until its stdin closes
    const holder = spawn(process.execPath, ['-e', `
      const db = new (require(process.argv[1]))(process.argv[2]);
      db.exec('BEGIN EXCLUSIVE');
      db.prepare("UPDATE api_keys SET name = 'changed-by-holder'").run();
      process.stdout.write('locked\\n');
      process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); }).resume();
    `, sqlite, dbPath], { stdio: ['pipe', 'pipe', 'inherit'] });
    let said = '';
    holder.stdout!.on('data', (d: Buffer) => { said += d.toString(); });
    try {
      await waitFor(() => said.includes('locked'), { message: 'the lock held', ...BOUND });
      const refused = await serveUntilExit(dataDir, config);
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(`cannot prepare database ${dbPath}: it stayed locked by another process for 5 s (held by pid ${holder.pid}: `);
      expect(refused.output).toMatch(/end that process \(or its transaction\) and start again/);
      expect(refused.output).not.toMatch(/listening on/);
    } finally {
      holder.stdin!.end();
      await once(holder, 'exit');
    }
    // nothing was changed or damaged, and the daemon starts now
    expect(readStored(dbPath).integrity).toBe('ok');
    expect(cli(dataDir, 'keys', 'list')).toMatch(/before/);
    daemon = await startDaemonChild(dataDir, config);
    expect(await daemon.stop()).toBe(0);
    daemon = undefined;
  }, 60_000);
});
