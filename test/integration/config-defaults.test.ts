import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createRecord } from '../../src/crm/records.js';
import { defaultCanvasDesign } from '../../src/portals/canvas.js';
import { fieldPermissionGrid, saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions, validateTabs } from '../../src/portals/tabs.js';
import { addUserType } from '../../src/portals/user-types.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { decodeEntities } from '../support/portal-crawl.js';
import { addPortalUser, carla, HELP, PARTNERS, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';

// What an admin gets without configuring anything: a new user type sees the
// names on its own record and its email (read-only), a tab shown for the first
// time sees its records' names, and a canvas tab titles its cards with the
// record's name until a card design is saved.

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
const meta = async (name: string) => (await loadModuleMeta(t.db, name)) as ModuleMeta;

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  ana = browserClient(t.app);
  expect((await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password })).status).toBe(303);
});
afterAll(() => t.close());

/** What step 4 shows a type on one layout: each visible field as 'visible' or 'read-only'; hidden ones are left out. */
async function shownFields(typeId: string, m: ModuleMeta, layoutId: string): Promise<Record<string, 'visible' | 'read-only'>> {
  const grid = (await fieldPermissionGrid(t.db, typeId, m.module.id, layoutId)) ?? [];
  const out: Record<string, 'visible' | 'read-only'> = {};
  for (const row of grid.flatMap((s) => s.rows)) if (row.visible) out[row.field.api_name] = row.readOnly ? 'read-only' : 'visible';
  return out;
}

const baseLayoutOf = async (typeId: string) =>
  (await t.db.selectFrom('portal_type_tabs').select('layout_ids').where('user_type_id', '=', typeId).where('kind', '=', 'base').executeTakeFirstOrThrow())
    .layout_ids;

describe('default field permissions', () => {
  it("starts a new user type's base tab with the record's name fields visible and its email read-only", async () => {
    const vendors = await meta('vendors');
    const added = await addUserType(t.db, w.staff, w.helpId, { name: 'Suppliers', baseModuleId: vendors.module.id });
    if (!added.ok) throw new Error('type not added');
    const layouts = await baseLayoutOf(added.type.id);
    expect(layouts).toHaveLength(1);
    expect(await shownFields(added.type.id, vendors, layouts[0] ?? '')).toEqual({ name: 'visible', email: 'read-only' });
  });

  it("starts a new portal's default type with the contact's first and last name visible and its email read-only", async () => {
    const contacts = await meta('contacts');
    const created = await createPortal(t.db, w.staff, { name: 'Defaults', slug: 'defaults' });
    if (!created.ok) throw new Error('portal not created');
    const type = await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow();
    const layouts = await baseLayoutOf(type.id);
    expect(await shownFields(type.id, contacts, layouts[0] ?? '')).toEqual({ first_name: 'visible', last_name: 'visible', email: 'read-only' });
  });

  it('shows the name of a related tab shown for the first time on each layout it allows, without touching permissions already set', async () => {
    const [contacts, cases, deals] = await Promise.all([meta('contacts'), meta('cases'), meta('deals')]);
    const added = await addUserType(t.db, w.staff, w.helpId, { name: 'Buyers', baseModuleId: contacts.module.id });
    if (!added.ok) throw new Error('type not added');
    const typeId = added.type.id;
    const dealLayout = deals.defaultLayout?.id ?? '';
    // The admin set the deals' fields before showing the tab: only the stage.
    const stageOnly = deals.fields.map((f) => ({ fieldId: f.id, visible: f.api_name === 'stage', readOnly: false }));
    expect((await saveFieldPermissions(t.db, w.staff, typeId, deals.module.id, dealLayout, stageOnly)).ok).toBe(true);

    const options = (await tabOptions(t.db, typeId)) ?? [];
    expect(await saveTabs(t.db, w.staff, typeId, tabForm(options, { contacts: {}, cases: {}, deals: {} }))).toEqual({ ok: true });
    const caseLayouts = options.find((o) => o.module.api_name === 'cases')?.layouts ?? [];
    expect(caseLayouts.length).toBeGreaterThan(0);
    for (const layout of caseLayouts) expect(await shownFields(typeId, cases, layout.id)).toEqual({ subject: 'visible' });
    expect(await shownFields(typeId, deals, dealLayout)).toEqual({ stage: 'visible' });

    // Hidden by the admin, the tab taken away and shown again: the admin's choice stands.
    const caseLayout = caseLayouts[0]?.id ?? '';
    const allHidden = cases.fields.map((f) => ({ fieldId: f.id, visible: false, readOnly: false }));
    expect((await saveFieldPermissions(t.db, w.staff, typeId, cases.module.id, caseLayout, allHidden)).ok).toBe(true);
    expect(await saveTabs(t.db, w.staff, typeId, tabForm(options, { contacts: {}, deals: {} }))).toEqual({ ok: true });
    expect(await saveTabs(t.db, w.staff, typeId, tabForm(options, { contacts: {}, cases: {}, deals: {} }))).toEqual({ ok: true });
    expect(await shownFields(typeId, cases, caseLayout)).toEqual({});
    // The base tab's defaults are not written again by saving the tabs.
    expect(await shownFields(typeId, contacts, (await baseLayoutOf(typeId))[0] ?? '')).toEqual({
      first_name: 'visible',
      last_name: 'visible',
      email: 'read-only',
    });
  });
});

