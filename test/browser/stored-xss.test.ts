/// <reference lib="dom" />
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { profileId } from '../../src/auth/staff.js';
import { createStaffUser } from '../../src/auth/staff-admin.js';
import { addField } from '../../src/crm/field-admin.js';
import { loadModuleMeta, loadModuleMetaById, type ModuleMeta } from '../../src/crm/metadata.js';
import { createCustomModule } from '../../src/crm/module-admin.js';
import { addAttachment, addNote, cleanFilename } from '../../src/crm/notes.js';
import { type Actor, createRecord, type RecordData, validateRecordInput } from '../../src/crm/records.js';
import { addIndicator } from '../../src/dashboards/indicators.js';
import type { Field } from '../../src/db/schema.js';
import { securityHeaders } from '../../src/http/middleware/security-headers.js';
import { inviteRecord } from '../../src/invitations/invite.js';
import { checkTemplate, saveTemplate } from '../../src/invitations/templates.js';
import { saveCanvasDesign } from '../../src/portals/canvas.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { savePortalSettings } from '../../src/portals/portal-settings.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { addUserType, saveUserTypeSettings } from '../../src/portals/user-types.js';
import { hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme, seedAcme } from '../support/fixtures.js';
import type { TestServer } from '../support/server.js';
import { ALL_PAYLOADS, PAYLOADS as P, pageProblems, visitForXss, watchForXss, xssProblems } from '../support/xss.js';

// Markup typed into every place Porta keeps text — records of every field
// type, notes, file names, module and field labels, portal and user-type
// names, tab names, web tabs, the invitation email, a portal user's own name
// and the cases they open — is drawn as text on every page that shows it, to
// staff and to the portal user: nothing runs, nothing is parsed as markup, and
// the strict CSP never has to step in.

const SLUG = 'xss';
const BASE = `/p/${SLUG}`;
/** Staff name the customer's record with markup; the customer then gives their last name in markup through the portal. */
const customer = { first: P[0], last: P[4], email: 'xss.customer@globex.example', password: 'Xss-Customer-2027' };
const customerName = `${customer.first} ${customer.last}`;
/** Addresses a url field accepts although they carry quotes and markup: they stay inside their attribute. */
const QUOTED_URLS = [
  'https://x.example/"><img src=x onerror="window.__xss=1">',
  "https://x.example/' onmouseover='window.__xss=1",
  'https://x.example/?q=" hx-get="/admin/logout" hx-trigger="load',
];
const WEB_TAB_URL = 'https://status.example/"><img src=x onerror="window.__xss=1">';
const fileNames = P.map((p) => `${p}.txt`);
const caseSubjects = [P.slice(0, 4).join(' '), P.slice(4).join(' ')];

type World = {
  adminId: string;
  colleague: { id: string; name: string };
  custom: ModuleMeta;
  fields: Record<'text' | 'textarea' | 'email' | 'url' | 'phone' | 'number' | 'picklist' | 'lookup', Field>;
  records: string[];
  contact: string;
  portalId: string;
  typeId: string;
  otherTypeId: string;
  portalUserId: string;
  cases: string[];
};
const w = {} as World;

