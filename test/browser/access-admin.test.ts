/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, collectConsoleErrors, expectAccessible, hasChromium, launchBrowser } from '../support/browser.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let chrome: BrowserHandle;

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startTestServer();
  await seedAcme(server.db);
  chrome = await launchBrowser();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

async function signedIn(): Promise<Page> {
  const context = await chrome.browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${server.url}/admin/login`);
  await page.locator('#email').fill(acme.admin.email);
  await page.locator('#password').fill(acme.admin.password);
  await page.locator('form[action="/admin/login"] button[type="submit"]').click();
  await page.waitForURL(`${server.url}/admin`);
  return page;
}

describe.skipIf(!hasChromium)('access settings in a browser', () => {
  it('creates a profile, ticks permissions by their labels, adds a user with it and turns GDPR on', async () => {
    const page = await signedIn();
    const errors = collectConsoleErrors(page);

    await page.goto(`${server.url}/admin/settings/profiles`);
    await expectAccessible(page);
    await page.goto(`${server.url}/admin/settings/profiles/new`);
    await page.locator('#name').fill('Support');
    await page.locator('form[action="/admin/settings/profiles"] button[type="submit"]').click();
    await page.waitForURL(/\/admin\/settings\/profiles\/[0-9a-f-]{36}\?done=created$/);
    await expectAccessible(page);

    // Each checkbox is found by its own label, as a screen reader announces it.
    await page.getByLabel('Create Cases', { exact: true }).check();
    await page.getByLabel('View Contacts', { exact: true }).check();
    await page.getByLabel('Manage portal users').check();
    await page.locator('main form button[type="submit"].button:not(.secondary)').click();
    await page.waitForURL(/\?done=saved$/);
    // Create implies view: the saved page shows View Cases ticked too.
    expect(await page.getByLabel('View Cases', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Edit Cases', { exact: true }).isChecked()).toBe(false);

    await page.goto(`${server.url}/admin/settings/users/new`);
    await expectAccessible(page);
    await page.locator('#name').fill('Sam Support');
    await page.locator('#email').fill('sam@acme.example');
    await page.locator('#profile').selectOption({ label: 'Support' });
    await page.locator('#password').fill('Support-Desk-2024');
    await page.locator('#passwordConfirm').fill('Support-Desk-2024');
    await page.locator('form[action="/admin/settings/users"] button[type="submit"]').click();
    await page.waitForURL(/\/admin\/settings\/users\?done=created$/);
    await page.getByRole('link', { name: 'Sam Support' }).click();
    await page.waitForURL(/\/admin\/settings\/users\/[0-9a-f-]{36}$/);
    await expectAccessible(page);

    await page.goto(`${server.url}/admin/settings/privacy`);
    await expectAccessible(page);
    await page.getByLabel('This organization complies with the GDPR').check();
    await page.locator('form[action="/admin/settings/privacy"] button[type="submit"]').click();
    await page.waitForURL(/\?done=saved$/);
    expect(await page.getByLabel('This organization complies with the GDPR').isChecked()).toBe(true);
    expect((await server.db.selectFrom('org').select('gdpr_enabled').executeTakeFirstOrThrow()).gdpr_enabled).toBe(true);
    expect(errors).toEqual([]);
  });
});
