/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
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

// A customer's case from start to finish in Acme's "Suporte" portal: they
// open it (the knowledge base suggests an article as they type the subject),
// staff reply visibly and wait for them, the customer answers, closes and
// reopens it; both sides hear of it by email in their own language. Each
// journey runs in one language, with JavaScript on and off; the cases belong
// to Bruno, who invited the customers.

const SLUG = 'suporte';
const BASE = `/p/${SLUG}`;

type Lang = 'pt-BR' | 'fr';
type Person = { first: string; last: string; email: string; password: string; subject: string; description: string; reply: string };
type Journey = { lang: Lang; locale: string; js: boolean; who: Person };

/** The knowledge-base article each language's customers are offered, by a word of their subject. */
const ARTICLES: Record<Lang, { title: string; question: string }> = {
  'pt-BR': { title: 'Como destravar a impressora', question: 'A impressora parou de imprimir.' },
  fr: { title: 'Débloquer une imprimante', question: 'Mon imprimante n’imprime plus.' },
};

const JOURNEYS: Journey[] = [
  {
    lang: 'pt-BR',
    locale: 'pt-BR',
    js: true,
    who: {
      first: 'Lia',
      last: 'Souza',
      email: 'lia.souza@globex.example',
      password: 'Lia-Portal-2027',
      subject: 'Impressora não imprime (Lia)',
      description: 'Desde ontem nada sai da impressora.',
      reply: 'Reiniciei e continua igual.',
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
      subject: 'Impressora travada (Rui)',
      description: 'O papel ficou preso.',
      reply: 'Tirei o papel, mas a luz continua acesa.',
    },
  },
  {
    lang: 'fr',
    locale: 'fr-FR',
    js: true,
    who: {
      first: 'Camille',
      last: 'Durand',
      email: 'camille.durand@globex.example',
      password: 'Camille-Portal-2027',
      subject: 'Imprimante bloquée (Camille)',
      description: 'Plus rien ne sort depuis hier.',
      reply: 'J’ai redémarré, rien ne change.',
    },
  },
  {
    lang: 'fr',
    locale: 'fr-FR',
    js: false,
    who: {
      first: 'Hugo',
      last: 'Lefèvre',
      email: 'hugo.lefevre@initech.example',
      password: 'Hugo-Portal-2027',
      subject: 'Imprimante en panne (Hugo)',
      description: 'Le papier est coincé.',
      reply: 'J’ai retiré le papier, le voyant clignote encore.',
    },
  },
];

const world = {} as {
  brunoId: string;
  cases: ModuleMeta;
  articles: Map<Lang, string>;
  contacts: Map<string, string>;
};

