/// <reference lib="dom" />

import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, collectConsoleErrors, expectAccessible, hasChromium, launchBrowser } from '../support/browser.js';
import { acme } from '../support/fixtures.js';
import { startTestProvider, type TestProvider } from '../support/oidc.js';
import { addPortalUser, carla, HELP, seedPortalWorld } from '../support/portal-world.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Single sign-on in a real browser against a real provider, for staff and for
// a portal: set up on its settings page, then a fresh browser signs in with
// the button, through the provider's own sign-in and consent pages.

let server: TestServer;
let chrome: BrowserHandle;
let idp: TestProvider;

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startTestServer({ env: { APP_KEY: randomBytes(32).toString('base64') } });
  const w = await seedPortalWorld(server);
  await addPortalUser(server, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  const accounts = { ana: { email: acme.admin.email, emailVerified: true }, carla: { email: carla.email, emailVerified: true } };
  idp = await startTestProvider(accounts, [`${server.url}/admin/sso/callback`, `${server.url}${HELP}/sso/callback`]);
  chrome = await launchBrowser();
});
afterAll(async () => {
  await chrome?.close();
  await idp?.close();
  await server?.close();
});

/** The page at phone width (390 px) scrolls only up and down (the redirect URIs are long); the viewport is put back afterwards. */
async function expectFitsPhone(page: Page) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  if (size) await page.setViewportSize(size);
  expect(sideways, `sideways scrolling at 390 px on ${page.url()}`).toBe(false);
}

/** Clicks the sign-in page's button, then signs in as `account` at the provider and consents, on its own pages. */
async function throughProvider(page: Page, account: string) {
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
  await page.waitForURL((url) => url.href.startsWith(idp.issuer));
  await page.locator('input[name="login"]').fill(account);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]').click();
}

describe.skipIf(!hasChromium)('single sign-on in a browser', () => {
  it('is set up by an administrator, then signs staff in with the provider', async () => {
    const admin = await (await chrome.browser.newContext({ locale: 'en-US' })).newPage();
    const errors = collectConsoleErrors(admin);
    await admin.goto(`${server.url}/admin/login`);
    await admin.locator('#email').fill(acme.admin.email);
    await admin.locator('#password').fill(acme.admin.password);
    await admin.locator('form[action="/admin/login"] button[type="submit"]').click();
    await admin.waitForURL(`${server.url}/admin`);
    await admin.goto(`${server.url}/admin/settings`);
    await admin.getByRole('link', { name: 'Staff single sign-on' }).click();
    await admin.waitForURL(`${server.url}/admin/settings/sso`);
    await expectAccessible(admin);
    await expectFitsPhone(admin);
    await admin.getByLabel('Single sign-on is on').check();
    await admin.getByLabel('Issuer URL').fill(idp.issuer);
    await admin.getByLabel('Client ID').fill(idp.clientId);
    await admin.getByLabel('Client secret').fill(idp.clientSecret);
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.waitForURL(`${server.url}/admin/settings/sso?done=saved`);
    expect(await admin.locator('.alert-success').textContent()).toContain('Single sign-on settings saved.');

    const visitor = await (await chrome.browser.newContext({ locale: 'en-US' })).newPage();
    await visitor.goto(`${server.url}/admin/login`);
    await expectAccessible(visitor);
    await expectFitsPhone(visitor);
    await throughProvider(visitor, 'ana');
    await visitor.waitForURL(`${server.url}/admin`);
    expect(await visitor.locator('.account-name').textContent()).toBe(acme.admin.name);
    expect(errors).toEqual([]);
  });

  it('signs a portal user in with the portal’s provider', async () => {
    const admin = await (await chrome.browser.newContext({ locale: 'en-US' })).newPage();
    await admin.goto(`${server.url}/admin/login`);
    await admin.locator('#email').fill(acme.admin.email);
    await admin.locator('#password').fill(acme.admin.password);
    await admin.locator('form[action="/admin/login"] button[type="submit"]').click();
    await admin.waitForURL(`${server.url}/admin`);
    const portalId = await server.db.selectFrom('portals').select('id').where('slug', '=', 'acme-help').executeTakeFirstOrThrow();
    await admin.goto(`${server.url}/admin/settings/portals/${portalId.id}/sso`);
    await expectAccessible(admin);
    await expectFitsPhone(admin);
    await admin.getByLabel('Single sign-on is on').check();
    await admin.getByLabel('Issuer URL').fill(idp.issuer);
    await admin.getByLabel('Client ID').fill(idp.clientId);
    await admin.getByLabel('Client secret').fill(idp.clientSecret);
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.waitForURL(/done=saved/);
    await admin.goto(`${server.url}/admin/settings/portals/${portalId.id}/summary`);
    expect(await admin.locator('#summary-sso').textContent()).toContain(idp.issuer);
    await expectAccessible(admin);
    await expectFitsPhone(admin);

    const visitor = await (await chrome.browser.newContext({ locale: 'en-US' })).newPage();
    const errors = collectConsoleErrors(visitor);
    await visitor.goto(`${server.url}${HELP}/login`);
    await expectAccessible(visitor);
    await expectFitsPhone(visitor);
    expect(errors).toEqual([]);
    await throughProvider(visitor, 'carla');
    await visitor.waitForURL(`${server.url}${HELP}`);
    expect(await visitor.locator('h1').textContent()).toBe('Welcome, Carla Núñez');
    // The provider's own pages load things from elsewhere: the portal's home is checked on a page of its own.
    const home = await visitor.context().newPage();
    const homeErrors = collectConsoleErrors(home);
    await home.goto(`${server.url}${HELP}`);
    expect(await home.locator('h1').textContent()).toBe('Welcome, Carla Núñez');
    expect(homeErrors).toEqual([]);
  });
});
