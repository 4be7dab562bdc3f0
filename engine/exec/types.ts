// Command execution on an agent (docs/contracts.md#node-api-exec, POST
// /node/{hostname}/command/exec): the request, its outcome, the agent's policy, and the
// interface an agent implements to run commands. Kept apart from the Agent interface so that
// agents without exec (a remote agent that does not offer it, a test agent) need not
// implement anything.

import type { Agent } from '../agents/types.js';

export interface ExecRequest {
  /** The executable: a bare name looked up on the fixed PATH (EXEC_PATH) or an absolute path. */
  command: string;
  /** Passed to the executable as is; no shell ever sees them. */
  args: readonly string[];
  /** Absolute working directory (default: the daemon's). */
  cwd?: string;
  /** Seconds, 1..300; the whole process group is killed when it passes. */
  timeoutS: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The exit status; -1 when the command was killed (timeout, signal, cancellation). */
  exitCode: number;
  durationMs: number;
  /** stdout or stderr was cut at the output limit. */
  truncated: boolean;
  timedOut: boolean;
  /** Why the command did not run to its own exit (timeout, signal, cancellation). */
  error?: string;
}

export interface ExecPolicy {
  /**
   * Executables this agent may run, compared with the request's `command` exactly as
   * written (a bare name or an absolute path). Empty: exec is refused.
   */
  allow: readonly string[];
  /** Per stream (stdout, stderr), bytes; default 1 MiB. */
  maxOutputBytes?: number;
}

/** An agent that can run commands. */
export interface ExecAgent extends Agent {
  /** null when `command` may run here, else the reason it may not (with how to allow it). */
  execRefusal(command: string): string | null;
  exec(request: ExecRequest, signal: AbortSignal): Promise<ExecResult>;
}

export function canExec(agent: Agent): agent is ExecAgent {
  const a = agent as Partial<ExecAgent>;
  return typeof a.exec === 'function' && typeof a.execRefusal === 'function';
}