describe('default card design', () => {
  const tabsPage = () => `/admin/settings/portals/types/${w.helpTypeId}/tabs`;

  /** The Tabs step form of Acme Help: its contact and its cases, the cases in the given view. */
  async function tabsForm(viewMode: string): Promise<Record<string, string>> {
    const options = (await tabOptions(t.db, w.helpTypeId)) ?? [];
    const form: Record<string, string> = {};
    for (const o of options.filter((x) => x.module.api_name === 'contacts' || x.module.api_name === 'cases')) {
      const m = o.module.id;
      Object.assign(form, {
        [`${m}.shown`]: 'on',
        [`${m}.layouts`]: o.layouts[0]?.id ?? '',
        [`${m}.view`]: 'on',
        [`${m}.viewMode`]: o.module.api_name === 'cases' ? viewMode : 'list',
        [`${m}.notes`]: 'none',
        [`${m}.attachments`]: 'none',
      });
    }
    return form;
  }

  it('accepts the canvas view on the Tabs step without a saved design, and the portal titles the cards by the name field', async () => {
    const cases = await meta('cases');
    expect(await t.db.selectFrom('canvas_designs').select('module_id').where('module_id', '=', cases.module.id).executeTakeFirst()).toBeUndefined();
    const saved = await ana.post(tabsPage(), { ...(await tabsForm('canvas')), confirm: '1' });
    expect(saved.status).toBe(303);
    expect(
      await t.db
        .selectFrom('portal_type_tabs')
        .select('view_mode')
        .where('user_type_id', '=', w.helpTypeId)
        .where('module_id', '=', cases.module.id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ view_mode: 'canvas' });

    await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
    const client = browserClient(t.app);
    expect((await client.post(`${HELP}/login`, { email: carla.email, password: carla.password })).status).toBe(303);
    const html = await (await client.get(`${HELP}/m/cases`)).text();
    expect(html).toContain('<ul class="cards canvas">');
    expect(html).toContain(`<a href="${HELP}/m/cases/${w.records.carlaCase1}">Printer jam</a>`);
    expect(html).toContain(`<a href="${HELP}/m/cases/${w.records.carlaCase2}">Invoice copy</a>`);
  });

  it('keeps a hidden name field off the cards of a type that does not show it', async () => {
    const cases = await meta('cases');
    const options = (await tabOptions(t.db, w.partnersTypeId)) ?? [];
    expect(await saveTabs(t.db, w.staff, w.partnersTypeId, tabForm(options, { contacts: {}, cases: { viewMode: 'canvas' } }))).toEqual({ ok: true });
    for (const layout of cases.layouts) {
      const rows = cases.fields.map((f) => ({ fieldId: f.id, visible: f.api_name === 'status' || f.api_name === 'contact', readOnly: false }));
      expect((await saveFieldPermissions(t.db, w.staff, w.partnersTypeId, cases.module.id, layout.id, rows)).ok).toBe(true);
    }
    const erinCase = await createRecord(t.db, w.staff, cases, {
      data: { subject: 'Erin secret subject', status: 'open', contact: w.records.erin },
      layoutId: cases.defaultLayout?.id ?? null,
      ownerId: w.adminId,
    });
    const erin = { email: 'erin@partner.example', password: 'Erin-Portal-2027' };
    await addPortalUser(t, w, { email: erin.email, recordId: w.records.erin, status: 'active', password: erin.password, portal: 'partners' });
    const client = browserClient(t.app);
    expect((await client.post(`${PARTNERS}/login`, erin)).status).toBe(303);
    const html = await (await client.get(`${PARTNERS}/m/cases`)).text();
    expect(html).toContain('<ul class="cards canvas">');
    expect(html).toContain(`<a href="${PARTNERS}/m/cases/${erinCase.id}">Open</a>`);
    expect(html).not.toContain('Erin secret subject');
  });

  it('shows the default design on the Portal cards pages as the starting point until one is saved', async () => {
    const casesRow = async () =>
      decodeEntities(await (await ana.get('/admin/settings/portals/cards')).text()).match(/portals\/cards\/cases">Cases<\/a><\/th><td>([^<]*)</)?.[1];
    expect(await casesRow()).toBe('Subject (default, until a design is saved)');
    const cases = await meta('cases');
    const subject = cases.byName.get('subject')?.id ?? '';
    const page = decodeEntities(await (await ana.get('/admin/settings/portals/cards/cases')).text());
    expect(page).toContain("This is the default design: the record's name is the title.");
    expect(page).toMatch(new RegExp(`<option value="${subject}" selected="">`));

    const saved = await ana.post('/admin/settings/portals/cards/cases', { title: subject, subtitle1: cases.byName.get('status')?.id ?? '' });
    expect(saved.status).toBe(303);
    const after = decodeEntities(await (await ana.get('/admin/settings/portals/cards/cases')).text());
    expect(after).not.toContain('This is the default design');
    expect(await casesRow()).toBe('Subject');
  });

  it('has no default design, and still refuses the canvas view, for a module whose name cannot title a card', async () => {
    const solutions = await meta('solutions');
    // A long-text name field cannot be a card's title.
    const longText = { ...solutions.module, name_fields: ['answer'] };
    expect(solutions.byName.get('answer')?.type).toBe('textarea');
    expect(defaultCanvasDesign(longText, solutions.fields)).toBeUndefined();
    expect(defaultCanvasDesign(solutions.module, solutions.fields)).toEqual({
      titleFieldId: solutions.byName.get('title')?.id,
      subtitleFieldIds: [],
      badgeFieldId: null,
    });

    await t.db
      .updateTable('modules')
      .set({ name_fields: ['answer'] })
      .where('id', '=', solutions.module.id)
      .execute();
    try {
      const options = (await tabOptions(t.db, w.helpTypeId)) ?? [];
      const result = await validateTabs(t.db, w.helpTypeId, tabForm(options, { contacts: {}, solutions: { viewMode: 'canvas' } }));
      expect(result).toEqual({ ok: false, errors: { [solutions.module.id]: { viewMode: 'portaltabs:errors.canvasNeedsDesign' } } });
    } finally {
      await t.db.updateTable('modules').set({ name_fields: solutions.module.name_fields }).where('id', '=', solutions.module.id).execute();
    }
  });
});
