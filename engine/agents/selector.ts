// The `{hostname}` agent selector of docs/contracts.md#node-api-selector.

import { SondeError } from '../errors.js';
import { LABEL_KEY, LABEL_VALUE } from '../store/labels.js';

export type AgentSelector =
  | { kind: 'any' }
  | { kind: 'all' }
  | { kind: 'label'; key: string; value: string }
  | { kind: 'hostname'; hostname: string };

const HOSTNAME = /^[A-Za-z0-9_.-]{1,253}$/;

export function notFound(selector: string): SondeError {
  return new SondeError('invalid', `target agent "${selector}" not found`, 'hostname');
}

/** Throws `target agent "<x>" not found` for text that cannot name any agent. */
export function parseSelector(text: string): AgentSelector {
  if (typeof text !== 'string' || text.length === 0) throw notFound(String(text));
  if (text === '_any') return { kind: 'any' };
  if (text === '_all') return { kind: 'all' };
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const key = text.slice(0, colon);
    const value = text.slice(colon + 1);
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new SondeError(
        'invalid',
        `target agent "${text}" not found: a label selector is key:value, where the key and each dot-separated value segment match [A-Za-z0-9_-]+`,
        'hostname',
      );
    }
    return { kind: 'label', key, value };
  }
  if (!HOSTNAME.test(text)) throw notFound(text);
  return { kind: 'hostname', hostname: text };
}

export function validateAgentHostname(hostname: string): void {
  if (typeof hostname !== 'string' || !HOSTNAME.test(hostname) || hostname === '_any' || hostname === '_all') {
    throw new SondeError(
      'invalid',
      `agent hostname "${hostname}" is not usable: it must match [A-Za-z0-9_.-]{1,253} and not be _any or _all`,
      'agent.hostname',
    );
  }
}
