/// <reference lib="dom" />
import { describe, expect, it } from 'vitest';
import { cleanFilename } from '../../src/crm/notes.js';
import { type Actor, validateRecordInput } from '../../src/crm/records.js';
import type { Field } from '../../src/db/schema.js';
import { savePortalSettings } from '../../src/portals/portal-settings.js';
import { hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';
import { acme } from '../support/fixtures.js';
import { BASE, caseSubjects, customer, customerName, fileNames, QUOTED_URLS, seedStoredXss, WEB_TAB_URL, type World } from '../support/stored-xss-world.js';
import { ALL_PAYLOADS, PAYLOADS as P, pageProblems, visitForXss, watchForXss } from '../support/xss.js';

// Markup typed into every place Porta keeps text — records of every field
// type, notes, file names, module and field labels, portal and user-type
// names, tab names, web tabs, the invitation email, a portal user's own name
// and the cases they open — is drawn as text on every page that shows it, to
// staff and to the portal user: nothing runs, nothing is parsed as markup, and
// the strict CSP never has to step in.

// (test/browser/stored-xss-checker.test.ts shows the checker used here catches
// markup that is drawn as markup.)

const w = {} as World;
const suite = browserSuite((server) => seedStoredXss(server, w));

describe.skipIf(!hasChromium)('stored markup is drawn as text everywhere', () => {
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
