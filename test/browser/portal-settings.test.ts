/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';

const suite = browserSuite(async (server) => {
  await seedAcme(server.db);
});

describe.skipIf(!hasChromium)('portal card designs and the configuration file in a browser', () => {
  it('designs the cards of cases in Portuguese and downloads the configuration', async () => {
    await suite.server.db.updateTable('staff_users').set({ language: 'pt-BR' }).execute();
    const page = await signedInStaffPage(suite.chrome, suite.server.url, acme.admin, 'pt-BR');
    const errors = collectConsoleErrors(page);
    await page.goto(`${suite.server.url}/admin/settings/portals/cards`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Casos' }).click();
    await page.waitForURL(`${suite.server.url}/admin/settings/portals/cards/cases`);
    await page.locator('#title').selectOption({ label: 'Assunto' });
    await page.locator('#subtitle1').selectOption({ label: 'Status' });
    await page.locator('#badge').selectOption({ label: 'Prioridade' });
    await page.locator('form[action="/admin/settings/portals/cards/cases"] button[type="submit"]').click();
    await page.waitForURL(/saved=1/);
    expect(await page.getByRole('status').textContent()).toBe('O modelo do cartão foi salvo.');
    expect(await page.locator('.portal-card-title').textContent()).toBe('Assunto');
    await expectAccessible(page);

    await page.goto(`${suite.server.url}/admin/settings/portals/transfer`);
    await expectAccessible(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Baixar a configuração' }).click()]);
    expect(download.suggestedFilename()).toBe('porta-portals.json');
    expect(errors.join('\n')).toBe('');
    await suite.server.db.updateTable('staff_users').set({ language: null }).execute();
  });
});
