// Starts a command.exec job: validates the request, routes the selector, refuses it (403)
// unless every selected agent runs commands and allows this one, then runs it on each.

import type { Agent } from '../agents/types.js';
import type { Sonde } from '../daemon/sonde.js';
import { SondeError } from '../errors.js';
import type { JobRecord, JsonValue } from '../jobs/types.js';
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

let anyCursor = 0;

/** Why `agent` may not run `command`, or null. */
function refusalOf(agent: Agent, command: string): string | null {
  if (!canExec(agent)) return `agent "${agent.hostname}" does not offer command exec; pick another agent`;
  return agent.execRefusal(command);
}

/**
 * The agents to run on. `_any` picks one (in turn) among the healthy agents that allow the
 * command, so an agent without exec never makes `_any` fail while another could run it.
 */
function execAgents(sonde: Pick<Sonde, 'agents'>, selector: string, command: string): readonly Agent[] {
  if (selector === '_any') {
    const healthy = sonde.agents.route('_all');
    const allowed = healthy.filter((a) => refusalOf(a, command) === null);
    if (allowed.length === 0) throw new SondeError('forbidden', refusalOf(healthy[0], command) ?? 'no agent may run this command', 'command');
    anyCursor = (anyCursor + 1) % 0x7fffffff;
    return [allowed[anyCursor % allowed.length]];
  }
  const agents = sonde.agents.route(selector);
  for (const agent of agents) {
    const refusal = refusalOf(agent, command);
    if (refusal !== null) throw new SondeError('forbidden', refusal, canExec(agent) ? 'command' : 'hostname');
  }
  return agents;
}

export function submitExec(sonde: Pick<Sonde, 'agents' | 'jobs'>, input: ExecJobRequest): { job: JobRecord; done: Promise<JobRecord> } {
  const request = validateExecRequest(input);
  const agents = execAgents(sonde, input.selector, request.command);
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
