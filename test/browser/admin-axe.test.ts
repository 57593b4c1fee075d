/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createImport, findImport, runImport, startImport } from '../../src/crm/import.js';
import { saveMapping } from '../../src/crm/import-mapping.js';
import { loadModuleMeta } from '../../src/crm/metadata.js';
import { createProfile } from '../../src/crm/profiles.js';
import { createRecord } from '../../src/crm/records.js';
import { DEMO_PORTAL_SLUG, DEMO_PORTAL_USERS, seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { addUserType } from '../../src/portals/user-types.js';
import { setGdprEnabled } from '../../src/privacy/compliance.js';
import { fileRequest } from '../../src/privacy/requests.js';
import { axeFindings, hasChromium, signedInStaffPage } from '../support/browser.js';
import { browserSuite } from '../support/browser-suite.js';

// Every staff page of the demo organization, on a desk and on a phone, has no
// serious or critical axe-core finding. The pages are found by following the
// links of the navigation and of each page's main content, from entry points
// named by the demo's own ids, at most two addresses per kind of page.

/** Fewer kinds of page than this means the walk lost its way, not that the pages are fine. */
const MIN_PATTERNS = 45;
const PER_PATTERN = 2;

let entries: string[] = [];

const suite = browserSuite(async (server) => {
  const { db } = server;
  expect(await seedDemo(db)).toEqual({ seeded: true });
  const admin = await db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow();
  expect(await seedDemoPortal({ db, boss: server.boss, baseUrl: server.url }, admin.id)).toBe(true);
  const actor = { kind: 'staff' as const, id: admin.id };
  const portal = await db.selectFrom('portals').select('id').where('slug', '=', DEMO_PORTAL_SLUG).executeTakeFirstOrThrow();
  const type = await db.selectFrom('portal_user_types').select(['id', 'base_module_id']).where('portal_id', '=', portal.id).executeTakeFirstOrThrow();
  // A second type with an invited user of its own, so that deleting it asks where that user goes.
  const partners = await addUserType(db, actor, portal.id, { name: 'Partners', baseModuleId: type.base_module_id });
  if (!partners.ok) throw new Error(`the second user type was refused: ${JSON.stringify(partners.errors)}`);
  await db.updateTable('portal_users').set({ user_type_id: partners.type.id }).where('email', '=', 'bruno@acme.example').executeTakeFirstOrThrow();
  await setGdprEnabled(db, actor, true);
  const contacts = await loadModuleMeta(db, 'contacts');
  if (!contacts) throw new Error('no contacts module');
  const alice = await db
    .selectFrom('records')
    .select('id')
    .where('module_id', '=', contacts.module.id)
    .where((eb) => eb(eb.ref('data', '->>').key('email'), '=', DEMO_PORTAL_USERS[0]))
    .executeTakeFirstOrThrow();
  const request = await fileRequest(db, { boss: server.boss, baseUrl: server.url }, { recordId: alice.id, kind: 'export', details: '', requester: actor });
  if (!request.ok) throw new Error(`the privacy request was refused: ${request.problem}`);
  const upload = await createImport(db, admin.id, contacts, {
    filename: 'contacts.csv',
    content: Buffer.from('first_name,last_name,email\nRita,Row,rita@example.com\n'),
  });
  if (!upload.ok) throw new Error(`the import was refused: ${upload.error}`);
  // A mapped import waiting on its check, and one run to the end with a bad row skipped.
  const headers = ['first_name', 'last_name', 'email'];
  const chosen = Object.fromEntries(headers.map((h) => [h, contacts.byName.get(h)?.id]));
  const mappedImport = async () => {
    const content = Buffer.from('first_name,last_name,email\nRita,Row,rita@example.com\nBad,Row,not-an-email\n');
    const created = await createImport(db, admin.id, contacts, { filename: 'contacts.csv', content });
    if (!created.ok) throw new Error(`the import was refused: ${created.error}`);
    expect(await saveMapping(db, { id: created.id }, contacts, headers, chosen)).toEqual({ ok: true });
    return created.id;
  };
  const checked = await mappedImport();
  const finished = await mappedImport();
  const summary = await findImport(db, { staffId: admin.id, moduleId: contacts.module.id }, finished);
  if (!summary) throw new Error('the finished import is missing');
  expect(await startImport(db, summary, true, async () => {})).toBe(true);
  expect(await runImport(db, finished)).toBe('done');

  const leads = await loadModuleMeta(db, 'leads');
  if (!leads) throw new Error('no leads module');
  const leadData = { first_name: 'Lena', last_name: 'Lead', email: 'lena@lead.example', company: 'Lead Co' };
  const lead = (await createRecord(db, actor, leads, { data: leadData, layoutId: leads.defaultLayout?.id ?? null, ownerId: admin.id })).id;
  const message = await db.selectFrom('email_outbox').select('id').orderBy('created_at').executeTakeFirstOrThrow();
  const portalUser = await db.selectFrom('portal_users').select('id').where('record_id', '=', alice.id).executeTakeFirstOrThrow();
  // A finished trial run of a bulk invitation, so that its page exists.
  const batch = await db
    .insertInto('invitation_batches')
    .values({ portal_id: portal.id, user_type_id: type.id, created_by: admin.id, dry_run: true, total: 0, status: 'done', finished_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  const other = await db.selectFrom('staff_users').select('id').where('id', '!=', admin.id).executeTakeFirst();
  // The administrators' profile, shown locked, and a profile of the organization's own, which may be deleted.
  const adminProfile = await db.selectFrom('profiles').select('id').where('is_admin', '=', true).executeTakeFirstOrThrow();
  const ownProfile = await createProfile(db, actor, { name: 'Support agents' });
  if (!ownProfile.ok) throw new Error('the profile was refused');
  const profile = ownProfile.profile;
  const shown = await db
    .selectFrom('portal_type_tabs')
    .innerJoin('modules', 'modules.id', 'portal_type_tabs.module_id')
    .select('modules.api_name')
    .where('user_type_id', '=', type.id)
    .execute();

  const p = `/admin/settings/portals/${portal.id}`;
  entries = [
    '/admin',
    `/admin/m/contacts/${alice.id}`,
    `/admin/m/contacts/${alice.id}/edit`,
    '/admin/m/contacts/new',
    '/admin/m/contacts/import',
    `/admin/m/contacts/import/${upload.id}/mapping`,
    `/admin/m/contacts/import/${checked}/report`,
    `/admin/m/contacts/import/${finished}`,
    `/admin/m/leads/${lead}/convert`,
    '/admin/outbox',
    `/admin/outbox/${message.id}`,
    '/admin/privacy/requests',
    `/admin/privacy/requests/${request.request.id}`,
    '/admin/settings/privacy',
    '/admin/profile',
    '/admin/profile/two-factor',
    '/admin/settings',
    '/admin/settings/modules',
    '/admin/settings/modules/contacts',
    '/admin/settings/modules/contacts/fields/new',
    '/admin/settings/modules/contacts/layouts',
    '/admin/settings/profiles',
    `/admin/settings/profiles/${adminProfile.id}`,
    `/admin/settings/profiles/${profile.id}`,
    `/admin/settings/profiles/${profile.id}/delete`,
    '/admin/settings/users',
    '/admin/settings/users/new',
    ...(other ? [`/admin/settings/users/${other.id}`] : []),
    '/admin/settings/portals',
    '/admin/settings/portals/new',
    p,
    `${p}/summary`,
    `${p}/types/${type.id}`,
    `${p}/types/${partners.type.id}/delete?transferTo=${type.id}`,
    `${p}/types/${type.id}/auto-invite`,
    `${p}/invitation-email`,
    `${p}/users`,
    `${p}/invite`,
    `${p}/invite/batches/${batch.id}`,
    `${p}/invite/batches/${batch.id}/failed`,
    `/admin/settings/portals/types/${type.id}/tabs`,
    ...shown.map((s) => `/admin/settings/portals/types/${type.id}/fields/${s.api_name}`),
    '/admin/settings/portals/cards',
    '/admin/settings/portals/cards/deals',
    `/admin/settings/portals/types/${type.id}/web-tabs`,
    `/admin/settings/portals/types/${type.id}/dashboards`,
    '/admin/settings/portals/explain',
    `/admin/settings/portals/explain?user=${portalUser.id}`,
    `/admin/settings/portals/explain?user=${portalUser.id}&record=${alice.id}`,
    `/admin/settings/portals/explain/record/${alice.id}`,
    `/admin/settings/portals/preview?portal=${portal.id}`,
    `/admin/settings/portals/preview?type=${type.id}`,
    `/admin/settings/portals/preview?user=${portalUser.id}`,
    '/admin/settings/portals/transfer',
  ];
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * The kind of page an address shows: ids and numbers replaced, query values
 * dropped, and the module named only where its pages differ in shape (a
 * record's page and form, with their related lists and line items; the field
 * permissions of each module a portal shows).
 */
function patternOf(url: URL): string {
  let path = url.pathname.replace(UUID, ':id').replace(/\/\d+(?=\/|$)/g, '/:n');
  if (!/^\/admin\/m\/[^/]+\/:id(\/edit)?$/.test(path)) path = path.replace(/^\/admin\/m\/[^/]+/, '/admin/m/:module');
  path = path.replace(/^\/admin\/settings\/(modules|portals\/cards)\/(?!new$)[^/]+/, '/admin/settings/$1/:module');
  const keys = [...new Set(url.searchParams.keys())].sort();
  return keys.length ? `${path}?${keys.join('&')}` : path;
}

/** One address of a module's record page is enough; two of any other kind. */
const capOf = (pattern: string) => (/^\/admin\/m\/[a-z_]+\/:id/.test(pattern) ? 1 : PER_PATTERN);

/** Addresses that are no page to look at: files, fragments for htmx, leaving, or the email body shown in a frame. */
const NOT_A_PAGE = [
  /\/logout\b/,
  /\.csv$/,
  /\/export$/,
  /\/archive$/,
  /\/attachments\//,
  /\/html$/,
  /slug-check/,
  /\/suggest\//,
  /\/lookup$/,
  /\/progress$/,
  /\/fields\/options$/,
];

type Walk = { patterns: Map<string, string[]>; findings: string[]; notPages: string[]; refused: string[] };

/** Opens every disclosure, so that what it hides is checked too. */
const openDisclosures = (page: Page) =>
  page.evaluate(() => {
    for (const d of document.querySelectorAll('details')) d.open = true;
  });

async function visit(page: Page, href: string, walk: Walk) {
  const url = new URL(href);
  const response = await page.goto(href);
  const status = response?.status() ?? 0;
  if (status >= 400) walk.refused.push(`${url.pathname}${url.search} (${status})`);
  if (new URL(page.url()).pathname === '/admin/login') walk.refused.push(`${url.pathname}${url.search} (signed out)`);
  if (!(await page.locator('main').count())) {
    walk.notPages.push(`${url.pathname}${url.search} (${status})`);
    return;
  }
  await openDisclosures(page);
  for (const f of await axeFindings(page)) walk.findings.push(`${patternOf(url)} [${url.pathname}${url.search}] ${f}`);
}

/** Breadth-first over same-origin /admin links of the nav and main content, from the entry points. */
async function walkAdmin(page: Page, base: string): Promise<Walk> {
  const walk: Walk = { patterns: new Map(), findings: [], notPages: [], refused: [] };
  const seen = new Set<string>();
  const queue: string[] = [];
  const enqueue = (href: string) => {
    const url = new URL(href, base);
    url.hash = '';
    if (url.origin !== new URL(base).origin || !/^\/admin(\/|$)/.test(url.pathname)) return;
    if (NOT_A_PAGE.some((re) => re.test(url.pathname))) return;
    const key = `${url.pathname}${url.search}`;
    if (seen.has(key)) return;
    const pattern = patternOf(url);
    const taken = walk.patterns.get(pattern) ?? [];
    if (taken.length >= capOf(pattern)) return;
    seen.add(key);
    taken.push(key);
    walk.patterns.set(pattern, taken);
    queue.push(url.href);
  };
  for (const e of entries) enqueue(e);
  while (queue.length) {
    const href = queue.shift() as string;
    await visit(page, href, walk);
    const links = await page.evaluate(() => [...document.querySelectorAll<HTMLAnchorElement>('main a[href], nav a[href], header a[href]')].map((a) => a.href));
    for (const link of links) enqueue(link);
  }
  return walk;
}

/** The confirmation shown before a portal user is deactivated: a form post that changes nothing until confirmed. */
async function deactivateConfirmation(page: Page, base: string, walk: Walk) {
  await page.goto(`${base}${walk.patterns.get('/admin/settings/portals/:id/users')?.[0]}`);
  await page.locator('main button[formaction$="/deactivate"]').first().click();
  await page.waitForLoadState('load');
  expect(await page.locator('main form input[name="confirm"][value="1"]').count()).toBeGreaterThan(0);
  const url = new URL(page.url());
  await openDisclosures(page);
  walk.patterns.set('POST /admin/settings/portals/:id/users/:id/deactivate (confirm)', [url.pathname]);
  for (const f of await axeFindings(page)) walk.findings.push(`deactivate confirmation [${url.pathname}] ${f}`);
}

async function checkWidth(width: number) {
  const page = await signedInStaffPage(suite.chrome, suite.server.url, DEMO_ADMIN);
  await page.setViewportSize({ width, height: 900 });
  const started = Date.now();
  const walk = await walkAdmin(page, suite.server.url);
  await deactivateConfirmation(page, suite.server.url, walk);
  const visited = [...walk.patterns.values()].reduce((n, list) => n + list.length, 0);
  console.log(
    `[admin axe ${width}px] ${walk.patterns.size} page patterns, ${visited} addresses, ${walk.notPages.length} without <main>, ${Date.now() - started} ms\n  ${[...walk.patterns.keys()].sort().join('\n  ')}`,
  );
  if (walk.notPages.length) console.log(`[admin axe ${width}px] not pages: ${walk.notPages.join(', ')}`);
  expect(walk.patterns.size).toBeGreaterThanOrEqual(MIN_PATTERNS);
  expect(walk.refused, 'pages that answered an error instead of themselves').toEqual([]);
  expect(walk.findings).toEqual([]);
  await page.context().close();
}

describe.skipIf(!hasChromium)('axe-core on every staff page', () => {
  it('finds nothing serious on any admin page at 1280 px', { timeout: 240_000 }, () => checkWidth(1280));
  it('finds nothing serious on any admin page at 390 px', { timeout: 240_000 }, () => checkWidth(390));
});
