// The target, monitors, tools and events views in a real browser against a real
// `sonde serve` (1 s windows so history fills within seconds; loopback targets only): the
// smoke graph's plotted median equals the history API's p50 for the same range, read back
// from the uPlot instance; a monitor created in the editor appears in GET /v1/monitors; a
// read-only key sees no edit controls on the monitors pages; a monitor edited and deleted in
// the UI is changed and gone in the API; the ping stream and the TCP, traceroute, HTTP and DNS
// tests show their output; screenshots of the target view and the monitor editor.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { canRaw4, NO_RAW } from '../engine/helpers.js';
import { browserSuite, launchBrowser, openPage, screenshot, signIn, type WatchedPage } from './browser.js';
import { addLoopbackFleet, startDashboardDaemon, uiBuilt, type DashboardDaemon } from './daemon.js';

interface HistoryAnswer {
  step: number;
  points: ({ t: number; sent: number } & Record<string, number | null>)[];
}
interface SmokeRequest {
  from: number;
  to: number;
  step: number;
  percentiles: string;
  monitor?: string;
}
// Runs in the page (the test program has no DOM lib).
declare const window: { __sondeSmoke?: { request: SmokeRequest; answer: HistoryAnswer; plot: { data: (number | null)[][]; scales: Record<string, { min?: number; max?: number }> } } };

/** What the page plotted: the request it made and the uPlot instance's x and median series. */
function readSmoke(): { request: SmokeRequest; xs: (number | null)[]; median: (number | null)[]; xMin?: number; xMax?: number } | null {
  const s = window.__sondeSmoke;
  if (s === undefined) return null;
  return { request: s.request, xs: [...s.plot.data[0]!], median: [...s.plot.data[1]!], xMin: s.plot.scales.x!.min, xMax: s.plot.scales.x!.max };
}

const WAIT_POINTS = 25;

