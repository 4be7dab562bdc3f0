// Contract A, POST /node/{hostname}/command/exec (seed 003) on a real server: real processes,
// the allowlist, no shell, output caps, process-group kill at the timeout, the scrubbed
// environment, every documented error status in the osapi envelope, and a restart.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXEC_ENV_PASSTHROUGH, EXEC_PATH, INTERRUPTED, type Agent } from '../../engine/index.js';
import { call, type Call } from '../server/helpers.js';
import { conforms, osapiError, startNodeApiServer, type NodeApiServer } from './node-api-server.js';

interface ExecItem { hostname: string; stdout: string; stderr: string; exit_code: number; duration_ms: number; changed: boolean; error?: string; truncated?: boolean }
interface ExecBody { job_id: string; results: ExecItem[] }

const ALLOW = ['printf', 'sh', 'seq', 'env', 'pwd', 'no-such-command-xyz', '/bin/echo'];

/** An agent through the plain Agent interface, without command exec (e.g. a remote one). */
function noExecAgent(hostname: string): Agent {
  return {
    hostname, serial: `NOEXEC-${hostname}`, labels: {}, healthy: () => true, facts: () => ({ hostname }),
    resolveFact: async () => undefined, ping: () => Promise.reject(new Error('no engine')),
  };
}

/** Dead: no /proc entry, or a zombie nobody has reaped yet. */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function only(res: Call): ExecItem {
  expect(res.status, res.text).toBe(202);
  expect(conforms('A.exec.202', res.body)).toEqual([]);
  const results = (res.body as ExecBody).results;
  expect(results).toHaveLength(1);
  return results[0];
}

