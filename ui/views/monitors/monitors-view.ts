// /ui/monitors?q= — every monitor with its selection, timing and state; for keys that may
// change monitors (network:write, the scope the daemon checks on /v1/monitors writes) the
// controls to enable/disable, edit and delete, each marked data-edit.
import { useEffect, useState } from 'preact/hooks';
import { api, can } from '../../api.js';
import { html } from '../../html.js';
import { notify } from '../../notices.js';
import { href, setQuery, type RouteProps } from '../../router.js';
import { describeSelection, type Monitor } from './monitor-form.js';

export const EDIT_SCOPE = 'network:write';

export function MonitorsView({ query }: RouteProps) {
  const [items, setItems] = useState<Monitor[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const text = query.get('q') ?? '';
  const editable = can(EDIT_SCOPE);

  useEffect(() => {
    let gone = false;
    api.get<{ items: Monitor[] }>('/v1/monitors')
      .then((r) => { if (!gone) { setItems(r.items); setError(null); } })
      .catch((e: Error) => { if (!gone) setError(e.message); });
    return () => { gone = true; };
  }, [reload]);

  const act = async (id: string, work: () => Promise<unknown>) => {
    setBusy(id);
    try {
      await work();
      setReload((r) => r + 1);
    } catch (e) {
      notify((e as Error).message);
    } finally {
      setBusy(null);
      setConfirming(null);
    }
  };
  const toggle = (m: Monitor) => act(m.id, () => api.patch(`/v1/monitors/${m.id}`, { enabled: !m.enabled }));
  const remove = (m: Monitor) => act(m.id, () => api.del(`/v1/monitors/${m.id}`));

  const needle = text.trim().toLowerCase();
  const shown = (items ?? []).filter((m) => needle === '' || m.name.toLowerCase().includes(needle) || describeSelection(m.selection).toLowerCase().includes(needle))
    .sort((a, b) => a.name.localeCompare(b.name));

  return html`
    <section class="view monitors">
      <div class="monitors-head">
        <h1>Monitors</h1>
        ${editable && html`<a class="button" data-edit href="/ui/monitors/new">New monitor</a>`}
        <label class="inline">Filter
          <input type="search" value=${text} placeholder="name or label" aria-label="Filter monitors"
            onInput=${(e: Event) => setQuery({ q: (e.target as HTMLInputElement).value })} />
        </label>
        ${!editable && html`<span class="muted">Read-only: this key cannot change monitors (it lacks ${EDIT_SCOPE}).</span>`}
      </div>
      ${error !== null && html`<p class="error" role="alert">${error}</p>`}
      ${items === null && error === null && html`<p class="muted">Loading the monitors…</p>`}
      ${items !== null && items.length === 0 && html`<p class="muted">No monitor yet.${editable ? ' Create one to start probing targets continuously.' : ''}</p>`}
      ${shown.length > 0 && html`
        <table class="monitor-table">
          <thead><tr>
            <th scope="col">name</th><th scope="col">targets</th><th scope="col">interval</th><th scope="col">timeout</th>
            <th scope="col">probes</th><th scope="col">state</th><th scope="col"><span class="muted">views</span></th>
            ${editable && html`<th scope="col">actions</th>`}
          </tr></thead>
          <tbody>
            ${shown.map((m) => html`
              <tr key=${m.id} data-monitor=${m.id}>
                <td><a href=${href(`/ui/monitors/${m.id}`)}>${m.name}</a></td>
                <td>${describeSelection(m.selection)}</td>
                <td>${m.intervalMs} ms</td>
                <td>${m.timeoutMs} ms</td>
                <td>${m.probes} × ${m.size} B</td>
                <td>${m.enabled ? 'enabled' : html`<span class="muted">disabled</span>`}</td>
                <td><a href=${href('/ui/', { monitor: m.id })}>fleet</a> · <a href=${href('/ui/events', { monitor: m.id })}>events</a></td>
                ${editable && html`<td class="actions">
                  <button type="button" data-edit disabled=${busy === m.id} onClick=${() => toggle(m)}>${m.enabled ? 'Disable' : 'Enable'}</button>
                  <a class="button" data-edit href=${`/ui/monitors/${m.id}`}>Edit</a>
                  ${confirming === m.id
                    ? html`<button type="button" data-edit class="danger" disabled=${busy === m.id} onClick=${() => remove(m)}>Confirm delete</button>
                           <button type="button" data-edit onClick=${() => setConfirming(null)}>Keep</button>`
                    : html`<button type="button" data-edit class="danger" onClick=${() => setConfirming(m.id)}>Delete</button>`}
                </td>`}
              </tr>`)}
          </tbody>
        </table>`}
    </section>`;
}
