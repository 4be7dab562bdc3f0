// The Campaigns view in a real browser against a real `sonde serve` running real campaigns
// against 127.0.0.1 (short steps): the list shows each with its kind, probe, state and steps
// stored, updated while one runs; a campaign's page shows the live progress of a running one
// and stops it; its frame holds the stored report, signed in by the dashboard's session cookie,
// whose charts (read from window.sondeReport in the frame) are the stored numbers. Screenshots
// of the list and the page go to a temp dir and docs/screenshots/.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reportData, toReportRun, type CampaignRun, type CampaignStepResult } from '../../engine/capacity/report/index.js';
import { builtWorker, canRaw4, NO_RAW, NOT_BUILT } from '../engine/helpers.js';
import { waitFor } from '../wait-for.js';
import { browserSuite, launchBrowser, openPage, screenshotDir, signIn, type WatchedPage } from './browser.js';
import { startDashboardDaemon, uiBuilt, type DashboardDaemon } from './daemon.js';

interface Canvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
// Runs in the frame (the test program has no DOM lib).
declare const window: { sondeReport: { charts: Record<string, { data: (number | null)[][] }> } };
declare const document: { body: { scrollHeight: number; getBoundingClientRect(): { height: number } } };

type StepBody = Omit<CampaignStepResult, 'hdr'> & { hdr: string };
interface Summary { id: string; status: string; stepsDone: number; steps: number; kneeStep: number | null; kneeLabel: string | null }

const spec = (name: string, steps: { rate: number; durationS?: number }[]) => ({
  name, targets: { addresses: ['127.0.0.1'] }, probe: { kind: 'icmp', timeoutMs: 500 }, defaults: { durationS: 1.5, warmupS: 0.2 }, steps,
});

