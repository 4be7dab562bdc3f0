// The dashboard in a real browser against a real `sonde serve`: sign-in with a good and a bad
// key, the fleet grid with 1,000 loopback targets all up (counts read from the page, cells
// read from the canvas), filters in the URL, the hover tooltip, a read-only key without edit
// controls, sign-out; no CSP violation on the way.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { canRaw4, NO_RAW } from '../engine/helpers.js';
import { browserSuite, launchBrowser, openPage, screenshot, signIn, type WatchedPage } from './browser.js';
import { addLoopbackFleet, startDashboardDaemon, uiBuilt, type DashboardDaemon } from './daemon.js';

const TARGETS = 1000;

// Runs in the page (the test program has no DOM lib, hence the local declarations).
interface CanvasLike { width: number; height: number; dataset: Record<string, string | undefined>; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
declare const document: {
  querySelector(selector: string): CanvasLike | null;
  createElement(tag: 'script'): { textContent: string };
  head: { appendChild(node: unknown): void };
  documentElement: unknown;
};
declare const window: { __sondeInline?: boolean };

declare function fetch(url: string, init: { credentials: string }): Promise<{ status: number; json(): Promise<{ keyId: string }> }>;

/** The key id of the page's session (GET /v1/session). */
async function sessionKeyId(): Promise<string> {
  return (await (await fetch('/v1/session', { credentials: 'same-origin' })).json()).keyId;
}

declare function getComputedStyle(e: unknown): { fontSize: string };

/** The root font size in CSS px (it grows with the viewport). */
function rootFontPx(): number {
  return Number.parseFloat(getComputedStyle(document.documentElement).fontSize);
}

/** Adds an inline script to the page; true when it ran (the CSP should refuse it). */
function injectInlineScript(): boolean {
  const s = document.createElement('script');
  s.textContent = 'window.__sondeInline = true';
  document.head.appendChild(s);
  return window.__sondeInline === true;
}

/** The colour of every cell's top-left pixel, counted; `up`: cells in the SmokePing 'up' colour #26ff00. */
function sampleCells(n: number): { up: number; pitch: number; colours: [string, number][] } {
  const canvas = document.querySelector('canvas.fleet-canvas')!;
  const pitch = Number(canvas.dataset.pitch);
  const cols = Number(canvas.dataset.cols);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = new Map<string, number>();
  for (let c = 0; c < n; c++) {
    const x = (c % cols) * pitch;
    const y = Math.floor(c / cols) * pitch;
    const o = (y * canvas.width + x) * 4;
    const key = `${data[o]},${data[o + 1]},${data[o + 2]}`;
    colours.set(key, (colours.get(key) ?? 0) + 1);
  }
  return { up: colours.get('38,255,0') ?? 0, pitch, colours: [...colours] };
}

browserSuite('dashboard: sign-in and the fleet view', () => {
  let daemon: DashboardDaemon;
  let browser: Browser;
  let monitorId: string;
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    if (!uiBuilt) throw new Error('dist/ui/index.html is missing: run `npm run build` first');
    if (!canRaw4) throw new Error(`the fleet test probes loopback targets and ${NO_RAW}`);
    [daemon, browser] = await Promise.all([startDashboardDaemon(), launchBrowser()]);
    ({ monitorId } = await addLoopbackFleet(daemon, TARGETS, 'dash'));
  }, 60_000);

  afterAll(async () => {
    for (const p of pages) expect(p.problems()).toEqual([]);
    await browser?.close();
    await daemon?.stop();
  });

  const page = async (viewport?: { width: number; height: number }) => {
    const p = await openPage(browser, viewport);
    pages.push(p);
    return p.page;
  };

  it('the page runs under the CSP without inline script, and a violation would be seen', async () => {
    const watched = await openPage(browser);
    const p = watched.page;
    const res = await p.goto(`${daemon.url}/ui/`);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    await p.getByRole('heading', { name: 'Sign in to sonde' }).waitFor();
    expect(watched.problems()).toEqual([]);
    const ran = await p.evaluate(injectInlineScript);
    expect(ran).toBe(false);
    await expect.poll(() => watched.problems().join('\n')).toMatch(/Content Security Policy|Refused/);
    watched.clearProblems();
    await p.context().close();
  });

