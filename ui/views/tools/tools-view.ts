// /ui/tools?tool=ping|traceroute|tcp|http|https|nslookup&… — ad-hoc tests with their output
// as it arrives: ping streams one line per probe from /v1/ping:stream; the others are the
// troubleshooting API's tests on the local agent, shown with their progress, then the
// daemon's text output and its structured result. The form's fields live in the URL.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, can } from '../../api.js';
import { html } from '../../html.js';
import { href, setQuery, type RouteProps } from '../../router.js';
import type { Target } from '../target/history-api.js';
import { localSerial, pingStream, runTest, type AsyncOperation, type TestName } from './tools-api.js';

const TOOLS = [
  { id: 'ping', label: 'Ping (stream)' },
  { id: 'traceroute', label: 'Traceroute' },
  { id: 'tcp', label: 'TCP connect' },
  { id: 'http', label: 'HTTP' },
  { id: 'nslookup', label: 'DNS' },
] as const;
type ToolId = (typeof TOOLS)[number]['id'];

/** The query-string fields each tool reads, with their defaults. */
const FIELDS: Record<ToolId, Record<string, string>> = {
  ping: { target: '', count: '5', interval: '1000', timeout: '1000' },
  traceroute: { dest: '', maxHops: '30' },
  tcp: { host: '', port: '' },
  http: { url: '' },
  nslookup: { host: 'localhost' },
};

function isTool(v: string | null): v is ToolId {
  return TOOLS.some((t) => t.id === v);
}

