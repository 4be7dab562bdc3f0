// /ui/campaigns/<id> — one campaign: its facts, its progress while it runs (pushed on /v1/live,
// topic campaign:<id>, about twice a second; the record re-read every 5 s and whenever a step
// ends, also for a run that another process — `sonde capacity run` — is running), and its
// stored report in a frame, reloaded as steps are stored. Stop for keys with network:write.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, can } from '../../api.js';
import { html } from '../../html.js';
import { openLive } from '../../live.js';
import { notify } from '../../notices.js';
import type { RouteProps } from '../../router.js';
import { durationText, kindText, kneeText, plannedSeconds, progressText, runDuration, stepsText, type CampaignDetail, type CampaignProgress } from './campaign-text.js';
import { ReportFrame } from './report-frame.js';

const RUNNING_REFRESH_MS = 5_000;
const STOP_SCOPE = 'network:write';

export function CampaignView({ params }: RouteProps) {
  const id = params.id!;
  const [detail, setDetail] = useState<CampaignDetail | null>(null);
  const [live, setLive] = useState<CampaignProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [stopping, setStopping] = useState(false);
  const lastStep = useRef<string>('');
  const running = detail?.run.status === 'running';

  // another campaign's page (same view, new id): nothing of the last one shows
  useEffect(() => {
    setDetail(null);
    setLive(null);
    lastStep.current = '';
  }, [id]);

  useEffect(() => {
    const ctl = new AbortController();
    api.get<CampaignDetail>(`/v1/campaigns/${encodeURIComponent(id)}`, { signal: ctl.signal })
      .then((d) => { setDetail(d); setError(null); })
      .catch((e: Error) => { if (e.name !== 'AbortError') setError(e.message); });
    return () => ctl.abort();
  }, [id, tick]);

  useEffect(() => {
    if (!running) return;
    const timer = window.setTimeout(() => setTick((t) => t + 1), RUNNING_REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [running, tick]);

  useEffect(() => {
    if (!running) return;
    return openLive({ campaigns: [id] }, {
      onJson: (msg) => {
        if (msg.type !== 'campaign' || msg.progress === null || typeof msg.progress !== 'object') return;
        const p = msg.progress as CampaignProgress;
        setLive(p);
        // a new step (the last one stored) or the end: re-read the record and the report
        const at = `${p.step}:${p.phase === 'finished'}`;
        if (lastStep.current !== '' && lastStep.current !== at) setTick((t) => t + 1);
        lastStep.current = at;
      },
      onBinary: () => undefined,
    });
  }, [id, running]);

  const stop = async () => {
    setStopping(true);
    try {
      await api.post(`/v1/campaigns/${encodeURIComponent(id)}/stop`);
      setTick((t) => t + 1);
    } catch (e) {
      notify((e as Error).message);
    } finally {
      setStopping(false);
    }
  };

  if (error !== null && detail === null) {
    return html`<section class="view campaign"><h1>Campaign</h1><p class="error" role="alert">${error}</p><p><a href="/ui/campaigns">All campaigns</a></p></section>`;
  }
  if (detail === null) return html`<section class="view campaign"><h1>Campaign</h1><p class="muted">Loading…</p></section>`;

  const { run, summary, steps } = detail;
  const progress = running ? (live !== null && live.runId === run.id ? live : detail.progress) : null;
  const total = plannedSeconds(run.plan);
  return html`
    <section class="view campaign">
      <p class="crumbs"><a href="/ui/campaigns">Campaigns</a></p>
      <div class="campaign-head">
        <h1>${run.name}</h1>
        <span class=${`campaign-state state-${run.status}`} data-state=${run.status}>${run.status}</span>
        ${running && progress !== null && can(STOP_SCOPE) && html`<button type="button" class="danger" data-edit disabled=${stopping} onClick=${stop}>${stopping ? 'Stopping…' : 'Stop'}</button>`}
      </div>
      <p class="muted id campaign-id">${run.id}</p>
      ${error !== null && html`<p class="error" role="alert">${error}</p>`}
      <dl class="campaign-facts">
        <dt>kind</dt><dd>${kindText(run.kind)}</dd>
        <dt>probe</dt><dd>${run.spec.probe.kind}</dd>
        <dt>targets</dt><dd>${run.kind === 'self' ? `${run.plan.at(-1)?.targets ?? 0} loopback at most` : run.targets.length}</dd>
        <dt>steps</dt><dd data-steps>${stepsText(summary.stepsDone, summary.steps)}</dd>
        <dt>knee</dt><dd data-knee>${kneeText(summary) || '–'}</dd>
        <dt>started</dt><dd>${new Date(run.startedAt).toLocaleString()}</dd>
        <dt>duration</dt><dd>${durationText(runDuration(run, Date.now()))}</dd>
        <dt>sonde</dt><dd>${run.sondeVersion}</dd>
        ${run.reason !== null && html`<dt>reason</dt><dd>${run.reason}</dd>`}
      </dl>
      ${running && html`
        <div class="campaign-progress" aria-live="polite">
          ${progress === null
            ? html`<p class="muted">Running in another process (${run.kind === 'self' ? 'sonde capacity self' : 'sonde capacity run'}): its steps appear here as they are stored.</p>`
            : html`
              <progress max=${total} value=${Math.min(total, progress.elapsedMs / 1000)} aria-label="Campaign progress"></progress>
              <p class="progress" data-progress>${progressText(progress)} · ${durationText(progress.elapsedMs)} of about ${durationText(total * 1000)}</p>`}
        </div>`}
      <p class="report-links">
        <a href=${`/v1/campaigns/${run.id}/report.html`} target="_blank" rel="noopener">Open the report</a>${' · '}<a
          href=${`/v1/campaigns/${run.id}/report.json`} download=${`campaign-${run.id}.json`}>JSON</a>${' · '}<a
          href=${`/v1/campaigns/${run.id}/report.csv`} download=${`campaign-${run.id}.csv`}>CSV</a>
      </p>
      ${steps.length === 0
        ? html`<p class="muted">No step measured yet: the report appears when the first one is stored.</p>`
        : html`<${ReportFrame} key=${`${steps.length}:${run.status}`} id=${run.id} />`}
    </section>`;
}