async function setup(server: TestServer) {
  const { db } = server;
  const { admin } = await seedAcme(db);
  w.adminId = admin.id;
  const staff: Actor = { kind: 'staff', id: admin.id };
  const colleague = await createStaffUser(
    db,
    server.boss,
    staff,
    { name: P[1], email: 'colleague@acme.example', profileId: await profileId(db, 'standard'), language: null, password: 'Colleague-Pass-2027' },
    { orgName: acme.org.name, defaultLanguage: 'en', baseUrl: server.url, addedBy: acme.admin.name },
  );
  if (!colleague.ok) throw new Error('colleague not created');
  w.colleague = { id: colleague.staff.id, name: colleague.staff.name };

  // Metadata: a module named with markup, and a field of every kind labelled with it.
  const contacts = (await loadModuleMeta(db, 'contacts')) as ModuleMeta;
  const cases = (await loadModuleMeta(db, 'cases')) as ModuleMeta;
  const created = await createCustomModule(db, { singular: { en: P[2] }, plural: { en: P[1] } });
  if (!created.ok) throw new Error(`module not created: ${JSON.stringify(created.errors)}`);
  const reload = async () => (await loadModuleMetaById(db, created.value.id)) as ModuleMeta;
  let custom = await reload();
  const add = async (type: string, label: string, extra: Partial<Parameters<typeof addField>[2]> = {}) => {
    const result = await addField(db, custom, {
      type,
      labels: { en: label },
      required: false,
      values: [],
      layoutIds: custom.layouts.map((l) => l.id),
      ...extra,
    });
    if (!result.ok) throw new Error(`${type} field not added: ${JSON.stringify(result.errors)}`);
    custom = await reload();
    return result.value;
  };
  w.fields = {
    text: await add('text', P[0]),
    textarea: await add('textarea', P[1]),
    email: await add('email', P[2]),
    url: await add('url', P[3]),
    phone: await add('phone', P[4]),
    number: await add('number', P[5]),
    picklist: await add('picklist', P[6], { values: P.map((p) => ({ labels: { en: p } })) }),
    lookup: await add('lookup', 'Contact', { targetModuleId: contacts.module.id }),
  };
  w.custom = custom;

  // The portal user's own record: their name is markup.
  const rec = async (m: ModuleMeta, data: RecordData, ownerId = admin.id) =>
    (await createRecord(db, staff, m, { data, layoutId: m.defaultLayout?.id as string, ownerId })).id;
  w.contact = await rec(contacts, { first_name: customer.first, last_name: 'Customer', email: customer.email });

  // Records through the same validation as the staff form; one per payload, each field holding it.
  const picklistValues = w.fields.picklist.options.values ?? [];
  w.records = [];
  for (const [i, p] of P.entries()) {
    const input = {
      name: p,
      [w.fields.text.api_name]: p,
      [w.fields.textarea.api_name]: ALL_PAYLOADS,
      [w.fields.email.api_name]: `record${i}@globex.example`,
      [w.fields.url.api_name]: QUOTED_URLS[i % QUOTED_URLS.length] as string,
      [w.fields.phone.api_name]: '+34 600 000 000',
      [w.fields.number.api_name]: String(i),
      [w.fields.picklist.api_name]: picklistValues[i]?.value ?? '',
      [w.fields.lookup.api_name]: { text: '', id: w.contact },
    };
    const checked = await validateRecordInput(db, custom, custom.fields, input, { timeZone: acme.org.time_zone });
    if (!checked.ok) throw new Error(`record ${i} refused: ${JSON.stringify(checked.errors)}`);
    w.records.push(await rec(custom, checked.data, i % 2 === 0 ? admin.id : w.colleague.id));
  }
  const [first] = w.records as [string];
  await addNote(db, first, { kind: 'staff', id: admin.id }, ALL_PAYLOADS, false);
  for (const name of fileNames)
    await addAttachment(db, first, { kind: 'staff', id: admin.id }, { name, type: 'text/plain', bytes: new TextEncoder().encode('text') }, false);

  // The portal, its user types, tabs, field permissions, cards and dashboard.
  const portal = await createPortal(db, staff, { name: P[4], slug: SLUG });
  if (!portal.ok) throw new Error('portal not created');
  w.portalId = portal.portal.id;
  const defaultType = await db.selectFrom('portal_user_types').selectAll().where('portal_id', '=', w.portalId).executeTakeFirstOrThrow();
  w.typeId = defaultType.id;
  expect((await saveUserTypeSettings(db, staff, defaultType, { name: P[6] })).ok).toBe(true);
  const other = await addUserType(db, staff, w.portalId, { name: P[0], baseModuleId: contacts.module.id });
  if (!other.ok) throw new Error('second type not added');
  w.otherTypeId = other.type.id;
  expect(
    await saveCanvasDesign(db, staff, custom.module.id, custom.fields, {
      titleFieldId: custom.byName.get('name')?.id ?? null,
      subtitleFieldIds: [w.fields.text.id, w.fields.url.id, w.fields.lookup.id],
      badgeFieldId: w.fields.picklist.id,
    }),
  ).toEqual({ ok: true });
  const tabs = tabForm((await tabOptions(db, w.typeId)) ?? [], {
    contacts: { edit: true },
    cases: { create: true, edit: true, notes: 'add', attachments: 'add' },
    [custom.module.api_name]: { viewMode: 'canvas', notes: 'view', attachments: 'view', labels: { en: P[2] } },
  });
  expect(await saveTabs(db, staff, w.typeId, tabs)).toEqual({ ok: true });
  const perms = async (m: ModuleMeta, visible: string[] | 'all', readOnly: string[] = []) => {
    const rows = m.fields.map((f) => ({ fieldId: f.id, visible: visible === 'all' || visible.includes(f.api_name), readOnly: readOnly.includes(f.api_name) }));
    expect((await saveFieldPermissions(db, staff, w.typeId, m.module.id, m.defaultLayout?.id as string, rows)).ok).toBe(true);
  };
  await perms(contacts, ['first_name', 'last_name', 'email']);
  await perms(cases, ['subject', 'description', 'status', 'contact'], ['status']);
  await perms(custom, 'all');
  expect(await addIndicator(db, staff, w.typeId, { moduleId: custom.module.id, measure: 'count', sumFieldId: '', groupBy: w.fields.picklist.id })).toEqual({
    ok: true,
  });

  // The invitation email, in the portal's own words (a placeholder that is not one is refused).
  expect(checkTemplate({ subject: P[5], body: P[5] }).body?.key).toBe('portalusers:email.errors.unknownPlaceholders');
  expect(await saveTemplate(db, admin.id, w.portalId, 'en', { subject: P[5], body: P[5] })).toMatchObject({ ok: false });
  const body = [`Hello {{name}}`, ...P.filter((p) => p !== P[5])].join('\n\n');
  expect(await saveTemplate(db, admin.id, w.portalId, 'en', { subject: `{{name}} ${P[1]}`, body })).toEqual({ ok: true });
  const invited = await inviteRecord({ db, boss: server.boss, baseUrl: server.url }, { userTypeId: w.typeId, staffId: admin.id, recordId: w.contact });
  if (invited.outcome !== 'sent') throw new Error(`invitation not sent: ${JSON.stringify(invited)}`);
  w.portalUserId = invited.portalUserId;
  w.cases = [];
}

