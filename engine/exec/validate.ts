// Checks an exec request before any agent sees it; errors name the field.

import { isAbsolute } from 'node:path';
import { SondeError } from '../errors.js';
import type { ExecRequest } from './types.js';

export const EXEC_TIMEOUT_DEFAULT_S = 30;
export const EXEC_TIMEOUT_MAX_S = 300;
const MAX_COMMAND = 4096;
const MAX_ARGS = 1024;
const MAX_ARG = 128 * 1024;

export interface ExecInput {
  command: unknown;
  args?: unknown;
  cwd?: unknown;
  timeoutS?: unknown;
}

function text(value: unknown, field: string, max: number, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw new SondeError('invalid', `${field} must be a string`, field);
  if (!allowEmpty && value.length === 0) throw new SondeError('invalid', `${field} must not be empty`, field);
  if (value.length > max) throw new SondeError('invalid', `${field} is longer than ${max} characters`, field);
  if (value.includes('\0')) throw new SondeError('invalid', `${field} must not contain a NUL character`, field);
  return value;
}

export function validateExecRequest(input: ExecInput): ExecRequest {
  const command = text(input.command, 'command', MAX_COMMAND, false);
  let args: string[] = [];
  if (input.args !== undefined && input.args !== null) {
    if (!Array.isArray(input.args)) throw new SondeError('invalid', 'args must be an array of strings', 'args');
    if (input.args.length > MAX_ARGS) throw new SondeError('invalid', `args has more than ${MAX_ARGS} entries`, 'args');
    args = input.args.map((a: unknown, i) => text(a, `args[${i}]`, MAX_ARG, true));
  }
  let cwd: string | undefined;
  if (input.cwd !== undefined && input.cwd !== null) {
    // An empty cwd is refused like a relative one: it would run in the daemon's directory.
    if (input.cwd === '') throw new SondeError('invalid', 'cwd is empty: send an absolute path, or leave cwd out to run in the agent\'s default directory', 'cwd');
    cwd = text(input.cwd, 'cwd', MAX_COMMAND, false);
    if (!isAbsolute(cwd)) throw new SondeError('invalid', `cwd "${cwd}" must be an absolute path`, 'cwd');
  }
  const timeoutS = input.timeoutS ?? EXEC_TIMEOUT_DEFAULT_S;
  if (typeof timeoutS !== 'number' || !Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > EXEC_TIMEOUT_MAX_S) {
    throw new SondeError('invalid', `timeout must be an integer number of seconds in 1..${EXEC_TIMEOUT_MAX_S} (got ${String(timeoutS)})`, 'timeout');
  }
  return { command, args, ...(cwd !== undefined ? { cwd } : {}), timeoutS };
}
