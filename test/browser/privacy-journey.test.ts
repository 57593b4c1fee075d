/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { strFromU8, unzipSync } from 'fflate';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { addNote } from '../../src/crm/notes.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { Database } from '../../src/db/database.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { setGdprEnabled } from '../../src/privacy/compliance.js';
import { collectConsoleErrors, expectAccessible, expectAccessibleWithoutJs, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';
import { localeTexts } from '../support/locale-strings.js';

// A French customer of Acme's "Espace client" portal uses their data-privacy
// rights: they withdraw consent for email and ask for an export of their
// data; staff complete it; the customer downloads the archive from the
// portal, and it holds their record, their notes and their consent history,
// and nothing of anybody else. With JavaScript on and off.

const SLUG = 'espace-client';
const BASE = `/p/${SLUG}`;

type Person = { first: string; last: string; email: string; password: string; note: string; caseSubject: string; caseNote: string };
const JOURNEYS: { js: boolean; who: Person }[] = [
  {
    js: true,
    who: {
      first: 'Élodie',
      last: 'Marchand',
      email: 'elodie.marchand@globex.example',
      password: 'Elodie-Portal-2027',
      note: 'Préfère être appelée le matin (Élodie)',
      caseSubject: 'Facture en double (Élodie)',
      caseNote: 'Merci de vérifier ma facture (Élodie)',
    },
  },
  {
    js: false,
    who: {
      first: 'Théo',
      last: 'Garnier',
      email: 'theo.garnier@initech.example',
      password: 'Theo-Portal-2027',
      note: 'Client depuis 2019 (Théo)',
      caseSubject: 'Livraison en retard (Théo)',
      caseNote: 'Toujours rien reçu (Théo)',
    },
  },
];
/** Somebody else in the same data set: none of this may be in anyone's archive. */
const OTHER = {
  first: 'Zoltan',
  last: 'Quibbleworth',
  email: 'zoltan.quibbleworth@umbrella.example',
  note: 'Zoltan confidential remark',
  caseSubject: 'Zoltan outage',
};

const world = {} as { contacts: Map<string, string>; other: string };

async function setup(db: Database) {
  const { admin } = await seedAcme(db);
  const staff: Actor = { kind: 'staff', id: admin.id };
  await setGdprEnabled(db, staff as never, true);
  const created = await createPortal(db, staff, { name: 'Espace client', slug: SLUG });
  if (!created.ok) throw new Error('portal not created');
  const typeId = (await db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
  const meta = async (name: string) => (await loadModuleMeta(db, name)) as ModuleMeta;
  const contacts = await meta('contacts');
  const cases = await meta('cases');
  const tabs = tabForm((await tabOptions(db, typeId)) ?? [], { contacts: { notes: 'view' }, cases: { view: true, notes: 'add' } });
  expect(await saveTabs(db, staff, typeId, tabs)).toEqual({ ok: true });
  const perms = async (m: ModuleMeta, visible: string[]) => {
    const rows = m.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: false }));
    expect((await saveFieldPermissions(db, staff, typeId, m.module.id, m.defaultLayout?.id as string, rows)).ok).toBe(true);
  };
  await perms(contacts, ['first_name', 'last_name', 'email']);
  await perms(cases, ['subject', 'status', 'contact']);
  const rec = async (m: ModuleMeta, data: RecordData) =>
    (await createRecord(db, staff, m, { data, layoutId: m.defaultLayout?.id as string, ownerId: admin.id })).id;

  world.other = await rec(contacts, {
    first_name: OTHER.first,
    last_name: OTHER.last,
    email: OTHER.email,
    processing_basis: 'consent',
    consent_status: 'given',
  });
  await addNote(db, world.other, staff as never, OTHER.note, false);
  await rec(cases, { subject: OTHER.caseSubject, status: 'open', contact: world.other });

  world.contacts = new Map();
  for (const { who } of JOURNEYS) {
    const contact = await rec(contacts, {
      first_name: who.first,
      last_name: who.last,
      email: who.email,
      language: 'fr',
      processing_basis: 'consent',
      consent_status: 'given',
      consent_channels: ['email', 'phone'],
    });
    const userId = randomUUID();
    await db
      .insertInto('portal_users')
      .values({
        id: userId,
        portal_id: created.portal.id,
        user_type_id: typeId,
        record_id: contact,
        email: who.email,
        password_hash: await hashPassword(who.password),
        status: 'active',
        invited_by: admin.id,
        language: 'fr',
        activated_at: new Date(),
      })
      .execute();
    await addNote(db, contact, staff as never, who.note, false);
    const caseId = await rec(cases, { subject: who.caseSubject, status: 'open', contact });
    await addNote(db, caseId, { kind: 'portal', id: userId } as never, who.caseNote, false);
    world.contacts.set(who.email, contact);
  }
}

const suite = browserSuite((server) => setup(server.db), { worker: true });
const t = localeTexts('fr');
const en = localeTexts('en');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const control = (page: Page, label: string) => page.getByLabel(new RegExp(`^${escapeRegExp(label)}(\\s*\\*)?$`));