/** Contacts (edit nothing) and their cases (view, create, notes) with the public Solutions; one contact and portal user per person. */
async function setup(db: Database) {
  const { admin } = await seedAcme(db);
  const staff: Actor = { kind: 'staff', id: admin.id };
  world.brunoId = (await seedStandardUser(db)).id;
  const created = await createPortal(db, staff, { name: 'Suporte', slug: SLUG });
  if (!created.ok) throw new Error('portal not created');
  const typeId = (await db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
  const meta = async (name: string) => (await loadModuleMeta(db, name)) as ModuleMeta;
  const contacts = await meta('contacts');
  const solutions = await meta('solutions');
  world.cases = await meta('cases');
  const tabs = tabForm((await tabOptions(db, typeId)) ?? [], {
    contacts: {},
    cases: { view: true, create: true, notes: 'add' },
    solutions: {},
  });
  expect(await saveTabs(db, staff, typeId, tabs)).toEqual({ ok: true });
  const perms = async (m: ModuleMeta, visible: string[], readOnly: string[] = []) => {
    const rows = m.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: readOnly.includes(f.api_name) }));
    expect((await saveFieldPermissions(db, staff, typeId, m.module.id, m.defaultLayout?.id as string, rows)).ok).toBe(true);
  };
  await perms(contacts, ['first_name', 'last_name', 'email']);
  await perms(world.cases, ['subject', 'description', 'status', 'contact'], ['status']);
  await perms(solutions, ['title', 'question']);

  const rec = async (m: ModuleMeta, data: RecordData) =>
    (await createRecord(db, staff, m, { data, layoutId: m.defaultLayout?.id as string, ownerId: admin.id })).id;
  world.articles = new Map();
  for (const [lang, article] of Object.entries(ARTICLES) as [Lang, (typeof ARTICLES)[Lang]][])
    world.articles.set(lang, await rec(solutions, { ...article, answer: '—' }));
  world.contacts = new Map();
  for (const { lang, who } of JOURNEYS) {
    const contact = await rec(contacts, { first_name: who.first, last_name: who.last, email: who.email, language: lang });
    await db
      .insertInto('portal_users')
      .values({
        id: randomUUID(),
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
    world.contacts.set(who.email, contact);
  }
}

const suite = browserSuite((server) => setup(server.db));

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A form control by its label, which marks a required field with an asterisk. */
const control = (page: Page, label: string) => page.getByLabel(new RegExp(`^${escapeRegExp(label)}(\\s*\\*)?$`));
/** Staff pages stay in English. */
const en = localeTexts('en');

describe.skipIf(!hasChromium)('a customer’s case, from the portal to the CRM and back', () => {
  for (const { lang, locale, js, who } of JOURNEYS) {
    const t = localeTexts(lang);

    describe(`in ${lang}, JavaScript ${js ? 'on' : 'off'}`, () => {
      let context: BrowserContext;
      let page: Page;
      let staffPage: Page;
      /** Where axe checks the pages of a journey without JavaScript. */
      let auditor: Page | undefined;
      let errors: string[];
      let url: string;
      let caseId: string;
      const db = () => suite.server.db;
      const casePath = () => `${BASE}/m/cases/${caseId}`;

      /** Every page the journey visits is in its language and passes axe. */
      const visited = async (p: Page = page) => {
        await p.waitForLoadState('domcontentloaded');
        expect(await p.locator('html').getAttribute('lang'), p.url()).toBe(p === page ? lang : 'en');
        if (p === page) expect(await p.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx), p.url()).toBe(js ? 'object' : 'undefined');
        if (p === page && auditor) await expectAccessibleWithoutJs(p, auditor);
        else await expectAccessible(p);
      };
      const main = (p: Page = page) => p.getByRole('main');
      const notice = async () => (await main().getByRole('status').textContent())?.trim();
      /** The value shown for a field of the record page, by its label. */
      const shown = async (p: Page, label: string) => {
        const term = main(p)
          .getByRole('term')
          .filter({ hasText: new RegExp(`^\\s*${escapeRegExp(label)}(\\s|$)`) });
        return (await term.locator('xpath=following-sibling::dd[1]').textContent())?.trim();
      };
      const status = (value: 'open' | 'in_progress' | 'waiting' | 'closed') => t(`picklists:cases.status.${value}`);
      const statusShown = () => shown(page, t('fields:cases.status'));
      const conversation = () => page.getByRole('region', { name: t('portal:cases.conversation'), exact: true });
      const outbox = (address: string) =>
        db().selectFrom('email_outbox').select(['subject', 'language', 'text']).where('to_address', '=', address).orderBy('created_at').execute();

      beforeAll(async () => {
        url = suite.server.url;
        context = await suite.chrome.browser.newContext({ locale, javaScriptEnabled: js });
        page = await context.newPage();
        errors = collectConsoleErrors(page);
        if (!js) auditor = await (await suite.chrome.browser.newContext({ locale })).newPage();
        await page.goto(`${url}${BASE}/login`);
        await visited();
        await control(page, t('auth:email')).fill(who.email);
        await control(page, t('auth:password')).fill(who.password);
        await page.getByRole('button', { name: t('portalauth:login.submit') }).click();
        await page.waitForURL((u) => u.pathname.startsWith(BASE) && !u.pathname.includes('/login'));
        await visited();
        staffPage = await signedInStaffPage(suite.chrome, url, acme.admin);
      }, 30_000);

      afterAll(async () => {
        await staffPage?.context().close();
        await auditor?.context().close();
        await context?.close();
      });

      it('1) opens a case from the Cases tab; the knowledge base is offered while typing; the new case is Open', async () => {
        await page
          .getByRole('navigation', { name: t('portal:nav.label') })
          .getByRole('link', { name: t('modules:cases.plural'), exact: true })
          .click();
        await page.waitForURL(`${url}${BASE}/m/cases`);
        await visited();
        await page.getByRole('link', { name: t('portal:list.new', { module: t('modules:cases.singular') }), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/cases/new`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('crm:actions.new', { name: t('modules:cases.singular') }));

        const aside = page.getByRole('complementary', { name: t('portal:cases.suggestions'), exact: true });
        const article = ARTICLES[lang].title;
        if (js) {
          const answer = page.waitForResponse((r) => r.url().includes(`${BASE}/m/cases/suggest`) && r.status() === 200);
          await control(page, t('fields:cases.subject')).pressSequentially(who.subject, { delay: 5 });
          await answer;
          await aside.getByText(t('portal:cases.suggested'), { exact: true }).waitFor();
          const link = aside.getByRole('link', { name: new RegExp(`^${escapeRegExp(article)}`) });
          expect(await link.getAttribute('href')).toBe(`${BASE}/m/solutions/${world.articles.get(lang)}?from=case`);
          await visited();
        } else {
          await control(page, t('fields:cases.subject')).fill(who.subject);
          const link = aside.getByRole('link', { name: t('portal:cases.searchKnowledge'), exact: true });
          expect(await link.getAttribute('href')).toBe(`${BASE}/m/solutions`);
          expect(await aside.getByRole('link', { name: new RegExp(escapeRegExp(article)) }).count()).toBe(0);
        }
        await control(page, t('fields:cases.description')).fill(who.description);
        await page.getByRole('button', { name: t('common:save'), exact: true }).click();
        await page.waitForURL(new RegExp(`${BASE}/m/cases/([0-9a-f-]{36})\\?created=1$`));
        await visited();
        caseId = /\/m\/cases\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(who.subject);
        expect(await notice()).toBe(t('portal:recordNotice.created'));
        expect(await statusShown()).toBe(status('open'));
        const row = await db().selectFrom('records').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
        expect(row.data).toMatchObject({ subject: who.subject, description: who.description, status: 'open', contact: world.contacts.get(who.email) });
        expect(row.owner_id).toBe(world.brunoId);
      });

      it('2) staff reply in the CRM with a note visible to the customer, then set the case Waiting for Response', async () => {
        const staffReply = `${lang === 'fr' ? 'Bonjour' : 'Olá'} ${who.first}, ${js ? 'check the tray' : 'check the cable'}.`;
        await staffPage.goto(`${url}/admin/m/cases/${caseId}`);
        await visited(staffPage);
        const notesSection = staffPage
          .locator('section')
          .filter({ has: staffPage.getByRole('heading', { level: 2, name: en('crm:notes.title'), exact: true }) });
        await notesSection.getByLabel(en('crm:notes.add'), { exact: true }).fill(staffReply);
        await notesSection.getByRole('radio', { name: en('crm:notes.customerVisible'), exact: true }).check();
        await notesSection.getByRole('button', { name: en('crm:notes.save'), exact: true }).click();
        await staffPage.waitForURL(`${url}/admin/m/cases/${caseId}?noted=1#notes`);
        await visited(staffPage);
        const notes = await db().selectFrom('notes').select(['body', 'internal']).where('record_id', '=', caseId).execute();
        expect(notes).toEqual([{ body: staffReply, internal: false }]);

        await staffPage.getByRole('link', { name: en('crm:actions.edit'), exact: true }).click();
        await staffPage.waitForURL(`${url}/admin/m/cases/${caseId}/edit`);
        await visited(staffPage);
        await control(staffPage, en('fields:cases.status')).selectOption({ label: en('picklists:cases.status.waiting') });
        await staffPage.getByRole('button', { name: en('common:save'), exact: true }).click();
        await staffPage.waitForURL(new RegExp(`/admin/m/cases/${caseId}\\?saved=1`));
        await visited(staffPage);
        expect(await shown(staffPage, en('fields:cases.status'))).toBe(en('picklists:cases.status.waiting'));
      });

      it('3) the customer sees the reply in the conversation, Waiting for Response; their answer puts the case In Progress', async () => {
        await page.goto(`${url}${casePath()}`);
        await visited();
        expect(
          await conversation()
            .getByRole('listitem')
            .filter({ hasText: `${lang === 'fr' ? 'Bonjour' : 'Olá'} ${who.first}` })
            .count(),
        ).toBe(1);
        expect(await statusShown()).toBe(status('waiting'));
        await page.getByLabel(t('portal:record.addNote'), { exact: true }).fill(who.reply);
        await page.getByRole('button', { name: t('portal:record.saveNote'), exact: true }).click();
        await page.waitForURL(`${url}${casePath()}?noted=1#notes`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.noted'));
        expect(await conversation().getByRole('listitem').filter({ hasText: who.reply }).count()).toBe(1);
        expect(await statusShown()).toBe(status('in_progress'));
      });

      it('4) the customer closes the case, then reopens it', async () => {
        await page.getByRole('button', { name: t('portal:cases.close'), exact: true }).click();
        await page.waitForURL((u) => u.pathname === casePath() && u.search !== '?noted=1');
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.closed', { days: 30 }));
        expect(await statusShown()).toBe(status('closed'));
        expect(await page.getByRole('button', { name: t('portal:cases.close'), exact: true }).count()).toBe(0);

        await page.getByRole('button', { name: t('portal:cases.reopen'), exact: true }).click();
        await page.waitForURL((u) => u.pathname === casePath() && u.search.includes('reopened'));
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.reopened'));
        expect(await statusShown()).toBe(status('open'));
        expect(await page.getByRole('button', { name: t('portal:cases.close'), exact: true }).count()).toBe(1);
      });

      it('5) the outbox holds the customer’s emails in their language and the owner’s in theirs', async () => {
        const mine = await outbox(who.email);
        expect(mine.map((m) => m.subject).sort()).toEqual(
          [
            t('email:caseUpdate.reply.subject', { subject: who.subject }),
            t('email:caseUpdate.status.subject', { subject: who.subject, status: status('waiting') }),
          ].sort(),
        );
        expect(new Set(mine.map((m) => m.language))).toEqual(new Set([lang]));

        const owners = (await outbox(bruno.email)).filter((m) => m.subject.endsWith(who.subject));
        expect(owners.map((m) => m.subject)).toEqual([
          en('email:caseUpdate.opened.subject', { subject: who.subject }),
          en('email:caseUpdate.replied.subject', { subject: who.subject }),
        ]);
        expect(owners.map((m) => m.language)).toEqual(['en', 'en']);
        expect(owners[0]?.text).toContain(who.description);
        expect(owners[1]?.text).toContain(who.reply);
        expect(errors).toEqual([]);
      });
    });
  }
});
