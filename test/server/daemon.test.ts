// `sonde serve` as a real child process (dist/cli/index.js): first start writes the admin
// key (0600) and says where; SIGTERM while a job runs exits 0 with the job persisted and the
// database closed cleanly; a restart keeps every job.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../wait-for.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');

interface Daemon {
  child: ChildProcess;
  url: string;
  stdout: () => string;
}

async function startDaemon(dataDir: string, env: Record<string, string> = {}): Promise<Daemon> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [cli, 'serve', '--data', dataDir, '--port', '0', '--log-level', 'info'], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m) return { child, url: m[1], stdout: () => out };
    if (child.exitCode !== null) throw new Error(`sonde serve exited with ${child.exitCode}: ${out}`);
    if (Date.now() > deadline) throw new Error(`sonde serve did not start within 15 s: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(daemon: Daemon, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (daemon.child.exitCode !== null) return daemon.child.exitCode;
  const exited = once(daemon.child, 'exit') as Promise<[number | null]>;
  daemon.child.kill(signal);
  const [code] = await exited;
  return code;
}

async function api(url: string, key: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('sonde serve (child process)', () => {
  let dataDir: string;
  const running: Daemon[] = [];
  beforeAll(() => { dataDir = mkdtempSync(join(tmpdir(), 'sonde-daemon-test-')); });
  afterAll(async () => {
    for (const d of running) if (d.child.exitCode === null) d.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('first start writes <data>/admin.key with mode 0600 and prints its path and the URL', async () => {
    const daemon = await startDaemon(dataDir);
    running.push(daemon);
    const keyPath = join(dataDir, 'admin.key');
    expect(daemon.stdout()).toContain(keyPath);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const key = readFileSync(keyPath, 'utf8').trim();
    expect((await api(`${daemon.url}/v1/agents`, key)).status).toBe(200);
    expect(await stop(daemon)).toBe(0);
  });

  it('sonde keys create/revoke and sonde targets import on the same data directory take effect in the running daemon', async () => {
    const daemon = await startDaemon(dataDir);
    running.push(daemon);
    const run = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
      const r = spawnSync(process.execPath, [cli, ...args, '--data', dataDir], { encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const created = run(['keys', 'create', '--name', 'cli-made', '--scopes', 'targets:read,targets:write', '--json']);
    expect(created.status, created.stderr).toBe(0);
    const { key, secret } = JSON.parse(created.stdout) as { key: { id: string }; secret: string };
    expect((await api(`${daemon.url}/v1/targets`, secret)).status).toBe(200);

    const csv = join(dataDir, 'targets.csv');
    writeFileSync(csv, 'address,kind,label.site\n127.0.9.1,HOST,eu.paris\n127.0.9.2,HOST,us\n');
    const imported = run(['targets', 'import', csv]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported 2 target(s)');
    const listed = await api(`${daemon.url}/v1/targets?label=site:eu`, secret);
    expect((listed.body.items as { address: string }[]).map((t) => t.address)).toEqual(['127.0.9.1']);
    const cliList = run(['targets', 'list', '--label', 'site:eu', '--json']);
    expect((JSON.parse(cliList.stdout) as { total: number }).total).toBe(1);

    const bad = run(['keys', 'create', '--name', 'x', '--scopes', 'root']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/scope/);

    expect(run(['keys', 'revoke', key.id]).status).toBe(0);
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status !== 401 && Date.now() < deadline) {
      status = (await api(`${daemon.url}/v1/targets`, secret)).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
    expect(await stop(daemon)).toBe(0);
  });

  it('SIGTERM while a job runs: exit 0, job persisted (interrupted), DB closed cleanly; restart keeps jobs', async () => {
    const key = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
    const daemon = await startDaemon(dataDir, { SONDE_SHUTDOWN_GRACE_MS: '300' });
    running.push(daemon);
    expect(daemon.stdout()).not.toContain('first start');

    // A short job that finishes, and a long one that is still running at SIGTERM.
    const short = await api(`${daemon.url}/v1/jobs`, key, { operation: 'ping', targets: ['127.0.0.1'], count: 1, intervalMs: 10, timeoutMs: 200 });
    expect(short.status).toBe(202);
    const long = await api(`${daemon.url}/v1/jobs`, key, { operation: 'ping', targets: ['127.0.0.1'], count: 100, intervalMs: 100, timeoutMs: 500 });
    expect(long.status).toBe(202);
    const longId = String(long.body.id);
    // A ping path that fails at once (no probe engine, no raw sockets) is a failure here, not a skip.
    const during = await waitFor(async () => {
      const job = await api(`${daemon.url}/v1/jobs/${longId}`, key);
      return job.body.status !== 'submitted' && job;
    }, { timeoutMs: 5000, message: 'the long ping job started' });
    expect(during.body.status, `the long ping job (results: ${JSON.stringify(during.body.results)})`).toBe('processing');
    const shortFinal = await waitFor(async () => {
      const job = await api(`${daemon.url}/v1/jobs/${String(short.body.id)}`, key);
      return job.body.status !== 'submitted' && job.body.status !== 'processing' && job;
    }, { timeoutMs: 5000, message: 'the short ping job finished' });
    expect(shortFinal.body.status).toBe('completed');

    expect(await stop(daemon)).toBe(0);
    expect(daemon.stdout()).toContain('"msg":"stopped"');

    // Closed cleanly: the WAL was checkpointed and removed, the database is intact, and the
    // running job was recorded as interrupted.
    const dbPath = join(dataDir, 'sonde.db');
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const again = await startDaemon(dataDir);
    running.push(again);
    const longAfter = await api(`${again.url}/v1/jobs/${longId}`, key);
    expect(longAfter.status).toBe(200);
    expect(longAfter.body.status).toBe('failed');
    expect(String(longAfter.body.error)).toContain('interrupted by restart');
    const shortAfter = await api(`${again.url}/v1/jobs/${String(short.body.id)}`, key);
    expect(shortAfter.body).toEqual(shortFinal.body);
    expect(await stop(again, 'SIGINT')).toBe(0);
  });
});
