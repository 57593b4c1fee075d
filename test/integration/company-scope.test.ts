import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAccessContext } from '../../src/access/context.js';
import { countInScope } from '../../src/access/engine.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord, type RecordData } from '../../src/crm/records.js';
import { exportPortalConfig, importPortalConfig } from '../../src/portals/config-transfer.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { addPortalUser, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// A related tab with company reach: the Cases tab of Acme Help shows each
// customer the cases of everyone at their account (Globex: Hugo, Iris and
// Lena, who is no portal user), never another account's (Jon and Mia at
// Initech), and only her own to Kim, whose contact has no account.

let t: TestApp;
let w: PortalWorld;
let accounts: ModuleMeta;
let vendors: ModuleMeta;
let ana: BrowserClient;
const ids = {} as Record<string, string>;
const users = {} as Record<'hugo' | 'iris' | 'jon' | 'kim', { id: string; email: string }>;
const PASSWORD = 'Company-Reach-2027';

const id = (name: string) => ids[name] as string;
const layout = (meta: ModuleMeta) => meta.defaultLayout?.id as string;
const rec = async (meta: ModuleMeta, data: RecordData) => (await createRecord(t.db, w.staff, meta, { data, layoutId: layout(meta), ownerId: w.adminId })).id;
/** The page's text as a reader gets it: entities decoded. */
const decoded = (html: string) => html.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&');
const tabsPath = (typeId: string) => `/admin/settings/portals/types/${typeId}/tabs`;

/** The Help type's tabs: contacts and cases, the cases with the given reach. */
async function saveHelpTabs(reach: 'mine' | 'company') {
  const input = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { reach } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, input)).toEqual({ ok: true });
}

/** The tabs form as the page posts it, for the Help type. */
function helpForm(reach: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const meta of [w.contacts, w.cases]) {
    pairs.push([`${meta.module.id}.shown`, 'on'], [`${meta.module.id}.view`, 'on'], [`${meta.module.id}.layouts`, layout(meta)]);
    pairs.push([`${meta.module.id}.viewMode`, 'list'], [`${meta.module.id}.notes`, 'none'], [`${meta.module.id}.attachments`, 'none']);
  }
  pairs.push([`${w.cases.module.id}.filter`, w.cases.byName.get('contact')?.id as string], [`${w.cases.module.id}.reach`, reach]);
  return pairs;
}

const post = (path: string, pairs: [string, string][]) =>
  ana.request(path, { method: 'POST', body: new URLSearchParams(pairs), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });

async function signIn(who: keyof typeof users) {
  const client = browserClient(t.app);
  expect((await client.post(`${HELP}/login`, { email: users[who].email, password: PASSWORD })).status).toBe(303);
  return client;
}

/** The case subjects a user's Cases list shows. */
async function listed(client: BrowserClient) {
  const html = await (await client.get(`${HELP}/m/cases`)).text();
  return { html, subjects: [...html.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]).sort() };
}

async function count(who: keyof typeof users) {
  const ctx = await loadAccessContext(t.db, { portalUserId: users[who].id, portalId: w.helpId });
  return countInScope(t.db, ctx, w.cases.module.id);
}

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  accounts = (await loadModuleMeta(t.db, 'accounts')) as ModuleMeta;
  vendors = (await loadModuleMeta(t.db, 'vendors')) as ModuleMeta;
  ids.globex = await rec(accounts, { name: 'Globex' });
  ids.initech = await rec(accounts, { name: 'Initech' });
  const people = [
    ['hugo', 'Hugo', 'Hidalgo', 'globex'],
    ['iris', 'Iris', 'Quinnmark', 'globex'],
    ['lena', 'Lena', 'Lindqvist', 'globex'],
    ['jon', 'Jon', 'Jansen', 'initech'],
    ['mia', 'Mia', 'Moreau', 'initech'],
    ['kim', 'Kim', 'Kowalski', null],
  ] as const;
  for (const [key, first, last, account] of people) {
    ids[key] = await rec(w.contacts, { first_name: first, last_name: last, email: `${key}@company.example`, ...(account ? { account: id(account) } : {}) });
    ids[`${key}Case`] = await rec(w.cases, { subject: `${first}’s case`, status: 'open', contact: id(key) });
  }
  for (const key of ['hugo', 'iris', 'jon', 'kim'] as const) {
    const email = `${key}@company.example`;
    users[key] = { email, id: await addPortalUser(t, w, { email, recordId: id(key), status: 'active', password: PASSWORD }) };
  }
  // A colleague's name shows from the type's visible name fields: the first name, not the hidden last name.
  const rows = w.contacts.fields.map((f) => ({ fieldId: f.id, visible: ['first_name', 'email'].includes(f.api_name), readOnly: false }));
  expect((await saveFieldPermissions(t.db, w.staff, w.helpTypeId, w.contacts.module.id, layout(w.contacts), rows)).ok).toBe(true);
  const suppliers = await t.db
    .insertInto('portal_user_types')
    .values({ portal_id: w.helpId, name: 'Suppliers', base_module_id: vendors.module.id })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.suppliers = suppliers.id;
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());
beforeEach(() => saveHelpTabs('company'));

