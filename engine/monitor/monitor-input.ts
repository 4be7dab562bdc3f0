// Validation of monitor input (create and patch): one place, so the API and the CLI agree.
import { SondeError } from '../errors.js';
import { parseSelector } from '../agents/selector.js';
import { validateLabels } from '../store/labels.js';
import { checkOptionsKind, parseDnsOptions, parseHttpOptions, parseModelOptions, parseTcpOptions } from './monitor-options.js';
import { MONITOR_PROBES, type MonitorInput, type MonitorProbe, type MonitorSelection } from './types.js';

const FIELDS = new Set(['name', 'selection', 'probe', 'intervalMs', 'probes', 'timeoutMs', 'size', 'enabled', 'tcp', 'dns', 'http', 'model', 'agents']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,127}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_SELECTED_IDS = 100_000;
export const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 86_400_000;

function invalid(field: string, message: string): never {
  throw new SondeError('invalid', message, field);
}

function integer(raw: Record<string, unknown>, field: string, min: number, max: number): number | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) invalid(field, `${field} must be an integer in ${min}..${max}`);
  return v;
}

export function parseSelection(raw: unknown): MonitorSelection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    invalid('selection', 'selection must be { "ids": [target ids] } or { "labels": { key: value } }');
  }
  const s = raw as Record<string, unknown>;
  const keys = Object.keys(s);
  if (keys.length !== 1 || (keys[0] !== 'ids' && keys[0] !== 'labels')) {
    invalid('selection', 'selection must have exactly one of "ids" or "labels"');
  }
  if (keys[0] === 'labels') {
    const labels = validateLabels(s.labels, 'selection.labels');
    if (Object.keys(labels).length === 0) invalid('selection.labels', 'selection.labels must name at least one label (an empty selector would select every target)');
    return { labels };
  }
  const ids = s.ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_SELECTED_IDS) {
    invalid('selection.ids', `selection.ids must be an array of 1..${MAX_SELECTED_IDS} target ids`);
  }
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || !UUID.test(id)) invalid(`selection.ids[${i}]`, `selection.ids[${i}] must be a target id (a UUID)`);
  });
  return { ids: [...new Set(ids as string[])] };
}

/** `agents`: '_all', a hostname or 'key:value'; null (patch) clears it. `_any` is refused: a
 *  monitor's series would hop between vantage points. */
export function parseAgents(raw: unknown): string | null {
  if (raw === null) return null;
  const hint = 'agents must be "_all", an agent hostname or a label selector "key:value" (or null for the controller\'s own agent)';
  if (typeof raw !== 'string') invalid('agents', hint);
  if (raw === '_any') invalid('agents', `agents "_any" is not allowed for a monitor (its series would move between vantage points); ${hint}`);
  try {
    parseSelector(raw);
  } catch (err) {
    invalid('agents', `agents "${raw}": ${(err as Error).message}; ${hint}`);
  }
  return raw;
}

/** Validates a full monitor (create: defaults applied) or a patch (only given fields). */
export function parseMonitorInput(raw: unknown, partial: boolean): Partial<MonitorInput> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) invalid('body', 'a monitor must be a JSON object');
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!FIELDS.has(key)) invalid(key, `unknown field ${key}; allowed: ${[...FIELDS].join(', ')}`);
  const out: Partial<MonitorInput> = {};
  if (r.name !== undefined || !partial) {
    if (typeof r.name !== 'string' || !NAME.test(r.name)) {
      invalid('name', 'name must be 1..128 characters: letters, digits, space, . _ : - (starting with a letter or digit)');
    }
    out.name = r.name;
  }
  if (r.selection !== undefined || !partial) out.selection = parseSelection(r.selection);
  if (r.probe !== undefined) {
    if (!(MONITOR_PROBES as readonly unknown[]).includes(r.probe)) invalid('probe', `probe must be one of ${MONITOR_PROBES.join(', ')}`);
    out.probe = r.probe as MonitorProbe;
  }
  out.intervalMs = integer(r, 'intervalMs', MIN_INTERVAL_MS, MAX_INTERVAL_MS);
  out.probes = integer(r, 'probes', 1, 100);
  out.timeoutMs = integer(r, 'timeoutMs', 1, 60_000);
  out.size = integer(r, 'size', 0, 65_500);
  if (r.enabled !== undefined) {
    if (typeof r.enabled !== 'boolean') invalid('enabled', 'enabled must be true or false');
    out.enabled = r.enabled;
  }
  if (r.tcp !== undefined) out.tcp = parseTcpOptions(r.tcp);
  if (r.dns !== undefined) out.dns = parseDnsOptions(r.dns);
  if (r.http !== undefined) out.http = parseHttpOptions(r.http);
  if (r.model !== undefined) out.model = parseModelOptions(r.model);
  if (r.agents !== undefined) out.agents = parseAgents(r.agents);
  for (const k of Object.keys(out) as (keyof MonitorInput)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** A monitor with every default applied (the kind options stay optional). */
export type MonitorWithDefaults = Required<Omit<MonitorInput, KindOptions>> & Pick<MonitorInput, KindOptions>;
type KindOptions = 'tcp' | 'dns' | 'http' | 'model';

/** Cross-field rules on a complete monitor. */
export function checkMonitor(m: MonitorWithDefaults): void {
  checkOptionsKind(m.probe, m);
  // the assignment wire carries no provider, model or model options yet
  if (m.probe === 'model' && typeof m.agents === 'string') {
    invalid('agents', `model monitors run on the controller's own agent only (agents "${m.agents}"); leave agents out, or run sonde serve beside the model endpoints`);
  }
  if (m.timeoutMs > m.intervalMs) invalid('timeoutMs', `timeoutMs (${m.timeoutMs}) must not exceed intervalMs (${m.intervalMs}): a round must settle before the next one`);
}
