/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { Database } from '../../src/db/database.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { collectConsoleErrors, expectAccessible, expectAccessibleWithoutJs, signedInStaffPage } from './browser.js';
import { type BrowserSuite, browserSuite } from './browser-suite.js';
import { acme, seedAcme, seedStandardUser } from './fixtures.js';
import { localeTexts } from './locale-strings.js';

// The world of the customer-portal write journeys: Acme's "Clientes" portal at
// /p/clientes, four people (two languages, JavaScript on and off) whose
// contacts, deals and cases belong to Bruno, who invited them, and a signed-in
// session per journey with the helpers its tests share.

export const SLUG = 'clientes';
export const BASE = `/p/${SLUG}`;
export const PHONE_WIDTH = 390;

export type Lang = 'es' | 'pt-BR';
export type Person = { first: string; last: string; email: string; password: string; phone: string; deal: string; spare: string; case: string };
export type Journey = { lang: Lang; locale: string; js: boolean; who: Person };

export const JOURNEYS: Journey[] = [
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

export type Seeded = { contact: string; user: string; deal: string; spare: string; case: string };

export type PortalActsWorld = {
  brunoId: string;
  contacts: ModuleMeta;
  deals: ModuleMeta;
  cases: ModuleMeta;
  people: Map<string, Seeded>;
};

/** The portal's one user type, on contacts, with deals and cases of the user's contact; each person a contact with a deal, a spare deal and a case. */
async function setup(db: Database, world: PortalActsWorld) {
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

/** A served Porta seeded with the portal and its people, and a Chromium, for the file. */
export function portalActsSuite(): { suite: BrowserSuite; world: PortalActsWorld } {
  const world = {} as PortalActsWorld;
  return { suite: browserSuite((server) => setup(server.db, world)), world };
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A form control by its label, which marks a required field with an asterisk. */
export const control = (page: Page, label: string) => page.getByLabel(new RegExp(`^${escapeRegExp(label)}(\\s*\\*)?$`));
/** What a control shows: a select's chosen option, a text box's text. */
export const shownValue = (control: Locator) =>
  control.evaluate((el) => (el instanceof HTMLSelectElement ? (el.selectedOptions[0]?.text ?? '') : (el as HTMLInputElement).value));
export const decodeHtml = (html: string) =>
  html.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e] ?? _);

/** A small but well-formed PDF. */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
);
export const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
export const ATTACHMENT_LIMIT = 10 * 1024 * 1024;

export type JourneySession = {
  page: Page;
  staffPage: Page;
  /** Where axe checks the pages of a journey without JavaScript. */
  auditor: Page | undefined;
  errors: string[];
  mine: Seeded;
  url: string;
  /** Every page the journey visits is in the user's language and passes axe. */
  visited: (p?: Page) => Promise<void>;
  main: (p?: Page) => Locator;
  /** The page's one success message. */
  notice: () => Promise<string | undefined>;
  tab: (module: 'contacts' | 'deals' | 'cases') => Locator;
  recordOf: (id: string) => ReturnType<typeof recordQuery>;
  attachmentsOf: (id: string) => ReturnType<typeof attachmentQuery>;
  staffVisit: (path: string) => Promise<void>;
};

const recordQuery = (db: Database, id: string) => db.selectFrom('records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const attachmentQuery = (db: Database, id: string) =>
  db.selectFrom('attachments').select(['filename', 'content_type', 'author_kind', 'author_id', 'internal']).where('record_id', '=', id).execute();

/** The journey's person signed in to the portal (and an admin to the CRM) before its tests, closed after them; call inside its describe. */
export function journeySession(suite: BrowserSuite, world: PortalActsWorld, journey: Journey): JourneySession {
  const { lang, locale, js, who } = journey;
  const t = localeTexts(lang);
  let context: BrowserContext;
  const s = {} as JourneySession;
  s.visited = async (p: Page = s.page) => {
    await p.waitForLoadState('domcontentloaded');
    expect(await p.locator('html').getAttribute('lang'), p.url()).toBe(lang);
    // The journey without JavaScript really has none: htmx never started.
    if (p === s.page) expect(await p.evaluate(() => typeof (globalThis as { htmx?: unknown }).htmx), p.url()).toBe(js ? 'object' : 'undefined');
    if (p === s.page && s.auditor) await expectAccessibleWithoutJs(p, s.auditor);
    else await expectAccessible(p);
  };
  s.main = (p: Page = s.page) => p.getByRole('main');
  s.notice = async () => (await s.main().getByRole('status').textContent())?.trim();
  s.tab = (module) => s.page.getByRole('navigation', { name: t('portal:nav.label') }).getByRole('link', { name: t(`modules:${module}.plural`), exact: true });
  s.recordOf = (id) => recordQuery(suite.server.db, id);
  s.attachmentsOf = (id) => attachmentQuery(suite.server.db, id);
  s.staffVisit = async (path) => {
    await s.staffPage.goto(`${s.url}${path}`);
    await s.visited(s.staffPage);
  };

  beforeAll(async () => {
    const url = suite.server.url;
    s.url = url;
    s.mine = world.people.get(who.email) as Seeded;
    context = await suite.chrome.browser.newContext({ locale, javaScriptEnabled: js });
    const page = await context.newPage();
    s.page = page;
    s.errors = collectConsoleErrors(page);
    if (!js) s.auditor = await (await suite.chrome.browser.newContext({ locale })).newPage();
    // Signing in from the portal's address: whatever its home shows, it is behind the sign-in page.
    await page.goto(`${url}${BASE}`);
    await page.waitForURL(/\/login/);
    await s.visited();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('portalauth:login.title', { portal: 'Clientes' }));
    await control(page, t('auth:email')).fill(who.email);
    await control(page, t('auth:password')).fill(who.password);
    await page.getByRole('button', { name: t('portalauth:login.submit') }).click();
    await page.waitForURL((u) => u.pathname.startsWith(BASE) && !u.pathname.includes('/login'));
    await s.visited();
    s.staffPage = await signedInStaffPage(suite.chrome, url, acme.admin, locale);
  }, 30_000);

  afterAll(async () => {
    await s.staffPage?.context().close();
    await s.auditor?.context().close();
    await context?.close();
  });
  return s;
}
