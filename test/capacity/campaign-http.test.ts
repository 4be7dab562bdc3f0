// /v1/campaigns over a real daemon (openDaemon, the real engine, SQLite in a temp dir) behind
// a real uWS server on an ephemeral port, with real HTTP and WebSocket clients; campaigns
// probe 127.0.0.1 only. The lifecycle (start, progress polled and pushed on /v1/live, the
// steps stored, the report exports equal to them, stop, delete), one campaign at a time, the
// safety-cap refusal, bad input (400 naming the field, never a 5xx), scopes, and daemon close()
// storing a running campaign as stopped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  createEngine, openCampaignStore, openDaemon, reportCsv, storedRunJson, toReportRun,
  type CampaignProgress, type CampaignRun, type CampaignStepResult, type Daemon, type Engine,
} from '../../engine/index.js';
import { startServer, type SondeServer } from '../../server/index.js';
import { builtWorker, canRaw4 } from '../engine/helpers.js';
import { call, errorOf, startTestServer } from '../server/helpers.js';
import { localResolver } from '../setup/local-resolver.js';
import { waitFor } from '../wait-for.js';

type StepBody = Omit<CampaignStepResult, 'hdr'> & { hdr: string };
interface Detail { run: CampaignRun; progress: CampaignProgress | null; steps: StepBody[] }
interface LiveMessage { type: string; topic?: string; field?: string; message?: string; progress?: CampaignProgress }

const SHORT = `
name: http ramp
targets: { addresses: [127.0.0.1] }
probe: { kind: icmp, timeoutMs: 500 }
defaults: { durationS: 1.5, warmupS: 0.2 }
steps: [{ rate: 100 }, { rate: 200 }]
`;
const LONG = { name: 'long', targets: { addresses: ['127.0.0.1'] }, probe: { kind: 'icmp', timeoutMs: 500 }, defaults: { durationS: 60, warmupS: 0.2 }, steps: [{ rate: 100 }, { rate: 200 }] };

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sonde-campaign-http-'));
}

async function open(dataDir: string, engine: Engine): Promise<Daemon<SondeServer>> {
  return openDaemon({
    dataDir, engine, closeEngine: false, version: 'test', rateLimit: { perSecond: 10_000, burst: 10_000 }, agent: { resolver: localResolver },
    front: (services) => startServer({ daemon: services, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0 }),
  });
}

/** A WebSocket client keeping every message. */
function liveClient(url: string, key: string): { ws: WebSocket; messages: LiveMessage[]; opened: Promise<void> } {
  const ws = new WebSocket(url.replace('http://', 'ws://') + '/v1/live', { headers: { authorization: `Bearer ${key}` } });
  const messages: LiveMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as LiveMessage));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, opened };
}

