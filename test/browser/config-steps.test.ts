/// <reference lib="dom" />
import type { Dialog, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createLayout } from '../../src/crm/layout-admin.js';
import { loadModuleMeta } from '../../src/crm/metadata.js';
import { seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { fieldWalk } from '../../src/portals/field-walk.js';
import { collectConsoleErrors, expectAccessible, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { misplacedLabels } from '../support/layout-checks.js';

// A new portal configured the way an admin does it, one form per step: each
// step's "Save and continue" saves everything typed on it and opens the next;
// leaving a step with changes not saved asks first (the browser's prompt for
// a page load, the page's own words for a link htmx follows); the field
// permissions walk every shown module and each of its layouts before Finish.

const suite = browserSuite(async (server) => {
  expect(await seedDemo(server.db)).toEqual({ seeded: true });
  const admin = await server.db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow();
  expect(await seedDemoPortal({ db: server.db, boss: server.boss, baseUrl: server.url }, admin.id)).toBe(true);
  // Cases with a second layout, so that the walk has a module with two.
  const cases = await loadModuleMeta(server.db, 'cases');
  if (!cases || !(await createLayout(server.db, cases, { labels: { en: 'Returns', 'pt-BR': 'Devoluções' } })).ok) throw new Error('no second layout');
});

const WORDS = {
  en: {
    locale: 'en-US',
    portalName: 'Portal name',
    create: 'Create portal',
    saveContinue: 'Save and continue',
    typeStep: '2. User type',
    limit: 'User limit',
    home: 'Home',
    unsaved: 'This step has changes that are not saved. Leave without saving them?',
    review: 'Review access changes',
    confirm: 'Confirm and save',
    next: /^Save and (next: .+|finish)$/,
    progress: /^Page (\d+) of (\d+):/,
    summary: 'summary',
    portalSaved: 'Portal saved. Next: its user type.',
    typeSaved: 'User type saved. Next: its tabs.',
  },
  'pt-BR': {
    locale: 'pt-BR',
    portalName: 'Nome do portal',
    create: 'Criar portal',
    saveContinue: 'Salvar e continuar',
    typeStep: '2. Tipo de usuário',
    limit: 'Limite de usuários',
    home: 'Início',
    unsaved: 'Esta etapa tem alterações não salvas. Sair sem salvá-las?',
    review: 'Revisar as mudanças de acesso',
    confirm: 'Confirmar e salvar',
    next: /^Salvar e (próximo: .+|concluir)$/,
    progress: /^Página (\d+) de (\d+):/,
    summary: 'resumo',
    portalSaved: 'Portal salvo. Agora: o tipo de usuário.',
    typeSaved: 'Tipo de usuário salvo. Agora: as abas.',
  },
} as const;

/** The dialogs the page opens, answered "stay" (dismissed) so that nothing is lost. */
function dialogs(page: Page): Dialog[] {
  const seen: Dialog[] = [];
  page.on('dialog', (dialog) => {
    seen.push(dialog);
    void dialog.dismiss();
  });
  return seen;
}

describe.skipIf(!hasChromium)('configuring a portal one form per step', () => {
  for (const [lang, w] of Object.entries(WORDS)) {
    it(`saves each step with its one primary button, warns before unsaved changes are lost, and walks every module and layout (${lang})`, async () => {
      const { url, db } = suite.server;
      const page = await signedInStaffPage(suite.chrome, url, DEMO_ADMIN, w.locale);
      const errors = collectConsoleErrors(page);
      const asked = dialogs(page);
      const slug = `steps-${lang.toLowerCase()}`;

      await page.goto(`${url}/admin/settings/portals/new`);
      await page.getByLabel(w.portalName).fill(`Steps ${lang}`);
      await page.locator('#slug').fill(slug);
      await page.getByRole('button', { name: w.create }).click();
      await page.waitForURL(/\/admin\/settings\/portals\/[0-9a-f-]{36}\?done=created$/);
      const portalId = /portals\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;

      // 1. Portal: one form, one primary button; every other button is secondary.
      await expectAccessible(page);
      expect(await page.locator('main button.button:not(.secondary)').count()).toBe(1);
      expect(await page.locator('main form[enctype="multipart/form-data"] button[type=submit]').count()).toBe(1);
      // Typed but not saved, a link away asks first; staying keeps what was typed.
      const name = page.getByLabel(w.portalName);
      await name.click();
      await name.press('End');
      await name.pressSequentially(' Desk');
      await page.getByRole('link', { name: w.typeStep }).click();
      await expect.poll(() => asked.map((d) => d.type())).toEqual(['beforeunload']);
      expect(new URL(page.url()).pathname).toBe(`/admin/settings/portals/${portalId}`);
      expect(await name.inputValue()).toBe(`Steps ${lang} Desk`);
      // A refused value keeps everything typed, saves nothing, and still counts as unsaved.
      await page.locator('#accent').fill('teal');
      await page.getByRole('button', { name: w.saveContinue }).click();
      await page.locator('.field.has-error').first().waitFor();
      expect(await name.inputValue()).toBe(`Steps ${lang} Desk`);
      expect((await db.selectFrom('portals').select('name').where('id', '=', portalId).executeTakeFirstOrThrow()).name).toBe(`Steps ${lang}`);
      await page.locator('#accent').fill('');
      await page.getByRole('button', { name: w.saveContinue }).click();
      await page.waitForURL(/\/types\/[0-9a-f-]{36}\?done=portalSaved$/);
      expect(await page.locator('main').textContent()).toContain(w.portalSaved);
      expect((await db.selectFrom('portals').select('name').where('id', '=', portalId).executeTakeFirstOrThrow()).name).toBe(`Steps ${lang} Desk`);
      const typeId = /types\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;

      // 2. User type: a link htmx follows (the site's navigation) asks in the page's language.
      await expectAccessible(page);
      expect(await page.locator('main button.button:not(.secondary)').count()).toBe(1);
      const limit = page.getByLabel(w.limit);
      await limit.fill('40');
      await page.getByRole('navigation').getByRole('link', { name: w.home, exact: true }).click();
      await expect.poll(() => asked.length).toBe(2);
      expect(asked[1]?.type()).toBe('confirm');
      expect(asked[1]?.message()).toBe(w.unsaved);
      expect(new URL(page.url()).pathname).toBe(`/admin/settings/portals/${portalId}/types/${typeId}`);
      await page.getByRole('button', { name: w.saveContinue }).click();
      await page.waitForURL(`${url}/admin/settings/portals/types/${typeId}/tabs?done=typeSaved`);
      expect(await page.locator('main').textContent()).toContain(w.typeSaved);
      expect((await db.selectFrom('portal_user_types').select('user_limit').where('id', '=', typeId).executeTakeFirstOrThrow()).user_limit).toBe(40);

      // 3. Tabs: each box beside its label; Cases shown with every layout.
      await expectAccessible(page);
      expect(await misplacedLabels(page)).toEqual([]);
      const cases = (await db.selectFrom('modules').select('id').where('api_name', '=', 'cases').executeTakeFirstOrThrow()).id;
      await page.locator(`[id="module-${cases}"] > summary`).click();
      await page.locator(`input[name="${cases}.shown"]`).check();
      for (const box of await page.locator(`input[name="${cases}.layouts"]`).all()) await box.check();
      expect(await misplacedLabels(page)).toEqual([]);
      await page.getByRole('button', { name: w.saveContinue }).click();
      await page.getByRole('heading', { level: 1, name: w.review }).waitFor();
      await page.getByRole('button', { name: w.confirm }).click();
      await page.waitForURL(/\/portals\/types\/[0-9a-f-]{36}\/fields\/contacts\?layout=[0-9a-f-]{36}&done=tabsSaved$/);

      // 4. Field permissions: "Save and next" through every shown module and layout, then the summary.
      const expected = await fieldWalk(db, typeId);
      expect(expected.filter((s) => s.moduleApiName === 'contacts')).toHaveLength(1);
      expect(expected.filter((s) => s.moduleApiName === 'cases')).toHaveLength(2);
      const visited: string[] = [];
      while (/^\/admin\/settings\/portals\/types\/[^/]+\/fields\//.test(new URL(page.url()).pathname)) {
        await expectAccessible(page);
        const at = new URL(page.url());
        visited.push(`${at.pathname.split('/').pop()}:${at.searchParams.get('layout')}`);
        const progress = w.progress.exec((await page.locator('main .walk-progress').textContent()) ?? '');
        expect(progress?.slice(1).map(Number)).toEqual([visited.length, expected.length]);
        // On the way, a field made visible on the last stop: a change in access, reviewed first.
        if (visited.length === expected.length) await page.locator('main tbody input[name="visible"]:not(:checked)').first().check();
        await page.getByRole('button', { name: w.next }).click();
        await page.waitForURL((u) => u.href !== at.href);
        if ((await page.getByRole('heading', { level: 1, name: w.review }).count()) > 0) {
          await page.getByRole('button', { name: w.confirm }).click();
          await page.waitForURL((u) => u.searchParams.get('saved') === '1' || u.pathname.endsWith('/summary'));
        }
      }
      expect(visited).toEqual(expected.map((s) => `${s.moduleApiName}:${s.layoutId}`));
      expect(new URL(page.url()).pathname).toBe(`/admin/settings/portals/${portalId}/summary`);
      expect(await page.locator('h1').textContent()).toContain(w.summary);
      await expectAccessible(page);
      expect(asked).toHaveLength(2);
      expect(errors).toEqual([]);
    });
  }
});
