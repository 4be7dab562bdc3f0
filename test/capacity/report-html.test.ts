// The HTML report opened in headless Chromium from a file (no server, no network): every chart
// drawn with the run's numbers (read back from the uPlot instances the page leaves on
// window.sondeReport), the step table, the CSV, and compare's overlay. Screenshots are kept in
// docs/screenshots/.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { syntheticRun } from '../../bench/lib/synthetic-capacity-run.js';
import { compareRuns, CSV_HEADER, renderCompareHtml, renderReportHtml, reportCsv, summarize } from '../../engine/capacity/report/index.js';
import { bucketTopNs, cdfAt } from '../../engine/capacity/report/histogram-stats.js';
import { browserSuite, launchBrowser, openPage, screenshot } from '../dashboard/browser.js';

interface Canvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
declare const window: { sondeReport: { charts: Record<string, { data: (number | null)[][]; series: { label: string }[] }> } };

const run = syntheticRun({ steps: 20, stepSeconds: 20, kneeStep: 14 });
const slower = syntheticRun({ steps: 20, stepSeconds: 20, kneeStep: 14, seed: 5, id: '0193a1b2-0000-7000-8000-0000000000b2', name: 'slower path', slowdown: 1.6 });
const dir = mkdtempSync(join(tmpdir(), 'sonde-report-'));

browserSuite('capacity report in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => { browser = await launchBrowser(); });
  afterAll(async () => { await browser?.close(); });

  it('draws every chart with the stored numbers, offline', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderReportHtml(run).html);
    const { page, problems } = await openPage(browser);
    const requests: string[] = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-drawn="true"]');
    const charts = await page.evaluate(() => Object.fromEntries(Object.entries(window.sondeReport.charts).map(([id, u]) => [id, { data: u.data, labels: u.series.map((s) => s.label) }])));
    expect(Object.keys(charts).sort()).toEqual(['loss-vs-offered', 'rate-vs-offered', 'rtt-box', 'rtt-cdf', 'rtt-over-time']);

    // RTT over time: each step's p50/p90/p99 over its span.
    const t0 = run.steps[0].startMs;
    const time = charts['rtt-over-time'].data;
    for (const s of run.steps) {
      const k = time[0].indexOf((s.startMs - t0) / 1000);
      const sum = summarize(s.rtt);
      expect([time[1][k], time[2][k], time[3][k]]).toEqual([sum.p50, sum.p90, sum.p99]);
    }
    // CDF: one curve per step, the stored histogram's CDF at every x.
    const cdf = charts['rtt-cdf'].data;
    expect(cdf.length).toBe(1 + run.steps.length);
    run.steps.forEach((s, i) => cdf[0].forEach((xMs, k) => expect(cdf[1 + i][k]).toBeCloseTo(cdfAt(s.rtt, Math.round(xMs! * 1e6)), 6)));
    expect(cdf[0][0]).toBe(Math.min(...run.steps.map((s) => bucketTopNs(s.rtt.buckets[0]))) / 1e6);
    // Box plots: the medians are the steps' p50.
    const box = charts['rtt-box'].data;
    expect(box[3]).toEqual(run.steps.map((s) => summarize(s.rtt).p50));
    // Loss and achieved rate against the offered rate.
    expect(charts['loss-vs-offered'].data[0]).toEqual(run.steps.map((s) => s.offeredRate));
    expect(charts['loss-vs-offered'].data[1]).toEqual(run.steps.map((s) => ((s.sent - s.received) / s.sent) * 100));
    expect(charts['rate-vs-offered'].data[1]).toEqual(run.steps.map((s) => s.achievedRate));
    // The knee is marked (the step table's row too) and the table has every step.
    expect(await page.locator('table.steps tbody tr').count()).toBe(run.steps.length);
    expect(await page.locator('table.steps tr.knee').getAttribute('data-step')).toBe('14');
    // Each canvas has been painted (not blank).
    const painted = await page.$$eval('figure .plot canvas', (cs) => cs.map((c) => { const canvas = c as unknown as Canvas; const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++; return n; }));
    expect(painted.length).toBe(5);
    for (const n of painted) expect(n).toBeGreaterThan(1000);
    expect(requests).toEqual([]);
    expect(problems()).toEqual([]);
    await screenshot(page, 'capacity-report');
  });

  it('overlays two runs and says which steps got worse', async () => {
    const file = join(dir, 'compare.html');
    const comparison = compareRuns(run, slower);
    writeFileSync(file, renderCompareHtml(run, slower, comparison).html);
    const { page, problems } = await openPage(browser);
    await page.goto(`file://${file}`);
    await page.waitForSelector('body[data-drawn="true"]');
    expect(await page.locator('.verdict-line').getAttribute('data-verdict')).toBe('worse');
    expect(await page.locator('table.compare tr.worse').count()).toBe(run.steps.length);
    const cdfSeries = await page.evaluate(() => window.sondeReport.charts['rtt-cdf'].data.length - 1);
    expect(cdfSeries).toBe(2 * run.steps.length);
    expect(problems()).toEqual([]);
    await page.locator('h2', { hasText: 'Charts' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'capacity-compare');
  });
});

it('the CSV has one row per step with the stored counters and the histogram', () => {
  const lines = reportCsv(run).trimEnd().split('\r\n');
  expect(lines[0].split(',')).toEqual(CSV_HEADER);
  expect(lines.length).toBe(1 + run.steps.length);
  run.steps.forEach((s, i) => {
    const row = lines[1 + i].split(',');
    const col = (k: string): string => row[CSV_HEADER.indexOf(k)];
    expect([col('sent'), col('received'), col('duplicates'), col('offeredRate'), col('achievedRate')].map(Number)).toEqual([s.sent, s.received, s.duplicates, s.offeredRate, s.achievedRate]);
    expect(Number(col('p99Ms'))).toBe(summarize(s.rtt).p99);
    const pairs = col('rttBuckets').split(' ').map((p) => p.split(':').map(Number));
    expect(pairs.map((p) => p[1])).toEqual(s.rtt.counts);
    expect(pairs.map((p) => p[0])).toEqual(s.rtt.buckets.map(bucketTopNs));
  });
});
