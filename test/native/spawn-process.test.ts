// native.spawnProcess: fork + execve of a command that dies with its parent. Real processes:
// output through the pipes, the exact environment, a session and process group of its own,
// stdin /dev/null and no other descriptor, default signal dispositions, start errors with
// their errno, and the child killed when the parent process is killed with SIGKILL.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { native, type ExitStatus, type SpawnedProcess, type SpawnOptions } from '../../native-bindings/index.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const distNative = fileURLToPath(new URL('../../dist/native-bindings/index.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sonde-spawn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(file: string, args: string[] = [], extra: Partial<SpawnOptions> = {}): SpawnedProcess {
  return native.spawnProcess({ file, args, env: [`PATH=${PATH}`], searchPath: PATH, ...extra });
}

function read(fd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = new Socket({ fd, readable: true, writable: false });
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.on('error', reject);
    s.on('close', () => resolve(text));
  });
}

function exited(p: SpawnedProcess): Promise<ExitStatus> {
  return new Promise((resolve) => {
    p.startPolling(() => {
      const status = p.reap();
      if (status !== null) resolve(status);
    });
  });
}

async function run(p: SpawnedProcess): Promise<{ stdout: string; stderr: string; status: ExitStatus }> {
  const [stdout, stderr, status] = await Promise.all([read(p.stdoutFd), read(p.stderrFd), exited(p)]);
  return { stdout, stderr, status };
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

async function waitUntil(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function caught(fn: () => unknown): NodeJS.ErrnoException {
  try {
    fn();
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  throw new Error('expected a throw');
}

describe('native.spawnProcess', () => {
  it('runs the command with the pipes for stdout and stderr and reports its exit status', async () => {
    const r = await run(start('sh', ['-c', 'echo out; echo err >&2; exit 3']));
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', status: { exitCode: 3, signal: null } });
  });

  it('passes exactly the given environment and argv, no shell', async () => {
    const r = await run(start('/usr/bin/env', [], { env: ['PATH=/bin', 'A=b c', 'EMPTY='] }));
    expect(r.stdout.trim().split('\n')).toEqual(['PATH=/bin', 'A=b c', 'EMPTY=']);
    const p = await run(start('printf', ['%s|', '$(id)', '*', 'a;b']));
    expect(p.stdout).toBe('$(id)|*|a;b|');
  });

  it('leads its own session and process group, stdin is /dev/null, no other descriptor, default signals', async () => {
    const p = start('sleep', ['30']);
    try {
      const [, , pgrp, session] = statFields(p.pid);
      expect(Number(pgrp)).toBe(p.pid);
      expect(Number(session)).toBe(p.pid);
      expect(readlinkSync(`/proc/${p.pid}/fd/0`)).toBe('/dev/null');
      expect(readdirSync(`/proc/${p.pid}/fd`).map(Number).sort((a, b) => a - b)).toEqual([0, 1, 2]);
      const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
      // Node ignores SIGPIPE and blocks signals around the fork: the command sees neither.
      expect(/^SigIgn:\s*(\w+)$/m.exec(status)?.[1]).toMatch(/^0+$/);
      expect(/^SigBlk:\s*(\w+)$/m.exec(status)?.[1]).toMatch(/^0+$/);
    } finally {
      process.kill(-p.pid, 'SIGTERM');
    }
    const r = await run(p);
    expect(r.status).toEqual({ exitCode: null, signal: 15 });
  });

  it('runs in cwd; start errors carry errno and syscall and leave nothing running', async () => {
    expect((await run(start('pwd', [], { cwd: dir }))).stdout).toBe(`${dir}\n`);

    const notFound = caught(() => start('no-such-command-xyz'));
    expect(notFound).toMatchObject({ code: 'ENOENT', syscall: 'execve' });
    expect(notFound.message).toContain("spawnProcess: starting 'no-such-command-xyz': execve failed: ENOENT");
    expect(caught(() => start('/nonexistent/tool'))).toMatchObject({ code: 'ENOENT', syscall: 'execve' });

    const script = join(dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    expect(caught(() => start(script))).toMatchObject({ code: 'EACCES', syscall: 'execve' });
    expect(caught(() => start('pwd', [], { cwd: join(dir, 'missing') }))).toMatchObject({ code: 'ENOENT', syscall: 'chdir' });
    expect(caught(() => start('a\0b'))).toBeInstanceOf(TypeError);
  });

  it('the child is killed (SIGKILL) when its parent process is killed with SIGKILL', async () => {
    expect(existsSync(distNative), `${distNative} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const code = `
      const { native } = await import(${JSON.stringify(pathToFileURL(distNative).href)});
      const p = native.spawnProcess({ file: 'sleep', args: ['300'], env: [], searchPath: '/bin:/usr/bin' });
      p.startPolling(() => p.reap());
      console.log(p.pid);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      parent.once('exit', (c) => reject(new Error(`parent exited (${c}) before printing the pid`)));
    });
    expect(alive(pid)).toBe(true);
    const gone = new Promise((r) => parent.once('exit', r));
    parent.kill('SIGKILL');
    await gone;
    expect(await waitUntil(() => !alive(pid)), `sleep ${pid} outlived its parent`).toBe(true);
  });

  it('refuses to spawn from a worker thread (the child would die with the thread)', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(pathToFileURL(distNative).href)}).then(({ native }) => {
        try { native.spawnProcess({ file: 'true', args: [], env: [], searchPath: '/bin:/usr/bin' }); parentPort.postMessage('spawned'); }
        catch (e) { parentPort.postMessage(e.message); }
      });`;
    const w = new Worker(code, { eval: true });
    const message = await new Promise<string>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(message).toBe('spawnProcess: must be called on the main thread (the child is killed when the thread that spawned it exits)');
  });
});
