// `@fact.<key>` references (docs/contracts.md#node-api-facts): an address given as a fact of
// the agent that runs the operation, resolved on that agent (built-in keys and `custom.<key>`).

import type { Agent } from './types.js';

const FACT_REFERENCE = /^@fact\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/;
export const FACT_PREFIX = '@fact.';

/** The fact key of an `@fact.<key>` reference; null when `text` is not one. */
export function factKeyOf(text: string): string | null {
  const m = FACT_REFERENCE.exec(text);
  return m === null ? null : m[1];
}

/**
 * `text` itself, or the value of the fact it references on `agent`. Rejects with
 * `unresolvable fact reference @fact.<key>` when the agent has no such fact.
 */
export async function resolveOnAgent(agent: Agent, text: string): Promise<string> {
  if (!text.startsWith(FACT_PREFIX)) return text;
  const key = factKeyOf(text);
  const value = key === null ? undefined : await agent.resolveFact(key);
  if (value === undefined || value === '') throw new Error(`unresolvable fact reference ${text}`);
  return value;
}
