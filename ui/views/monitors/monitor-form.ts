// The monitor editor's fields as a person types them, and the API body they become
// (POST /v1/monitors, PATCH /v1/monitors/{id}): ids one per line or comma-separated, a label
// selector as `site=eu, tier=1` (or `site:eu`), numbers as text. Errors name the field and
// say what to type; the daemon validates again.

export interface Monitor {
  id: string;
  name: string;
  selection: { ids: string[] } | { labels: Record<string, string> };
  probe: string;
  intervalMs: number;
  probes: number;
  timeoutMs: number;
  size: number;
  enabled: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface MonitorFormState {
  name: string;
  mode: 'ids' | 'labels';
  ids: string;
  labels: string;
  intervalMs: string;
  timeoutMs: string;
  probes: string;
  size: string;
  enabled: boolean;
}

export interface MonitorBody {
  name: string;
  selection: { ids: string[] } | { labels: Record<string, string> };
  intervalMs: number;
  timeoutMs?: number;
  probes: number;
  size: number;
  enabled: boolean;
}

export type FormErrors = Partial<Record<keyof MonitorFormState, string>>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABEL_KEY = /^[A-Za-z0-9_-]+$/;
const LABEL_VALUE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export function emptyForm(): MonitorFormState {
  return { name: '', mode: 'labels', ids: '', labels: '', intervalMs: '1000', timeoutMs: '', probes: '1', size: '56', enabled: true };
}

export function formFromMonitor(m: Monitor): MonitorFormState {
  const ids = 'ids' in m.selection ? m.selection.ids : [];
  const labels = 'labels' in m.selection ? m.selection.labels : {};
  return {
    name: m.name,
    mode: 'ids' in m.selection ? 'ids' : 'labels',
    ids: ids.join('\n'),
    labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', '),
    intervalMs: String(m.intervalMs),
    timeoutMs: String(m.timeoutMs),
    probes: String(m.probes),
    size: String(m.size),
    enabled: m.enabled,
  };
}

export function parseIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter((s) => s !== ''))];
}

/** `site=eu, tier=1` or `site:eu tier:1` → { site: 'eu', tier: '1' }; a malformed part is an error. */
export function parseLabels(text: string): { labels: Record<string, string>; error: string | null } {
  const labels: Record<string, string> = {};
  for (const part of text.split(/[,\s]+/)) {
    if (part === '') continue;
    const at = part.search(/[:=]/);
    const key = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? '' : part.slice(at + 1);
    if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      return { labels, error: `"${part}" is not a label: write key=value (letters, digits, _ and -; the value may have dot-separated segments, e.g. site=eu.paris)` };
    }
    labels[key] = value;
  }
  return { labels, error: null };
}

function integer(text: string, field: string, min: number, max: number, errors: FormErrors, key: keyof MonitorFormState): number | undefined {
  const t = text.trim();
  if (!/^[0-9]+$/.test(t)) {
    errors[key] = `${field} must be a whole number from ${min} to ${max}`;
    return undefined;
  }
  const n = Number(t);
  if (n < min || n > max) {
    errors[key] = `${field} must be from ${min} to ${max}, got ${n}`;
    return undefined;
  }
  return n;
}

/** The API body of a form, or the errors that stop it (each under its field). */
export function bodyFromForm(f: MonitorFormState): { body: MonitorBody | null; errors: FormErrors } {
  const errors: FormErrors = {};
  const name = f.name.trim();
  if (name === '' || name.length > 128) errors.name = 'Name must be 1 to 128 characters';
  let selection: MonitorBody['selection'] | null = null;
  if (f.mode === 'ids') {
    const ids = parseIds(f.ids);
    const bad = ids.find((id) => !UUID.test(id));
    if (ids.length === 0) errors.ids = 'List at least one target id (one per line), or select by labels';
    else if (bad !== undefined) errors.ids = `"${bad}" is not a target id (a UUID, as GET /v1/targets lists them)`;
    else selection = { ids };
  } else {
    const { labels, error } = parseLabels(f.labels);
    if (error !== null) errors.labels = error;
    else if (Object.keys(labels).length === 0) errors.labels = 'Give at least one label, e.g. site=eu (every HOST target whose labels match is monitored)';
    else selection = { labels };
  }
  const intervalMs = integer(f.intervalMs, 'Interval (ms)', 100, 86_400_000, errors, 'intervalMs');
  const timeoutMs = f.timeoutMs.trim() === '' ? undefined : integer(f.timeoutMs, 'Timeout (ms)', 1, 60_000, errors, 'timeoutMs');
  if (intervalMs !== undefined && timeoutMs !== undefined && timeoutMs > intervalMs) {
    errors.timeoutMs = `Timeout (${timeoutMs} ms) must not exceed the interval (${intervalMs} ms)`;
  }
  const probes = integer(f.probes, 'Probes per round', 1, 100, errors, 'probes');
  const size = integer(f.size, 'Size (bytes)', 0, 65_500, errors, 'size');
  if (Object.keys(errors).length > 0 || selection === null || intervalMs === undefined || probes === undefined || size === undefined) {
    return { body: null, errors };
  }
  const body: MonitorBody = { name, selection, intervalMs, probes, size, enabled: f.enabled };
  if (timeoutMs !== undefined) body.timeoutMs = timeoutMs;
  return { body, errors };
}

export function describeSelection(s: Monitor['selection']): string {
  if ('ids' in s) return s.ids.length === 1 ? '1 target by id' : `${s.ids.length} targets by id`;
  const parts = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? 'no labels' : parts.join(', ');
}
