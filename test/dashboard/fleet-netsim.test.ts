// The fleet grid follows status changes: 50 simulated hosts (netsim, 198.18.0.0/24) probed by
// a real `sonde serve` inside the simulator's namespace, the browser in the same namespace.
// A host that goes dark (blackhole) turns down in the counts and on the canvas within
// downAfter probes plus the once-a-second evaluation and frame, then back up when it answers.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { netsimAvailability, startNetsim, type Netsim } from '../../netsim/index.js';
import { browserSuite, launchBrowser, openPage, screenshot, signIn, type WatchedPage } from './browser.js';
import { startDashboardDaemon, uiBuilt, type DashboardDaemon } from './daemon.js';

const HOSTS = 50;
const INTERVAL_MS = 500;
const DOWN_AFTER = 3;
const UP_AFTER = 3;
const TIMEOUT_MS = 300;
/** The bound: downAfter probes (the last one's timeout included), then 2 s for the evaluation and the frame. */
const DOWN_GOAL_MS = DOWN_AFTER * INTERVAL_MS + TIMEOUT_MS + 2000;
/** How long the poll waits before it gives up: past the goal, so that a miss reports the time it took. */
const TURN_BOUND_MS = DOWN_GOAL_MS + 8000;
const DARK = '198.18.0.7';

const availability = netsimAvailability();

// Runs in the page (no DOM lib in the test program).
interface CanvasLike { width: number; height: number; dataset: Record<string, string | undefined>; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
declare const document: { querySelector(selector: string): CanvasLike | null };

/** Cells painted in r,g,b (the top-left pixel of each of the first n cells). */
function cellsIn(args: { rgb: string; n: number }): number {
  const canvas = document.querySelector('canvas.fleet-canvas')!;
  const pitch = Number(canvas.dataset.pitch);
  const cols = Number(canvas.dataset.cols);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let hits = 0;
  for (let c = 0; c < args.n; c++) {
    const o = ((Math.floor(c / cols) * pitch) * canvas.width + (c % cols) * pitch) * 4;
    if (`${data[o]},${data[o + 1]},${data[o + 2]}` === args.rgb) hits++;
  }
  return hits;
}

browserSuite('dashboard: a simulated host going dark in the fleet grid', () => {
  if (!availability.ok) {
    it.skip(`needs the network simulator: ${availability.reason}`, () => undefined);
    return;
  }
  let sim: Netsim;
  let daemon: DashboardDaemon;
  let browser: Browser;
  let watched: WatchedPage;

  beforeAll(async () => {
    if (!uiBuilt) throw new Error('dist/ui/index.html is missing: run `npm run build` first');
    sim = await startNetsim({ seed: 15, hosts: { '198.18.0.0/24': { latency: { ms: 2, jitterMs: 1 } } } });
    daemon = await startDashboardDaemon(`monitoring:\n  downAfter: ${DOWN_AFTER}\n  upAfter: ${UP_AFTER}\n`, { netns: sim.name });
    browser = await launchBrowser({ netns: sim.name });
    const targets = Array.from({ length: HOSTS }, (_, i) => ({ kind: 'HOST', address: `198.18.0.${i + 1}`, name: `sim-${String(i + 1).padStart(2, '0')}`, labels: { fleet: 'sim' } }));
    await daemon.api('POST', '/v1/targets/import', targets);
    await daemon.api('POST', '/v1/monitors', { name: 'sim', selection: { labels: { fleet: 'sim' } }, intervalMs: INTERVAL_MS, timeoutMs: TIMEOUT_MS });
  }, 90_000);

  afterAll(async () => {
    if (watched !== undefined) expect(watched.problems()).toEqual([]);
    await browser?.close();
    await daemon?.stop();
    await sim?.stop();
  });

  it(`turns ${DARK} down when it stops answering and back up when it answers again`, async () => {
    watched = await openPage(browser);
    const p = watched.page;
    await signIn(p, daemon.url, daemon.adminKey);
    const count = (status: string) => p.locator(`[data-status-count="${status}"]`).getAttribute('data-count');
    await expect.poll(() => count('up'), { timeout: 30_000 }).toBe(String(HOSTS));

    const darkAt = performance.now();
    await sim.setProfile(DARK, { blackhole: true });
    await expect.poll(() => count('down'), { timeout: TURN_BOUND_MS, interval: 100 }).toBe('1');
    const downAfterMs = performance.now() - darkAt;
    expect(downAfterMs, `down in the grid ${Math.round(downAfterMs)} ms after the host went dark`).toBeLessThanOrEqual(DOWN_GOAL_MS);
    expect(await count('up')).toBe(String(HOSTS - 1));
    // on the canvas: one cell in SmokePing's red (#ff0000), the 7th by name
    await expect.poll(() => p.evaluate(cellsIn, { rgb: '255,0,0', n: HOSTS })).toBe(1);
    const box = (await p.locator('canvas.fleet-canvas').boundingBox())!;
    const pitch = Number(await p.locator('canvas.fleet-canvas').getAttribute('data-pitch'));
    await p.mouse.move(box.x + 6 * pitch + 2, box.y + 2);
    await expect.poll(() => p.getByRole('tooltip').textContent()).toMatch(/sim-07.*198\.18\.0\.7.*status\s*down/);
    await expect.poll(() => p.getByRole('tooltip').textContent(), { timeout: 5000 }).toMatch(/status since\s*\d.*\(\d+ s ago\)/);
    expect(await p.getByRole('tooltip').textContent()).toMatch(/last RTT\s*no answer/);
    await screenshot(p, 'fleet-down');
    await p.mouse.move(0, 0);
    // sorted by loss, worst first: the dark host takes the first cell
    await p.getByLabel('Sort').selectOption('loss');
    expect(new URL(p.url()).searchParams.get('sort')).toBe('loss');
    // The re-sort lands on a later render: hover afresh on every try so the tooltip is read
    // from the order on screen, not from the one under the pointer when it first moved.
    await expect.poll(async () => {
      await p.mouse.move(0, 0);
      await p.mouse.move(box.x + 2, box.y + 2);
      return p.getByRole('tooltip').textContent({ timeout: 1000 }).catch(() => '');
    }, { timeout: 10_000 }).toMatch(/^sim-07/);
    await p.mouse.move(0, 0);

    await sim.setProfile(DARK, null);
    await expect.poll(() => count('up'), { timeout: TURN_BOUND_MS + UP_AFTER * INTERVAL_MS, interval: 100 }).toBe(String(HOSTS));
    expect(await count('down')).toBe('0');
    await expect.poll(() => p.evaluate(cellsIn, { rgb: '38,255,0', n: HOSTS })).toBe(HOSTS);
  });
});
