// The tools' calls: the ping stream (POST /v1/ping:stream read as NDJSON while it runs) and
// the troubleshooting tests (POST .../aps/{serial}/{test} → 202 location → GET it until
// COMPLETED or FAILED), on the daemon's local agent.
import { ApiError, api, session } from '../../api.js';
import { readNdjson } from './ndjson.js';

export const TEST_BASE = '/network-troubleshooting/v1alpha1';

export type TestName = 'traceroute' | 'tcp' | 'http' | 'https' | 'nslookup';

export interface AsyncOperation {
  startTime: string;
  endTime: string | null;
  rawOutput: string | null;
  output: unknown;
  failReason: string | null;
  progressPercent: number;
  status: 'INITIATED' | 'RUNNING' | 'COMPLETED' | 'FAILED';
}

interface Agent {
  hostname: string;
  serial: string;
  local: boolean;
  healthy: boolean;
}

/** The serial of the agent this daemon runs (the tests run on the local agent only). */
export async function localSerial(): Promise<string> {
  const { items } = await api.get<{ items: Agent[] }>('/v1/agents');
  const local = items.find((a) => a.local) ?? items[0];
  if (local === undefined) throw new ApiError('GET /v1/agents listed no agent: the daemon runs without its local agent, so it cannot run tests.', 200, null);
  return local.serial;
}

export interface PingStreamBody {
  targetId: string;
  count: number;
  intervalMs: number;
  timeoutMs: number;
}

/** Streams a ping; each NDJSON object goes to onItem as it arrives. Resolves at the end of the stream. */
export async function pingStream(body: PingStreamBody, onItem: (item: Record<string, unknown>) => void, onBadLine: (line: string) => void, signal: AbortSignal): Promise<void> {
  const headers: Record<string, string> = { accept: 'application/x-ndjson', 'content-type': 'application/json' };
  const s = session.get();
  if (s) headers['x-csrf-token'] = s.csrfToken;
  let res: Response;
  try {
    res = await fetch('/v1/ping:stream', { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin', signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(`POST /v1/ping:stream: the daemon did not answer (${(e as Error).message}); is it running and reachable?`, 0, null);
  }
  if (!res.ok || res.body === null) {
    const text = await res.text();
    let reason = text.trim().slice(0, 300) || res.statusText;
    try {
      const env = JSON.parse(text) as { error?: string };
      if (typeof env.error === 'string') reason = env.error;
    } catch {
      // not JSON: the text itself says what happened
    }
    if (res.status === 401) session.set(null);
    throw new ApiError(`POST /v1/ping:stream failed (${res.status}): ${reason}`, res.status, null);
  }
  await readNdjson(res.body, {
    onObject: (v) => { if (v !== null && typeof v === 'object') onItem(v as Record<string, unknown>); },
    onBadLine: (line) => onBadLine(line),
  });
}

/** Starts a test and polls it; `onProgress` sees every answer until the last. */
export async function runTest(serial: string, test: TestName, body: Record<string, unknown>, onProgress: (op: AsyncOperation) => void, signal: AbortSignal): Promise<AsyncOperation> {
  const started = await api.post<{ location: string }>(`${TEST_BASE}/aps/${encodeURIComponent(serial)}/${test}`, body, { signal });
  for (let delay = 150; ; delay = Math.min(delay * 1.5, 1000)) {
    const op = await api.get<AsyncOperation>(started.location, { signal });
    onProgress(op);
    if (op.status === 'COMPLETED' || op.status === 'FAILED') return op;
    await new Promise<void>((resolve, reject) => {
      const timer = window.setTimeout(resolve, delay);
      signal.addEventListener('abort', () => {
        window.clearTimeout(timer);
        reject(new DOMException('aborted', 'AbortError'));
      }, { once: true });
    });
  }
}
