// The exec allowlist: which commands an agent may run.

import type { ExecPolicy } from './types.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** null when `command` is on the allowlist, else a message that says how to allow it. */
export function execRefusal(policy: ExecPolicy | undefined, command: string, agentHostname: string): string | null {
  const allow = policy?.allow ?? [];
  if (allow.includes(command)) return null;
  const how = `add it to agent.exec.allow in the daemon's config file (sonde.yaml: "agent: { exec: { allow: [${JSON.stringify(command)}] } }") and restart sonde`;
  if (allow.length === 0) {
    return `command exec is disabled on agent "${agentHostname}": its allowlist is empty; to allow ${JSON.stringify(command)}, ${how}`;
  }
  return `command ${JSON.stringify(command)} is not on the exec allowlist of agent "${agentHostname}"; to allow it, ${how}`;
}
