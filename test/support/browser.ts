/// <reference lib="dom" />
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page, type Route } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

if (!hasChromium && process.env.REQUIRE_BROWSER === '1') {
  throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
}
if (!hasChromium) {
  console.warn(`\n[browser tests] SKIPPED: no Chromium at ${CHROMIUM_PATH}. Install it (apt-get install chromium) or set CHROMIUM_PATH.\n`);
}

// Flags for running as root in a container: no sandbox; no background traffic to Google's services.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type BrowserHandle = { browser: Browser; close(): Promise<void> };

/** Chromium with a fresh, empty profile (playwright creates and removes its own temporary user data dir). */
export async function launchBrowser(): Promise<BrowserHandle> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  return { browser, close: () => browser.close() };
}

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/**
 * The serious and critical axe-core findings on the current page, one line each.
 * Injected through evaluate (DevTools), which the page's CSP does not govern.
 */
export async function axeFindings(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is a global injected above
    const axe = (globalThis as any).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations as AxeViolation[];
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  return serious.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Runs axe-core on the current page and fails on serious or critical findings. */
export async function expectAccessible(page: Page) {
  expect(await axeFindings(page), `axe on ${page.url()}`).toEqual([]);
}

/**
 * axe for a page of a context with JavaScript disabled, where axe cannot run
 * (no timer ever fires there): the page's document as it stands, scripts
 * removed, is served again at its own address to `auditor`, a page that runs
 * scripts, and checked there with the same stylesheets.
 */
export async function expectAccessibleWithoutJs(page: Page, auditor: Page) {
  const address = page.url().replace(/#.*$/, '');
  const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '');
  const serve = (route: Route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
  const isAddress = (url: URL) => url.href.replace(/#.*$/, '') === address;
  await auditor.route(isAddress, serve);
  try {
    await auditor.goto(address);
  } finally {
    await auditor.unroute(isAddress, serve);
  }
  expect(await auditor.evaluate(() => document.scripts.length)).toBe(0);
  await expectAccessible(auditor);
}

/**
 * Collects console errors, such as CSP violations or missing files, for a page.
 * Chromium also logs every document answered with a status it considers an
 * error; the refusals Porta answers on purpose (401, 403, 422, 429) are left out.
 */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/status of (401|403|410|422|429) /.test(msg.text())) return;
    errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** A new browser context in a locale, signed in as a staff user at /admin. */
export async function signedInStaffPage(chrome: BrowserHandle, baseUrl: string, who: { email: string; password: string }, locale = 'en-US'): Promise<Page> {
  const context = await chrome.browser.newContext({ locale });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/admin/login`);
  await page.locator('#email').fill(who.email);
  await page.locator('#password').fill(who.password);
  await page.locator('form[action="/admin/login"] button[type="submit"]').click();
  await page.waitForURL(`${baseUrl}/admin`);
  return page;
}
