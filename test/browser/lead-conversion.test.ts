/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';

const suite = browserSuite(async (server) => {
  await seedAcme(server.db);
});

describe.skipIf(!hasChromium)('lead conversion in a browser', () => {
  it('converts a lead with a note and a file into a contact, a new account and a deal — in Spanish', async () => {
    await suite.server.db.updateTable('staff_users').set({ language: 'es' }).execute();
    const page = await signedInStaffPage(suite.chrome, suite.server.url, acme.admin, 'es-ES');
    const errors = collectConsoleErrors(page);

    await page.goto(`${suite.server.url}/admin/m/leads/new`);
    await page.locator('#f-first_name').fill('Lucas');
    await page.locator('#f-last_name').fill('Moreau');
    await page.locator('#f-company').fill('Boulangerie Moreau');
    await page.locator('#f-email').fill('lucas@moreau.example');
    await page.locator('form.record-form button[type="submit"]').click();
    await page.waitForURL(/\/admin\/m\/leads\/[0-9a-f-]{36}\?created=1$/);
    const leadUrl = page.url().replace(/\?.*$/, '');

    await page.locator('#note-body').fill('Quiere un presupuesto.');
    await page.locator('#notes button[type="submit"]').click();
    await page.waitForURL(/noted=1/);
    await page.locator('#attachment-file').setInputFiles({ name: 'pedido.txt', mimeType: 'text/plain', buffer: Buffer.from('100 baguettes') });
    await page.locator('#attachments button[type="submit"]').click();
    await page.waitForURL(/attached=1/);

    await page.goto(`${leadUrl}/convert`);
    await expectAccessible(page);
    await page.locator('#account-mode-create').check();
    await page.locator('#create-deal').check();
    await page.locator('#f-deal_name').fill('Pedido anual');
    await page.locator('#f-deal_stage').selectOption('proposal');
    await page.locator('#f-deal_closing_date').fill('2027-01-31');
    await page.locator('form[action$="/convert"] button[type="submit"]').click();
    await page.waitForURL(/\/admin\/m\/contacts\/[0-9a-f-]{36}\?converted=1$/);
    expect(await page.locator('h1').first().textContent()).toContain('Lucas Moreau');
    // The note and the file moved with the person.
    expect(await page.locator('#notes').textContent()).toContain('Quiere un presupuesto.');
    expect(await page.locator('#attachments').textContent()).toContain('pedido.txt');
    expect(await page.getByRole('link', { name: 'Boulangerie Moreau' }).count()).toBeGreaterThan(0);
    await expectAccessible(page);

    // The lead now points at the contact and cannot be converted twice.
    await page.goto(leadUrl);
    expect(await page.getByRole('link', { name: 'Lucas Moreau' }).count()).toBeGreaterThan(0);
    expect(await page.locator(`a[href="${new URL(leadUrl).pathname}/convert"]`).count()).toBe(0);
    expect(await page.locator('#notes').textContent()).not.toContain('Quiere un presupuesto.');
    expect(errors.join('\n')).toBe('');
    await suite.server.db.updateTable('staff_users').set({ language: null }).execute();
  });
});
