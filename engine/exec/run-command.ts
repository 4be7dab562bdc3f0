// Runs one command the way docs/contracts.md#node-api-exec asks: the executable directly
// (never a shell), in its own process group with a scrubbed environment, stdin closed, stdout
// and stderr capped, and the whole group killed at the timeout (or on abort). Processes the
// command leaves behind are killed when it exits, so nothing outlives the request and the
// pipes close.
// The command dies with the daemon (spawn-group.ts); its group is recorded while it runs
// (exec-groups.ts), so a daemon restarted after a crash kills what it left.

import { stat } from 'node:fs/promises';
import { armDeadline } from '../deadline.js';
import { CappedOutput } from './capped-output.js';
import { EXEC_PATH, scrubbedEnvironment } from './environment.js';
import type { ExecGroupLedger } from './exec-groups.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from './policy.js';
import { spawnGroup, type GroupChild } from './spawn-group.js';
import type { ExecRequest, ExecResult } from './types.js';

export interface RunCommandOptions {
  /** Per stream, bytes (default 1 MiB). */
  maxOutputBytes?: number;
  /** Default: scrubbedEnvironment(). */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Where the running command's process group is recorded (the daemon's database). */
  groups?: ExecGroupLedger;
}

async function checkCwd(cwd: string): Promise<string | null> {
  try {
    const s = await stat(cwd);
    return s.isDirectory() ? null : `working directory "${cwd}" is not a directory; give an existing directory as cwd`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `working directory "${cwd}" does not exist; give an existing directory as cwd`;
    return `working directory "${cwd}" cannot be used (${code ?? (err as Error).message})`;
  }
}

function spawnError(command: string, cwd: string | undefined, err: NodeJS.ErrnoException): string {
  if (err.syscall === 'chdir') return `working directory "${cwd ?? ''}" cannot be used (${err.code ?? err.message})`;
  switch (err.code) {
    case 'ENOENT':
      return command.includes('/')
        ? `command "${command}" not found: no such file`
        : `command "${command}" not found on PATH ${EXEC_PATH}; give its absolute path (and allow that path)`;
    case 'EACCES':
      return `command "${command}" cannot be executed: permission denied`;
    default:
      return `command "${command}" could not be started: ${err.message}`;
  }
}

/** Signals the child's whole process group; quiet when the group is already gone. */
function killGroup(child: GroupChild, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: every member has exited
  }
}

/**
 * Resolves with the outcome of a command that started (also when it timed out or was
 * killed); rejects with an Error saying why when it could not start (missing cwd, no such
 * executable, permission denied, aborted before the start).
 */
export async function runCommand(request: ExecRequest, options: RunCommandOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const { signal } = options;
  if (request.cwd !== undefined) {
    const problem = await checkCwd(request.cwd);
    if (problem !== null) throw new Error(problem);
  }
  if (signal?.aborted) throw new Error('cancelled before the command started');

  let child: GroupChild;
  try {
    child = await spawnGroup(request.command, request.args, {
      ...(request.cwd !== undefined ? { cwd: request.cwd } : {}),
      env: options.env ?? scrubbedEnvironment(),
    });
  } catch (err) {
    throw new Error(spawnError(request.command, request.cwd, err as NodeJS.ErrnoException));
  }
  options.groups?.started(child.pid, request.command);

  const stdout = new CappedOutput(maxOutputBytes);
  const stderr = new CappedOutput(maxOutputBytes);
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));

  return new Promise<ExecResult>((resolve) => {
    let timedOut = false;
    let cancelled: string | null = null;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;

    // The deadline and the signal kill the group; the result comes from 'close' once the pipes drain.
    const disarm = armDeadline(
      request.timeoutS * 1000,
      signal,
      () => {
        timedOut = true;
        killGroup(child, 'SIGKILL');
      },
      () => {
        const reason: unknown = signal?.reason;
        cancelled = reason instanceof Error ? reason.message : 'cancelled';
        killGroup(child, 'SIGKILL');
      },
    );

    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      killGroup(child, 'SIGKILL'); // whatever the command left running
      options.groups?.ended(child.pid);
    });
    child.on('close', () => {
      disarm();
      const result: ExecResult = {
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: timedOut || cancelled !== null || exitCode === null ? -1 : exitCode,
        durationMs: Math.round(performance.now() - started),
        truncated: stdout.truncated || stderr.truncated,
        timedOut,
      };
      if (timedOut) result.error = `timeout after ${request.timeoutS}s`;
      else if (cancelled !== null) result.error = `cancelled: ${cancelled}`;
      else if (exitSignal !== null) result.error = `terminated by signal ${exitSignal}`;
      resolve(result);
    });
  });
}
