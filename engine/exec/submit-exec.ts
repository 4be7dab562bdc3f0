// Starts a command.exec job: validates the request, routes the selector, refuses it (403)
// unless every selected agent runs commands and allows this one, then runs it on each.

import { SondeError, type JobRecord, type JsonValue, type Sonde } from '../daemon/types.js';
import { canExec } from './types.js';
import { validateExecRequest, type ExecInput } from './validate.js';

export const EXEC_OPERATION = 'command.exec.execute';
/** The job waits this much longer than the command's own timeout (kill, pipes closing). */
const JOB_GRACE_MS = 5000;

export interface ExecJobRequest extends ExecInput {
  /** `{hostname}`: a hostname, `_any`, `_all` or `key:value`. */
  selector: string;
  keyId?: string | null;
}

export function submitExec(sonde: Pick<Sonde, 'agents' | 'jobs'>, input: ExecJobRequest): { job: JobRecord; done: Promise<JobRecord> } {
  const request = validateExecRequest(input);
  const agents = sonde.agents.route(input.selector);
  for (const agent of agents) {
    if (!canExec(agent)) {
      throw new SondeError('forbidden', `agent "${agent.hostname}" does not offer command exec; pick another agent`, 'hostname');
    }
    const refusal = agent.execRefusal(request.command);
    if (refusal !== null) throw new SondeError('forbidden', refusal, 'command');
  }
  return sonde.jobs.submit({
    operation: EXEC_OPERATION,
    params: { command: request.command, args: [...request.args], cwd: request.cwd ?? null, timeout: request.timeoutS },
    selector: input.selector,
    agents,
    keyId: input.keyId ?? null,
    timeoutMs: request.timeoutS * 1000 + JOB_GRACE_MS,
    run: async (agent, ctx) => {
      if (!canExec(agent)) throw new Error(`agent "${agent.hostname}" does not offer command exec`);
      const result = await agent.exec(request, ctx.signal);
      return JSON.parse(JSON.stringify(result)) as JsonValue;
    },
  });
}
