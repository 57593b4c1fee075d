/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { Database } from '../../src/db/database.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { collectConsoleErrors, expectAccessible, expectAccessibleWithoutJs, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';
import { localeTexts } from '../support/locale-strings.js';

// Acme's "Clientes" portal at /p/clientes: a contact edits their phone (the
// email is read-only), creates, clones and deletes the deals of their contact,
// and adds notes and files to their cases. Each journey runs in one language,
// with JavaScript on and off; the records belong to Bruno, who invited them.

const SLUG = 'clientes';
const BASE = `/p/${SLUG}`;
const PHONE_WIDTH = 390;

type Lang = 'es' | 'pt-BR';
type Person = { first: string; last: string; email: string; password: string; phone: string; deal: string; spare: string; case: string };
type Journey = { lang: Lang; locale: string; js: boolean; who: Person };

const JOURNEYS: Journey[] = [
  {
    lang: 'es',
    locale: 'es-ES',
    js: true,
    who: {
      first: 'Carla',
      last: 'Núñez',
      email: 'carla@globex.example',
      password: 'Carla-Portal-2027',
      phone: '+34 600 111 222',
      deal: 'Renovación 2027',
      spare: 'Prueba piloto',
      case: 'Impresora atascada',
    },
  },
  {
    lang: 'pt-BR',
    locale: 'pt-BR',
    js: true,
    who: {
      first: 'Lia',
      last: 'Souza',
      email: 'lia.souza@globex.example',
      password: 'Lia-Portal-2027',
      phone: '+55 11 3333 4444',
      deal: 'Renovação 2027',
      spare: 'Projeto piloto',
      case: 'Impressora travada',
    },
  },
  {
    lang: 'es',
    locale: 'es-ES',
    js: false,
    who: {
      first: 'Dora',
      last: 'Ortiz',
      email: 'dora@initech.example',
      password: 'Dora-Portal-2027',
      phone: '+34 911 222 333',
      deal: 'Ampliación de Dora',
      spare: 'Oferta de prueba',
      case: 'Caída del servicio',
    },
  },
  {
    lang: 'pt-BR',
    locale: 'pt-BR',
    js: false,
    who: {
      first: 'Rui',
      last: 'Barros',
      email: 'rui.barros@initech.example',
      password: 'Rui-Portal-2027',
      phone: '+55 21 2222 1111',
      deal: 'Expansão do Rui',
      spare: 'Oferta de teste',
      case: 'Serviço fora do ar',
    },
  },
];

type Seeded = { contact: string; user: string; deal: string; spare: string; case: string };

const world = {} as {
  brunoId: string;
  contacts: ModuleMeta;
  deals: ModuleMeta;
  cases: ModuleMeta;
  people: Map<string, Seeded>;
};