describe('a company-scoped Cases tab', () => {
  it('shows colleagues at the same account each other’s cases: list, detail and count', async () => {
    for (const who of ['hugo', 'iris'] as const) {
      const client = await signIn(who);
      expect((await listed(client)).subjects).toEqual(['Hugo’s case', 'Iris’s case', 'Lena’s case']);
      for (const kase of ['hugoCase', 'irisCase', 'lenaCase']) expect((await client.get(`${HELP}/m/cases/${id(kase)}`)).status).toBe(200);
      expect(await count(who)).toBe(3);
    }
    const { html } = await listed(await signIn('hugo'));
    expect(html).toContain('3 records');
    // The list names colleagues as the detail does: no last name, no link to their record.
    expect(html).not.toContain('Quinnmark');
    expect(html).not.toContain(`/m/contacts/${id('iris')}`);
  });

  it('never crosses to another account: its cases answer 404 by id', async () => {
    const jon = await signIn('jon');
    expect((await listed(jon)).subjects).toEqual(['Jon’s case', 'Mia’s case']);
    for (const kase of ['hugoCase', 'irisCase', 'lenaCase', 'kimCase']) expect((await jon.get(`${HELP}/m/cases/${id(kase)}`)).status).toBe(404);
    const hugo = await signIn('hugo');
    for (const kase of ['jonCase', 'miaCase', 'kimCase']) expect((await hugo.get(`${HELP}/m/cases/${id(kase)}`)).status).toBe(404);
    expect(await count('jon')).toBe(2);
  });

  it('shows a user whose contact has no account only their own cases', async () => {
    const kim = await signIn('kim');
    expect((await listed(kim)).subjects).toEqual(['Kim’s case']);
    expect((await kim.get(`${HELP}/m/cases/${id('hugoCase')}`)).status).toBe(404);
    expect(await count('kim')).toBe(1);
  });

  it('names the colleague who opened a case from the visible name fields, without a link or anything else of theirs', async () => {
    const hugo = await signIn('hugo');
    const html = await (await hugo.get(`${HELP}/m/cases/${id('irisCase')}`)).text();
    expect(html).toContain('Iris');
    expect(html).not.toContain('Quinnmark');
    expect(html).not.toContain('iris@company.example');
    expect(html).not.toContain(`/m/contacts/${id('iris')}`);
    // The colleague's own record stays out of reach.
    expect((await hugo.get(`${HELP}/m/contacts/${id('iris')}`)).status).toBe(404);
    // His own record, in his scope, is linked.
    const own = await (await hugo.get(`${HELP}/m/cases/${id('hugoCase')}`)).text();
    expect(own).toContain(`/m/contacts/${id('hugo')}`);
  });

  it('takes a switch back to the user’s own records at the next request', async () => {
    const hugo = await signIn('hugo');
    expect((await hugo.get(`${HELP}/m/cases/${id('irisCase')}`)).status).toBe(200);
    await saveHelpTabs('mine');
    expect((await listed(hugo)).subjects).toEqual(['Hugo’s case']);
    expect((await hugo.get(`${HELP}/m/cases/${id('irisCase')}`)).status).toBe(404);
    expect(await count('hugo')).toBe(1);
  });
});

describe('explaining company reach', () => {
  const explain = async (user: keyof typeof users, record: string) =>
    decoded(await (await ana.get(`/admin/settings/portals/explain?user=${users[user].id}&record=${id(record)}`)).text())
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ');

  it('names the colleague at the same account, or says the lookup points elsewhere', async () => {
    const linked = await explain('hugo', 'irisCase');
    expect(linked).toContain('Hugo Hidalgo can see «Iris’s case»');
    expect(linked).toContain('Linked to a colleague at the same account: Iris Quinnmark.');
    expect(linked).toContain("Reach Records linked to anyone at the user's company");
    expect(await explain('hugo', 'hugoCase')).toContain("The record's «Contact» lookup points to the user's own record, or to a record they created.");
    const elsewhere = await explain('hugo', 'jonCase');
    expect(elsewhere).toContain('Hugo Hidalgo cannot see «Jon’s case»');
    expect(elsewhere).toContain('The lookup points elsewhere.');
  });

  it('lists the colleagues who see a case', async () => {
    const html = await (await ana.get(`/admin/settings/portals/explain/record/${id('lenaCase')}`)).text();
    expect(html).toContain('hugo@company.example');
    expect(html).toContain('iris@company.example');
    expect(html).not.toContain('jon@company.example');
  });
});