describe.skipIf(!canRaw4 || !builtWorker)('/v1/campaigns on a real daemon', () => {
  let engine: Engine;
  let dataDir: string;
  let daemon: Daemon<SondeServer>;
  let url: string;
  let admin: string;
  let reader: string;

  beforeAll(async () => {
    engine = createEngine({ threads: 1 });
    dataDir = tempDir();
    daemon = await open(dataDir, engine);
    url = daemon.front.url;
    admin = daemon.keys.create('admin', ['admin']).secret;
    reader = daemon.keys.create('reader', ['network:read']).secret;
  });
  afterAll(async () => {
    await daemon?.close();
    await engine?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a YAML spec: progress polled and pushed on /v1/live, the steps stored, the exports equal to them', async () => {
    const live = liveClient(url, reader);
    await live.opened;
    const started = await call(`${url}/v1/campaigns`, { key: admin, rawBody: SHORT, contentType: 'application/yaml' });
    expect(started.status, started.text).toBe(201);
    const run = started.body as CampaignRun;
    expect(started.headers.get('location')).toBe(`/v1/campaigns/${run.id}`);
    expect(run).toMatchObject({ name: 'http ramp', status: 'running', sondeVersion: 'test', targets: ['127.0.0.1'] });
    expect(run.plan.map((s) => s.totalRate)).toEqual([100, 200]);

    live.ws.send(JSON.stringify({ subscribe: { campaigns: [run.id] } }));
    const polled = await waitFor(async () => {
      const d = (await call(`${url}/v1/campaigns/${run.id}`, { key: reader })).body as Detail;
      return d.progress?.phase === 'measure' && d.progress.currentRate > 0 ? d : null;
    }, { message: 'GET shows the campaign measuring' });
    expect(polled.progress).toMatchObject({ runId: run.id, status: 'running', steps: 2 });
    expect(polled.run.status).toBe('running');

    // one campaign at a time: a second is refused while this one runs
    const second = await call(`${url}/v1/campaigns`, { key: admin, body: LONG });
    expect(second.status).toBe(409);
    expect(errorOf(second)).toMatch(new RegExp(`campaign ${run.id} \\("http ramp"\\) is running: .*POST /v1/campaigns/${run.id}/stop`));

    const done = await waitFor(async () => {
      const d = (await call(`${url}/v1/campaigns/${run.id}`, { key: reader })).body as Detail;
      return d.run.status !== 'running' ? d : null;
    }, { timeoutMs: 30_000, message: 'the campaign ends' });
    expect(done.run.status).toBe('done');
    expect(done.progress).toBeNull();
    expect(done.steps.map((s) => s.offeredRate)).toEqual([100, 200]);
    for (const s of done.steps) expect(s.received + s.lost + Object.values(s.errors).reduce((a, b) => a + b, 0)).toBe(s.sent);

    // pushed: the subscription's state at once, the runner's progress, and its end
    const messages = live.messages.filter((m) => m.type === 'campaign');
    expect(messages.every((m) => m.topic === `campaign:${run.id}`)).toBe(true);
    expect(messages.some((m) => m.progress?.phase === 'measure' && m.progress.step === 1)).toBe(true);
    await waitFor(() => live.messages.some((m) => m.type === 'campaign' && m.progress?.phase === 'finished' && m.progress.status === 'done'), { message: 'the finished message' });
    expect(live.messages.find((m) => m.type === 'subscribed')).toMatchObject({ topics: [{ topic: `campaign:${run.id}`, kind: 'campaign', targets: 1 }] });
    live.ws.close();

    // the exports equal the stored records
    const { store, close } = openCampaignStore(dataDir);
    const storedRun = store.getRun(run.id)!;
    const storedSteps = store.getSteps(run.id);
    close();
    const json = await call(`${url}/v1/campaigns/${run.id}/report.json`, { key: reader });
    expect(json.status).toBe(200);
    expect(json.text).toBe(storedRunJson(storedRun, storedSteps));
    expect(done.steps).toEqual((JSON.parse(json.text) as { steps: StepBody[] }).steps);
    const csv = await call(`${url}/v1/campaigns/${run.id}/report.csv`, { key: reader });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.text).toBe(reportCsv(toReportRun(storedRun, storedSteps)));
    const html = await call(`${url}/v1/campaigns/${run.id}/report.html`, { key: reader });
    expect(html.status).toBe(200);
    expect(html.text).toContain('id="sonde-report-data"');

    const list = await call(`${url}/v1/campaigns`, { key: reader });
    expect((list.body as { items: unknown[] }).items).toContainEqual({
      id: run.id, kind: 'campaign', name: 'http ramp', probe: 'icmp', status: 'done', reason: null, startedAt: storedRun.startedAt, endedAt: storedRun.endedAt,
      steps: 2, stepsDone: 2, targets: 1, kneeStep: storedRun.kneeStep,
      kneeLabel: storedRun.kneeStep === null ? null : `${storedRun.plan[storedRun.kneeStep].totalRate} pps`, sondeVersion: 'test',
    });
  }, 60_000);

  it('stops a running campaign mid-step (partial step kept, status stopped), then deletes it', async () => {
    const started = await call(`${url}/v1/campaigns`, { key: admin, body: LONG });
    expect(started.status, started.text).toBe(201);
    const id = (started.body as CampaignRun).id;
    await waitFor(async () => ((await call(`${url}/v1/campaigns/${id}`, { key: reader })).body as Detail).progress?.currentRate, { message: 'the campaign measures' });
    const stopped = await call(`${url}/v1/campaigns/${id}/stop`, { key: admin, method: 'POST' });
    expect(stopped.status, stopped.text).toBe(200);
    expect(stopped.body).toMatchObject({ id, status: 'stopped', reason: 'stopped during step 1; its partial measurement is kept' });
    const detail = (await call(`${url}/v1/campaigns/${id}`, { key: reader })).body as Detail;
    expect(detail.steps).toHaveLength(1);
    expect(detail.steps[0].sent).toBeGreaterThan(0);
    expect(detail.steps[0].sent).toBeLessThan(100 * 60);

    const again = await call(`${url}/v1/campaigns/${id}/stop`, { key: admin, method: 'POST' });
    expect(again.status).toBe(409);
    expect(errorOf(again)).toMatch(/is not running here \(status stopped\)/);

    expect((await call(`${url}/v1/campaigns/${id}`, { key: reader, method: 'DELETE' })).status).toBe(403);
    expect((await call(`${url}/v1/campaigns/${id}`, { key: admin, method: 'DELETE' })).status).toBe(204);
    expect((await call(`${url}/v1/campaigns/${id}`, { key: reader })).status).toBe(404);
    expect((await call(`${url}/v1/campaigns/${id}`, { key: admin, method: 'DELETE' })).status).toBe(404);
  }, 60_000);

  it('refuses a spec over the safety cap, saying which cap and how to raise it; nothing is stored', async () => {
    const before = ((await call(`${url}/v1/campaigns`, { key: reader })).body as { items: unknown[] }).items.length;
    const over = await call(`${url}/v1/campaigns`, { key: admin, body: { ...LONG, steps: [{ rate: 5000 }] } });
    expect(over.status).toBe(400);
    expect(errorOf(over)).toMatch(/campaign step 0 offers 5000 probes\/s in total, above the safety cap safety\.maxTotalPps = 2000 \(the default\): raise safety\.maxTotalPps/);
    expect((over.body as { details: string }).details).toBe('field: steps[0].rate');
    const loopbackCap = await call(`${url}/v1/campaigns`, { key: admin, body: { ...LONG, safety: { maxTotalPps: 500_000 } } });
    expect(loopbackCap.status).toBe(400);
    expect(errorOf(loopbackCap)).toMatch(/safety\.maxTotalPps = 500000 is above the loopback cap of 200000 .*iOwnTheseTargets: true/);
    expect(((await call(`${url}/v1/campaigns`, { key: reader })).body as { items: unknown[] }).items).toHaveLength(before);
  });

  it('answers bad input with 400 naming the field, never a 5xx', async () => {
    const unknownTarget = daemon.targets.create({ kind: 'HOST', address: 'localhost' });
    const secretFile = join(dataDir, 'secret.txt');
    writeFileSync(secretFile, '127.0.0.1\ndo-not-repeat-me\n');
    const cases: [string, { body?: unknown; rawBody?: string; contentType?: string }, RegExp, string | null][] = [
      ['an unknown field', { body: { ...LONG, steps: [{ rat: 1 }] } }, /campaign spec steps\[0\]\.rat is not a known spec field/, 'steps[0].rat'],
      ['a wrong type', { body: { ...LONG, defaults: { durationS: 'long' } } }, /campaign spec defaults\.durationS must be number/, 'defaults.durationS'],
      ['a missing field', { body: { ...LONG, name: undefined } }, /campaign spec name is required/, 'name'],
      ['a probe kind not there yet', { body: { ...LONG, probe: { kind: 'tcp' } } }, /campaign spec probe\.kind/, 'probe.kind'],
      ['both steps and ramp', { body: { ...LONG, ramp: { param: 'rate', from: 1, to: 2, steps: 2 } } }, /exactly one of steps and ramp/, 'steps'],
      ['a DNS name', { body: { ...LONG, targets: { addresses: ['example.invalid'] } } }, /targets\.addresses\[0\] "example\.invalid" is not an IP address/, 'targets.addresses[0]'],
      ['an unknown target id', { body: { ...LONG, targets: { ids: ['01a2ffff-0000-7000-8000-000000000000'] } } }, /targets\.ids\[0\]: no target/, 'targets.ids[0]'],
      ['a stored target that is a name', { body: { ...LONG, targets: { ids: [unknownTarget.id] } } }, /targets\.ids\[0\] "localhost" is not an IP address/, 'targets.ids[0]'],
      ['a selector matching nothing', { body: { ...LONG, targets: { selector: 'site=nowhere' } } }, /targets\.selector "site=nowhere" selects no HOST target/, 'targets.selector'],
      ['a relative targets file', { body: { ...LONG, targets: { file: 'targets.txt' } } }, /targets\.file "targets\.txt" is relative/, 'targets.file'],
      ['an unreadable targets file', { body: { ...LONG, targets: { file: '/nonexistent/targets.txt' } } }, /cannot read \/nonexistent\/targets\.txt: ENOENT/, 'targets.file'],
      ['a file whose lines are no addresses (not echoed)', { body: { ...LONG, targets: { file: secretFile } } }, /targets\.file \(.*secret\.txt line 2\) is not an IP address/, 'targets.file'],
      ['a device as the targets file', { body: { ...LONG, targets: { file: '/dev/zero' } } }, /targets\.file \/dev\/zero is not a regular file/, 'targets.file'],
      ['a step longer than one engine job', { body: { ...LONG, steps: [{ rate: 100, durationS: 86_400 }] } }, /campaign step 0 sends 8640020 probes to each target .*at most 1000000: shorten the step/, 'steps[0].durationS'],
      ['a step measuring nothing', { body: { ...LONG, steps: [{ rate: 1, durationS: 0.1 }] } }, /campaign step 0 measures no probe/, 'steps[0].durationS'],
      ['more targets than selected', { body: { ...LONG, steps: [{ rate: 10, targets: 3 }] } }, /campaign step 0 wants 3 targets but the spec selects 1/, 'steps[0].targets'],
      ['YAML that does not parse', { rawBody: 'name: [unclosed', contentType: 'application/yaml' }, /campaign spec is not valid YAML\/JSON/, '(root)'],
      ['an empty body', { rawBody: '', contentType: 'application/json' }, /campaign spec \(root\) must be object/, '(root)'],
      ['a JSON array', { rawBody: '[1, 2]', contentType: 'application/json' }, /campaign spec \(root\) must be object/, '(root)'],
    ];
    for (const [what, input, message, field] of cases) {
      const r = await call(`${url}/v1/campaigns`, { key: admin, ...input });
      expect(r.status, `${what}: ${r.text}`).toBe(400);
      expect(errorOf(r), what).toMatch(message);
      if (field !== null) expect((r.body as { details?: string }).details, what).toBe(`field: ${field}`);
      if (what.includes('not echoed')) expect(r.text).not.toContain('do-not-repeat-me');
    }
    expect((await call(`${url}/v1/campaigns`, { key: admin, rawBody: 'x', contentType: 'image/png' })).status).toBe(415);
    expect((await call(`${url}/v1/campaigns/not-a-uuid`, { key: reader })).status).toBe(400);
    expect((await call(`${url}/v1/campaigns?limit=0`, { key: reader })).status).toBe(400);
    expect((await call(`${url}/v1/campaigns/01a2ffff-0000-7000-8000-000000000000/stop`, { key: admin, method: 'POST' })).status).toBe(404);
    expect((await call(`${url}/v1/campaigns/01a2ffff-0000-7000-8000-000000000000/report.csv`, { key: reader })).status).toBe(404);
    expect((await call(`${url}/v1/campaigns`)).status).toBe(401);
    expect((await call(`${url}/v1/campaigns`, { key: reader, body: LONG })).status).toBe(403);

    const live = liveClient(url, reader);
    await live.opened;
    live.ws.send(JSON.stringify({ subscribe: { campaigns: ['nope'] } }));
    live.ws.send(JSON.stringify({ subscribe: { campaigns: ['01a2ffff-0000-7000-8000-000000000000'] } }));
    await waitFor(() => live.messages.filter((m) => m.type === 'error').length >= 2, { message: 'two errors' });
    const errors = live.messages.filter((m) => m.type === 'error');
    expect(errors[0]).toMatchObject({ field: 'subscribe.campaigns[0]', message: 'subscribe.campaigns[0] "nope" is not a UUID' });
    expect(errors[1]).toMatchObject({ field: 'subscribe.campaigns[0]', message: expect.stringMatching(/campaign run .* not found/) as unknown });
    live.ws.close();
    expect((await call(`${url}/healthz`)).status).toBe(200);
  });

  it('lists the routes in /openapi.json with their scopes', async () => {
    const doc = (await call(`${url}/openapi.json`)).body as { paths: Record<string, Record<string, { 'x-required-scope'?: string; requestBody?: { content: Record<string, unknown> } }>> };
    expect(doc.paths['/v1/campaigns'].post['x-required-scope']).toBe('network:write');
    expect(Object.keys(doc.paths['/v1/campaigns'].post.requestBody!.content)).toEqual(expect.arrayContaining(['application/json', 'application/yaml']));
    expect(doc.paths['/v1/campaigns'].get['x-required-scope']).toBe('network:read');
    for (const path of ['/v1/campaigns/{id}', '/v1/campaigns/{id}/report.html', '/v1/campaigns/{id}/report.json', '/v1/campaigns/{id}/report.csv']) {
      expect(doc.paths[path].get['x-required-scope'], path).toBe('network:read');
    }
    expect(doc.paths['/v1/campaigns/{id}/stop'].post['x-required-scope']).toBe('network:write');
    expect(doc.paths['/v1/campaigns/{id}'].delete['x-required-scope']).toBe('network:write');
  });

  it('daemon close() stores a running campaign as stopped, with what it measured', async () => {
    const dir = tempDir();
    const other = await open(dir, engine);
    try {
      const key = other.keys.create('admin', ['admin']).secret;
      const started = await call(`${other.front.url}/v1/campaigns`, { key, body: LONG });
      expect(started.status, started.text).toBe(201);
      const id = (started.body as CampaignRun).id;
      await waitFor(() => (other.campaigns!.progress(id)?.currentRate ?? 0) > 0, { message: 'the campaign measures' });
      await other.close();
      const { store, close } = openCampaignStore(dir);
      try {
        expect(store.getRun(id)).toMatchObject({ status: 'stopped', reason: 'stopped during step 1; its partial measurement is kept' });
        expect(store.getSteps(id)[0].sent).toBeGreaterThan(0);
      } finally {
        close();
      }
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('/v1/campaigns on a daemon without a probe engine', () => {
  it('refuses to start a campaign with 503 saying why; the reads still answer', async () => {
    const t = await startTestServer();
    try {
      const r = await call(`${t.url}/v1/campaigns`, { key: t.adminKey, body: LONG });
      expect(r.status).toBe(503);
      expect(errorOf(r)).toMatch(/this daemon has no probe engine .*sonde capacity run/);
      expect((await call(`${t.url}/v1/campaigns`, { key: t.adminKey })).body).toEqual({ items: [] });
    } finally {
      await t.close();
    }
  });
});