describe('node API: POST /node/{hostname}/command/exec', () => {
  let t: NodeApiServer;
  let runner: string;
  const exec = (body: unknown, hostname = 'localhost', key = runner) =>
    call(`${t.url}/node/${encodeURIComponent(hostname)}/command/exec`, { key, body });

  beforeAll(async () => {
    t = await startNodeApiServer({ execAllow: ALLOW });
    runner = t.key(['command:execute', 'job:read']);
  });
  afterAll(async () => { await t?.close(); });

  it('runs an allowlisted command: 202 in the seed-003 shape, and GET /job/{id} has it', async () => {
    const res = await exec({ command: 'printf', args: ['%s|', 'a', 'b c'] });
    const item = only(res);
    expect(item).toMatchObject({ hostname: 'localhost', stdout: 'a|b c|', stderr: '', exit_code: 0, changed: true });
    expect(item.error).toBeUndefined();
    expect(item.truncated).toBeUndefined();
    expect(item.duration_ms).toBeGreaterThanOrEqual(0);

    const jobId = (res.body as ExecBody).job_id;
    const job = await call(`${t.url}/job/${jobId}`, { key: runner });
    expect(job.status).toBe(200);
    expect(conforms('A.job.200', job.body)).toEqual([]);
    expect(job.body).toMatchObject({
      id: jobId, status: 'completed', hostname: 'localhost', result: item,
      operation: { type: 'command.exec.execute', data: { command: 'printf', args: ['%s|', 'a', 'b c'], cwd: null, timeout: 30 } },
    });
    const list = await call(`${t.url}/job?status=completed&limit=5`, { key: runner });
    expect(list.status).toBe(200);
    expect(conforms('A.jobs.200', list.body)).toEqual([]);
    const page = list.body as { total_items: number; items: { id: string; status: string }[] };
    expect(page.items.some((j) => j.id === jobId)).toBe(true);
    expect(page.items.every((j) => j.status === 'completed')).toBe(true);
    expect(page.total_items).toBeGreaterThanOrEqual(page.items.length);
  });

  it('passes shell metacharacters literally: no shell ever sees the arguments', async () => {
    const args = ['$(id)', '`id`', '; echo pwned', '| cat', '&& true', '*', '~', '$HOME', '"quoted"', "'single'", '>out', 'a\nb'];
    const item = only(await exec({ command: 'printf', args: ['%s\\0', ...args] }));
    expect(item.stdout.split('\0').slice(0, -1)).toEqual(args);
    const viaPath = only(await exec({ command: '/bin/echo', args: ['$(id)', '*'] }));
    expect(viaPath.stdout).toBe('$(id) *\n');
  });

  it('reports the exit status and stderr of a failing command without an error', async () => {
    const item = only(await exec({ command: 'sh', args: ['-c', 'echo oops >&2; exit 3'] }));
    expect(item).toMatchObject({ exit_code: 3, stderr: 'oops\n', stdout: '' });
    expect(item.error).toBeUndefined();
  });

  it('a command not on the allowlist → 403 saying how to allow it; nothing runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-exec-403-'));
    try {
      for (const command of ['touch', '/usr/bin/printf', './printf', 'printf ']) {
        const res = await exec({ command, args: [join(dir, 'ran')] });
        expect(res.status, command).toBe(403);
        expect(osapiError(res)).toBe(
          `command ${JSON.stringify(command)} is not on the exec allowlist of agent "localhost"; to allow it, add it to agent.exec.allow in the daemon's config file (sonde.yaml: "agent: { exec: { allow: [${JSON.stringify(command)}] } }") and restart sonde`,
        );
      }
      expect(() => readFileSync(join(dir, 'ran'))).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('timeout: the whole process group is killed (children too), exit_code -1, "timeout after Ns"', async () => {
    // The shell starts two background children and waits; it prints their pids first.
    const res = await exec({ command: 'sh', args: ['-c', 'sleep 300 & echo $!; sh -c "sleep 301" & echo $!; echo $$; wait'], timeout: 1 });
    const item = only(res);
    expect(item).toMatchObject({ exit_code: -1, error: 'timeout after 1s' });
    expect(item.duration_ms).toBeGreaterThanOrEqual(1000);
    const pids = item.stdout.trim().split('\n').map(Number);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(await waitUntil(() => processGone(pid)), `pid ${pid} still running`).toBe(true);
    const job = (await call(`${t.url}/job/${(res.body as ExecBody).job_id}`, { key: runner })).body as { status: string; result: ExecItem };
    expect(job.result).toMatchObject({ exit_code: -1, error: 'timeout after 1s' });
  });

  it('processes a command leaves behind are killed when it exits', async () => {
    const item = only(await exec({ command: 'sh', args: ['-c', 'sleep 300 & echo $!'] }));
    expect(item.exit_code).toBe(0);
    const pid = Number(item.stdout.trim());
    expect(pid).toBeGreaterThan(1);
    expect(await waitUntil(() => processGone(pid)), `left-behind pid ${pid} still running`).toBe(true);
  });

  it('huge output is capped at 1 MiB per stream with truncated: true', async () => {
    const full = Array.from({ length: 400_000 }, (_, i) => `${i + 1}\n`).join('');
    expect(full.length).toBeGreaterThan(2 * 1024 * 1024);
    const out = only(await exec({ command: 'seq', args: ['1', '400000'] }));
    expect(out.truncated).toBe(true);
    expect(out.exit_code).toBe(0);
    expect(out.stdout.length).toBe(1024 * 1024);
    expect(out.stdout).toBe(full.slice(0, 1024 * 1024));
    const err = only(await exec({ command: 'sh', args: ['-c', 'seq 1 400000 >&2; echo done'] }));
    expect(err).toMatchObject({ truncated: true, stdout: 'done\n', exit_code: 0 });
    expect(err.stderr).toBe(full.slice(0, 1024 * 1024));
  });

  it('runs in the given cwd; a missing cwd is a clear error on the item; a relative cwd is a 400', async () => {
    expect(only(await exec({ command: 'pwd', cwd: '/tmp' })).stdout).toBe('/tmp\n');
    const missing = only(await exec({ command: 'pwd', cwd: '/nonexistent-sonde-dir' }));
    expect(missing).toMatchObject({
      exit_code: -1, stdout: '', stderr: '',
      error: 'working directory "/nonexistent-sonde-dir" does not exist; give an existing directory as cwd',
    });
    const notDir = only(await exec({ command: 'pwd', cwd: '/etc/hostname' }));
    expect(notDir.error).toMatch(/is not a directory/);
    const relative = await exec({ command: 'pwd', cwd: 'tmp' });
    expect(relative.status).toBe(400);
    expect(osapiError(relative)).toBe('cwd "tmp" must be an absolute path');
    const empty = await exec({ command: 'pwd', cwd: '' });
    expect(empty.status).toBe(400);
    expect(osapiError(empty)).toMatch(/^cwd is empty: send an absolute path/);
  });

  it('an allowlisted command that does not exist fails its item saying where it was looked for', async () => {
    const item = only(await exec({ command: 'no-such-command-xyz' }));
    expect(item).toMatchObject({ exit_code: -1, error: `command "no-such-command-xyz" not found on PATH ${EXEC_PATH}; give its absolute path (and allow that path)` });
  });

  it('the environment is scrubbed to PATH and a fixed allowlist', async () => {
    process.env.SONDE_TEST_SECRET = 'must-not-leak';
    try {
      const item = only(await exec({ command: 'env' }));
      const names = item.stdout.trim().split('\n').map((l) => l.slice(0, l.indexOf('=')));
      expect(item.stdout).not.toContain('must-not-leak');
      expect(item.stdout).toContain(`PATH=${EXEC_PATH}\n`);
      for (const name of names) expect(['PATH', ...EXEC_ENV_PASSTHROUGH], name).toContain(name);
    } finally {
      delete process.env.SONDE_TEST_SECRET;
    }
  });

  it('_all runs on every agent; one agent without the command on its allowlist makes it a 403 naming that agent', async () => {
    t.addAgent('peer-x', { execAllow: ['printf'] });
    try {
      const both = await exec({ command: 'printf', args: ['hi'] }, '_all');
      expect(both.status).toBe(202);
      expect(conforms('A.exec.202', both.body)).toEqual([]);
      expect((both.body as ExecBody).results.map((r) => [r.hostname, r.stdout])).toEqual([['localhost', 'hi'], ['peer-x', 'hi']]);
      const refused = await exec({ command: 'pwd' }, '_all');
      expect(refused.status).toBe(403);
      expect(osapiError(refused)).toMatch(/^command "pwd" is not on the exec allowlist of agent "peer-x"/);
    } finally {
      t.sonde.agents.unregister('peer-x');
    }
  });

  it('_any picks one agent in turn among those that may run the command (an agent without exec is skipped)', async () => {
    t.addAgent('peer-x', { execAllow: ['printf'] });
    t.sonde.agents.register(noExecAgent('aa-noexec'));
    try {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        const item = only(await exec({ command: 'printf', args: ['%s', String(i)] }, '_any'));
        expect(item.stdout).toBe(String(i));
        seen.push(item.hostname);
      }
      expect(new Set(seen)).toEqual(new Set(['localhost', 'peer-x']));
      for (let i = 0; i < 2; i++) expect(only(await exec({ command: 'pwd' }, '_any')).hostname).toBe('localhost');
      const direct = await exec({ command: 'printf', args: ['x'] }, 'aa-noexec');
      expect(direct.status).toBe(403);
      expect(osapiError(direct)).toBe('agent "aa-noexec" does not offer command exec; pick another agent');
    } finally {
      t.sonde.agents.unregister('peer-x');
      t.sonde.agents.unregister('aa-noexec');
    }
  });

  it('bad input → 400 naming the field; unknown agent → 400; oversized body → 413', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /command is required/],
      [{ command: '' }, /command must NOT have fewer than 1 characters/],
      [{ command: 'printf', args: 'a b' }, /args must be array/],
      [{ command: 'printf', args: [1] }, /args\[0\] must be string/],
      [{ command: 'printf', timeout: 0 }, /timeout must be >= 1/],
      [{ command: 'printf', timeout: 301 }, /timeout must be <= 300/],
      [{ command: 'printf', timeout: 1.5 }, /timeout must be integer/],
      [{ command: 'printf', args: ['a\u0000b'] }, /args\[0\] must not contain a NUL character/],
      [{ command: 'printf', shell: true }, /unknown field "shell"/],
    ];
    for (const [body, message] of cases) {
      const res = await exec(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(osapiError(res)).toMatch(message);
    }
    const unknown = await exec({ command: 'printf' }, 'nobody-here');
    expect(unknown.status).toBe(400);
    expect(osapiError(unknown)).toBe('target agent "nobody-here" not found');
    const big = await call(`${t.url}/node/localhost/command/exec`, { key: runner, body: { command: 'printf', args: ['x'.repeat(70_000)] } });
    expect(big.status).toBe(413);
    osapiError(big);
  });

  it('401 without a key, 403 for a key without command:execute (even with network:write)', async () => {
    const none = await call(`${t.url}/node/localhost/command/exec`, { body: { command: 'printf', args: ['x'] } });
    expect(none.status).toBe(401);
    osapiError(none);
    const res = await exec({ command: 'printf', args: ['x'] }, 'localhost', t.key(['network:write', 'job:read']));
    expect(res.status).toBe(403);
    expect(osapiError(res)).toMatch(/lacks the scope "command:execute"/);
  });

  it('GET /job: 404 for an unknown job, 400 for a bad id or query, 403 without job:read', async () => {
    const missing = await call(`${t.url}/job/0b5e1a36-5c5b-4f7e-9d5e-2b1f1f0a0a0a`, { key: runner });
    expect(missing.status).toBe(404);
    expect(osapiError(missing)).toBe('job 0b5e1a36-5c5b-4f7e-9d5e-2b1f1f0a0a0a not found');
    for (const [path, message] of [
      ['/job/not-a-uuid', /id must be a valid uuid/],
      ['/job?limit=0', /limit must be >= 1/],
      ['/job?limit=101', /limit must be <= 100/],
      ['/job?status=done', /status must be one of/],
      ['/job?offset=-1', /offset must be >= 0/],
    ] as const) {
      const res = await call(`${t.url}${path}`, { key: runner });
      expect(res.status, path).toBe(400);
      expect(osapiError(res)).toMatch(message);
    }
    const noRead = await call(`${t.url}/job?limit=1`, { key: t.key(['command:execute']) });
    expect(noRead.status).toBe(403);
    osapiError(noRead);
    const page = await call(`${t.url}/job?limit=2&offset=1`, { key: runner });
    expect(page.status).toBe(200);
    expect(conforms('A.jobs.200', page.body)).toEqual([]);
    expect((page.body as { items: unknown[] }).items.length).toBeLessThanOrEqual(2);
  });
});