browserSuite('dashboard: campaigns view', () => {
  let daemon: DashboardDaemon;
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'sonde-campaigns-view-'));
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    if (!uiBuilt) throw new Error('dist/ui/index.html is missing: run `npm run build` first');
    if (!builtWorker) throw new Error(`the campaigns view test runs campaigns and ${NOT_BUILT}`);
    if (!canRaw4) throw new Error(`the campaigns view test probes 127.0.0.1 and ${NO_RAW}`);
    [daemon, browser] = await Promise.all([startDashboardDaemon(), launchBrowser()]);
  }, 60_000);

  afterAll(async () => {
    for (const p of pages) expect(p.problems()).toEqual([]);
    await browser?.close();
    await daemon?.stop();
  });

  const page = async (key = daemon.adminKey): Promise<Page> => {
    const w = await openPage(browser);
    pages.push(w);
    await signIn(w.page, daemon.url, key);
    await w.page.getByRole('heading', { name: 'Fleet' }).waitFor();
    return w.page;
  };

  /** Saves a screenshot in this run's temp dir and docs/screenshots/ (the README shows those). */
  const shoot = async (p: Page, name: string, fullPage = false): Promise<void> => {
    const path = join(shots, `${name}.png`);
    await p.screenshot({ path, fullPage });
    mkdirSync(screenshotDir, { recursive: true });
    copyFileSync(path, join(screenshotDir, `${name}.png`));
  };

  const summaryOf = async (id: string): Promise<Summary> => {
    const { items } = await daemon.api<{ items: Summary[] }>('GET', '/v1/campaigns');
    return items.find((c) => c.id === id)!;
  };

  /** The report frame once its page has drawn. */
  const reportFrame = async (p: Page): Promise<Frame> => {
    const frame = await waitFor(async () => {
      const f = await (await p.locator('iframe.report-frame').elementHandle({ timeout: 1000 }))?.contentFrame();
      return f !== null && f !== undefined && await f.locator('body[data-drawn="true"]').count() === 1 ? f : null;
    }, { timeoutMs: 15_000, message: 'the report frame draws its charts' });
    return frame;
  };

  it('lists a finished campaign with its state and steps; its page embeds the report, whose charts are the stored numbers', async () => {
    const started = await daemon.api<CampaignRun>('POST', '/v1/campaigns', spec('loopback ramp', [{ rate: 50 }, { rate: 100 }]));
    await waitFor(async () => (await summaryOf(started.id)).status !== 'running', { timeoutMs: 30_000, message: 'the campaign ends' });
    const summary = await summaryOf(started.id);
    expect(summary).toMatchObject({ status: 'done', stepsDone: 2, steps: 2 });

    const p = await page();
    await p.getByRole('link', { name: 'Campaigns' }).click();
    const row = p.locator(`tr[data-campaign="${started.id}"]`);
    await row.waitFor();
    expect(new URL(p.url()).pathname).toBe('/ui/campaigns');
    expect(await row.locator('td').allTextContents()).toEqual([
      `loopback ramp${started.id}`, 'run', 'icmp', 'done', '2 of 2',
      summary.kneeStep === null ? 'none' : `step ${summary.kneeStep + 1} · ${summary.kneeLabel}`,
      expect.any(String) as unknown as string, expect.stringMatching(/^\d+ s$/) as unknown as string,
    ]);

    await row.getByRole('link', { name: 'loopback ramp' }).click();
    await p.getByRole('heading', { name: 'loopback ramp' }).waitFor();
    expect(await p.locator('.campaign-head [data-state]').textContent()).toBe('done');
    expect(await p.locator('.campaign-facts [data-steps]').textContent()).toBe('2 of 2');
    expect(await p.locator('.campaign-progress').count()).toBe(0);

    // the report, as stored (the JSON export is the stored records)
    const stored = await daemon.api<{ run: CampaignRun; steps: StepBody[] }>('GET', `/v1/campaigns/${started.id}/report.json`);
    const steps = stored.steps.map((s): CampaignStepResult => ({ ...s, hdr: new Uint8Array(Buffer.from(s.hdr, 'base64')) }));
    const expected = reportData([toReportRun(stored.run, steps)]);
    const frame = await reportFrame(p);
    const charts = await frame.evaluate(() => Object.fromEntries(Object.entries(window.sondeReport.charts).map(([id, u]) => [id, u.data])));
    expect(Object.keys(charts).sort()).toEqual(['loss-vs-offered', 'rate-vs-offered', 'rtt-box', 'rtt-cdf', 'rtt-over-time']);
    for (const c of expected.charts) expect(charts[c.id], c.id).toEqual(c.data);
    // the numbers themselves: offered, achieved and loss of each stored step
    expect(charts['loss-vs-offered'][0]).toEqual(steps.map((s) => s.offeredRate));
    expect(charts['loss-vs-offered'][1]).toEqual(steps.map((s) => ((s.sent - s.received) / s.sent) * 100));
    expect(charts['rate-vs-offered'][1]).toEqual(steps.map((s) => s.achievedRate));
    expect(steps.every((s) => s.sent > 0 && s.received > 0)).toBe(true);
    expect(await frame.locator('table.steps tbody tr').count()).toBe(2);
    const painted = await frame.$$eval('figure .plot canvas', (cs) => cs.map((c) => { const canvas = c as unknown as Canvas; const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++; return n; }));
    expect(painted.length).toBe(5);
    for (const n of painted) expect(n).toBeGreaterThan(1000);
    // the frame is as tall as its page: no scrollbar inside the view
    await expect.poll(async () => {
      const inner = await frame.evaluate(() => Math.ceil(document.body.getBoundingClientRect().height));
      const box = await p.locator('iframe.report-frame').boundingBox();
      return Math.abs((box?.height ?? 0) - 2 - inner) <= 2; // 2: the frame's border
    }).toBe(true);
    await shoot(p, 'campaign-done', true);
  });

  it('follows a running campaign in the list and on its page (live progress), and stops it there', async () => {
    // the last step is long: the campaign is still running while the page is looked at
    const started = await daemon.api<CampaignRun>('POST', '/v1/campaigns', spec('long ramp', [{ rate: 50, durationS: 2 }, { rate: 100, durationS: 2 }, { rate: 150, durationS: 120 }]));
    const p = await page();
    await p.getByRole('link', { name: 'Campaigns' }).click();
    const row = p.locator(`tr[data-campaign="${started.id}"]`);
    await expect.poll(() => row.locator('td[data-state]').textContent(), { timeout: 15_000 }).toBe('running');
    // the list follows the steps as they are stored (it re-reads every 2 s while one runs)
    await expect.poll(() => row.locator('td[data-steps]').textContent(), { timeout: 30_000 }).toBe('2 of 3');
    expect(await row.locator('td[data-state]').textContent()).toBe('running');
    expect(await row.locator('td[data-knee]').textContent()).toMatch(/^(–|step \d · .+ pps)$/);
    await shoot(p, 'campaigns');

    await row.getByRole('link', { name: 'long ramp' }).click();
    await p.getByRole('heading', { name: 'long ramp' }).waitFor();
    // the progress pushed on /v1/live
    await expect.poll(() => p.locator('.nav .live').textContent(), { timeout: 10_000 }).toBe('live');
    await expect.poll(() => p.locator('[data-progress]').textContent(), { timeout: 15_000 }).toMatch(/^step 3 of 3, measuring: [\d.]+ probes\/s, loss \d+\.\d\d %, p99 ([\d.]+ ms|–) · .+ of about 2 min 05 s$/);
    const frame = await reportFrame(p);
    expect(await frame.evaluate(() => window.sondeReport.charts['loss-vs-offered'].data[0])).toEqual([50, 100]);
    await shoot(p, 'campaign-running');

    // a key that may read but not probe: the same page and report, no Stop
    const reader = await page(await daemon.key('campaign-reader', ['network:read']));
    await reader.goto(`${daemon.url}/ui/campaigns/${started.id}`);
    await expect.poll(() => reader.locator('[data-progress]').textContent(), { timeout: 15_000 }).toMatch(/^step 3 of 3/);
    expect(await (await reportFrame(reader)).evaluate(() => window.sondeReport.charts['loss-vs-offered'].data[0])).toEqual([50, 100]);
    expect(await reader.locator('[data-edit]').count()).toBe(0);

    await p.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => p.locator('.campaign-head [data-state]').textContent(), { timeout: 15_000 }).toBe('stopped');
    expect(await summaryOf(started.id)).toMatchObject({ status: 'stopped', stepsDone: 3 });
    await expect.poll(() => p.locator('.campaign-facts [data-steps]').textContent()).toBe('3 of 3');
    expect(await p.locator('.campaign-progress').count()).toBe(0);
    // the report now has the partial third step too
    await expect.poll(async () => (await reportFrame(p)).evaluate(() => window.sondeReport.charts['loss-vs-offered'].data[0]), { timeout: 15_000 }).toEqual([50, 100, 150]);

    await p.getByRole('link', { name: 'Campaigns' }).first().click();
    await expect.poll(() => p.locator(`tr[data-campaign="${started.id}"] td[data-state]`).textContent()).toBe('stopped');
  }, 180_000);
});
