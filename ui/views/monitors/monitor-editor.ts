// /ui/monitors/new and /ui/monitors/<id>: the monitor editor. Targets by ids (typed, pasted
// or picked from the HOST targets) or by a label selector (with the number of targets it
// matches now); interval, timeout, probes per round, size, enabled. Saves through
// POST /v1/monitors or PATCH /v1/monitors/{id}; a key without network:write sees the
// monitor's settings read-only.
import { useEffect, useState } from 'preact/hooks';
import { api, can } from '../../api.js';
import { html } from '../../html.js';
import { notify } from '../../notices.js';
import { href, navigate, type RouteProps } from '../../router.js';
import type { Target } from '../target/history-api.js';
import { bodyFromForm, describeSelection, emptyForm, formFromMonitor, parseIds, parseLabels, type FormErrors, type Monitor, type MonitorFormState } from './monitor-form.js';
import { EDIT_SCOPE } from './monitors-view.js';

interface Page<T> {
  items: T[];
  total: number;
}

export function MonitorEditor({ params }: RouteProps) {
  const id = params.id ?? null;
  const editable = can(EDIT_SCOPE);
  const [monitor, setMonitor] = useState<Monitor | null>(null);
  const [form, setForm] = useState<MonitorFormState>(emptyForm());
  const [errors, setErrors] = useState<FormErrors>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (id === null) {
      setMonitor(null);
      setForm(emptyForm());
      return;
    }
    let gone = false;
    api.get<Monitor>(`/v1/monitors/${encodeURIComponent(id)}`).then((m) => {
      if (gone) return;
      setMonitor(m);
      setForm(formFromMonitor(m));
    }).catch((e: Error) => { if (!gone) setLoadError(e.message); });
    return () => { gone = true; };
  }, [id]);

  const set = (patch: Partial<MonitorFormState>) => setForm((f) => ({ ...f, ...patch }));
  const text = (key: keyof MonitorFormState) => (e: Event) => set({ [key]: (e.target as HTMLInputElement).value } as Partial<MonitorFormState>);

  const save = async (e: Event) => {
    e.preventDefault();
    const { body, errors: errs } = bodyFromForm(form);
    setErrors(errs);
    setSaveError(null);
    if (body === null) return;
    setSaving(true);
    try {
      const saved = id === null ? await api.post<Monitor>('/v1/monitors', body) : await api.patch<Monitor>(`/v1/monitors/${encodeURIComponent(id)}`, body);
      notify(`Monitor "${saved.name}" saved: probing follows within a second.`, 'info');
      navigate(href('/ui/monitors'));
    } catch (err) {
      setSaveError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };

  if (loadError !== null) {
    return html`<section class="view monitors"><h1>Monitor</h1><p class="error" role="alert">${loadError}</p><p><a href="/ui/monitors">All monitors</a></p></section>`;
  }
  if (id !== null && monitor === null) return html`<section class="view monitors"><h1>Monitor</h1><p class="muted">Loading…</p></section>`;
  if (!editable) {
    return html`
      <section class="view monitors">
        <h1>${monitor?.name ?? 'New monitor'}</h1>
        <p class="muted">Read-only: this key cannot change monitors (it lacks ${EDIT_SCOPE}).</p>
        ${monitor !== null && html`<dl class="monitor-facts">
          <dt>targets</dt><dd>${describeSelection(monitor.selection)}</dd>
          <dt>interval</dt><dd>${monitor.intervalMs} ms</dd><dt>timeout</dt><dd>${monitor.timeoutMs} ms</dd>
          <dt>probes</dt><dd>${monitor.probes} × ${monitor.size} B</dd><dt>state</dt><dd>${monitor.enabled ? 'enabled' : 'disabled'}</dd>
        </dl>`}
        <p><a href="/ui/monitors">All monitors</a></p>
      </section>`;
  }

  const fieldError = (key: keyof MonitorFormState) => errors[key] !== undefined && html`<p class="field-error" id=${`err-${key}`} role="alert">${errors[key]}</p>`;
  const describedBy = (key: keyof MonitorFormState) => (errors[key] !== undefined ? `err-${key}` : undefined);
  return html`
    <section class="view monitors">
      <h1>${id === null ? 'New monitor' : `Edit ${monitor!.name}`}</h1>
      <form class="monitor-form" onSubmit=${save} novalidate data-edit>
        <label for="m-name">Name</label>
        <div>
          <input id="m-name" type="text" value=${form.name} onInput=${text('name')} maxlength="128" required aria-describedby=${describedBy('name')} />
          ${fieldError('name')}
        </div>

        <span class="field-name" id="m-sel">Targets</span>
        <div role="group" aria-labelledby="m-sel">
          <fieldset>
            <label><input type="radio" name="mode" value="labels" checked=${form.mode === 'labels'} onChange=${() => set({ mode: 'labels' })} /> by labels</label>
            <label><input type="radio" name="mode" value="ids" checked=${form.mode === 'ids'} onChange=${() => set({ mode: 'ids' })} /> by ids</label>
          </fieldset>
          ${form.mode === 'labels'
            ? html`
              <input id="m-labels" type="text" value=${form.labels} onInput=${text('labels')} placeholder="site=eu, tier=1"
                aria-label="Label selector" aria-describedby=${describedBy('labels') ?? 'm-labels-help'} />
              ${fieldError('labels')}
              <${LabelMatches} text=${form.labels} />`
            : html`
              <textarea id="m-ids" rows="4" value=${form.ids} onInput=${text('ids')} aria-label="Target ids, one per line"
                aria-describedby=${describedBy('ids')} spellcheck="false"></textarea>
              ${fieldError('ids')}
              <${TargetPicker} ids=${form.ids} onChange=${(ids: string) => set({ ids })} />`}
        </div>

        <label for="m-interval">Interval (ms)</label>
        <div><input id="m-interval" type="number" min="100" step="100" value=${form.intervalMs} onInput=${text('intervalMs')} aria-describedby=${describedBy('intervalMs')} />${fieldError('intervalMs')}
          <p class="help">One round per target per interval, spread evenly over it.</p></div>

        <label for="m-timeout">Timeout (ms)</label>
        <div><input id="m-timeout" type="number" min="1" value=${form.timeoutMs} onInput=${text('timeoutMs')} placeholder="min(1000, interval)" aria-describedby=${describedBy('timeoutMs')} />${fieldError('timeoutMs')}</div>

        <label for="m-probes">Probes per round</label>
        <div><input id="m-probes" type="number" min="1" max="100" value=${form.probes} onInput=${text('probes')} aria-describedby=${describedBy('probes')} />${fieldError('probes')}</div>

        <label for="m-size">Size (bytes)</label>
        <div><input id="m-size" type="number" min="0" max="65500" value=${form.size} onInput=${text('size')} aria-describedby=${describedBy('size')} />${fieldError('size')}</div>

        <label for="m-enabled">Enabled</label>
        <div><input id="m-enabled" type="checkbox" checked=${form.enabled} onChange=${(e: Event) => set({ enabled: (e.target as HTMLInputElement).checked })} /></div>

        ${saveError !== null && html`<p class="error form-actions" role="alert">${saveError}</p>`}
        <div class="form-actions">
          <button type="submit" data-edit disabled=${saving}>${saving ? 'Saving…' : id === null ? 'Create monitor' : 'Save changes'}</button>
          <a class="button" href="/ui/monitors">Cancel</a>
        </div>
      </form>
    </section>`;
}

