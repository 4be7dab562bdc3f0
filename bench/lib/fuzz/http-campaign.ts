// The HTTP property, batch by batch against one running daemon:
//   - no answer is a 5xx, and every request is answered completely within the bound;
//   - after every batch the process is alive and GET /healthz answers 200;
//   - when every request of a batch was answered 4xx, the stored tables are unchanged.
// A failing batch is shrunk by fast-check; the error carries the seed and the shrunk batch.
import fc from 'fast-check';
import { setSafePorts, unsafeBodyReason } from './destinations.js';
import type { FuzzDaemon } from './fuzz-daemon.js';
import { send, type Outgoing } from './http-send.js';
import { materialize, operationsOf, planArbitrary, type IdPool, type Keys, type Operation, type RequestPlan } from './requests.js';
import { openStoreDigest } from './store-digest.js';

export interface Slowest { ms: number; request: string; status: number }

export interface HttpCampaignStats {
  cases: number;
  routes: Set<string>;
  statuses: Map<string, number>;
  fiveXx: number;
  slowest: Slowest;
  /** Bodies the network guard replaced (they named a non-loopback destination or a big count). */
  guarded: number;
  /** All-4xx batches whose store digest was compared. */
  rejectedBatchesChecked: number;
  mutations: Map<string, number>;
  operations: number;
  /** Requests whose kept-alive connection the server had closed after the previous answer (sent again). */
  staleRetries: number;
  /** The requests answered just before such a close, by route (which answers end their connection). */
  closedAfter: Map<string, number>;
}

export interface HttpCampaignOptions {
  seed: number;
  cases: number;
  /** Requests per property run (the unit fast-check shrinks). */
  batch?: number;
  boundMs?: number;
  onProgress?: (s: HttpCampaignStats) => void;
  /** Wait this long between requests (a trickle beside other load). */
  paceMs?: number;
  /** Checked between requests: true ends the campaign early (its cases so far count). */
  shouldStop?: () => boolean;
}

const isUuid = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v);

function describe(o: Outgoing): string {
  const body = o.body === undefined ? '' : ` body(${o.body.length} B, ${o.headers['content-type'] ?? 'no content-type'}): ${JSON.stringify(o.body.subarray(0, 200).toString('utf8'))}`;
  return `${o.method} ${o.path.slice(0, 300)}${o.headers.authorization === undefined ? ' (no key)' : ''}${body}`;
}

async function api(fd: FuzzDaemon, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${fd.url}${path}`, {
    method, headers: { authorization: `Bearer ${fd.adminKey}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** Things for path parameters to name, and a key with one read scope. */
export async function seedDaemon(fd: FuzzDaemon): Promise<{ pool: IdPool; keys: Keys; seeds: Set<string> }> {
  const pool: IdPool = { targets: [], monitors: [], jobs: [], keys: [], serviceIds: [], serials: [], hostnames: ['localhost'] };
  const must = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const r = await api(fd, method, path, body);
    if (r.status >= 300) throw new Error(`seeding: ${method} ${path} answered ${r.status}: ${JSON.stringify(r.json)}`);
    return r.json as Record<string, unknown>;
  };
  for (const t of [
    { kind: 'HOST', address: '127.0.0.1', labels: { fuzz: 'seed' } }, { kind: 'HOST', address: '::1', labels: { fuzz: 'seed' } },
    { kind: 'TCP', address: '127.0.0.1', port: fd.port, labels: { fuzz: 'seed' } },
    { kind: 'HTTP', address: `http://127.0.0.1:${fd.port}/healthz`, serviceId: 1, labels: { fuzz: 'seed' } },
  ]) pool.targets.push((await must('POST', '/v1/targets', t)).id as string);
  pool.serviceIds.push('1');
  pool.monitors.push((await must('POST', '/v1/monitors', { name: 'fuzz-seed', selection: { labels: { fuzz: 'seed' } }, intervalMs: 1000 })).id as string);
  pool.jobs.push((await must('POST', '/v1/jobs', { operation: 'ping', targets: ['127.0.0.1'], count: 1, intervalMs: 10, timeoutMs: 100 })).id as string);
  const key = await must('POST', '/v1/keys', { name: 'fuzz-read-only', scopes: ['job:read'] });
  pool.keys.push((key.key as { id: string }).id);
  const agents = (await must('GET', '/v1/agents')).items as { hostname: string; serial: string }[];
  for (const a of agents) {
    pool.serials.push(a.serial);
    if (!pool.hostnames.includes(a.hostname)) pool.hostnames.push(a.hostname);
  }
  const seeds = new Set([...pool.targets, ...pool.monitors, ...pool.jobs, ...pool.keys]);
  return { pool, keys: { admin: fd.adminKey, readOnly: key.secret as string }, seeds };
}

/** Keeps what fuzzing created small (monitors probe every target they select); only what it made. */
async function prune(fd: FuzzDaemon, created: { monitors: Set<string>; targets: Set<string> }): Promise<void> {
  for (const id of created.monitors) await api(fd, 'DELETE', `/v1/monitors/${id}`);
  created.monitors.clear();
  if (created.targets.size > 200) {
    for (const id of created.targets) await api(fd, 'DELETE', `/v1/targets/${id}`);
    created.targets.clear();
  }
}

