/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, hasChromium } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

let world: PortalWorld;
const suite = browserSuite(async (server) => {
  world = await seedPortalWorld(server);
  await addPortalUser(server, world, { email: carla.email, recordId: world.records.carla, status: 'active', password: carla.password });
});

describe.skipIf(!hasChromium)('signing in to a portal in a browser', () => {
  it('signs in in French and reads the cases of the user’s own contact', async () => {
    const context = await suite.chrome.browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${suite.server.url}${HELP}/m/cases`);
    await page.waitForURL(/\/p\/acme-help\/login\?next=/);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Se connecter à Acme Help');
    await expectAccessible(page);

    await page.locator('#email').fill(carla.email);
    await page.locator('#password').fill('pas-le-bon-1');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForLoadState('domcontentloaded');
    expect(await page.getByRole('alert').textContent()).toContain("L'adresse e-mail ou le mot de passe est incorrect.");
    await expectAccessible(page);

    await page.locator('#password').fill(carla.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(`${suite.server.url}${HELP}/m/cases`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Demandes');
    expect(await page.locator('#module-count').textContent()).toBe('2 enregistrements');
    const rows = page.locator('table.records tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('table.records').textContent()).not.toContain('Dora');
    await expectAccessible(page);

    await page.getByRole('link', { name: 'Printer jam' }).click();
    await page.waitForURL(`${suite.server.url}${HELP}/m/cases/${world.records.carlaCase1}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Printer jam');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(`${suite.server.url}${HELP}/login?signedOut=1`);
    expect(await page.getByRole('status').textContent()).toBe('Vous avez fermé votre session.');
    expect(errors.join('\n')).toBe('');
    await context.close();
  });
});
