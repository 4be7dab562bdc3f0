// /ui/campaigns — the stored capacity campaigns (GET /v1/campaigns), newest first: name, kind
// (a spec's run or `sonde capacity self`), probe, state, steps stored of planned, the knee,
// start and duration. Re-read every 2 s while one is running (its steps and duration move),
// every 10 s otherwise, as the events view does; a campaign's own page follows it live.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.js';
import { html } from '../../html.js';
import { href, type RouteProps } from '../../router.js';
import { durationText, kindText, kneeText, runDuration, stepsText, type CampaignSummary } from './campaign-text.js';

const RUNNING_REFRESH_MS = 2_000;
const IDLE_REFRESH_MS = 10_000;

export function CampaignsView(_props: RouteProps) {
  const [items, setItems] = useState<CampaignSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const running = (items ?? []).some((c) => c.status === 'running');

  useEffect(() => {
    const ctl = new AbortController();
    api.get<{ items: CampaignSummary[] }>('/v1/campaigns', { query: { limit: 200 }, signal: ctl.signal })
      .then((r) => { setItems(r.items); setError(null); })
      .catch((e: Error) => { if (e.name !== 'AbortError') setError(e.message); });
    return () => ctl.abort();
  }, [tick]);

  useEffect(() => {
    const timer = window.setTimeout(() => setTick((t) => t + 1), running ? RUNNING_REFRESH_MS : IDLE_REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [tick, running]);

  const now = Date.now();
  return html`
    <section class="view campaigns">
      <h1>Campaigns</h1>
      ${error !== null && html`<p class="error" role="alert">${error}</p>`}
      ${items === null && error === null && html`<p class="muted">Loading the campaigns…</p>`}
      ${items !== null && items.length === 0 && html`<p class="muted">No campaign stored yet. Start one with <code>sonde capacity run spec.yaml</code>, <code>POST /v1/campaigns</code> or <code>sonde capacity self</code>.</p>`}
      ${items !== null && items.length > 0 && html`
        <p class="muted">${items.length} campaign${items.length === 1 ? '' : 's'} · refreshed every ${(running ? RUNNING_REFRESH_MS : IDLE_REFRESH_MS) / 1000} s</p>
        <div class="table-scroll">
          <table class="campaign-table">
            <thead><tr>
              <th scope="col">name</th><th scope="col">kind</th><th scope="col">probe</th><th scope="col">state</th>
              <th scope="col" class="num">steps</th><th scope="col">knee</th><th scope="col">started</th><th scope="col" class="num">duration</th>
            </tr></thead>
            <tbody>
              ${items.map((c) => html`
                <tr key=${c.id} data-campaign=${c.id}>
                  <td><a href=${href(`/ui/campaigns/${c.id}`)}>${c.name}</a><br /><span class="muted id">${c.id}</span></td>
                  <td>${kindText(c.kind)}</td>
                  <td>${c.probe}</td>
                  <td data-state=${c.status}><span class=${`campaign-state state-${c.status}`} title=${c.reason ?? undefined}>${c.status}</span></td>
                  <td class="num" data-steps>${stepsText(c.stepsDone, c.steps)}</td>
                  <td data-knee>${kneeText(c) || html`<span class="muted">–</span>`}</td>
                  <td>${new Date(c.startedAt).toLocaleString()}</td>
                  <td class="num">${durationText(runDuration(c, now))}</td>
                </tr>`)}
            </tbody>
          </table>
        </div>`}
    </section>`;
}
