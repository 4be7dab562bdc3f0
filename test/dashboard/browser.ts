// Debian's chromium driven by playwright-core (which downloads no browser). Without
// /usr/bin/chromium the browser suites skip with a message, except in CI (CI=true), where
// they fail: scripts/install-test-deps.sh, run by .ci/run, installs it.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

// The page-side callbacks below run in the browser; the test program has no DOM lib.
declare const document: { addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void };
declare const console: { error(message: string): void };

export const CHROMIUM = process.env.SONDE_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true' || process.env.CI === '1';
export const NO_BROWSER = `needs a browser at ${CHROMIUM}: run scripts/install-test-deps.sh (apt-get install chromium)`;

export const screenshotDir = join(import.meta.dirname, '..', '..', 'docs', 'screenshots');

/** describe() when chromium is there; otherwise a failing test in CI and a skipped suite elsewhere. */
export function browserSuite(name: string, body: () => void): void {
  if (haveChromium) {
    describe(name, body);
  } else if (inCi) {
    describe(name, () => {
      it('finds a browser', () => {
        throw new Error(`${NO_BROWSER} (CI=true: a missing browser fails the suite instead of skipping it)`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${NO_BROWSER})`, body);
  }
}

/** `netns`: run chromium inside that network namespace (through a wrapper script), e.g. the simulator's. */
export async function launchBrowser(options: { netns?: string } = {}): Promise<Browser> {
  let executablePath = CHROMIUM;
  if (options.netns !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'sonde-chromium-'));
    executablePath = join(dir, 'chromium-in-netns');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec '${options.netns}' '${CHROMIUM}' "$@"\n`, { mode: 0o755 });
  }
  return chromium.launch({ executablePath, args: ['--no-sandbox'], headless: true });
}

export interface WatchedPage {
  page: Page;
  /** CSP violations and uncaught page errors seen so far. */
  problems(): string[];
  /** Forgets them (after a test provoked one on purpose). */
  clearProblems(): void;
}

/** A page of a fresh context (own cookies) that records CSP violations and page errors. */
export async function openPage(browser: Browser, viewport = { width: 1440, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Refused by CSP: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { page, problems: () => [...problems], clearProblems: () => { problems.length = 0; } };
}

export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/ui/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
