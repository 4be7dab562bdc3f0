// Contract A, command exec against the real daemon (`node dist/cli/index.js serve`): a command
// never outlives the daemon. After `kill -9` of the daemon mid-exec the command is gone at
// once (PR_SET_PDEATHSIG), what it started in its process group is killed when the daemon
// starts again (the exec_groups record), the restarted daemon reads the job failed
// "interrupted by restart" and finds nothing left. And the policy for a client that
// disconnects from a running exec: the command runs to completion and its job is stored.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INTERRUPTED } from '../../engine/index.js';
import { alive, inGroup, procStat, waitUntil } from '../daemon-core/processes.js';
import { call } from '../server/helpers.js';

const cli = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'index.js');

interface Daemon { child: ChildProcess; url: string; key: string }

/** The daemon on an ephemeral port; agent.hostname is localhost, so no DNS query leaves. */
async function startDaemon(dataDir: string): Promise<Daemon> {
  const config = join(dataDir, 'sonde.yaml');
  writeFileSync(config, JSON.stringify({ agent: { hostname: 'localhost', exec: { allow: ['sleep', 'sh'] } } }));
  const child = spawn(process.execPath, [cli, 'serve', '--config', config, '--data', dataDir, '--port', '0', '--log-level', 'warn', '--threads', '1'], {
    env: { ...process.env, SONDE_SHUTDOWN_GRACE_MS: '100' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /listening on (http:\/\/\S+)/.exec(out);
    if (m) return { child, url: m[1], key: readFileSync(join(dataDir, 'admin.key'), 'utf8').trim() };
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

/** The exec_groups rows, read beside the running daemon (WAL: readers do not block it). */
function groupRows(dataDir: string): { pgid: number; start_ticks: number; command: string }[] {
  const db = new Database(join(dataDir, 'sonde.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT pgid, start_ticks, command FROM exec_groups').all() as { pgid: number; start_ticks: number; command: string }[];
  } finally {
    db.close();
  }
}

function exec(d: Daemon, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${d.url}/node/localhost/command/exec`, {
    method: 'POST', headers: { authorization: `Bearer ${d.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal,
  });
}

/** The one processing job's id, once there is one. */
async function runningJob(d: Daemon): Promise<string> {
  let id = '';
  const seen = await waitUntil(async () => {
    const page = (await call(`${d.url}/job?status=processing`, { key: d.key })).body as { items: { id: string }[] };
    id = page.items[0]?.id ?? '';
    return id !== '';
  });
  expect(seen, 'no exec job reached processing').toBe(true);
  return id;
}

describe('exec and the daemon\'s lifetime (real daemon, real processes)', () => {
  const dirs: string[] = [];
  const daemons: Daemon[] = [];
  afterAll(async () => {
    for (const d of daemons) await stop(d, 'SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const dataDir = (): string => {
    expect(existsSync(cli), `${cli} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'sonde-exec-life-'));
    dirs.push(dir);
    return dir;
  };

  it('kill -9 of the daemon mid-exec: the command dies with it; the restarted daemon fails the job and finds no leftover', async () => {
    const dir = dataDir();
    const first = await startDaemon(dir);
    daemons.push(first);
    const pending = exec(first, { command: 'sleep', args: ['300'], timeout: 300 }).catch((e: unknown) => e);
    const jobId = await runningJob(first);
    expect(await waitUntil(() => groupRows(dir).length === 1), 'the running command was not recorded').toBe(true);
    const [row] = groupRows(dir);
    expect(row).toMatchObject({ command: 'sleep', start_ticks: procStat(row.pgid)?.startTicks });
    expect(procStat(row.pgid)).toMatchObject({ pgrp: row.pgid, session: row.pgid });
    expect(alive(row.pgid)).toBe(true);

    await stop(first, 'SIGKILL');
    await pending;
    expect(await waitUntil(() => !alive(row.pgid) && inGroup(row.pgid).length === 0), `sleep ${row.pgid} outlived the daemon`).toBe(true);

    const second = await startDaemon(dir);
    daemons.push(second);
    expect(groupRows(dir)).toEqual([]);
    const job = await call(`${second.url}/job/${jobId}`, { key: second.key });
    expect(job.body).toMatchObject({ id: jobId, status: 'failed', error: INTERRUPTED });
    await stop(second, 'SIGTERM');
  });

  it('kill -9 mid-exec of a command that started a background process: the restarted daemon kills what it left', async () => {
    const dir = dataDir();
    const first = await startDaemon(dir);
    daemons.push(first);
    const pending = exec(first, { command: 'sh', args: ['-c', 'sleep 300 & exec sleep 301'], timeout: 300 }).catch((e: unknown) => e);
    await runningJob(first);
    expect(await waitUntil(() => groupRows(dir).length === 1)).toBe(true);
    const { pgid } = groupRows(dir)[0];
    expect(await waitUntil(() => inGroup(pgid).length === 2), 'the background sleep did not start').toBe(true);
    const [background] = inGroup(pgid).filter((pid) => pid !== pgid);

    await stop(first, 'SIGKILL');
    await pending;
    expect(await waitUntil(() => !alive(pgid)), `the command ${pgid} outlived the daemon`).toBe(true);
    // PR_SET_PDEATHSIG is not inherited by the command's own children: only the record finds it.
    expect(alive(background)).toBe(true);

    const second = await startDaemon(dir);
    daemons.push(second);
    expect(await waitUntil(() => !alive(background)), `sleep ${background} survived the restart`).toBe(true);
    expect(inGroup(pgid)).toEqual([]);
    expect(groupRows(dir)).toEqual([]);
    await stop(second, 'SIGTERM');
  });

  it('SIGTERM mid-exec: the client gets the seed\'s 500 in the osapi envelope, and the daemon exits by itself', async () => {
    const dir = dataDir();
    const d = await startDaemon(dir); // jobs.shutdownGraceMs 100
    daemons.push(d);
    const answer = exec(d, { command: 'sleep', args: ['300'], timeout: 300 }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const jobId = await runningJob(d);
    const exited = once(d.child, 'exit');
    d.child.kill('SIGTERM');
    const r = await answer;
    expect(r.status, r.text).toBe(500);
    expect(JSON.parse(r.text)).toEqual({
      error: `Error executing command: job ${jobId} was interrupted because the daemon is stopping`,
      details: expect.stringMatching(new RegExp(`^${INTERRUPTED}: GET /job/${jobId} reads it failed`)),
      code: 500,
    });
    // it exits on its own (the bound of the wait is the test's, not a timing claim), with 0: a clean stop
    const [code] = await Promise.race([exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the daemon did not exit after SIGTERM')), 20_000))]);
    expect(code).toBe(0);
    const again = await startDaemon(dir);
    daemons.push(again);
    expect((await call(`${again.url}/job/${jobId}`, { key: again.key })).body).toMatchObject({ id: jobId, status: 'failed', error: INTERRUPTED });
    await stop(again, 'SIGTERM');
  });

  it('a client that disconnects from a running exec: the command runs to completion and its job is stored', async () => {
    const dir = dataDir();
    const d = await startDaemon(dir);
    daemons.push(d);
    const go = join(dir, 'go');
    const client = new AbortController();
    const request = exec(d, { command: 'sh', args: ['-c', `while [ ! -e ${go} ]; do sleep 0.05; done; echo finished`], timeout: 60 }, client.signal);
    const jobId = await runningJob(d);
    client.abort();
    expect(await request.catch((e: unknown) => (e as Error).name)).toBe('AbortError');
    writeFileSync(go, ''); // the command may finish only now, after the client has gone

    let job: { status?: string; result?: { stdout?: string; exit_code?: number } } = {};
    expect(await waitUntil(async () => {
      job = (await call(`${d.url}/job/${jobId}`, { key: d.key })).body as typeof job;
      return job.status !== 'processing';
    }, 10_000), 'the job did not finish').toBe(true);
    expect(job).toMatchObject({ status: 'completed', result: { stdout: 'finished\n', exit_code: 0 } });
    expect(groupRows(dir)).toEqual([]);
    expect((await call(`${d.url}/healthz`)).status).toBe(200);
    await stop(d, 'SIGTERM');
  });
});
