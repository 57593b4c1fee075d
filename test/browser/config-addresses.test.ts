/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { savePortalSettings } from '../../src/portals/portal-settings.js';
import { createPortal } from '../../src/portals/portals.js';
import { collectConsoleErrors, expectAccessible, expectAccessibleWithoutJs, hasChromium } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';

let careUrl = '';
let carePage = '';

const suite = browserSuite(async (server) => {
  const { admin } = await seedAcme(server.db);
  const actor = { kind: 'staff', id: admin.id } as const;
  const care = await createPortal(server.db, actor, { name: 'Acme Care', slug: 'acme-care' });
  const help = await createPortal(server.db, actor, { name: 'Acme Help', slug: 'acme-help' });
  if (!care.ok || !help.ok) throw new Error('portals not created');
  expect((await savePortalSettings(server.db, actor, help.portal.id, { domain: 'support.acme.test' }, server.url)).ok).toBe(true);
  careUrl = `${server.url}/p/acme-care`;
  carePage = `${server.url}/admin/settings/portals/${care.portal.id}`;
});

async function signedIn(options: { javaScriptEnabled: boolean; width?: number }): Promise<Page> {
  const context = await suite.chrome.browser.newContext({
    locale: 'en-US',
    javaScriptEnabled: options.javaScriptEnabled,
    viewport: { width: options.width ?? 1280, height: 900 },
  });
  if (options.javaScriptEnabled) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.server.url });
  const page = await context.newPage();
  await page.goto(`${suite.server.url}/admin/login`);
  await page.locator('#email').fill(acme.admin.email);
  await page.locator('#password').fill(acme.admin.password);
  await page.locator('form[action="/admin/login"] button[type="submit"]').click();
  await page.waitForURL(`${suite.server.url}/admin`);
  return page;
}

describe.skipIf(!hasChromium)('portal addresses in a browser', () => {
  it('copies the full address with the button the script adds, at 1280 and 390 px', async () => {
    for (const width of [1280, 390]) {
      const page = await signedIn({ javaScriptEnabled: true, width });
      const errors = collectConsoleErrors(page);
      await page.goto(carePage);
      const field = page.getByLabel('Address to copy');
      expect(await field.inputValue()).toBe(careUrl);
      const link = page.getByRole('link', { name: `${careUrl} (opens in a new tab)` });
      expect(await link.getAttribute('target')).toBe('_blank');
      await page.getByRole('button', { name: 'Copy address' }).click();
      await page.getByRole('status').filter({ hasText: 'Address copied.' }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(careUrl);
      expect(await field.evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd])).toEqual([0, careUrl.length]);
      await expectAccessible(page);

      await page.goto(`${suite.server.url}/admin/settings/portals`);
      expect(await page.getByRole('button', { name: 'Copy address' }).count()).toBe(2);
      expect(await page.getByRole('link', { name: 'http://support.acme.test/p/acme-help (opens in a new tab)' }).count()).toBe(1);
      await expectAccessible(page);
      expect(errors).toEqual([]);
      await page.context().close();
    }
  });

  it('without the script there is no copy button, and the field still selects the whole address', async () => {
    const page = await signedIn({ javaScriptEnabled: true });
    // The failing case first: with the script blocked the button is not there, so it comes from the script alone.
    await page.route(/\/static\/js\/portal-address\./, (route) => route.abort());
    await page.goto(carePage);
    expect(await page.getByRole('button', { name: 'Copy address' }).count()).toBe(0);
    const field = page.getByLabel('Address to copy');
    await field.click();
    await page.keyboard.press('ControlOrMeta+A');
    expect(await field.evaluate((el: HTMLInputElement) => [el.readOnly, el.value.slice(el.selectionStart ?? 0, el.selectionEnd ?? 0)])).toEqual([
      true,
      careUrl,
    ]);
    await page.context().close();

    const noJs = await signedIn({ javaScriptEnabled: false, width: 390 });
    const auditor = await signedIn({ javaScriptEnabled: true, width: 390 });
    await noJs.goto(carePage);
    expect(await noJs.getByRole('button', { name: 'Copy address' }).count()).toBe(0);
    expect(await noJs.getByLabel('Address to copy').inputValue()).toBe(careUrl);
    await expectAccessibleWithoutJs(noJs, auditor);
    await noJs.context().close();
    await auditor.context().close();
  });
});
