/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';

const suite = browserSuite(async (server) => {
  await seedAcme(server.db);
});

describe.skipIf(!hasChromium)('records in a browser', () => {
  it('creates an account and a contact linked by name, notes it, bins and restores it — in French', async () => {
    await suite.server.db.updateTable('staff_users').set({ language: 'fr' }).execute();
    const page = await signedInStaffPage(suite.chrome, suite.server.url, acme.admin, 'fr-FR');
    const errors = collectConsoleErrors(page);

    await page.goto(`${suite.server.url}/admin/m/accounts/new`);
    await expectAccessible(page);
    await page.locator('#f-name').fill('Initech France');
    await page.locator('#f-industry').selectOption('technology');
    await page.locator('form.record-form button[type="submit"]').click();
    await page.waitForURL(/\/admin\/m\/accounts\/[0-9a-f-]{36}\?created=1$/);
    await expectAccessible(page);

    await page.goto(`${suite.server.url}/admin/m/contacts/new`);
    await page.locator('#f-last_name').fill('');
    await page.locator('#f-email').fill('pas-un-email');
    await page.locator('form.record-form button[type="submit"]').click();
    // Errors beside their fields, in French.
    await expect.poll(() => page.locator('#f-last_name-error').textContent()).toBe('Ce champ est obligatoire.');
    expect(await page.locator('#f-email-error').textContent()).toContain('adresse e-mail valide');
    await expectAccessible(page);

    await page.locator('#f-first_name').fill('Amélie');
    await page.locator('#f-last_name').fill('Poulain');
    await page.locator('#f-email').fill('amelie@initech.example');
    // With htmx, typing suggests matching accounts; the name alone is enough either way.
    await page.locator('#f-account').pressSequentially('Initech', { delay: 20 });
    await expect.poll(() => page.locator('#f-account-options option').count()).toBeGreaterThan(0);
    await page.locator('#f-account').fill('Initech France');
    await page.locator('form.record-form button[type="submit"]').click();
    await page.waitForURL(/\/admin\/m\/contacts\/[0-9a-f-]{36}\?created=1$/);
    expect(await page.locator('h1').first().textContent()).toContain('Amélie Poulain');
    expect(await page.getByRole('link', { name: 'Initech France' }).count()).toBeGreaterThan(0);
    await expectAccessible(page);

    await page.locator('#note-body').fill('Rappeler lundi.');
    await page.locator('#notes button[type="submit"]').click();
    await page.waitForURL(/noted=1/);
    expect(await page.locator('#notes').textContent()).toContain('Rappeler lundi.');

    await page.locator('form[action$="/delete"] button').click();
    await page.waitForURL(`${suite.server.url}/admin/m/contacts/recycle-bin`);
    expect(await page.locator('table').textContent()).toContain('Amélie Poulain');
    await expectAccessible(page);
    await page.locator('form[action$="/restore"] button').click();
    await page.waitForURL(/restored=1/);
    expect(await page.locator('#history').textContent()).toContain('Restauré'.slice(0, 4));

    await page.goto(`${suite.server.url}/admin/m/contacts?q=amel`);
    expect(await page.locator('table').textContent()).toContain('Amélie Poulain');
    await expectAccessible(page);
    expect(errors.join('\n')).toBe('');
    await suite.server.db.updateTable('staff_users').set({ language: null }).execute();
  });
});