export function ToolsView({ query }: RouteProps) {
  const raw = query.get('tool');
  const tool: ToolId = isTool(raw) ? raw : 'ping';
  const values: Record<string, string> = {};
  for (const [k, d] of Object.entries(FIELDS[tool])) values[k] = query.get(k) ?? d;
  const [draft, setDraft] = useState(values);
  const [lines, setLines] = useState<string[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const allowed = can('network:write');

  useEffect(() => {
    setDraft(values);
    // a tool change (link) stops what ran and starts clean
    return () => abort.current?.abort();
  }, [tool]);

  const add = (line: string) => setLines((l) => (l.length > 5000 ? [...l.slice(-4000), line] : [...l, line]));

  const run = async (e: Event) => {
    e.preventDefault();
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setQuery({ ...draft });
    setLines([]);
    setError(null);
    setStatus('starting…');
    setRunning(true);
    try {
      if (tool === 'ping') await runPing(draft, add, setStatus, ctl.signal);
      else await runTask(tool, draft, add, setStatus, ctl.signal);
    } catch (err) {
      if ((err as Error).name === 'AbortError') setStatus('stopped');
      else {
        setError((err as Error).message);
        setStatus(null);
      }
    } finally {
      setRunning(false);
    }
  };

  const field = (name: string, label: string, attrs: Record<string, unknown> = {}) => html`
    <label>${label}<input name=${name} value=${draft[name]} ...${attrs}
      onInput=${(ev: Event) => setDraft((d) => ({ ...d, [name]: (ev.target as HTMLInputElement).value }))} /></label>`;

  return html`
    <section class="view tools">
      <h1>Tools</h1>
      <nav class="tool-tabs" aria-label="Tool">
        ${TOOLS.map((t) => html`<a class="button" href=${href('/ui/tools', { tool: t.id })} aria-current=${t.id === tool ? 'true' : undefined}>${t.label}</a>`)}
      </nav>
      ${!allowed && html`<p class="muted">This key cannot run tests (they need network:write).</p>`}
      ${allowed && html`
        <form class="tool-form" onSubmit=${run}>
          ${tool === 'ping' && html`
            <${TargetSelect} value=${draft.target} onChange=${(v: string) => setDraft((d) => ({ ...d, target: v }))} />
            ${field('count', 'Count', { type: 'number', min: 1, max: 10000 })}
            ${field('interval', 'Interval (ms)', { type: 'number', min: 10 })}
            ${field('timeout', 'Timeout (ms)', { type: 'number', min: 1, max: 60000 })}`}
          ${tool === 'traceroute' && html`${field('dest', 'Destination', { placeholder: '127.0.0.1', required: true })}${field('maxHops', 'Max hops', { type: 'number', min: 1, max: 64 })}`}
          ${tool === 'tcp' && html`${field('host', 'Host', { placeholder: '127.0.0.1', required: true })}${field('port', 'Port', { type: 'number', min: 1, max: 65535, required: true })}`}
          ${tool === 'http' && html`${field('url', 'URL', { placeholder: 'http://127.0.0.1:8080/healthz', required: true, size: 40 })}`}
          ${tool === 'nslookup' && html`${field('host', 'Name', { required: true })}`}
          <button type="submit" data-edit disabled=${running}>${running ? 'Running…' : 'Run'}</button>
          ${running && html`<button type="button" onClick=${() => abort.current?.abort()}>Stop</button>`}
        </form>`}
      ${error !== null && html`<p class="error" role="alert">${error}</p>`}
      ${status !== null && html`<p class="progress" aria-live="polite">${status}</p>`}
      <pre class="tool-output" aria-live="polite" aria-label="Output" tabindex="0">${lines.join('\n')}</pre>
    </section>`;
}

function TargetSelect({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [targets, setTargets] = useState<Target[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.get<{ items: Target[] }>('/v1/targets', { query: { limit: 1000 } }).then((p) => {
      setTargets(p.items);
      if (value === '' && p.items[0] !== undefined) onChange(p.items[0].id);
    }).catch((e: Error) => setError(e.message));
  }, []);
  if (error !== null) return html`<p class="error">${error}</p>`;
  return html`
    <label>Target
      <select name="target" value=${value} onChange=${(e: Event) => onChange((e.target as HTMLSelectElement).value)} required>
        ${targets === null && html`<option value="">loading…</option>`}
        ${targets !== null && targets.length === 0 && html`<option value="">no target registered</option>`}
        ${(targets ?? []).map((t) => html`<option value=${t.id}>${t.name ?? t.address} (${t.kind} ${t.address}${t.port !== null ? `:${t.port}` : ''})</option>`)}
      </select>
    </label>`;
}

function num(v: unknown): string {
  return typeof v === 'number' ? `${+v.toFixed(3)}` : '—';
}

async function runPing(f: Record<string, string>, add: (l: string) => void, setStatus: (s: string | null) => void, signal: AbortSignal) {
  if (f.target === '') throw new Error('Choose a target to ping (register one with POST /v1/targets).');
  const body = { targetId: f.target!, count: Number(f.count) || 0, intervalMs: Number(f.interval) || 0, timeoutMs: Number(f.timeout) || 0 };
  setStatus('pinging…');
  let seen = 0;
  await pingStream(body, (item) => {
    if ('result' in item) {
      const r = item.result as { seq?: number; ok?: boolean; rttMs?: number; errorMessage?: string; httpStatus?: number; endpoint?: { resolvedEndpoint?: string } };
      seen++;
      const from = r.endpoint?.resolvedEndpoint ?? '';
      add(r.ok === true ? `seq=${r.seq} from ${from}: time=${num(r.rttMs)} ms` : `seq=${r.seq} ${from}: ${r.errorMessage ?? (r.httpStatus !== undefined ? `HTTP ${r.httpStatus}` : 'failed')}`);
      setStatus(`pinging… ${seen} of ${body.count || 4}`);
    } else if ('notice' in item) {
      const n = item.notice as { code?: string; message?: string };
      add(`notice ${n.code ?? ''}: ${n.message ?? ''}`);
    } else if ('summary' in item) {
      const s = item.summary as Record<string, unknown>;
      add(`--- ${s.requests} sent, ${s.ok} ok, ${s.timeouts} timeouts, ${s.errors} errors`);
      add(`rtt min/avg/p50/p90/p99/max = ${num(s.rttMinMs)}/${num(s.rttAvgMs)}/${num(s.rttP50Ms)}/${num(s.rttP90Ms)}/${num(s.rttP99Ms)}/${num(s.rttMaxMs)} ms`);
    } else {
      add(JSON.stringify(item));
    }
  }, (line) => add(`(not JSON) ${line}`), signal);
  setStatus('done');
}

async function runTask(tool: Exclude<ToolId, 'ping'>, f: Record<string, string>, add: (l: string) => void, setStatus: (s: string | null) => void, signal: AbortSignal) {
  let test: TestName = tool;
  let body: Record<string, unknown>;
  if (tool === 'traceroute') body = { destination: f.dest!.trim(), maxHops: Number(f.maxHops) || 30 };
  else if (tool === 'tcp') body = { host: f.host!.trim(), port: Number(f.port) };
  else if (tool === 'http') {
    const url = f.url!.trim();
    if (url.startsWith('https://')) test = 'https';
    body = { url };
  } else body = { host: f.host!.trim() };
  const serial = await localSerial();
  const op: AsyncOperation = await runTest(serial, test, body, (o) => setStatus(`${o.status.toLowerCase()} ${o.progressPercent} %`), signal);
  if (op.status === 'FAILED') {
    setStatus(null);
    throw new Error(`The ${tool} test failed: ${op.failReason ?? 'no reason given'}`);
  }
  if (op.rawOutput !== null) for (const l of op.rawOutput.split('\n')) add(l);
  add('');
  add(JSON.stringify(op.output, null, 2));
  setStatus(`completed in ${elapsed(op)}`);
}

function elapsed(op: AsyncOperation): string {
  if (op.endTime === null) return '?';
  const ms = Date.parse(op.endTime) - Date.parse(op.startTime);
  return Number.isFinite(ms) ? `${ms} ms` : '?';
}