  it('a bad key is refused with a message and no session; a good key opens the fleet view', async () => {
    const p = await page();
    await signIn(p, daemon.url, 'sonde_not-a-real-key');
    await expect.poll(() => p.locator('#sign-in-error').textContent(), { timeout: 10_000 }).toMatch(/401/);
    expect(await p.getByRole('heading', { name: 'Sign in to sonde' }).isVisible()).toBe(true);
    expect((await p.context().cookies()).filter((c) => c.name === 'sonde_session')).toEqual([]);

    await p.getByLabel('API key').fill(daemon.adminKey);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Fleet' }).waitFor({ timeout: 10_000 });
    const cookie = (await p.context().cookies()).find((c) => c.name === 'sonde_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    // the monitor is picked into the URL, so the view can be bookmarked
    await expect.poll(() => new URL(p.url()).searchParams.get('monitor')).toBe(monitorId);
  });

  it(`shows ${TARGETS} targets, all up, in the counts and on the canvas`, async () => {
    const p = await page();
    await signIn(p, daemon.url, daemon.adminKey);
    const count = (status: string) => p.locator(`[data-status-count="${status}"]`).getAttribute('data-count');
    await expect.poll(() => count('up'), { timeout: 30_000, interval: 250 }).toBe(String(TARGETS));
    expect(await count('down')).toBe('0');
    expect(await count('degraded')).toBe('0');
    expect(await count('unknown')).toBe('0');
    expect(await p.locator('[data-fleet-shown]').getAttribute('data-fleet-shown')).toBe(String(TARGETS));
    expect(await p.locator('[data-fleet-shown]').getAttribute('data-fleet-total')).toBe(String(TARGETS));

    // every cell on the canvas has the 'up' colour of the SmokePing palette (#26ff00)
    const cells = await p.evaluate(sampleCells, TARGETS);
    expect(cells.pitch).toBeGreaterThan(0);
    expect(cells.up).toBe(TARGETS);
    await screenshot(p, 'fleet');

    // colour by loss with the colour-blind-safe palette: 0 % loss is the palette's first loss colour (viridis at 0.2)
    await p.getByLabel('Colour by').selectOption('loss');
    await p.getByLabel('Palette').selectOption('cb');
    expect(new URL(p.url()).searchParams.get('color')).toBe('loss');
    expect(new URL(p.url()).searchParams.get('palette')).toBe('cb');
    const viridis0 = async () => (await p.evaluate(sampleCells, TARGETS)).colours.find(([rgb]) => rgb === '65,68,135')?.[1] ?? 0;
    await expect.poll(viridis0).toBe(TARGETS);
    await screenshot(p, 'fleet-cb-loss');

    // a wall screen: the same page, larger type and cells
    const wall = await page({ width: 2560, height: 1440 });
    await signIn(wall, daemon.url, daemon.adminKey);
    await expect.poll(() => wall.locator('[data-status-count="up"]').getAttribute('data-count'), { timeout: 30_000 }).toBe(String(TARGETS));
    const fontPx = await wall.evaluate(rootFontPx);
    expect(fontPx).toBeGreaterThan(await p.evaluate(rootFontPx));
    await screenshot(wall, 'fleet-wall');
  });

  it('filters by text, label and status through the URL, and the tooltip names the target under the mouse', async () => {
    const p = await page();
    await signIn(p, daemon.url, daemon.adminKey);
    await expect.poll(() => p.locator('[data-status-count="up"]').getAttribute('data-count'), { timeout: 30_000 }).toBe(String(TARGETS));
    const shown = () => p.locator('[data-fleet-shown]').getAttribute('data-fleet-shown');

    await p.getByLabel('Name or address').fill('lo-dash-0001');
    await expect.poll(shown).toBe('10'); // lo-dash-00010 … lo-dash-00019
    expect(new URL(p.url()).searchParams.get('q')).toBe('lo-dash-0001');
    await p.getByLabel('Name or address').fill('');
    await p.getByLabel('Labels').fill('rack:r3');
    await expect.poll(shown).toBe(String(TARGETS / 10));
    expect(new URL(p.url()).searchParams.get('label')).toBe('rack:r3');

    // the filtered URL is shareable: a fresh load shows the same selection
    await p.goto(p.url());
    await expect.poll(shown, { timeout: 15_000 }).toBe(String(TARGETS / 10));
    await expect.poll(() => p.locator('[data-status-count="up"]').getAttribute('data-count'), { timeout: 15_000 }).toBe(String(TARGETS));
    await p.locator('[data-status-count="down"]').click();
    expect(new URL(p.url()).searchParams.get('status')).toBe('down');
    await expect.poll(shown).toBe('0');
    await p.locator('[data-status-count="down"]').click();
    await expect.poll(shown).toBe(String(TARGETS / 10));

    // hover the first cell: sorted by name, it is the first target of rack r3
    const box = (await p.locator('canvas.fleet-canvas').boundingBox())!;
    await p.mouse.move(box.x + 2, box.y + 2);
    const tip = p.getByRole('tooltip');
    await expect.poll(() => tip.textContent(), { timeout: 5000 }).toContain('lo-dash-00003');
    expect(await tip.textContent()).toContain('127.1.0.3');
    await expect.poll(() => tip.textContent()).toMatch(/status\s*up/);
    expect(await tip.textContent()).toMatch(/last RTT\s*[\d.]+ ms/);
    await expect.poll(() => tip.locator('dd').last().textContent(), { timeout: 5000 }).not.toBe('…');
    await screenshot(p, 'fleet-filtered-tooltip');
    // keyboard: focus the grid, move right, Enter opens the target's page
    await p.mouse.move(0, 0);
    await expect.poll(() => tip.count()).toBe(0);
    await p.locator('canvas.fleet-canvas').focus();
    await p.keyboard.press('ArrowRight');
    await p.keyboard.press('ArrowRight');
    await expect.poll(() => tip.textContent()).toContain('lo-dash-00013');
    await p.keyboard.press('Enter');
    await expect.poll(() => new URL(p.url()).pathname).toMatch(/^\/ui\/targets\/[0-9a-f-]{36}$/);
  });

  it('a read-only key sees no edit controls; an admin key does; sign-out ends the session', async () => {
    const readOnly = await daemon.key('dash-viewer', ['targets:read', 'network:read']);
    const p = await page();
    await signIn(p, daemon.url, readOnly);
    await expect.poll(() => p.locator('[data-status-count="up"]').getAttribute('data-count'), { timeout: 30_000 }).toBe(String(TARGETS));
    expect(await p.locator('[data-edit]').count()).toBe(0);
    expect(await p.locator('.nav .who').textContent()).toContain('read-only');

    const admin = await page();
    await signIn(admin, daemon.url, daemon.adminKey);
    await admin.getByRole('heading', { name: 'Fleet' }).waitFor();
    await expect.poll(() => admin.locator('[data-edit]').count()).toBeGreaterThan(0);

    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.getByRole('heading', { name: 'Sign in to sonde' }).waitFor();
    // the session is gone on the server too: the API answers 401 to the old cookie
    const status = await p.evaluate(async () => (await fetch('/v1/session', { credentials: 'same-origin' })).status);
    expect(status).toBe(401);
  });

  it('a session ended on the server (its key revoked) shows the sign-in page on the same URL: at the next API call, and in a tab that only watches the feed', async () => {
    const secret = await daemon.key('dash-revoked', ['targets:read', 'network:read']);
    // a second tab that only watches (a wall screen): the feed's close code 4001 brings sign-in back
    const wall = await page();
    await signIn(wall, daemon.url, secret);
    await expect.poll(() => wall.locator('[data-status-count="up"]').getAttribute('data-count'), { timeout: 30_000 }).toBe(String(TARGETS));
    const p = await page();
    await signIn(p, daemon.url, secret);
    await expect.poll(() => p.locator('[data-status-count="up"]').getAttribute('data-count'), { timeout: 30_000 }).toBe(String(TARGETS));
    await p.getByLabel('Labels').fill('rack:r1');
    await expect.poll(() => p.locator('[data-fleet-shown]').getAttribute('data-fleet-shown')).toBe(String(TARGETS / 10));
    const before = p.url();
    const keyId = await p.evaluate(sessionKeyId);
    await daemon.api('DELETE', `/v1/keys/${keyId}`);
    // hovering a cell asks the API for the target's detail: the 401 ends the UI's session
    const box = (await p.locator('canvas.fleet-canvas').boundingBox())!;
    await p.mouse.move(box.x + 2, box.y + 2);
    await p.getByRole('heading', { name: 'Sign in to sonde' }).waitFor({ timeout: 10_000 });
    expect(p.url()).toBe(before);
    // signing in again (another key) lands on the same filtered view
    await p.getByLabel('API key').fill(daemon.adminKey);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => p.locator('[data-fleet-shown]').getAttribute('data-fleet-shown'), { timeout: 15_000 }).toBe(String(TARGETS / 10));
    // the watching tab made no request: the server checks feeds' sessions every 30 s and closes this one
    await wall.getByRole('heading', { name: 'Sign in to sonde' }).waitFor({ timeout: 45_000 });
  }, 90_000);
});