const suite = browserSuite(setup);

describe.skipIf(!hasChromium)('stored markup is drawn as text everywhere', () => {
  it('the checker catches a page that draws the payloads as markup, with or without the CSP', async () => {
    // A tiny app of its own (not Porta) that puts the payloads into its HTML unescaped.
    const fixture = new Hono();
    const unescaped = (extra = '') =>
      `<!DOCTYPE html><html><head><title>${P[4]}</title></head><body>${P.map((p) => `<p>${p}</p><div title="${p}">x</div>`).join('')}<a href="${P[3]}">go</a>${extra}</body></html>`;
    fixture.get('/plain', (c) => c.html(unescaped()));
    fixture.get('/alert', (c) => c.html(unescaped('<script>alert("xss")</script>')));
    fixture.get('/csp', securityHeaders(false), (c) => c.html(unescaped()));
    const server = serve({ fetch: fixture.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const context = await suite.chrome.browser.newContext();
    try {
      const page = await context.newPage();
      const watch = await watchForXss(page);

      const plain = await visitForXss(page, watch, `${origin}/plain`, P);
      expect(plain).toContain('/plain: window.__xss was set to 1');
      expect(plain.some((p) => p.startsWith('/plain: injected event handler <img'))).toBe(true);
      expect(plain.some((p) => p.startsWith('/plain: injected event handler <svg'))).toBe(true);
      expect(plain.some((p) => p.startsWith('/plain: injected htmx request'))).toBe(true);
      expect(plain.some((p) => p.startsWith('/plain: injected script address <a'))).toBe(true);
      expect(plain).toContain(`/plain: not shown as text: ${JSON.stringify(P[0])}`);

      const alerted = await visitForXss(page, watch, `${origin}/alert`);
      expect(alerted).toContain('/alert: dialog opened: alert: xss');

      // Under Porta's own policy nothing runs, yet the checker still sees the violation and the markup.
      await page.goto(`${origin}/csp`);
      await expect.poll(async () => (await xssProblems(page, watch)).some((p) => p.startsWith('CSP violation')), { timeout: 10_000 }).toBe(true);
      const csp = await pageProblems(page, watch, P);
      expect(csp.some((p) => p.startsWith('/csp: window.__xss'))).toBe(false);
      expect(csp.some((p) => p.startsWith('/csp: injected event handler <img'))).toBe(true);
      expect(csp).toContain(`/csp: not shown as text: ${JSON.stringify(P[1])}`);

      // The same checker on the same markup drawn as text by a page that escapes it: nothing to report.
      const escaped = await context.newPage();
      const escapedWatch = await watchForXss(escaped);
      await escaped.setContent(`<!DOCTYPE html><html><body><pre id="x"></pre></body></html>`);
      await escaped.evaluate((text) => {
        (document.getElementById('x') as HTMLElement).textContent = text;
      }, ALL_PAYLOADS);
      expect(await pageProblems(escaped, escapedWatch, P)).toEqual([]);
    } finally {
      await context.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the checker catches a page of Porta itself, under its own CSP, once its escaping is undone on the way', async () => {
    const { server, chrome } = suite;
    const page = await signedInStaffPage(chrome, server.url, acme.admin);
    const watch = await watchForXss(page);
    // The third record: its url carries the htmx payload inside an attribute.
    const address = `${server.url}/admin/m/${w.custom.module.api_name}/${w.records[2]}`;
    await page.route(address, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'");
      const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !['content-encoding', 'content-length'].includes(name)));
      expect(headers['content-security-policy']).toContain("script-src 'self'");
      await route.fulfill({ response, headers, body });
    });
    await page.goto(address);
    await expect.poll(async () => (await xssProblems(page, watch)).some((p) => p.startsWith('CSP violation')), { timeout: 10_000 }).toBe(true);
    const problems = await pageProblems(page, watch, [P[2], ALL_PAYLOADS]);
    expect(problems.some((p) => p.includes('window.__xss was set'))).toBe(false);
    expect(problems.some((p) => p.includes('injected event handler <img'))).toBe(true);
    expect(problems.some((p) => p.includes('injected htmx request'))).toBe(true);
    expect(problems.some((p) => p.includes(`not shown as text: ${JSON.stringify(ALL_PAYLOADS)}`))).toBe(true);
    await page.context().close();
  });

  it('fields that cannot hold markup refuse it, and so does the web-tab form', async () => {
    const { db } = suite.server;
    const outcome = async (field: Field, value: string) => {
      const checked = await validateRecordInput(db, w.custom, [field], { [field.api_name]: value }, { timeZone: acme.org.time_zone });
      return checked.ok ? { stored: checked.data[field.api_name] } : { refused: checked.errors[field.api_name] };
    };
    const refused = async (field: Field, value: string) => (await outcome(field, value)).refused;
    for (const p of P) {
      expect(await refused(w.fields.email, p), `email ${p}`).toBe('errors:email');
      expect(await refused(w.fields.phone, p), `phone ${p}`).toBe('crm:errors.phone');
      expect(await refused(w.fields.number, p), `number ${p}`).toBe('crm:errors.number');
    }
    // A url is refused, or kept only as an https address (braces and parentheses are legal in a host name).
    for (const p of P) expect(await outcome(w.fields.url, p), `url ${p}`).toEqual(p === P[5] ? { stored: `https://${p}` } : { refused: 'crm:errors.url' });
    for (const url of ['JavaScript:window.__xss=1', 'javascript://x.example/%0awindow.__xss=1', 'data:text/html,<script>window.__xss=1</script>'])
      expect(await refused(w.fields.url, url), url).toBe('crm:errors.url');

    // A portal's branding takes no free text: its colour and its host name refuse markup.
    const staff: Actor = { kind: 'staff', id: w.adminId };
    for (const p of P) {
      expect(await savePortalSettings(db, staff, w.portalId, { accent: p }, suite.server.url), `accent ${p}`).toEqual({
        ok: false,
        errors: { accent: { key: 'portals:branding.errors.colorFormat' } },
      });
      expect(await savePortalSettings(db, staff, w.portalId, { domain: p }, suite.server.url), `domain ${p}`).toEqual({
        ok: false,
        errors: { domain: { key: 'portals:domain.errors.format' } },
      });
    }

    const page = await signedInStaffPage(suite.chrome, suite.server.url, acme.admin);
    const watch = await watchForXss(page);
    const webTabs = `${suite.server.url}/admin/settings/portals/types/${w.typeId}/web-tabs`;
    await page.goto(webTabs);
    await page.locator('#name').fill(P[5]);
    await page.locator('#url').fill('javascript:window.__xss=1');
    await page.getByRole('button', { name: 'Add a web tab' }).click();
    await page.locator('#url-error').waitFor();
    expect(await db.selectFrom('web_tabs').select('id').where('user_type_id', '=', w.typeId).execute()).toEqual([]);
    expect(await pageProblems(page, watch, [P[5], 'javascript:window.__xss=1'])).toEqual([]);
    await page.locator('#url').fill(WEB_TAB_URL);
    await page.getByRole('button', { name: 'Add a web tab' }).click();
    await page.waitForURL(webTabs);
    expect(await db.selectFrom('web_tabs').select(['name', 'url']).where('user_type_id', '=', w.typeId).execute()).toEqual([{ name: P[5], url: WEB_TAB_URL }]);
    expect(await pageProblems(page, watch, [P[5], WEB_TAB_URL])).toEqual([]);
    await page.context().close();
  });

  it('the portal user names themselves, opens cases, notes and files in markup; every portal page draws it as text', { timeout: 90_000 }, async () => {
    const { server, chrome } = suite;
    const mail = await server.db
      .selectFrom('email_outbox')
      .select('text')
      .where('to_address', '=', customer.email)
      .where('template', '=', 'portal-invitation')
      .executeTakeFirstOrThrow();
    const link = (/https?:\/\/\S+\/invite\/[a-z2-7]+/.exec(mail.text)?.[0] ?? '').replace(/^https?:\/\/[^/]+/, server.url);
    const context = await chrome.browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const watch = await watchForXss(page);
    const problems: string[] = [];
    const visit = async (path: string, expected: readonly string[]) => problems.push(...(await visitForXss(page, watch, `${server.url}${path}`, expected)));
    const here = async (expected: readonly string[]) => problems.push(...(await pageProblems(page, watch, expected)));

    // Signed out: the sign-in page. Then the invitation, the password, the preferences.
    await visit(`${BASE}/login`, [P[4]]);
    await visit(link.slice(server.url.length), [P[4]]);
    await page.locator('input[type="password"]').nth(0).fill(customer.password);
    await page.locator('input[type="password"]').nth(1).fill(customer.password);
    await page.locator('main form button[type="submit"]').click();
    await page.waitForURL(/\/welcome$/);
    await here([P[4]]);
    await page.locator('main form button[type="submit"]').click();
    await page.waitForURL(new RegExp(`${BASE}/m/contacts$`));
    await here([P[4], customer.first]);

    // Their own name, in markup, through the portal's form.
    await page.goto(`${server.url}${BASE}/m/contacts/${w.contact}/edit`);
    await page.locator('#f-last_name').fill(customer.last);
    await page.locator('form.record-form button[type="submit"]').click();
    await page.waitForURL(new RegExp(`${BASE}/m/contacts/${w.contact}(\\?|$)`));
    const own = await server.db.selectFrom('records').select('data').where('id', '=', w.contact).executeTakeFirstOrThrow();
    expect(own.data).toMatchObject({ first_name: customer.first, last_name: customer.last });
    await here([P[4], customerName]);

    // Two cases, a note and a file, all in markup, through the portal's own forms.
    for (const subject of caseSubjects) {
      await page.goto(`${server.url}${BASE}/m/cases/new`);
      await page.locator('#f-subject').fill(subject);
      await page.locator('#f-description').fill(ALL_PAYLOADS);
      await page.locator('form.record-form button[type="submit"]').click();
      await page.waitForURL(new RegExp(`${BASE}/m/cases/[0-9a-f-]{36}\\?created=1$`));
      w.cases.push(/cases\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string);
      await here([subject, ALL_PAYLOADS, P[4]]);
    }
    const caseUrl = `${BASE}/m/cases/${w.cases[0]}`;
    await page.goto(`${server.url}${caseUrl}`);
    await page.locator('#note-body').fill(ALL_PAYLOADS);
    await page.locator('form.note-form button[type="submit"]').click();
    await page.waitForURL(/\?noted=1#notes$/);
    await here([caseSubjects[0] as string, ALL_PAYLOADS]);
    await page.locator('#attachment-file').setInputFiles({ name: fileNames[1] as string, mimeType: 'text/plain', buffer: Buffer.from('text') });
    await page.locator('form.upload-form button[type="submit"]').click();
    await page.waitForURL(/\?attached=1#attachments$/);
    await here([caseSubjects[0] as string, cleanFilename(fileNames[1] as string)]);

    const [record] = w.records as [string];
    const custom = `${BASE}/m/${w.custom.module.api_name}`;
    const tabId = (await server.db.selectFrom('web_tabs').select('id').where('user_type_id', '=', w.typeId).executeTakeFirstOrThrow()).id;
    await visit(BASE, [P[4], customer.first, P[2], P[5], ...P]);
    await visit(`${BASE}/m/cases`, [P[4], ...caseSubjects]);
    await visit(caseUrl, [caseSubjects[0] as string, ALL_PAYLOADS, customerName, cleanFilename(fileNames[1] as string)]);
    // The description and the note: the markup twice, as text both times.
    expect(((await page.locator('main').textContent()) ?? '').replace(/\s+/g, ' ').split(ALL_PAYLOADS.replace(/\s+/g, ' ')).length).toBe(3);
    await visit(`${caseUrl}/edit`, [caseSubjects[0] as string, ALL_PAYLOADS]);
    await visit(custom, [P[2], ...P, ...QUOTED_URLS, customerName]);
    await visit(`${custom}/${record}`, [P[0], ALL_PAYLOADS, QUOTED_URLS[0] as string, ...P, customerName, ...fileNames.map(cleanFilename)]);
    await visit(`${BASE}/tabs/${tabId}`, [P[5]]);
    expect(await page.locator('main a.button').getAttribute('href')).toBe(WEB_TAB_URL);
    await visit(`${BASE}/m/contacts/${w.contact}`, [customer.first, customer.last]);
    await visit(`${BASE}/profile`, [P[4]]);
    expect(problems).toEqual([]);
    // Still signed in: no injected request signed anyone out.
    await page.goto(`${server.url}${BASE}/m/cases`);
    expect(page.url()).toBe(`${server.url}${BASE}/m/cases`);
    await context.close();
  });

  it('staff pages — records, notes, files, metadata, the portal configurator, preview, explain and the outbox — draw it as text', {
    timeout: 90_000,
  }, async () => {
    const { server, chrome } = suite;
    const page = await signedInStaffPage(chrome, server.url, acme.admin);
    page.setDefaultTimeout(10_000);
    const watch = await watchForXss(page);
    const problems: string[] = [];
    const visit = async (path: string, expected: readonly string[]) => problems.push(...(await visitForXss(page, watch, `${server.url}${path}`, expected)));
    const here = async (expected: readonly string[]) => problems.push(...(await pageProblems(page, watch, expected)));
    const [record] = w.records as [string];
    const [firstCase] = w.cases as [string];
    const api = w.custom.module.api_name;
    const labels = [P[0], P[1], P[2], P[3], P[4], P[5], P[6]];

    // Staff answer the customer's case visibly: the reply is emailed to them.
    await page.goto(`${server.url}/admin/m/cases/${firstCase}`);
    await page.locator('#note-body').fill(ALL_PAYLOADS);
    await page.locator('#note-customer').check();
    await page.locator('#notes button[type="submit"]').click();
    await page.waitForURL(/noted=1/);
    await here([caseSubjects[0] as string, ALL_PAYLOADS, customerName]);

    await visit('/admin', []);
    await visit(`/admin/m/${api}`, [P[1], ...P, w.colleague.name]);
    await visit(`/admin/m/${api}/${record}`, [P[2], P[0], ALL_PAYLOADS, QUOTED_URLS[0] as string, customerName, ...labels, ...fileNames.map(cleanFilename)]);
    await visit(`/admin/m/${api}/${record}/edit`, [P[0], ALL_PAYLOADS, QUOTED_URLS[0] as string, customerName, ...labels]);
    // Names suggested while typing in a lookup arrive as a fragment htmx swaps in (markup is no search word; the address's first letters find it).
    await page.locator(`#f-${w.fields.lookup.api_name}`).fill('');
    await page.locator(`#f-${w.fields.lookup.api_name}`).pressSequentially('xss', { delay: 20 });
    await expect.poll(() => page.locator(`#f-${w.fields.lookup.api_name}-options option`).count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await here([customerName]);
    await visit(`/admin/m/${api}/new`, labels);
    await visit('/admin/m/contacts', [customerName]);
    await visit(`/admin/m/contacts/${w.contact}`, [customerName, P[4], P[6]]);
    await visit('/admin/m/cases', [...caseSubjects, customerName]);
    await visit(`/admin/m/cases/${firstCase}`, [caseSubjects[0] as string, ALL_PAYLOADS, customerName, cleanFilename(fileNames[1] as string)]);
    await visit('/admin/settings/users', [w.colleague.name]);
    await visit('/admin/settings/modules', [P[1]]);
    await visit(`/admin/settings/modules/${api}`, [P[1], P[2], ...labels]);
    await visit(`/admin/settings/modules/${api}/fields/${w.fields.picklist.id}`, [P[6], ...P]);
    await visit(`/admin/settings/modules/${api}/layouts`, []);

    // The configurator, each step, and what hangs off it.
    const portal = `/admin/settings/portals/${w.portalId}`;
    await visit('/admin/settings/portals', [P[4], P[6], P[0]]);
    await visit(portal, [P[4], P[6], P[0]]);
    await visit(`${portal}/types/${w.typeId}`, [P[4], P[6]]);
    await visit(`${portal}/types/${w.otherTypeId}`, [P[4], P[0]]);
    await visit(`/admin/settings/portals/types/${w.typeId}/tabs`, [P[6], P[1], P[2]]);
    await visit(`/admin/settings/portals/types/${w.typeId}/fields/${api}`, [P[6], ...labels]);
    await visit(`/admin/settings/portals/types/${w.typeId}/fields/cases`, [P[6]]);
    await visit(`${portal}/summary`, [P[4], P[6], P[0], ...labels]);
    await visit(`/admin/settings/portals/types/${w.typeId}/web-tabs`, [P[6], P[5], WEB_TAB_URL]);
    await visit(`/admin/settings/portals/types/${w.typeId}/dashboards`, [P[6], P[1]]);
    await visit(`/admin/settings/portals/cards/${api}`, [P[1], ...labels]);
    await visit(`${portal}/users`, [P[4], P[6], customer.email]);
    await visit(`${portal}/invite`, [P[4], P[6]]);
    await visit(`${portal}/invitation-email`, [P[4], `{{name}} ${P[1]}`]);
    await page.locator('main form button[value="preview"]').click();
    await page.locator('#preview').waitFor();
    await here([P[4], P[1], ...P.filter((p) => p !== P[5])]);

    // Preview and explain.
    const preview = `/admin/settings/portals/preview/type/${w.typeId}/${w.contact}`;
    await visit('/admin/settings/portals/preview', [P[4], P[6]]);
    await visit(preview, [P[4], P[6], customer.first, P[2], P[5], ...P]);
    await visit(`${preview}/m/${api}`, [P[2], ...P, ...QUOTED_URLS]);
    await visit(`${preview}/m/${api}/${record}`, [P[0], ALL_PAYLOADS, ...labels]);
    await visit(`${preview}/m/cases`, caseSubjects);
    await visit(`${preview}/m/cases/${firstCase}`, [caseSubjects[0] as string, ALL_PAYLOADS]);
    await visit(`${preview}/m/cases/${firstCase}/edit`, [caseSubjects[0] as string, ALL_PAYLOADS]);
    await visit(`/admin/settings/portals/preview/user/${w.portalUserId}`, [P[4], customer.first]);
    await visit(`/admin/settings/portals/explain/record/${firstCase}`, [caseSubjects[0] as string, customerName]);
    await visit(`/admin/settings/portals/explain/record/${record}`, [P[0], customerName]);

    // The outbox: every email's subject and text, and its HTML on its own.
    const emails = await server.db.selectFrom('email_outbox').select(['id', 'subject', 'template', 'text']).orderBy('created_at').execute();
    expect(new Set(emails.map((e) => e.template))).toEqual(new Set(['case-update', 'portal-invitation', 'welcome-staff']));
    await visit(
      '/admin/outbox',
      emails.map((e) => e.subject),
    );
    for (const email of emails) {
      // What of the markup the email carries: its HTML must show the same as text.
      const carried = P.filter((p) => email.text.includes(p));
      expect(carried.length, email.subject).toBeGreaterThan(0);
      await visit(`/admin/outbox/${email.id}`, [email.subject, email.text]);
      await visit(`/admin/outbox/${email.id}/html`, [email.subject, ...carried]);
    }
    expect(problems).toEqual([]);
    // Still signed in: no injected request signed anyone out.
    await page.goto(`${server.url}/admin/m/${api}`);
    expect(page.url()).toBe(`${server.url}/admin/m/${api}`);
    await page.context().close();
  });
});
