/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserHandle, collectConsoleErrors, expectAccessible, hasChromium, launchBrowser, signedInStaffPage } from '../support/browser.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let chrome: BrowserHandle;
let typeId: string;
let casesId: string;

beforeAll(async () => {
  if (!hasChromium) return;
  server = await startTestServer();
  const { admin } = await seedAcme(server.db);
  const created = await createPortal(server.db, { kind: 'staff', id: admin.id }, {});
  if (!created.ok) throw new Error('portal not created');
  typeId = (await server.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
  casesId = (await server.db.selectFrom('modules').select('id').where('api_name', '=', 'cases').executeTakeFirstOrThrow()).id;
  chrome = await launchBrowser();
});
afterAll(async () => {
  await chrome?.close();
  await server?.close();
});

describe.skipIf(!hasChromium)('tabs and field permissions of a user type in a browser', () => {
  it('shows the tab configuration and the field permissions as accessible forms', async () => {
    const page = await signedInStaffPage(chrome, server.url, acme.admin);
    const errors = collectConsoleErrors(page);
    await page.goto(`${server.url}/admin/settings/portals/types/${typeId}/tabs`);
    await expectAccessible(page);
    // Showing Cases changes what the type's users reach: the review comes first, and nothing is saved until confirmed.
    await page.locator(`[id="module-${casesId}"] > summary`).click(); // a hidden tab's card starts collapsed
    await page.locator(`input[name="${casesId}.shown"]`).check();
    await page.locator(`input[name="${casesId}.layouts"]`).first().check();
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Review access changes' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('No active users');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Confirm and save' }).click();
    // Saved, the step leads on to the field permissions, starting with the base module.
    await page.waitForURL(new RegExp(`/admin/settings/portals/types/${typeId}/fields/contacts\\?layout=[0-9a-f-]+&done=tabsSaved$`));
    await page.goto(`${server.url}/admin/settings/portals/types/${typeId}/tabs`);
    expect(await page.locator(`input[name="${casesId}.shown"]`).isChecked()).toBe(true);
    await page.goto(`${server.url}/admin/settings/portals/types/${typeId}/fields/cases`);
    await expectAccessible(page);
    // A tab shown for the first time starts with its records' name visible.
    expect(await page.getByLabel('Subject visible').isChecked()).toBe(true);
    await page.getByLabel('Priority visible').check();
    await page.getByLabel('Status read-only').check();
    await page.locator('main form[method="post"] button[type="submit"]').click();
    await page.getByRole('heading', { level: 1, name: 'Review access changes' }).waitFor();
    expect(await page.locator('dl').textContent()).toContain('Status and Priority');
    await page.getByRole('button', { name: 'Confirm and save' }).click();
    await page.waitForURL(/saved=1|\/summary$/);
    await page.goto(`${server.url}/admin/settings/portals/types/${typeId}/fields/cases`);
    expect(await page.getByLabel('Status visible').isChecked()).toBe(true);
    await expectAccessible(page);
    expect(errors.join('\n')).toBe('');
  });
});