/** How many HOST targets a label selector matches now (GET /v1/targets?label=…&kind=HOST). */
function LabelMatches({ text }: { text: string }) {
  const [answer, setAnswer] = useState<string | null>(null);
  useEffect(() => {
    const { labels, error } = parseLabels(text);
    const entries = Object.entries(labels);
    if (error !== null || entries.length === 0) {
      setAnswer(null);
      return;
    }
    const ctl = new AbortController();
    const timer = window.setTimeout(() => {
      api.get<Page<Target>>('/v1/targets', { query: { label: entries.map(([k, v]) => `${k}:${v}`), kind: 'HOST', limit: 1 }, signal: ctl.signal })
        .then((p) => setAnswer(`${p.total} HOST target${p.total === 1 ? '' : 's'} match now`))
        .catch((e: Error) => { if (e.name !== 'AbortError') setAnswer(e.message); });
    }, 250);
    return () => {
      window.clearTimeout(timer);
      ctl.abort();
    };
  }, [text]);
  return html`<p class="help" id="m-labels-help">${answer ?? 'Every HOST target whose labels match is probed; site=eu also matches site=eu.paris.'}</p>`;
}

/** Tick HOST targets to add or remove their ids (the first 1,000, filtered by text). */
function TargetPicker({ ids, onChange }: { ids: string; onChange: (ids: string) => void }) {
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  useEffect(() => {
    api.get<Page<Target>>('/v1/targets', { query: { kind: 'HOST', limit: 1000 } })
      .then((p) => setTargets(p.items))
      .catch((e: Error) => setError(e.message));
  }, []);
  const chosen = new Set(parseIds(ids));
  const toggle = (t: Target, on: boolean) => {
    if (on) chosen.add(t.id);
    else chosen.delete(t.id);
    onChange([...chosen].join('\n'));
  };
  if (error !== null) return html`<p class="error">${error}</p>`;
  if (targets === null) return html`<p class="help">Loading targets…</p>`;
  const needle = filter.trim().toLowerCase();
  const shown = targets.filter((t) => needle === '' || `${t.name ?? ''} ${t.address} ${Object.entries(t.labels).map(([k, v]) => `${k}=${v}`).join(' ')}`.toLowerCase().includes(needle)).slice(0, 200);
  return html`
    <div class="picker">
      <input type="search" value=${filter} placeholder="find a target by name, address or label" aria-label="Find a target"
        onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} />
      <ul class="pick-list">
        ${shown.map((t) => html`<li key=${t.id}><label>
          <input type="checkbox" checked=${chosen.has(t.id)} onChange=${(e: Event) => toggle(t, (e.target as HTMLInputElement).checked)} />
          ${t.name ?? t.address} <span class="muted">${t.name !== null ? t.address : ''}</span></label></li>`)}
        ${shown.length === 0 && html`<li class="muted">No HOST target matches.</li>`}
      </ul>
    </div>`;
}