browserSuite('dashboard: target, monitors, tools and events views', () => {
  let daemon: DashboardDaemon;
  let browser: Browser;
  let monitorId: string;
  let targetId: string;
  let dataFromMs: number;
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    if (!uiBuilt) throw new Error('dist/ui/index.html is missing: run `npm run build` first');
    if (!canRaw4) throw new Error(`the views test probes loopback targets and ${NO_RAW}`);
    [daemon, browser] = await Promise.all([startDashboardDaemon('monitoring:\n  windowSeconds: 1\n'), launchBrowser()]);
    ({ monitorId } = await addLoopbackFleet(daemon, 4, 'views'));
    // ten echoes a second: each 1 s window holds a distribution, not a single RTT
    await daemon.api('PATCH', `/v1/monitors/${monitorId}`, { intervalMs: 100, timeoutMs: 100 });
    const targets = await daemon.api<{ items: { id: string }[] }>('GET', '/v1/targets?label=fleet:views&limit=10');
    targetId = targets.items[0]!.id;
    // history with enough answered windows to draw smoke
    const started = Date.now();
    const deadline = started + 50_000;
    for (;;) {
      const h = await daemon.api<HistoryAnswer>('GET', `/v1/targets/${targetId}/history?from=${started - 5000}&to=${Date.now()}&percentiles=50`);
      const answered = h.points.filter((p) => p.p50 !== null);
      if (answered.length >= WAIT_POINTS) {
        dataFromMs = answered[0]!.t;
        break;
      }
      if (Date.now() > deadline) throw new Error(`only ${answered.length} answered windows after 50 s; daemon output: ${daemon.output()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 90_000);

  afterAll(async () => {
    for (const p of pages) expect(p.problems()).toEqual([]);
    await browser?.close();
    await daemon?.stop();
  });

  const page = async (key: string): Promise<Page> => {
    const w = await openPage(browser);
    pages.push(w);
    await signIn(w.page, daemon.url, key);
    await w.page.getByRole('heading', { name: 'Fleet' }).waitFor();
    return w.page;
  };

  it('plots as median exactly the history API\'s p50 for the same range, with smoke, legend and timeline', async () => {
    const p = await page(daemon.adminKey);
    const from = dataFromMs - 3000;
    const to = Date.now() - 3000; // every window in the span sealed: the answer no longer changes
    await p.goto(`${daemon.url}/ui/targets/${targetId}?monitor=${monitorId}&from=${from}&to=${to}`);
    await expect.poll(() => p.evaluate(readSmoke).then((s) => s?.xs.length ?? 0), { timeout: 15_000 }).toBeGreaterThan(0);
    const plotted = (await p.evaluate(readSmoke))!;
    expect(plotted.request).toMatchObject({ from: from - (from % plotted.request.step), to, monitor: monitorId });
    expect(plotted.request.percentiles).toBe('5,10,20,30,40,50,60,70,80,90,95');

    const q = new URLSearchParams(Object.entries(plotted.request).map(([k, v]): [string, string] => [k, String(v)]));
    const api = await daemon.api<HistoryAnswer>('GET', `/v1/targets/${targetId}/history?${q}`);
    expect(plotted.xs).toEqual(api.points.map((pt) => pt.t / 1000));
    expect(plotted.median).toEqual(api.points.map((pt) => pt.p50));
    expect(api.points.filter((pt) => pt.p50 !== null).length).toBeGreaterThanOrEqual(WAIT_POINTS - 5);
    // the smoke's outer pair is in the answer too, and wraps the median
    const withSmoke = api.points.filter((pt) => pt.p5 !== null && pt.p95 !== null && pt.p50 !== null);
    expect(withSmoke.length).toBeGreaterThan(0);
    for (const pt of withSmoke) expect(pt.p5! <= pt.p50! && pt.p50! <= pt.p95!).toBe(true);

    const legend = p.locator('.smoke-legend table');
    await expect.poll(() => legend.textContent()).toMatch(/median RTT.*(µs|ms)/);
    await expect.poll(() => legend.textContent()).toMatch(/packet loss\s*0 %/);
    await p.locator('.timeline-row .timeline-span').first().waitFor();
    expect(await p.locator('.timeline-row .bg-up').count()).toBeGreaterThan(0);
    await p.locator('.smoke-plot .u-over').hover({ position: { x: 300, y: 100 } });
    await expect.poll(() => p.locator('.hover-line').textContent()).toMatch(/median/);
    await screenshot(p, 'target-view');
    // the colour-blind-safe palette: the same data, the URL says so
    await p.getByLabel('Palette').selectOption('cb');
    await expect.poll(() => new URL(p.url()).searchParams.get('palette')).toBe('cb');
    await p.locator('.smoke-plot .u-over').hover({ position: { x: 300, y: 100 } });
    expect((await p.evaluate(readSmoke))!.median).toEqual(api.points.map((pt) => pt.p50));
    await screenshot(p, 'target-view-cb');
  });

  it('follows the clock on a range (live tail) and zooms by drag into from/to in the URL', async () => {
    const p = await page(daemon.adminKey);
    await p.goto(`${daemon.url}/ui/targets/${targetId}?range=3h`);
    await expect.poll(() => p.evaluate(readSmoke).then((s) => s?.request.step ?? 0), { timeout: 15_000 }).toBe(30_000);
    // the live tail's subscription is open (the nav shows the feed's state)
    await expect.poll(() => p.locator('.nav .live').textContent(), { timeout: 10_000 }).toBe('live');
    await p.getByRole('link', { name: 'Last 30 hours' }).click();
    await expect.poll(() => p.evaluate(readSmoke).then((s) => s?.request.step ?? 0), { timeout: 15_000 }).toBe(300_000);
    expect(new URL(p.url()).searchParams.get('range')).toBe('30h');
    const box = (await p.locator('.smoke-plot .u-over').boundingBox())!;
    await p.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await p.mouse.down();
    await p.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await p.mouse.up();
    await expect.poll(() => new URL(p.url()).searchParams.get('from')).not.toBeNull();
    const url = new URL(p.url());
    const zoomFrom = Number(url.searchParams.get('from'));
    const zoomTo = Number(url.searchParams.get('to'));
    expect(url.searchParams.get('range')).toBeNull();
    expect(zoomTo).toBeGreaterThan(zoomFrom);
    await expect.poll(() => p.evaluate(readSmoke).then((s) => s?.request.to ?? 0)).toBe(zoomTo);
    // the same chart now spans the zoomed range
    const zoomed = (await p.evaluate(readSmoke))!;
    expect([zoomed.xMin, zoomed.xMax]).toEqual([zoomed.request.from / 1000, zoomTo / 1000]);
  });

  it('creates a monitor in the editor, which GET /v1/monitors then lists', async () => {
    const p = await page(daemon.adminKey);
    await p.getByRole('link', { name: 'Monitors' }).click();
    await p.getByRole('link', { name: 'New monitor' }).click();
    await p.getByLabel('Name').fill('ui-made');
    await p.getByLabel('Label selector').fill('fleet=views, rack=r1');
    await expect.poll(() => p.locator('#m-labels-help').textContent()).toContain('1 HOST target match');
    await p.getByLabel('Interval (ms)').fill('500');
    await p.getByLabel('Timeout (ms)').fill('400');
    await p.getByLabel('Probes per round').fill('2');
    await screenshot(p, 'monitor-editor');
    await p.getByRole('button', { name: 'Create monitor' }).click();
    await p.locator('tr', { hasText: 'ui-made' }).waitFor();
    expect(new URL(p.url()).pathname).toBe('/ui/monitors');
    const { items } = await daemon.api<{ items: Record<string, unknown>[] }>('GET', '/v1/monitors');
    expect(items.find((m) => m.name === 'ui-made')).toMatchObject({
      selection: { labels: { fleet: 'views', rack: 'r1' } }, intervalMs: 500, timeoutMs: 400, probes: 2, enabled: true,
    });

    // a bad field is named in the form and nothing is sent
    await p.getByRole('link', { name: 'New monitor' }).click();
    await p.getByLabel('Name').fill('bad');
    await p.getByLabel('Label selector').fill('fleet=views');
    await p.getByLabel('Interval (ms)').fill('50');
    await p.getByRole('button', { name: 'Create monitor' }).click();
    await expect.poll(() => p.locator('#err-intervalMs').textContent()).toContain('from 100');
    // the daemon's refusal shows as a message: the name is taken
    await p.getByLabel('Name').fill('ui-made');
    await p.getByLabel('Interval (ms)').fill('1000');
    await p.getByRole('button', { name: 'Create monitor' }).click();
    await expect.poll(() => p.locator('.monitor-form .error').textContent()).toMatch(/POST \/v1\/monitors failed \(409\)/);
    expect((await daemon.api<{ items: { name: string }[] }>('GET', '/v1/monitors')).items.filter((m) => m.name === 'ui-made')).toHaveLength(1);

    // disable from the list: PATCH through the cookie and the CSRF token
    await p.goto(`${daemon.url}/ui/monitors?q=ui-made`);
    await p.locator('tr', { hasText: 'ui-made' }).getByRole('button', { name: 'Disable' }).click();
    await p.locator('tr', { hasText: 'ui-made' }).getByRole('button', { name: 'Enable' }).waitFor();
    // only `enabled` changed: the rest is as created
    expect((await daemon.api<{ items: Record<string, unknown>[] }>('GET', '/v1/monitors')).items.find((m) => m.name === 'ui-made'))
      .toMatchObject({ enabled: false, intervalMs: 500, timeoutMs: 400, probes: 2 });
    await p.goto(`${daemon.url}/ui/monitors`);
    await p.locator('tr', { hasText: 'fleet-views' }).waitFor();
    await screenshot(p, 'monitors');
  });

  it('a read-only key sees no edit controls on the monitors list or editor; an admin key does', async () => {
    const readOnly = await daemon.key('views-viewer', ['targets:read', 'network:read', 'job:read']);
    const p = await page(readOnly);
    await p.getByRole('link', { name: 'Monitors' }).click();
    await p.locator('tr', { hasText: 'fleet-views' }).waitFor();
    expect(await p.locator('[data-edit]').count()).toBe(0);
    await expect.poll(() => p.locator('.monitors-head').textContent()).toContain('Read-only');
    await p.goto(`${daemon.url}/ui/monitors/${monitorId}`);
    await p.getByText('Read-only: this key cannot change monitors').waitFor();
    expect(await p.locator('[data-edit]').count()).toBe(0);
    expect(await p.locator('input, textarea').count()).toBe(0);

    const admin = await page(daemon.adminKey);
    await admin.goto(`${daemon.url}/ui/monitors`);
    await admin.locator('tr', { hasText: 'fleet-views' }).waitFor();
    expect(await admin.locator('[data-edit]').count()).toBeGreaterThan(0);
  });

  it('streams an ad-hoc ping line by line and shows a TCP test\'s result; events list with filters in the URL', async () => {
    const p = await page(daemon.adminKey);
    await p.goto(`${daemon.url}/ui/tools?tool=ping&count=3&interval=100`);
    await p.getByLabel('Target').selectOption(targetId);
    await p.getByRole('button', { name: 'Run' }).click();
    const out = p.getByLabel('Output');
    await expect.poll(() => out.textContent(), { timeout: 15_000 }).toMatch(/seq=1 from 127\.\d+\.\d+\.\d+: time=[\d.]+ ms/);
    await expect.poll(() => out.textContent(), { timeout: 15_000 }).toMatch(/--- 3 sent, 3 ok, 0 timeouts/);
    expect(new URL(p.url()).searchParams.get('target')).toBe(targetId);
    await screenshot(p, 'tools-ping');

    const port = new URL(daemon.url).port;
    await p.goto(`${daemon.url}/ui/tools?tool=tcp&host=127.0.0.1&port=${port}`);
    await p.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => out.textContent(), { timeout: 15_000 }).toMatch(/"connected": true/);

    await p.goto(`${daemon.url}/ui/events?status=down&hours=6&monitor=${monitorId}`);
    await expect.poll(() => p.locator('.events').textContent()).toMatch(/\d+ of \d+ changes/);
    expect(await p.locator('select').first().inputValue()).toBe(monitorId);
    expect(await p.getByRole('checkbox', { name: 'down' }).isChecked()).toBe(true);
  });

  it('edits a monitor in the editor and deletes it from the list (after a confirm), which the API then shows', async () => {
    const made = await daemon.api<{ id: string }>('POST', '/v1/monitors', { name: 'ui-edit', selection: { labels: { fleet: 'views', rack: 'r2' } }, intervalMs: 1000, enabled: false });
    const p = await page(daemon.adminKey);
    await p.goto(`${daemon.url}/ui/monitors/${made.id}`);
    await p.getByRole('heading', { name: 'Edit ui-edit' }).waitFor();
    await p.getByLabel('Interval (ms)').fill('2000');
    await p.getByLabel('Probes per round').fill('3');
    await p.getByRole('button', { name: 'Save changes' }).click();
    await p.locator('tr', { hasText: 'ui-edit' }).waitFor();
    expect(new URL(p.url()).pathname).toBe('/ui/monitors');
    expect(await daemon.api('GET', `/v1/monitors/${made.id}`)).toMatchObject({
      name: 'ui-edit', selection: { labels: { fleet: 'views', rack: 'r2' } }, intervalMs: 2000, probes: 3, enabled: false,
    });

    const row = p.locator('tr', { hasText: 'ui-edit' });
    await row.getByRole('button', { name: 'Delete' }).click();
    // nothing is deleted before the confirm
    expect((await daemon.api<{ items: { id: string }[] }>('GET', '/v1/monitors')).items.some((m) => m.id === made.id)).toBe(true);
    await row.getByRole('button', { name: 'Confirm delete' }).click();
    await expect.poll(() => p.locator('tr', { hasText: 'ui-edit' }).count()).toBe(0);
    expect((await daemon.api<{ items: { id: string }[] }>('GET', '/v1/monitors')).items.some((m) => m.id === made.id)).toBe(false);
  });

  it('runs traceroute, HTTP and DNS tests from the tools view and shows their output', async () => {
    const p = await page(daemon.adminKey);
    const out = p.getByLabel('Output');
    await p.goto(`${daemon.url}/ui/tools?tool=traceroute&dest=127.0.0.1&maxHops=3`);
    await p.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => out.textContent(), { timeout: 15_000 }).toMatch(/traceroute to 127\.0\.0\.1/);
    await expect.poll(() => out.textContent(), { timeout: 15_000 }).toMatch(/"destinationReached": true/);

    await p.goto(`${daemon.url}/ui/tools?tool=http&url=${encodeURIComponent(`${daemon.url}/healthz`)}`);
    await p.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => out.textContent(), { timeout: 15_000 }).toMatch(/"statusCode": "200"/);

    await p.goto(`${daemon.url}/ui/tools?tool=nslookup&host=localhost`);
    await p.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => out.textContent(), { timeout: 15_000 }).toMatch(/Address: (127\.0\.0\.1|::1)/);
    expect(await p.locator('.view [role="alert"]').count()).toBe(0);
  });

  it('shows API errors as messages, never a blank page', async () => {
    const p = await page(daemon.adminKey);
    await p.goto(`${daemon.url}/ui/targets/00000000-0000-4000-8000-000000000000`);
    await expect.poll(() => p.locator('.view.target [role="alert"]').textContent()).toMatch(/404/);
    await p.goto(`${daemon.url}/ui/monitors/00000000-0000-4000-8000-000000000000`);
    await expect.poll(() => p.locator('.view.monitors [role="alert"]').textContent()).toMatch(/404/);
  });
});