/** The portal's one user type, on contacts, with deals and cases of the user's contact; each person a contact with a deal, a spare deal and a case. */
async function setup(db: Database) {
  const { admin } = await seedAcme(db);
  const staff: Actor = { kind: 'staff', id: admin.id };
  world.brunoId = (await seedStandardUser(db)).id;
  const created = await createPortal(db, staff, { name: 'Clientes', slug: SLUG });
  if (!created.ok) throw new Error('portal not created');
  const typeId = (await db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
  const meta = async (name: string) => (await loadModuleMeta(db, name)) as ModuleMeta;
  world.contacts = await meta('contacts');
  world.deals = await meta('deals');
  world.cases = await meta('cases');
  const tabs = tabForm((await tabOptions(db, typeId)) ?? [], {
    contacts: { edit: true },
    deals: { create: true, edit: true, delete: true },
    cases: { create: true, edit: true, notes: 'add', attachments: 'add' },
  });
  expect(await saveTabs(db, staff, typeId, tabs)).toEqual({ ok: true });
  const perms = async (m: ModuleMeta, visible: string[], readOnly: string[] = []) => {
    const rows = m.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: readOnly.includes(f.api_name) }));
    expect((await saveFieldPermissions(db, staff, typeId, m.module.id, m.defaultLayout?.id as string, rows)).ok).toBe(true);
  };
  await perms(world.contacts, ['first_name', 'last_name', 'email', 'phone'], ['email']);
  await perms(world.deals, ['name', 'contact', 'amount', 'stage', 'closing_date']);
  await perms(world.cases, ['subject', 'status', 'priority', 'contact'], ['status']);

  const rec = async (m: ModuleMeta, data: RecordData) =>
    (await createRecord(db, staff, m, { data, layoutId: m.defaultLayout?.id as string, ownerId: admin.id })).id;
  world.people = new Map();
  for (const { lang, who } of JOURNEYS) {
    const contact = await rec(world.contacts, { first_name: who.first, last_name: who.last, email: who.email, language: lang });
    const user = randomUUID();
    await db
      .insertInto('portal_users')
      .values({
        id: user,
        portal_id: created.portal.id,
        user_type_id: typeId,
        record_id: contact,
        email: who.email,
        password_hash: await hashPassword(who.password),
        status: 'active',
        invited_by: world.brunoId,
        language: lang,
        activated_at: new Date(),
      })
      .execute();
    world.people.set(who.email, {
      contact,
      user,
      deal: await rec(world.deals, { name: who.deal, stage: 'proposal', closing_date: '2027-01-31', amount: '9000', contact }),
      spare: await rec(world.deals, { name: who.spare, stage: 'qualification', closing_date: '2027-02-28', contact }),
      case: await rec(world.cases, { subject: who.case, status: 'open', priority: 'medium', contact }),
    });
  }
}

const suite = browserSuite((server) => setup(server.db));

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A form control by its label, which marks a required field with an asterisk. */
const control = (page: Page, label: string) => page.getByLabel(new RegExp(`^${escapeRegExp(label)}(\\s*\\*)?$`));
/** What a control shows: a select's chosen option, a text box's text. */
const shownValue = (control: Locator) =>
  control.evaluate((el) => (el instanceof HTMLSelectElement ? (el.selectedOptions[0]?.text ?? '') : (el as HTMLInputElement).value));
const decodeHtml = (html: string) =>
  html.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e] ?? _);

/** A small but well-formed PDF. */
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const ATTACHMENT_LIMIT = 10 * 1024 * 1024;

