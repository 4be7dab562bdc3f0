// What a /v1/live client asks for: monitors, label selectors, target ids and campaigns, from the
// upgrade's query string or from a {"subscribe": …} / {"unsubscribe": …} message. Every
// mistake is a LiveInputError naming the field; nothing here throws anything else.

export const MAX_MONITORS = 100;
export const MAX_LABEL_SELECTORS = 20;
export const MAX_TARGETS = 10_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABEL_KEY = /^[A-Za-z0-9_-]{1,63}$/;

export interface Subscription {
  monitors: string[];
  labels: Record<string, string>[];
  targets: string[];
  /** Monitors whose fleet frames (binary, fleet-frame.ts) are wanted. */
  fleet: string[];
  /** Capacity campaign runs whose progress is wanted (topic campaign:<id>). */
  campaigns: string[];
}

export class LiveInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

export function emptySubscription(): Subscription {
  return { monitors: [], labels: [], targets: [], fleet: [], campaigns: [] };
}

const FIELDS = ['monitors', 'targets', 'labels', 'fleet', 'campaigns'];

/** ?monitors=id,id&targets=id,id&labels=site:eu,tier:1&fleet=id&campaigns=id (one selector per `labels`). */
export function subscriptionFromQuery(params: URLSearchParams): Subscription {
  for (const k of params.keys()) {
    if (!FIELDS.includes(k)) {
      throw new LiveInputError(`query.${k}`, `unknown query parameter "${k}": use monitors, labels, targets, fleet or campaigns`);
    }
  }
  const list = (name: string): string[] => params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const labels = params.getAll('labels').map((sel, i) => {
    const out: Record<string, string> = {};
    for (const pair of sel.split(',')) {
      const at = pair.indexOf(':');
      if (at <= 0) throw new LiveInputError(`query.labels[${i}]`, `label "${pair}" must be key:value`);
      out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
    return out;
  });
  return checkSubscription({ monitors: list('monitors'), targets: list('targets'), labels, fleet: list('fleet'), campaigns: list('campaigns') }, 'query');
}

/** A parsed client message: {"subscribe": {...}} or {"unsubscribe": {...}}. */
export function parseMessage(text: string): { op: 'subscribe' | 'unsubscribe'; subscription: Subscription } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LiveInputError('message', 'the message is not JSON: send {"subscribe": {"monitors": [...], "labels": [{...}], "targets": [...]}}');
  }
  if (!isObject(value)) throw new LiveInputError('message', 'the message must be a JSON object with "subscribe" or "unsubscribe"');
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'subscribe' && keys[0] !== 'unsubscribe')) {
    throw new LiveInputError('message', `the message must have exactly one key, "subscribe" or "unsubscribe" (got ${keys.map((k) => JSON.stringify(k)).join(', ') || 'none'})`);
  }
  const op = keys[0] as 'subscribe' | 'unsubscribe';
  return { op, subscription: subscriptionFrom(value[op], op) };
}

function subscriptionFrom(value: unknown, field: string): Subscription {
  if (!isObject(value)) throw new LiveInputError(field, `${field} must be an object with monitors, labels, targets, fleet and/or campaigns`);
  for (const k of Object.keys(value)) {
    if (!FIELDS.includes(k)) throw new LiveInputError(`${field}.${k}`, `unknown field ${field}.${k}: use monitors, labels, targets, fleet or campaigns`);
  }
  // {"fleet": "<monitorId>"} as the dashboard sends it, or a list of them
  const fleet = typeof value.fleet === 'string' ? [value.fleet] : value.fleet;
  const strings = (name: string): string[] => {
    const v = name === 'fleet' ? fleet : value[name];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new LiveInputError(`${field}.${name}`, `${field}.${name} must be an array of ids`);
    return v.map((x, i) => {
      if (typeof x !== 'string') throw new LiveInputError(`${field}.${name}[${i}]`, `${field}.${name}[${i}] must be a string id`);
      return x;
    });
  };
  const rawLabels = value.labels === undefined ? [] : Array.isArray(value.labels) ? value.labels : [value.labels];
  const labels = rawLabels.map((sel, i) => {
    const f = `${field}.labels[${i}]`;
    if (!isObject(sel)) throw new LiveInputError(f, `${f} must be an object of label key → value`);
    for (const [k, v] of Object.entries(sel)) {
      if (typeof v !== 'string') throw new LiveInputError(`${f}.${k}`, `${f}.${k} must be a string`);
    }
    return sel as Record<string, string>;
  });
  return checkSubscription({ monitors: strings('monitors'), targets: strings('targets'), labels, fleet: strings('fleet'), campaigns: strings('campaigns') }, field);
}

function checkSubscription(s: Subscription, field: string): Subscription {
  const ids = (name: 'monitors' | 'targets' | 'fleet' | 'campaigns', max: number): void => {
    if (s[name].length > max) throw new LiveInputError(`${field}.${name}`, `${field}.${name} has ${s[name].length} ids; at most ${max}`);
    s[name].forEach((id, i) => {
      if (!UUID.test(id)) throw new LiveInputError(`${field}.${name}[${i}]`, `${field}.${name}[${i}] "${id}" is not a UUID`);
    });
  };
  ids('monitors', MAX_MONITORS);
  ids('fleet', MAX_MONITORS);
  ids('targets', MAX_TARGETS);
  ids('campaigns', MAX_MONITORS);
  if (s.labels.length > MAX_LABEL_SELECTORS) throw new LiveInputError(`${field}.labels`, `${field}.labels has ${s.labels.length} selectors; at most ${MAX_LABEL_SELECTORS}`);
  s.labels.forEach((sel, i) => {
    const entries = Object.entries(sel);
    if (entries.length === 0) throw new LiveInputError(`${field}.labels[${i}]`, `${field}.labels[${i}] is empty: give at least one key:value`);
    for (const [k, v] of entries) {
      if (!LABEL_KEY.test(k)) throw new LiveInputError(`${field}.labels[${i}].${k}`, `label key "${k}" must be 1–63 of A–Z a–z 0–9 _ -`);
      if (v.length === 0 || v.length > 253) throw new LiveInputError(`${field}.labels[${i}].${k}`, `label value of "${k}" must be 1–253 characters`);
    }
  });
  if (s.monitors.length + s.labels.length + s.targets.length + s.fleet.length + s.campaigns.length === 0) {
    throw new LiveInputError(field, `${field} names nothing: give monitors, labels, targets, fleet or campaigns`);
  }
  return s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