describe('configuring company reach', () => {
  it('offers the choice on a base module with an account lookup and counts the change in the access review', async () => {
    await saveHelpTabs('mine');
    const page = decoded(await (await ana.get(tabsPath(w.helpTypeId))).text());
    expect(page).toContain('Records linked to the user');
    expect(page).toContain("Records linked to anyone at the user's company");
    expect(page).toMatch(new RegExp(`<select id="${w.cases.module.id}.reach" name="${w.cases.module.id}.reach"[^>]*><option value="mine" selected`));

    const review = await post(tabsPath(w.helpTypeId), helpForm('company'));
    expect(review.status).toBe(200);
    const html = decoded(await review.text());
    expect(html).toContain('Review access changes');
    expect(html).toContain("Cases: now reaches the records linked to anyone at each user's company.");
    // Lena's case reaches Hugo and Iris, Mia's reaches Jon: two records no active user reached before.
    expect(html).toContain('Cases: gains 2 records.');
    expect(
      (
        await t.db
          .selectFrom('portal_type_tabs')
          .select('reach')
          .where('module_id', '=', w.cases.module.id)
          .where('user_type_id', '=', w.helpTypeId)
          .executeTakeFirstOrThrow()
      ).reach,
    ).toBe('mine');

    const confirmed = await post(tabsPath(w.helpTypeId), [...helpForm('company'), ['confirm', '1']]);
    expect(confirmed.status).toBe(303);
    const saved = await t.db
      .selectFrom('portal_type_tabs')
      .select('reach')
      .where('module_id', '=', w.cases.module.id)
      .where('user_type_id', '=', w.helpTypeId)
      .executeTakeFirstOrThrow();
    expect(saved.reach).toBe('company');
    expect(await count('hugo')).toBe(3);
    // The summary says so beside the tab's filter-by lookup.
    const summary = decoded(await (await ana.get(`/admin/settings/portals/${w.helpId}/summary`)).text());
    expect(summary).toContain("Records linked to anyone at the user's company");
    await saveHelpTabs('mine');
    expect(decoded(await (await ana.get(`/admin/settings/portals/${w.helpId}/summary`)).text())).not.toContain(
      "Records linked to anyone at the user's company",
    );
  });

  it('does not offer it without an account lookup, and refuses a submitted one with 422, saving nothing', async () => {
    const orders = (await loadModuleMeta(t.db, 'purchase_orders')) as ModuleMeta;
    const page = await (await ana.get(tabsPath(id('suppliers')))).text();
    expect(page).toContain(`name="${orders.module.id}.shown"`);
    expect(page).not.toContain('.reach"');
    const form: [string, string][] = [
      [`${vendors.module.id}.layouts`, layout(vendors)],
      [`${vendors.module.id}.viewMode`, 'list'],
      [`${orders.module.id}.shown`, 'on'],
      [`${orders.module.id}.view`, 'on'],
      [`${orders.module.id}.layouts`, layout(orders)],
      [`${orders.module.id}.viewMode`, 'list'],
      [`${orders.module.id}.reach`, 'company'],
    ];
    const res = await post(tabsPath(id('suppliers')), form);
    expect(res.status).toBe(422);
    const html = decoded(await res.text());
    expect(html).toContain("The user's module has no lookup to Accounts, so this tab cannot reach records linked to the user's company.");
    // What was submitted stays chosen, next to the message.
    expect(html).toMatch(new RegExp(`name="${orders.module.id}.reach"[^>]*>(<option[^>]*>[^<]*</option>)*<option value="company" selected`));
    expect(await t.db.selectFrom('portal_type_tabs').select('id').where('user_type_id', '=', id('suppliers')).execute()).toEqual([]);
  });

  it('keeps the reach through an export and import; an older file without it imports as the user’s own records', async () => {
    const config = await exportPortalConfig(t.db);
    const help = config.portals.find((p) => p.slug === 'acme-help');
    const casesTab = help?.userTypes.find((u) => u.default)?.tabs.find((tab) => tab.module === 'cases');
    expect(casesTab?.reach).toBe('company');
    const copy = (slug: string, strip: boolean) => {
      const portal = structuredClone(help) as NonNullable<typeof help>;
      portal.slug = slug;
      portal.name = slug;
      portal.oldSlugs = [];
      portal.userTypes = portal.userTypes.filter((u) => u.baseModule === 'contacts');
      if (strip) for (const u of portal.userTypes) for (const tab of u.tabs) delete tab.reach;
      return JSON.stringify({ ...config, portals: [portal] });
    };
    const reachOf = (slug: string) =>
      t.db
        .selectFrom('portal_type_tabs as tab')
        .innerJoin('portal_user_types as ty', 'ty.id', 'tab.user_type_id')
        .innerJoin('portals as p', 'p.id', 'ty.portal_id')
        .innerJoin('modules as m', 'm.id', 'tab.module_id')
        .select('tab.reach')
        .where('p.slug', '=', slug)
        .where('m.api_name', '=', 'cases')
        .executeTakeFirstOrThrow();
    expect(await importPortalConfig(t.db, w.staff, copy('help-copy', false))).toEqual({ ok: true, portals: 1 });
    expect((await reachOf('help-copy')).reach).toBe('company');
    expect(await importPortalConfig(t.db, w.staff, copy('help-older', true))).toEqual({ ok: true, portals: 1 });
    expect((await reachOf('help-older')).reach).toBe('mine');
  });
});
