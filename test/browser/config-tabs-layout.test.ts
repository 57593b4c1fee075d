/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { DEMO_PORTAL_SLUG, seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { addUserType } from '../../src/portals/user-types.js';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { misplacedLabels } from '../support/layout-checks.js';

// The Tabs step of the demo portal as an admin sees it: each box beside its
// label, one collapsible card per module, a page short enough to scan and
// no sideways scrolling on a phone.

let typeId = '';
let portalId = '';
let partnerTypeId = '';

const suite = browserSuite(async (server) => {
  expect(await seedDemo(server.db)).toEqual({ seeded: true });
  const admin = await server.db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow();
  expect(await seedDemoPortal({ db: server.db, boss: server.boss, baseUrl: server.url }, admin.id)).toBe(true);
  const portal = await server.db.selectFrom('portals').select('id').where('slug', '=', DEMO_PORTAL_SLUG).executeTakeFirstOrThrow();
  portalId = portal.id;
  const type = await server.db.selectFrom('portal_user_types').select(['id', 'base_module_id']).where('portal_id', '=', portal.id).executeTakeFirstOrThrow();
  typeId = type.id;
  const added = await addUserType(server.db, { kind: 'staff', id: admin.id }, portal.id, { name: 'Partner desks', baseModuleId: type.base_module_id });
  if (!added.ok) throw new Error('second user type not added');
  partnerTypeId = (
    await server.db
      .selectFrom('portal_user_types')
      .select('id')
      .where('portal_id', '=', portal.id)
      .where('name', '=', 'Partner desks')
      .executeTakeFirstOrThrow()
  ).id;
});

async function openTabs(locale: string, width: number) {
  const page = await signedInStaffPage(suite.chrome, suite.server.url, DEMO_ADMIN, locale);
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${suite.server.url}/admin/settings/portals/types/${typeId}/tabs`);
  return page;
}

describe.skipIf(!hasChromium)('the Tabs step of the portal configurator', () => {
  for (const [locale, lang, view] of [
    ['en-US', 'en', 'View'],
    ['pt-BR', 'pt-BR', 'Ver'],
  ] as const) {
    it(`puts each box beside its label and each module in a card, shown ones open (${lang}, 1280 px)`, async () => {
      const page = await openTabs(locale, 1280);
      const errors = collectConsoleErrors(page);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      const modules = await page.locator('main form details.tab-module').evaluateAll((all) =>
        all.map((d) => ({
          open: (d as HTMLDetailsElement).open,
          shown: Boolean(d.querySelector<HTMLInputElement>('input[name$=".shown"]')?.checked ?? true),
        })),
      );
      expect(modules.length).toBeGreaterThan(2);
      expect(modules.filter((m) => m.shown).length).toBeGreaterThan(0);
      expect(modules.filter((m) => !m.shown).length).toBeGreaterThan(0);
      for (const m of modules) expect(m.open).toBe(m.shown);
      // Every control of the page's form is inside a module's card.
      expect(await page.locator('main form input:not([type=hidden], details.tab-module input)').count()).toBe(0);

      const boxes = page.locator('main details.tab-module[open] input:is([type=checkbox], [type=radio])');
      expect(await boxes.count()).toBeGreaterThan(5);
      expect(await page.getByLabel(view, { exact: true }).first().isVisible()).toBe(true);
      expect(await misplacedLabels(page)).toEqual([]);
      await page.screenshot({ path: `/tmp/shots/tabs-${lang}-1280.png`, fullPage: true });
      const height = await page.evaluate(() => document.scrollingElement?.scrollHeight ?? 0);
      expect(height).toBeLessThan(3000);
      await expectAccessible(page);
      expect(errors).toEqual([]);
      await page.context().close();
    });

    it(`fits a 390 px screen without sideways scrolling (${lang})`, async () => {
      const page = await openTabs(locale, 390);
      await page.screenshot({ path: `/tmp/shots/tabs-${lang}-390.png`, fullPage: true });
      await page.screenshot({ path: `/tmp/shots/tabs-${lang}-390-top.png` });
      const overflow = await page.evaluate(() => ({ scroll: document.scrollingElement?.scrollWidth ?? 0, inner: window.innerWidth }));
      expect(overflow.scroll).toBeLessThanOrEqual(overflow.inner);
      expect(await misplacedLabels(page)).toEqual([]);
      await expectAccessible(page);
      // A collapsed module opens from the keyboard and its controls read beside their labels too.
      const closedId = await page.locator('main details.tab-module:not([open])').first().getAttribute('id');
      const closed = page.locator(`[id="${closedId}"]`);
      await closed.locator('> summary').focus();
      await page.keyboard.press('Enter');
      expect(await closed.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      expect(await misplacedLabels(page)).toEqual([]);
      // A label too long for the line wraps beside its box rather than dropping below it.
      await page.evaluate(() => {
        const label = document.querySelector('main details.tab-module[open] fieldset fieldset label');
        if (label) label.textContent = 'A layout whose name is far too long to fit on one line of a phone screen';
      });
      expect(await misplacedLabels(page)).toEqual([]);
      const after = await page.evaluate(() => document.scrollingElement?.scrollWidth ?? 0);
      expect(after).toBeLessThanOrEqual(overflow.inner);
      await page.context().close();
    });
  }

  it('offers every user type of the portal in the steps, each linking to its page', async () => {
    const page = await openTabs('en-US', 390);
    const step = page.locator('nav.steps li.step-types');
    const links = await step.locator('a').evaluateAll((all) => all.map((a) => ({ text: a.textContent?.trim(), href: a.getAttribute('href') })));
    expect(links.map((l) => l.href).sort()).toEqual(
      [`/admin/settings/portals/${portalId}/types/${partnerTypeId}`, `/admin/settings/portals/${portalId}/types/${typeId}`].sort(),
    );
    expect(links.map((l) => l.text)).toContain('Partner desks');
    const overflow = await page.evaluate(() => (document.scrollingElement?.scrollWidth ?? 0) <= window.innerWidth);
    expect(overflow).toBe(true);
    await page.locator('nav.steps').screenshot({ path: '/tmp/shots/steps-390.png' });
    await step.getByRole('link', { name: 'Partner desks' }).click();
    await page.waitForURL(`**/types/${partnerTypeId}`);
    expect(await page.locator('nav.steps li.step-types a[aria-current="page"]').textContent()).toBe('Partner desks');
    await expectAccessible(page);
    await page.context().close();
  });

  it('reports a box stacked above its label, the layout the page must not have', async () => {
    const context = await suite.chrome.browser.newContext();
    const page = await context.newPage();
    await page.setContent(`<main>
      <div><input type="checkbox" id="stacked" name="stacked" style="display:block;width:100%"><label for="stacked" style="display:block">Stacked</label></div>
      <div style="display:flex;gap:.5rem;align-items:center"><input type="checkbox" id="inline" name="inline"><label for="inline">Inline</label></div>
      <div><input type="radio" id="before" name="before" style="float:right"><label for="before">Left of its box</label></div>
    </main>`);
    const problems = await misplacedLabels(page);
    expect(problems.some((p) => p.startsWith('stacked:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('before:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('inline:'))).toBe(false);
    await context.close();
  });
});