describe.skipIf(!hasChromium)('a customer’s data-privacy rights, in French', () => {
  for (const { js, who } of JOURNEYS) {
    describe(`JavaScript ${js ? 'on' : 'off'}`, () => {
      let context: BrowserContext;
      let page: Page;
      let staffPage: Page;
      let auditor: Page | undefined;
      let errors: string[];
      let url: string;
      let requestPath: string;
      const db = () => suite.server.db;
      const main = (p: Page = page) => p.getByRole('main');
      const notice = async () => (await main().getByRole('status').first().textContent())?.trim();
      const visited = async (p: Page = page) => {
        await p.waitForLoadState('domcontentloaded');
        expect(await p.locator('html').getAttribute('lang'), p.url()).toBe(p === page ? 'fr' : 'en');
        if (p === page) expect(await p.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx)).toBe(js ? 'object' : 'undefined');
        if (p === page && auditor) await expectAccessibleWithoutJs(p, auditor);
        else await expectAccessible(p);
      };
      const email = t('picklists:contacts.consent_channels.email');

      beforeAll(async () => {
        url = suite.server.url;
        context = await suite.chrome.browser.newContext({ locale: 'fr-FR', javaScriptEnabled: js, acceptDownloads: true });
        page = await context.newPage();
        errors = collectConsoleErrors(page);
        if (!js) auditor = await (await suite.chrome.browser.newContext({ locale: 'fr-FR' })).newPage();
        await page.goto(`${url}${BASE}/login`);
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

      it('1) opens Data privacy from the account menu and withdraws consent for email', async () => {
        await page.getByRole('link', { name: t('privacy:portal.title'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/privacy`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('privacy:portal.title'));
        await expect(main().getByText(t('privacy:portal.basisConsentSelf'), { exact: true }).count()).resolves.toBe(1);
        await page.getByRole('button', { name: t('privacy:portal.withdraw', { channel: email }), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/privacy?saved=consent`);
        await visited();
        expect(await notice()).toBe(t('privacy:portal.consentSaved'));
        expect(await page.getByRole('button', { name: t('privacy:portal.give', { channel: email }), exact: true }).count()).toBe(1);
        const data = (
          await db()
            .selectFrom('records')
            .select('data')
            .where('id', '=', world.contacts.get(who.email) as string)
            .executeTakeFirstOrThrow()
        ).data;
        expect(data).toMatchObject({ consent_channels: ['phone'], consent_status: 'given' });
      });

      it('2) asks for an export of their data and sees it submitted with its due date', async () => {
        await page.getByRole('radio', { name: t('privacy:kindChoices.export'), exact: true }).check();
        await page.getByRole('button', { name: t('privacy:portal.submitRequest'), exact: true }).click();
        await page.waitForURL(/\/privacy\/requests\/[0-9a-f-]{36}\?filed=1$/);
        await visited();
        requestPath = new URL(page.url()).pathname;
        expect(await notice()).toMatch(new RegExp(`^${escapeRegExp(t('privacy:portal.filed', { due: 'X' })).replace('X', '.+')}$`));
        expect(await main().getByText(t('privacy:statuses.submitted'), { exact: true }).count()).toBe(1);
      });

      it('3) staff find it in the queue and complete it; a job builds the archive', async () => {
        const id = requestPath.split('/').at(-1) as string;
        await staffPage.goto(`${url}/admin/privacy/requests`);
        await visited(staffPage);
        const number = (await db().selectFrom('privacy_requests').select('number').where('id', '=', id).executeTakeFirstOrThrow()).number;
        await staffPage.getByRole('link', { name: `#${number}`, exact: true }).click();
        await staffPage.waitForURL(`${url}/admin/privacy/requests/${id}`);
        await visited(staffPage);
        await staffPage.getByRole('button', { name: en('privacy:complete.export.button'), exact: true }).click();
        await staffPage.waitForURL(`${url}/admin/privacy/requests/${id}?done=complete`);
        await visited(staffPage);
        // The page follows the job (htmx polling) until the archive is there, without a reload.
        const archive = staffPage.getByRole('link', {
          name: new RegExp(escapeRegExp(en('privacy:request.downloadArchive', { size: 'X' })).replace('X', '\\d+')),
        });
        await archive.waitFor({ timeout: 15_000 });
        expect(new URL(staffPage.url()).search).toBe('?done=complete');
        expect((await db().selectFrom('privacy_requests').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('completed');
        await visited(staffPage);
      });

      it('4) the customer downloads the archive: their record, notes and consent history, nobody else’s data', async () => {
        await page.goto(`${url}${requestPath}`);
        await visited();
        expect(await main().getByText(t('privacy:statuses.completed'), { exact: true }).count()).toBe(1);
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: new RegExp(escapeRegExp(t('privacy:portal.download', { size: 'X' })).replace('X', '\\d+')) }).click(),
        ]);
        expect(download.suggestedFilename()).toMatch(/^privacy-export-\d+-\d{4}-\d{2}-\d{2}\.zip$/);
        const files = unzipSync(new Uint8Array(await readFile((await download.path()) as string)));
        const text = (name: string) => strFromU8(files[name] as Uint8Array);
        expect(Object.keys(files)).toEqual(expect.arrayContaining(['README.txt', 'record.json', 'notes.json', 'consent-history.json']));
        const record = JSON.parse(text('record.json'));
        expect(JSON.stringify(record)).toContain(who.email);
        expect(JSON.stringify(record)).toContain(who.last);
        const notes = text('notes.json');
        expect(notes).toContain(who.note);
        expect(notes).toContain(who.caseNote);
        const consent = JSON.parse(text('consent-history.json')) as { changes: Record<string, unknown> }[];
        expect(consent.some((e) => JSON.stringify(e.changes) === JSON.stringify({ consent_channels: [['email', 'phone'], ['phone']] }))).toBe(true);
        const all = Object.values(files)
          .map((f) => strFromU8(f))
          .join('\n');
        for (const value of [
          OTHER.first,
          OTHER.last,
          OTHER.email,
          OTHER.note,
          OTHER.caseSubject,
          ...JOURNEYS.filter((j) => j.who !== who).flatMap((j) => [j.who.email, j.who.last, j.who.note]),
        ]) {
          expect(all, value).not.toContain(value);
        }
        expect(errors).toEqual([]);
      });
    });
  }
});