function harvest(pool: IdPool, created: { monitors: Set<string>; targets: Set<string> }, template: string, json: unknown): void {
  if (json === null || typeof json !== 'object') return;
  const o = json as Record<string, unknown>;
  const add = (list: string[], v: string): void => {
    if (list.includes(v)) return;
    list.push(v);
    if (list.length > 40) list.splice(4, 1); // the first ones are the seeds
  };
  const id = isUuid(o.id) ? o.id : isUuid((o.key as Record<string, unknown> | undefined)?.id) ? (o.key as { id: string }).id : undefined;
  if (id !== undefined) {
    if (template.startsWith('POST /v1/targets')) {
      add(pool.targets, id);
      created.targets.add(id);
    } else if (template.startsWith('POST /v1/monitors')) {
      add(pool.monitors, id);
      created.monitors.add(id);
    }
    else if (template.startsWith('POST /v1/keys')) add(pool.keys, id);
    else add(pool.jobs, id);
  }
  for (const k of ['jobId', 'taskId', 'task_id', 'job_id']) if (isUuid(o[k])) add(pool.jobs, o[k] as string);
  if (typeof o.serviceId === 'number') add(pool.serviceIds, String(o.serviceId));
}

export async function runHttpCampaign(fd: FuzzDaemon, opts: HttpCampaignOptions): Promise<HttpCampaignStats> {
  const boundMs = opts.boundMs ?? 5000;
  const batch = opts.batch ?? 10;
  // URLs in generated bodies name a closed port or the daemon itself
  setSafePorts([1, fd.port]);
  const openapi = (await (await fetch(`${fd.url}/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
  const ops: Operation[] = operationsOf(openapi).map((op) => Object.assign(op, { [fc.toStringMethod]: () => `${op.method} ${op.path}` }));
  const { pool, keys } = await seedDaemon(fd);
  const created = { monitors: new Set<string>(), targets: new Set<string>() };
  const store = openStoreDigest(fd.dataDir);
  const base = new URL(fd.url);
  const stats: HttpCampaignStats = {
    cases: 0, routes: new Set(), statuses: new Map(), fiveXx: 0, slowest: { ms: 0, request: '', status: 0 }, guarded: 0, rejectedBatchesChecked: 0, mutations: new Map(), operations: ops.length, staleRetries: 0, closedAfter: new Map(),
  };
  let previous = '';
  const count = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1); };
  let runs = 0;
  const property = fc.asyncProperty(fc.array(planArbitrary(ops), { minLength: 1, maxLength: batch }), async (plans: RequestPlan[]) => {
    if (opts.shouldStop?.() === true) return;
    if (++runs % 20 === 0) await prune(fd, created);
    const before = store.digest();
    let all4xx = true;
    for (const plan of plans) {
      if (opts.shouldStop?.() === true) break;
      if (opts.paceMs !== undefined) await new Promise((r) => setTimeout(r, opts.paceMs));
      const out = materialize(plan, pool, keys);
      if (out.body !== undefined) {
        const unsafe = unsafeBodyReason(out.body, out.headers['content-type']);
        if (unsafe !== null) {
          stats.guarded++;
          out.body = Buffer.from('{}');
          out.headers['content-type'] = 'application/json';
          out.mutation = `guarded (${unsafe})`;
        }
      }
      const r = await send(base, out, boundMs);
      stats.cases++;
      stats.routes.add(out.template);
      if (r.retriedStale === true) {
        stats.staleRetries++;
        count(stats.closedAfter, previous);
      }
      previous = `${out.template} ${r.status}${out.mutation === 'none' ? '' : ` (${out.mutation.split(' (')[0]})`}`;
      count(stats.mutations, out.mutation.split(' (')[0]);
      count(stats.statuses, r.status === 0 ? 'no answer' : String(r.status));
      if (r.ms > stats.slowest.ms && r.status !== 0) stats.slowest = { ms: r.ms, request: describe(out).slice(0, 300), status: r.status };
      if (r.status >= 500) {
        stats.fiveXx++;
        throw new Error(`${r.status} for ${describe(out)}\n  answer: ${r.body.subarray(0, 500).toString('utf8')}`);
      }
      // a body over the limit, or one sent where no route takes it, is read before the answer
      // (server/http/body.ts): a connection closed under it is a failure like any other
      if (r.status === 0) throw new Error(`${r.error} for ${describe(out)}`);
      if (r.status < 400 && r.status !== 0) {
        all4xx = false;
        try {
          harvest(pool, created, out.template, JSON.parse(r.body.toString('utf8')));
        } catch {
          // not JSON (metrics, NDJSON streams)
        }
      }
    }
    if (all4xx) {
      const after = store.digest();
      stats.rejectedBatchesChecked++;
      if (after !== before) throw new Error(`the stored tables changed during a batch answered only 4xx (now ${JSON.stringify(store.counts())})`);
    }
    if (!fd.alive()) throw new Error(`the daemon (pid ${fd.pid}) exited: code ${fd.daemon.child.exitCode}, signal ${fd.daemon.child.signalCode}`);
    const health = await fd.health();
    if (health !== 200) throw new Error(`GET /healthz answered ${health || 'nothing'} after the batch`);
    opts.onProgress?.(stats);
  });
  try {
    // in rounds of their own seed (seed, seed+1, …) until the case count is reached
    for (let round = 0; stats.cases < opts.cases && opts.shouldStop?.() !== true; round++) {
      const remaining = opts.cases - stats.cases;
      // bounded, so a stop request ends the campaign within one round
      const numRuns = Math.max(1, Math.min(500, Math.ceil(remaining / ((batch + 1) / 2))));
      await fc.assert(property, { seed: opts.seed + round, numRuns, endOnFailure: false, verbose: 0 });
    }
  } finally {
    store.close();
  }
  return stats;
}
