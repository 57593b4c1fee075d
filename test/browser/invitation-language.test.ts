/// <reference lib="dom" />
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord } from '../../src/crm/records.js';
import { inviteRecord } from '../../src/invitations/invite.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { collectConsoleErrors, expectAccessible, hasChromium } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { seedAcme } from '../support/fixtures.js';
import type { TestServer } from '../support/server.js';

const ids: Record<string, string> = {};

/** An English organization's portal, and Lia, whose contact has no language, invited the way staff invite. */
async function setup(server: TestServer) {
  const db = server.db;
  const { admin } = await seedAcme(db);
  const staff: Actor = { kind: 'staff', id: admin.id };
  const created = await createPortal(db, staff, { name: 'Customer Care' });
  if (!created.ok) throw new Error('no portal');
  const type = (await db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
  const contacts = (await loadModuleMeta(db, 'contacts')) as ModuleMeta;
  const tabs = { contacts: {}, deals: {}, quotes: {}, cases: {} };
  expect(await saveTabs(db, staff, type, tabForm((await tabOptions(db, type)) ?? [], tabs))).toEqual({ ok: true });
  // Wide enough to test a phone's width: six columns and four tabs.
  const visible = ['first_name', 'last_name', 'email', 'phone', 'mobile', 'title'];
  const rows = contacts.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
  expect((await saveFieldPermissions(db, staff, type, contacts.module.id, contacts.defaultLayout?.id as string, rows)).ok).toBe(true);
  const data = {
    first_name: 'Lia',
    last_name: 'Souza',
    email: 'lia.souza@globex.example',
    phone: '+55 11 3333 4444',
    mobile: '+55 11 99999 0000',
    title: 'Gerente de compras',
  };
  ids.lia = (await createRecord(db, staff, contacts, { data, layoutId: contacts.defaultLayout?.id as string, ownerId: admin.id })).id;
  const outcome = await inviteRecord({ db, boss: server.boss, baseUrl: server.url }, { recordId: ids.lia, userTypeId: type, staffId: admin.id });
  expect(outcome.outcome).toBe('sent');
}

const suite = browserSuite(setup);

describe.skipIf(!hasChromium)('an invitee’s language, with a Brazilian browser', () => {
  it('shows the invitation, the welcome page and the first portal page in Portuguese, and the record keeps pt-BR', { timeout: 60_000 }, async () => {
    const { server, chrome } = suite;
    const mail = await server.db.selectFrom('email_outbox').select('text').where('to_address', '=', 'lia.souza@globex.example').executeTakeFirstOrThrow();
    const link = /https?:\/\/\S+\/invite\/[a-z2-7]+/.exec(mail.text)?.[0] as string;
    expect(link).toBeTruthy();

    // On a phone: no page of the way in scrolls sideways.
    const context = await chrome.browser.newContext({ locale: 'pt-BR', viewport: { width: 390, height: 844 } });
    const visitor = await context.newPage();
    const errors = collectConsoleErrors(visitor);
    const lang = () => visitor.locator('html').getAttribute('lang');
    const pageWidth = () => visitor.evaluate(() => document.documentElement.scrollWidth);

    await visitor.goto(link.replace(/^https?:\/\/[^/]+/, server.url));
    await visitor.getByRole('heading', { level: 1, name: 'Boas-vindas a Customer Care' }).waitFor();
    expect(await lang()).toBe('pt-BR');
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await expectAccessible(visitor);
    await visitor.getByLabel(/^Nova senha/).fill('Lia-Portal-2027');
    await visitor.getByLabel(/^Repita a nova senha/).fill('Lia-Portal-2027');
    await visitor.getByRole('button', { name: 'Salvar a senha e entrar' }).click();

    await visitor.waitForURL(/\/welcome$/);
    expect(await lang()).toBe('pt-BR');
    await visitor.getByRole('heading', { level: 1, name: 'Boas-vindas a Customer Care' }).waitFor();
    // Preselected: the language she was reading, not the organization's English.
    expect(await visitor.locator('main').getByLabel('Idioma').inputValue()).toBe('pt-BR');
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await expectAccessible(visitor);
    await visitor.getByRole('button', { name: 'Salvar e continuar' }).click();

    await visitor.waitForURL(/\/m\/contacts$/);
    expect(await lang()).toBe('pt-BR');
    await visitor.getByRole('heading', { level: 1, name: 'Contatos' }).waitFor();
    expect(await visitor.locator('table.records tbody th').allTextContents()).toEqual(['Lia']);
    expect(await pageWidth()).toBeLessThanOrEqual(390);
    await expectAccessible(visitor);

    const stored = await server.db
      .selectFrom('records')
      .select(sql<string | null>`data->>'language'`.as('language'))
      .where('id', '=', ids.lia as string)
      .executeTakeFirstOrThrow();
    expect(stored.language).toBe('pt-BR');
    const user = await server.db
      .selectFrom('portal_users')
      .select('language')
      .where('record_id', '=', ids.lia as string)
      .executeTakeFirstOrThrow();
    expect(user.language).toBe('pt-BR');
    expect(errors).toEqual([]);
    await context.close();
  });
});