describe('node API exec: defaults and restart', () => {
  it('with the default (empty) allowlist every command is refused with how to allow it', async () => {
    const t = await startNodeApiServer();
    try {
      const res = await call(`${t.url}/node/localhost/command/exec`, { key: t.adminKey, body: { command: 'printf', args: ['x'] } });
      expect(res.status).toBe(403);
      expect(osapiError(res)).toBe(
        'command exec is disabled on agent "localhost": its allowlist is empty; to allow "printf", add it to agent.exec.allow in the daemon\'s config file (sonde.yaml: "agent: { exec: { allow: ["printf"] } }") and restart sonde',
      );
    } finally {
      await t.close();
    }
  });

  it('a command running at shutdown is killed and its job reads failed "interrupted by restart" after the restart', async () => {
    const first = await startNodeApiServer({ execAllow: ['sh'] });
    const pidFile = join(first.dataDir, 'child.pid');
    let second: NodeApiServer | undefined;
    try {
      const pending = call(`${first.url}/node/localhost/command/exec`, {
        key: first.adminKey, body: { command: 'sh', args: ['-c', `echo $$ > ${pidFile}; exec sleep 120`], timeout: 300 },
      }).catch((error: unknown) => error);
      let jobId = '';
      expect(await waitUntil(async () => {
        const page = (await call(`${first.url}/job?status=processing`, { key: first.adminKey })).body as { items: { id: string }[] };
        jobId = page.items[0]?.id ?? '';
        try {
          return jobId !== '' && readFileSync(pidFile, 'utf8').trim() !== '';
        } catch {
          return false;
        }
      }, 5000)).toBe(true);
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      expect(processGone(pid)).toBe(false);

      await first.close({ removeData: false, graceMs: 0 });
      await pending;
      expect(await waitUntil(() => processGone(pid)), `pid ${pid} survived the shutdown`).toBe(true);

      second = await startNodeApiServer({ dataDir: first.dataDir, execAllow: ['sh'] });
      const job = await call(`${second.url}/job/${jobId}`, { key: second.adminKey });
      expect(job.status).toBe(200);
      expect(conforms('A.job.200', job.body)).toEqual([]);
      expect(job.body).toMatchObject({ id: jobId, status: 'failed', error: INTERRUPTED, operation: { type: 'command.exec.execute' } });
    } finally {
      await second?.close();
      rmSync(first.dataDir, { recursive: true, force: true });
    }
  });

  it('a file that is not executable fails its item with permission denied; a command ended by a signal says which', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-exec-noexec-'));
    const script = join(dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const t = await startNodeApiServer({ execAllow: [script, 'sh'] });
    try {
      const exec = (body: unknown) => call(`${t.url}/node/localhost/command/exec`, { key: t.adminKey, body });
      expect(only(await exec({ command: script }))).toMatchObject({ exit_code: -1, error: `command "${script}" cannot be executed: permission denied` });
      expect(only(await exec({ command: 'sh', args: ['-c', 'echo before; kill -TERM $$'] }))).toMatchObject({
        exit_code: -1, stdout: 'before\n', error: 'terminated by signal SIGTERM',
      });
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
