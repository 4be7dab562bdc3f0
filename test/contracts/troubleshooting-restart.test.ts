// Restarts of the real daemon (`node dist/cli/index.js serve`) while troubleshooting and
// service tests run: after SIGTERM (orderly shutdown) and after SIGKILL (nothing flushed),
// the restarted daemon answers the task as FAILED "interrupted by restart" (contract C) and
// ping_failed with that message (contract B). Needs the build in dist/ and raw ICMP (root).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call } from '../server/helpers.js';
import { conformant, pollUntil } from './troubleshooting-harness.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');
const canRaw = process.getuid?.() === 0;
const SERIAL = 'DAEMON-AP-0001';

interface Daemon { child: ChildProcess; url: string }

async function startDaemon(dataDir: string): Promise<Daemon> {
  const child = spawn(process.execPath, [cli, 'serve', '--data', dataDir, '--port', '0', '--log-level', 'warn', '--threads', '1'], {
    env: { ...process.env, SONDE_AGENT_SERIAL: SERIAL, SONDE_SHUTDOWN_GRACE_MS: '100' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) return { child, url: m[1] };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`sonde serve did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(d: Daemon, signal: NodeJS.Signals): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  const exited = once(d.child, 'exit');
  d.child.kill(signal);
  await exited;
}

describe.skipIf(!canRaw)('restart of the real daemon during a task', () => {
  const dirs: string[] = [];
  const daemons: Daemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await stop(d, 'SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal}: the restarted daemon answers FAILED / ping_failed with "interrupted by restart"`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'sonde-restart-'));
      dirs.push(dataDir);
      const first = await startDaemon(dataDir);
      daemons.push(first);
      const key = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
      const target = await call(`${first.url}/v1/targets`, { key, body: { kind: 'HOST', address: '127.0.0.1', serviceId: 42 } });
      expect(target.status, target.text).toBe(201);

      const c = await call(`${first.url}/network-troubleshooting/v1alpha1/aps/${SERIAL}/ping`, { key, body: { destination: '127.0.0.1', count: 60 } });
      const { location } = conformant<{ location: string }>('C.ping.create.202', c);
      const s = await call(`${first.url}/api/v1/42/ping/`, { key, body: { pings: 60 } });
      const taskId = conformant<{ data: { task_id: string } }>('B.create.200', s).data.task_id;
      await pollUntil<{ status: string; progressPercent: number }>(`${first.url}${location}`, key, (b) => b.status === 'RUNNING' && b.progressPercent > 0);
      await stop(first, signal);

      const second = await startDaemon(dataDir);
      daemons.push(second);
      const r = await call(`${second.url}${location}`, { key });
      expect(conformant('C.ping.result.200', r)).toMatchObject({ status: 'FAILED', failReason: 'interrupted by restart', output: null });
      const b = await call(`${second.url}/api/v1/ping/${taskId}/`, { key });
      expect(conformant('B.result.200', b)).toMatchObject({ ok: false, type: 'error', action: 'ping_failed', message: 'interrupted by restart' });
      await stop(second, 'SIGTERM');
    });
  }
});
