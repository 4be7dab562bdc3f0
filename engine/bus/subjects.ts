// Names on the bus: subjects, streams, KV buckets and keys. Hostnames and label parts become
// subject tokens / KV keys by an injective escape, so `web-01` and `web.01` never collide:
// [A-Za-z0-9_-] stay as they are; every other UTF-8 byte (the escape `=` included) becomes
// `=HH`. The result is a valid subject token and a valid KV key ([-/_=.a-zA-Z0-9]).

const PLAIN = /^[A-Za-z0-9_-]$/;

/** One subject token (or KV key) for any non-empty string; decodeToken reverses it. */
export function encodeToken(value: string): string {
  if (value === '') throw new Error('cannot encode an empty string as a subject token');
  let out = '';
  for (const ch of value) {
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const TOKEN = /^(?:[A-Za-z0-9_-]|=[0-9A-F]{2})+$/;

/** The string encodeToken made this token from; null for a token it cannot have made. */
export function decodeToken(token: string): string | null {
  if (!TOKEN.test(token)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    if (token[i] === '=') {
      bytes.push(Number.parseInt(token.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(token.charCodeAt(i));
    }
  }
  const decoded = Buffer.from(bytes).toString('utf8');
  // Reject non-canonical forms (an escaped plain char, invalid UTF-8) so decode∘encode is 1:1.
  return encodeToken(decoded) === token ? decoded : null;
}

/** Everything sonde puts on the bus starts with this token (one NATS account may hold more). */
export const SUBJECT_ROOT = 'sonde';

export const STREAMS = {
  /** Work for agents: one subject per agent, work-queue retention, discard new when full. */
  work: 'SONDE_WORK',
  /** Results of operations, published by agents, read by the controller. */
  results: 'SONDE_RESULTS',
} as const;

export const BUCKETS = {
  /** Static agent records (facts, labels, version, capacity), written on start and on change. */
  agents: 'sonde-agents',
  /** Small heartbeat per agent; the bucket's max_age is the heartbeat TTL. */
  heartbeats: 'sonde-heartbeats',
} as const;

export const subjects = {
  /** All work subjects (the SONDE_WORK stream's filter). */
  workAll: `${SUBJECT_ROOT}.work.>`,
  /** Work for one agent, by hostname. */
  work: (hostname: string): string => `${SUBJECT_ROOT}.work.${encodeToken(hostname)}`,
  /** All result subjects (the SONDE_RESULTS stream's filter). */
  resultsAll: `${SUBJECT_ROOT}.result.>`,
  /** Every result one agent publishes (its publish permission). */
  resultsOf: (hostname: string): string => `${SUBJECT_ROOT}.result.${encodeToken(hostname)}.>`,
  /** One result: agent, job, and the agent's item (an op may publish several, e.g. a stream). */
  result: (hostname: string, jobId: string): string => `${SUBJECT_ROOT}.result.${encodeToken(hostname)}.${encodeToken(jobId)}`,
  /** Core NATS (not stored): the controller asks an agent to stop a call it gave up on. */
  cancel: (hostname: string): string => `${SUBJECT_ROOT}.cancel.${encodeToken(hostname)}`,
} as const;

/** The KV key of an agent's record and heartbeat. */
export function agentKey(hostname: string): string {
  return encodeToken(hostname);
}

/** The durable consumer an agent reads its work with (a valid consumer name: no dots). */
export function workConsumerName(hostname: string): string {
  return `agent-${encodeToken(hostname)}`;
}

/** Splits `sonde.result.<host>.<job>` back into its parts; null for any other subject. */
export function parseResultSubject(subject: string): { hostname: string; jobId: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== SUBJECT_ROOT || parts[1] !== 'result') return null;
  const hostname = decodeToken(parts[2]!);
  const jobId = decodeToken(parts[3]!);
  return hostname === null || jobId === null ? null : { hostname, jobId };
}