describe.skipIf(!hasChromium)('a contact’s own writes in the customer portal', () => {
  for (const journey of JOURNEYS) {
    const { lang, locale, js, who } = journey;
    const t = localeTexts(lang);
    const label = `in ${lang}, JavaScript ${js ? 'on' : 'off'}`;

    describe(label, () => {
      let context: BrowserContext;
      let page: Page;
      let staffPage: Page;
      /** Where axe checks the pages of a journey without JavaScript. */
      let auditor: Page | undefined;
      let errors: string[];
      let mine: Seeded;
      let url: string;
      const db = () => suite.server.db;

      /** Every page the journey visits is in the user's language and passes axe. */
      const visited = async (p: Page = page) => {
        await p.waitForLoadState('domcontentloaded');
        expect(await p.locator('html').getAttribute('lang'), p.url()).toBe(lang);
        // The journey without JavaScript really has none: htmx never started.
        if (p === page) expect(await p.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx), p.url()).toBe(js ? 'object' : 'undefined');
        if (p === page && auditor) await expectAccessibleWithoutJs(p, auditor);
        else await expectAccessible(p);
      };
      const main = (p: Page = page) => p.getByRole('main');
      /** The page's one success message. */
      const notice = async () => (await main().getByRole('status').textContent())?.trim();
      const tab = (module: 'contacts' | 'deals' | 'cases') =>
        page.getByRole('navigation', { name: t('portal:nav.label') }).getByRole('link', { name: t(`modules:${module}.plural`), exact: true });
      const recordOf = (id: string) => db().selectFrom('records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const attachmentsOf = (id: string) =>
        db().selectFrom('attachments').select(['filename', 'content_type', 'author_kind', 'author_id', 'internal']).where('record_id', '=', id).execute();
      const staffVisit = async (path: string) => {
        await staffPage.goto(`${url}${path}`);
        await visited(staffPage);
      };

      beforeAll(async () => {
        url = suite.server.url;
        mine = world.people.get(who.email) as Seeded;
        context = await suite.chrome.browser.newContext({ locale, javaScriptEnabled: js });
        page = await context.newPage();
        errors = collectConsoleErrors(page);
        if (!js) auditor = await (await suite.chrome.browser.newContext({ locale })).newPage();
        // Signing in from the portal's address: whatever its home shows, it is behind the sign-in page.
        await page.goto(`${url}${BASE}`);
        await page.waitForURL(/\/login/);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('portalauth:login.title', { portal: 'Clientes' }));
        await control(page, t('auth:email')).fill(who.email);
        await control(page, t('auth:password')).fill(who.password);
        await page.getByRole('button', { name: t('portalauth:login.submit') }).click();
        await page.waitForURL((u) => u.pathname.startsWith(BASE) && !u.pathname.includes('/login'));
        await visited();
        staffPage = await signedInStaffPage(suite.chrome, url, acme.admin, locale);
      }, 30_000);

      afterAll(async () => {
        await staffPage?.context().close();
        await auditor?.context().close();
        await context?.close();
      });

      it('a) edits their own phone number from "My details"; the read-only email is shown, not offered', async () => {
        await page.getByRole('link', { name: t('portal:nav.myDetails'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/contacts/${mine.contact}`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`${who.first} ${who.last}`);
        await page.getByRole('link', { name: t('portal:record.edit'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/contacts/${mine.contact}/edit`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('crm:actions.editNamed', { name: t('modules:contacts.singular') }));
        expect(await control(page, t('fields:contacts.email')).count()).toBe(0);
        expect(await main().textContent()).toContain(who.email);
        expect(await main().textContent()).toContain(t('portal:record.readOnly'));
        await control(page, t('fields:contacts.phone')).fill(who.phone);
        await page.getByRole('button', { name: t('common:save'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/contacts/${mine.contact}?saved=1`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.saved'));
        expect(await main().textContent()).toContain(who.phone);
        expect((await recordOf(mine.contact)).data).toMatchObject({ phone: who.phone, email: who.email });
      });

      it('b) is refused a crafted form that changes the read-only email: 422, nothing written', async () => {
        const before = await recordOf(mine.contact);
        const res = await page.request.post(`${url}${BASE}/m/contacts/${mine.contact}/edit`, {
          headers: { Origin: url },
          form: {
            __version: String(before.version),
            first_name: who.first,
            last_name: who.last,
            phone: '+34 699 999 999',
            email: 'someone.else@evil.example',
          },
          maxRedirects: 0,
        });
        expect(res.status()).toBe(422);
        const html = decodeHtml(await res.text());
        expect(html).toContain(`lang="${lang}"`);
        expect(html).toContain(t('portal:form.refused.read_only_field'));
        expect(html).not.toContain('someone.else@evil.example');
        const after = await recordOf(mine.contact);
        expect([after.version, after.data]).toEqual([before.version, before.data]);
      });

      it('c) creates a deal of their own with "New"; staff see it in the CRM, owned by the staff user who invited them', async () => {
        const name = `${t('modules:deals.singular')} ${who.first} ${js ? 'JS' : 'HTML'}`;
        await tab('deals').click();
        await page.waitForURL(`${url}${BASE}/m/deals`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('modules:deals.plural'));
        await page.getByRole('link', { name: t('portal:list.new', { module: t('modules:deals.singular') }), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/new`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('crm:actions.new', { name: t('modules:deals.singular') }));
        // The deal's contact starts as their own.
        expect(await shownValue(control(page, t('fields:deals.contact')))).toBe(`${who.first} ${who.last}`);
        await control(page, t('fields:deals.name')).fill(name);
        await control(page, t('fields:deals.stage')).selectOption({ label: t('picklists:deals.stage.negotiation') });
        await control(page, t('fields:deals.closing_date')).fill('2027-06-30');
        await control(page, t('fields:deals.amount')).fill('1500');
        await page.getByRole('button', { name: t('common:save'), exact: true }).click();
        await page.waitForURL(new RegExp(`${BASE}/m/deals/([0-9a-f-]{36})\\?created=1$`));
        await visited();
        const id = /\/m\/deals\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(name);
        expect(await notice()).toBe(t('portal:recordNotice.created'));
        expect(await main().textContent()).toContain(t('picklists:deals.stage.negotiation'));

        const row = await recordOf(id);
        expect(row.data).toMatchObject({ name, stage: 'negotiation', closing_date: '2027-06-30', contact: mine.contact });
        expect(row.owner_id).toBe(world.brunoId);
        expect(row.created_by_portal_user_id).toBe(mine.user);

        await staffVisit('/admin/m/deals');
        await staffPage.getByRole('link', { name, exact: true }).click();
        await staffPage.waitForURL(`${url}/admin/m/deals/${id}`);
        await visited(staffPage);
        const owner = staffPage.getByRole('term').filter({ hasText: new RegExp(`^${escapeRegExp(t('crm:owner'))}$`) });
        expect(await owner.locator('xpath=following-sibling::dd[1]').textContent()).toBe(bruno.name);
      });

      it('d) clones a deal from its page and saves the copy', async () => {
        const copy = `${who.deal} (2)`;
        await tab('deals').click();
        await page.waitForURL(`${url}${BASE}/m/deals`);
        await visited();
        await main().getByRole('link', { name: who.deal, exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.deal}`);
        await visited();
        await page.getByRole('link', { name: t('portal:record.clone'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/new?clone=${mine.deal}`);
        await visited();
        expect(await control(page, t('fields:deals.name')).inputValue()).toBe(who.deal);
        expect(await control(page, t('fields:deals.stage')).inputValue()).toBe('proposal');
        await control(page, t('fields:deals.name')).fill(copy);
        await page.getByRole('button', { name: t('common:save'), exact: true }).click();
        await page.waitForURL(new RegExp(`${BASE}/m/deals/([0-9a-f-]{36})\\?created=1$`));
        await visited();
        const id = /\/m\/deals\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;
        expect(id).not.toBe(mine.deal);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(copy);
        expect((await recordOf(id)).data).toMatchObject({ name: copy, stage: 'proposal', closing_date: '2027-01-31', contact: mine.contact });
        expect((await recordOf(mine.deal)).data).toMatchObject({ name: who.deal });
      });

      it('e) deletes a deal after the confirmation page: it is in the recycle bin, for staff too', async () => {
        await tab('deals').click();
        await page.waitForURL(`${url}${BASE}/m/deals`);
        await visited();
        await main().getByRole('link', { name: who.spare, exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.spare}`);
        await visited();
        await page.getByRole('link', { name: t('portal:record.delete'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.spare}/delete`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('portal:delete.title', { module: t('modules:deals.singular') }));
        expect(await main().textContent()).toContain(t('portal:delete.message'));
        await page.getByRole('button', { name: t('portal:delete.confirm'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals?deleted=1`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.deleted'));
        expect(await main().getByRole('link', { name: who.spare, exact: true }).count()).toBe(0);
        expect((await recordOf(mine.spare)).deleted_at).toBeInstanceOf(Date);

        await staffVisit('/admin/m/deals');
        await staffPage.getByRole('link', { name: t('crm:recycleBin.title'), exact: true }).click();
        await staffPage.waitForURL(`${url}/admin/m/deals/recycle-bin`);
        await visited(staffPage);
        expect(await staffPage.getByRole('rowheader', { name: who.spare, exact: true }).count()).toBe(1);
      });

      it('f) adds a note and a PDF to a case; staff see both on the case, marked as from the portal', async () => {
        const note = lang === 'es' ? `La impresora sigue atascada (${who.first}).` : `A impressora continua travada (${who.first}).`;
        const file = `recibo-${who.first.toLowerCase()}.pdf`;
        await tab('cases').click();
        await page.waitForURL(`${url}${BASE}/m/cases`);
        await visited();
        await main().getByRole('link', { name: who.case, exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/cases/${mine.case}`);
        await visited();
        await page.getByLabel(t('portal:record.addNote'), { exact: true }).fill(note);
        await page.getByRole('button', { name: t('portal:record.saveNote'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/cases/${mine.case}?noted=1#notes`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.noted'));
        // On a case the notes are its conversation, her own marked as hers.
        const conversation = page.getByRole('region', { name: t('portal:cases.conversation'), exact: true });
        expect(await conversation.getByRole('listitem').filter({ hasText: note }).textContent()).toContain(t('portal:record.you'));

        await page.getByLabel(t('portal:upload.label'), { exact: true }).setInputFiles({ name: file, mimeType: 'application/pdf', buffer: PDF });
        await page.getByRole('button', { name: t('portal:upload.submit'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/cases/${mine.case}?attached=1#attachments`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.attached'));
        // Her file is in the conversation, after her note.
        const entries = conversation.getByRole('listitem');
        expect(await entries.last().getByRole('link', { name: file, exact: true }).count()).toBe(1);
        expect(await entries.last().textContent()).toContain(t('portal:record.you'));
        expect(await attachmentsOf(mine.case)).toEqual([
          { filename: file, content_type: 'application/pdf', author_kind: 'portal', author_id: mine.user, internal: false },
        ]);

        await staffVisit(`/admin/m/cases/${mine.case}`);
        const fromPortal = `${who.email} (${t('crm:history.portalUser')})`;
        const section = (title: string) => staffPage.locator('section').filter({ has: staffPage.getByRole('heading', { level: 2, name: title, exact: true }) });
        const staffNote = section(t('crm:notes.title')).getByRole('listitem').filter({ hasText: note });
        expect(await staffNote.textContent()).toContain(fromPortal);
        const staffFile = section(t('crm:attachments.title')).getByRole('listitem').filter({ hasText: file });
        expect(await staffFile.count()).toBe(1);
        expect(await staffFile.textContent()).toContain(fromPortal);
      });

      it('g) is refused, with the message on the page and nothing stored, a file over 10 MB and a .pdf that holds a PNG', async () => {
        const before = await attachmentsOf(mine.case);
        const upload = async (name: string, buffer: Buffer) => {
          await page.goto(`${url}${BASE}/m/cases/${mine.case}`);
          await visited();
          await page.getByLabel(t('portal:upload.label'), { exact: true }).setInputFiles({ name, mimeType: 'application/pdf', buffer });
          const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/m/cases/${mine.case}/attachments`));
          await page.getByRole('button', { name: t('portal:upload.submit'), exact: true }).click();
          const status = (await answer).status();
          await visited();
          return status;
        };
        const fileField = page.getByLabel(t('portal:upload.label'), { exact: true });

        const big = Buffer.alloc(ATTACHMENT_LIMIT + 1, 0x20);
        PDF.copy(big);
        expect(await upload('escaneo.pdf', big)).toBe(413);
        expect(await fileField.getAttribute('aria-invalid')).toBe('true');
        expect(await main().textContent()).toContain(t('portal:upload.too_large', { size: 10 }));

        expect(await upload('factura.pdf', PNG)).toBe(422);
        expect(await fileField.getAttribute('aria-invalid')).toBe('true');
        expect(await main().textContent()).toContain(t('portal:upload.content_mismatch'));

        expect(await attachmentsOf(mine.case)).toEqual(before);
      });

      it('h) never scrolls sideways at 390 px: the portal’s home, a list, a record and a form', async () => {
        await page.setViewportSize({ width: PHONE_WIDTH, height: 844 });
        const width = () => page.evaluate(() => document.documentElement.scrollWidth);
        await page.goto(`${url}${BASE}`);
        await visited();
        expect(await width(), page.url()).toBeLessThanOrEqual(PHONE_WIDTH);
        await tab('deals').click();
        await page.waitForURL(`${url}${BASE}/m/deals`);
        await visited();
        expect(await width(), page.url()).toBeLessThanOrEqual(PHONE_WIDTH);
        await main().getByRole('link', { name: who.deal, exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.deal}`);
        await visited();
        expect(await width(), page.url()).toBeLessThanOrEqual(PHONE_WIDTH);
        await page.getByRole('link', { name: t('portal:record.edit'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.deal}/edit`);
        await visited();
        expect(await width(), page.url()).toBeLessThanOrEqual(PHONE_WIDTH);
        // Chromium logs the refused uploads' answers (413) as errors; nothing else may be logged.
        expect(errors.filter((e) => !/status of 413 /.test(e))).toEqual([]);
      });
    });
  }
});
