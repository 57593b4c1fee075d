import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import { type AccessDiff, diffAccess, type ModuleDiff } from '../../src/portals/access-diff.js';
import type { FieldPermissionInput } from '../../src/portals/field-permissions.js';
import type { TabInput } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;
let staff: Actor;
let staffId: string;
let contacts: ModuleMeta;
let cases: ModuleMeta;
let deals: ModuleMeta;
/** Customers of the Globex portal: Carla and Dora active, Eve deactivated. */
let customersType: string;
/** A second type of the same portal that nobody uses yet. */
let partnersType: string;
let escalationLayout: string;

const field = (meta: ModuleMeta, name: string) => meta.byName.get(name)?.id as string;
const layoutOf = (meta: ModuleMeta) => meta.defaultLayout?.id as string;
const tabsPage = (typeId: string) => `/admin/settings/portals/types/${typeId}/tabs`;
const fieldsPage = (typeId: string) => `/admin/settings/portals/types/${typeId}/fields/cases?layout=${layoutOf(cases)}`;

function rec(meta: ModuleMeta, data: RecordData, layoutId = layoutOf(meta)) {
  return createRecord(t.db, staff, meta, { data, layoutId, ownerId: staffId });
}

beforeAll(async () => {
  t = await startTestApp();
  staffId = (await seedAcme(t.db)).admin.id;
  staff = { kind: 'staff', id: staffId };
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  cases = (await loadModuleMeta(t.db, 'cases')) as ModuleMeta;
  deals = (await loadModuleMeta(t.db, 'deals')) as ModuleMeta;

  const portal = await t.db.insertInto('portals').values({ name: 'Globex', slug: 'globex' }).returning('id').executeTakeFirstOrThrow();
  const types = await t.db
    .insertInto('portal_user_types')
    .values([
      { portal_id: portal.id, name: 'Customers', base_module_id: contacts.module.id, is_default: true, position: 0 },
      { portal_id: portal.id, name: 'Partners', base_module_id: contacts.module.id, position: 1 },
    ])
    .returning(['id', 'name'])
    .execute();
  customersType = types.find((x) => x.name === 'Customers')?.id as string;
  partnersType = types.find((x) => x.name === 'Partners')?.id as string;

  escalationLayout = randomUUID();
  await t.db
    .insertInto('layouts')
    .values({
      id: escalationLayout,
      module_id: cases.module.id,
      api_name: 'escalation',
      label_key: null,
      labels: JSON.stringify({ en: 'Escalation', es: 'Escalado' }),
      position: 5,
      sections: JSON.stringify([{ id: 'main', fields: [field(cases, 'subject')] }]),
    })
    .execute();

  const carla = await rec(contacts, { first_name: 'Carla', last_name: 'Núñez' });
  const dora = await rec(contacts, { first_name: 'Dora', last_name: 'Ortiz' });
  const eve = await rec(contacts, { first_name: 'Eve', last_name: 'Quintana' });
  const nobody = await rec(contacts, { first_name: 'Nadia', last_name: 'Sin Portal' });
  await t.db
    .insertInto('portal_users')
    .values([
      { portal_id: portal.id, user_type_id: customersType, record_id: carla.id, email: 'carla@globex.example', status: 'active', invited_by: staffId },
      { portal_id: portal.id, user_type_id: customersType, record_id: dora.id, email: 'dora@globex.example', status: 'active', invited_by: staffId },
      { portal_id: portal.id, user_type_id: customersType, record_id: eve.id, email: 'eve@globex.example', status: 'deactivated', invited_by: staffId },
    ])
    .execute();

  const kase = (subject: string, contact: string | null, layoutId?: string) => rec(cases, { subject, status: 'open', contact }, layoutId);
  // Standard layout: three cases of active users, one of Eve, one unlinked, one of a contact without a portal user, one binned.
  await kase('Printer jam', carla.id);
  await kase('Invoice copy', carla.id);
  await kase('Login trouble', dora.id);
  await kase('Eve’s refund', eve.id);
  await kase('Walk-in', null);
  await kase('Nadia’s question', nobody.id);
  const binned = await kase('Binned', carla.id);
  await t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', binned.id).execute();
  // Escalation layout: one of Carla, one of Eve.
  await kase('Escalated outage', carla.id, escalationLayout);
  await kase('Eve escalated', eve.id, escalationLayout);

  const deal = (name: string, contact: string) => rec(deals, { name, stage: 'proposal', closing_date: '2030-01-31', contact });
  await deal('Carla renewal', carla.id);
  await deal('Dora upgrade', dora.id);
  await deal('Eve expansion', eve.id);
});
afterAll(() => t.close());

type SavedTab = { layouts: string[]; create?: boolean };
type SavedTabs = { cases?: SavedTab; deals?: SavedTab };

/** Replaces a type's saved tabs: Contacts as the base tab, and Cases and Deals related through their Contact lookup when given. */
async function saveTabsDirectly(typeId: string, tabs: SavedTabs) {
  await t.db.deleteFrom('portal_type_tabs').where('user_type_id', '=', typeId).execute();
  const related = (meta: ModuleMeta, tab: SavedTab | undefined) =>
    tab
      ? [
          {
            user_type_id: typeId,
            module_id: meta.module.id,
            kind: 'related' as const,
            filter_field_id: field(meta, 'contact'),
            layout_ids: tab.layouts,
            can_view: true,
            can_create: tab.create ?? false,
          },
        ]
      : [];
  await t.db
    .insertInto('portal_type_tabs')
    .values([
      { user_type_id: typeId, module_id: contacts.module.id, kind: 'base', layout_ids: [layoutOf(contacts)], can_view: true },
      ...related(cases, tabs.cases),
      ...related(deals, tabs.deals),
    ])
    .execute();
}

type Perm = 'visible' | 'readOnly';

/** Replaces a type's saved field permissions on one layout. */
async function saveFieldsDirectly(typeId: string, layoutId: string, meta: ModuleMeta, perms: Record<string, Perm>) {
  await t.db.deleteFrom('portal_type_fields').where('user_type_id', '=', typeId).where('layout_id', '=', layoutId).execute();
  const rows = Object.entries(perms).map(([name, perm]) => ({
    user_type_id: typeId,
    layout_id: layoutId,
    field_id: field(meta, name),
    visible: true,
    read_only: perm === 'readOnly',
  }));
  if (rows.length) await t.db.insertInto('portal_type_fields').values(rows).execute();
}

/** The tab form as the page submits it: every shown module with its layouts and permissions. */
function tabsForm(tabs: SavedTabs): [string, string][] {
  const pairs: [string, string][] = [];
  const module = (id: string, layouts: string[], perms: string[]) => {
    pairs.push([`${id}.shown`, 'on']);
    for (const l of layouts) pairs.push([`${id}.layouts`, l]);
    for (const p of perms) pairs.push([`${id}.${p}`, 'on']);
    pairs.push([`${id}.viewMode`, 'list'], [`${id}.notes`, 'none'], [`${id}.attachments`, 'none']);
  };
  module(contacts.module.id, [layoutOf(contacts)], ['view']);
  if (tabs.cases) module(cases.module.id, tabs.cases.layouts, tabs.cases.create ? ['view', 'create'] : ['view']);
  if (tabs.deals) module(deals.module.id, tabs.deals.layouts, tabs.deals.create ? ['view', 'create'] : ['view']);
  return pairs;
}

/** The same form as the domain reads it. */
function tabsInput(tabs: SavedTabs): Record<string, TabInput> {
  const input = (layoutIds: string[], create = false): TabInput => ({
    shown: true,
    filterFieldId: '',
    layoutIds,
    view: true,
    create,
    edit: false,
    delete: false,
    viewMode: 'list',
    notes: 'none',
    attachments: 'none',
  });
  return {
    [contacts.module.id]: input([layoutOf(contacts)]),
    ...(tabs.cases ? { [cases.module.id]: input(tabs.cases.layouts, tabs.cases.create) } : {}),
    ...(tabs.deals ? { [deals.module.id]: input(tabs.deals.layouts, tabs.deals.create) } : {}),
  };
}

function fieldsForm(perms: Record<string, Perm>): [string, string][] {
  return Object.entries(perms).flatMap(([name, perm]): [string, string][] =>
    perm === 'readOnly'
      ? [
          ['visible', field(cases, name)],
          ['read_only', field(cases, name)],
        ]
      : [['visible', field(cases, name)]],
  );
}

const fieldsInput = (perms: Record<string, Perm>): FieldPermissionInput[] =>
  Object.entries(perms).map(([name, perm]) => ({ fieldId: field(cases, name), visible: true, readOnly: perm === 'readOnly' }));

function submit(path: string, pairs: [string, string][], headers: Record<string, string> = {}) {
  return ana.request(path, {
    method: 'POST',
    body: new URLSearchParams(pairs),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
}

/** The hidden values of the review's form holding the given button, as a browser would post them. */
function formValues(html: string, marker: 'confirm' | 'back'): [string, string][] {
  const form = html.split('<form').find((f) => f.includes(`name="${marker}" value="1"`)) ?? '';
  return [...form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']);
}

const savedTabs = (typeId: string) =>
  t.db.selectFrom('portal_type_tabs').select(['module_id', 'layout_ids', 'can_create']).where('user_type_id', '=', typeId).orderBy('module_id').execute();

const savedFields = (typeId: string) =>
  t.db
    .selectFrom('portal_type_fields')
    .select(['field_id', 'visible', 'read_only'])
    .where('user_type_id', '=', typeId)
    .where('layout_id', '=', layoutOf(cases))
    .orderBy('field_id')
    .execute();

function diffOf(result: { ok: true; diff: AccessDiff } | { ok: false }): AccessDiff {
  if (!result.ok) throw new Error('the proposal was refused');
  return result.diff;
}

/** A module's changes with field api names, for exact comparisons. */
function summary(m: ModuleDiff) {
  const names = (fields: { api_name: string }[]) => fields.map((f) => f.api_name);
  return {
    module: m.module.api_name,
    gained: m.gained,
    lost: m.lost,
    layouts: m.layouts.map((l) => ({
      layout: l.layout.id,
      nowVisible: names(l.nowVisible),
      noLongerVisible: names(l.noLongerVisible),
      nowReadOnly: names(l.nowReadOnly),
      noLongerReadOnly: names(l.noLongerReadOnly),
    })),
  };
}

beforeEach(async () => {
  await saveTabsDirectly(customersType, { deals: { layouts: [layoutOf(deals)] } });
  await saveTabsDirectly(partnersType, {});
  await saveFieldsDirectly(customersType, layoutOf(cases), cases, { subject: 'visible', status: 'readOnly' });
  await saveFieldsDirectly(customersType, layoutOf(deals), deals, { name: 'visible' });
});

describe('the access diff', () => {
  it('counts the records the active users gain and lose, never the deactivated user’s or unlinked ones', async () => {
    const diff = diffOf(await diffAccess(t.db, customersType, { tabs: tabsInput({ cases: { layouts: [layoutOf(cases)] } }) }));
    expect(diff.changed).toBe(true);
    expect(diff.types).toHaveLength(1);
    const [type] = diff.types;
    expect(type).toMatchObject({ userTypeId: customersType, typeName: 'Customers', portalName: 'Globex', activeUsers: 2 });
    expect(type?.modules.map(summary)).toEqual([
      {
        module: 'deals',
        gained: 0,
        lost: 2,
        layouts: [{ layout: layoutOf(deals), nowVisible: [], noLongerVisible: ['name'], nowReadOnly: [], noLongerReadOnly: [] }],
      },
      {
        module: 'cases',
        gained: 3,
        lost: 0,
        layouts: [{ layout: layoutOf(cases), nowVisible: ['subject', 'status'], noLongerVisible: [], nowReadOnly: ['status'], noLongerReadOnly: [] }],
      },
    ]);
  });

  it('loses exactly the records in a layout taken out of the allowed layouts', async () => {
    await saveTabsDirectly(customersType, { cases: { layouts: [layoutOf(cases), escalationLayout] }, deals: { layouts: [layoutOf(deals)] } });
    const diff = diffOf(
      await diffAccess(t.db, customersType, { tabs: tabsInput({ cases: { layouts: [layoutOf(cases)] }, deals: { layouts: [layoutOf(deals)] } }) }),
    );
    // Carla's escalated case goes; Eve's does not count, she is deactivated. No field of the escalation layout was visible.
    expect(diff.types[0]?.modules.map(summary)).toEqual([{ module: 'cases', gained: 0, lost: 1, layouts: [] }]);
  });

  it('lists exactly the field that becomes visible, read-only, hidden or writable', async () => {
    await saveTabsDirectly(customersType, { cases: { layouts: [layoutOf(cases)] } });
    const fieldsOf = async (perms: Record<string, Perm>) => {
      const diff = diffOf(await diffAccess(t.db, customersType, { moduleId: cases.module.id, layoutId: layoutOf(cases), fields: fieldsInput(perms) }));
      return diff.types[0]?.modules.map(summary);
    };
    const only = (changes: Partial<Record<'nowVisible' | 'noLongerVisible' | 'nowReadOnly' | 'noLongerReadOnly', string[]>>) => [
      {
        module: 'cases',
        gained: 0,
        lost: 0,
        layouts: [{ layout: layoutOf(cases), nowVisible: [], noLongerVisible: [], nowReadOnly: [], noLongerReadOnly: [], ...changes }],
      },
    ];
    expect(await fieldsOf({ subject: 'visible', status: 'readOnly', priority: 'visible' })).toEqual(only({ nowVisible: ['priority'] }));
    expect(await fieldsOf({ subject: 'readOnly', status: 'readOnly' })).toEqual(only({ nowReadOnly: ['subject'] }));
    expect(await fieldsOf({ subject: 'visible', status: 'visible' })).toEqual(only({ noLongerReadOnly: ['status'] }));
    expect(await fieldsOf({ subject: 'visible' })).toEqual(only({ noLongerVisible: ['status'] }));
  });

  it('sees no change in a permission that moves no record and no field', async () => {
    const diff = diffOf(await diffAccess(t.db, customersType, { tabs: tabsInput({ deals: { layouts: [layoutOf(deals)], create: true } }) }));
    expect(diff).toEqual({ changed: false, types: [] });
  });
});

describe('saving tabs through the review', () => {
  it('shows the review and writes nothing until the admin confirms, then saves', async () => {
    const before = await savedTabs(customersType);
    const res = await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Review access changes');
    expect(html).toContain('Customers · Globex');
    expect(html).toContain('2 active users.');
    expect(html).toContain('Cases: gains 3 records.');
    expect(html).toContain('Deals: loses 2 records.');
    expect(html).toMatch(/<dt>Now visible<\/dt><dd>Subject and Status<\/dd>/);
    expect(html).toMatch(/<dt>Now read-only<\/dt><dd>Status<\/dd>/);
    expect(html).toMatch(/<dt>No longer visible<\/dt><dd>Name<\/dd>/);
    expect(html).toContain('Confirm and save');
    expect(html).toContain('Back to editing');
    expect(await savedTabs(customersType)).toEqual(before);

    const confirmed = await submit(tabsPage(customersType), formValues(html, 'confirm'));
    expect(confirmed.status).toBe(303);
    // Saved, the step leads on to the first page of the field permissions.
    expect(confirmed.headers.get('Location')).toMatch(
      new RegExp(`^/admin/settings/portals/types/${customersType}/fields/[a-z_]+\\?layout=[0-9a-f-]{36}&done=tabsSaved$`),
    );
    const after = await savedTabs(customersType);
    expect(after.map((r) => r.module_id).sort()).toEqual([contacts.module.id, cases.module.id].sort());
    expect(after.find((r) => r.module_id === cases.module.id)?.layout_ids).toEqual([layoutOf(cases)]);
  });

  it('says a single record in the singular', async () => {
    await saveTabsDirectly(customersType, { cases: { layouts: [layoutOf(cases), escalationLayout] } });
    const res = await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Cases: loses 1 record.');
  });

  it('goes back to the form with the submitted values and writes nothing', async () => {
    const before = await savedTabs(customersType);
    const review = await (await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }))).text();
    const back = await submit(tabsPage(customersType), formValues(review, 'back'));
    expect(back.status).toBe(200);
    const html = await back.text();
    expect(html).not.toContain('Review access changes');
    expect(html).toMatch(new RegExp(`name="${cases.module.id}.shown" checked`));
    expect(html).not.toMatch(new RegExp(`name="${deals.module.id}.shown" checked`));
    expect(await savedTabs(customersType)).toEqual(before);
  });

  it('saves at once, without a review, a change that moves no record and no field', async () => {
    const res = await submit(tabsPage(customersType), tabsForm({ deals: { layouts: [layoutOf(deals)], create: true } }));
    expect(res.status).toBe(303);
    expect((await savedTabs(customersType)).find((r) => r.module_id === deals.module.id)?.can_create).toBe(true);
  });

  it('answers invalid input with the form and its errors, no review', async () => {
    const before = await savedTabs(customersType);
    const res = await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [] } }));
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Choose at least one layout.');
    expect(html).not.toContain('Confirm and save');
    expect(await savedTabs(customersType)).toEqual(before);
  });

  it('re-validates on confirm: a forged confirmation with invalid values is refused', async () => {
    const before = await savedTabs(customersType);
    const res = await submit(tabsPage(customersType), [...tabsForm({ cases: { layouts: [escalationLayout, layoutOf(deals)] } }), ['confirm', '1']]);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('That layout does not belong to this module.');
    expect(await savedTabs(customersType)).toEqual(before);
  });

  it('says when the type has no active users that the counts are zero for now', async () => {
    const res = await submit(tabsPage(partnersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Partners · Globex');
    expect(html).toContain('No active users: record counts are for current users, so they are zero now.');
    expect(html).toContain('Cases: the records reached change, but no current record is gained or lost.');
    expect(html).not.toContain('gains');
  });

  it('speaks the admin’s language, with the counts', async () => {
    const res = await submit(tabsPage(customersType), tabsForm({ cases: { layouts: [layoutOf(cases)] } }), { 'Accept-Language': 'es' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Revisar los cambios de acceso');
    expect(html).toContain('2 usuarios activos.');
    expect(html).toContain('Casos: gana 3 registros.');
    expect(html).toContain('Oportunidades: pierde 2 registros.');
    expect(html).toMatch(/<dt>Ahora visibles<\/dt><dd>Asunto y Estado<\/dd>/);
    expect(html).toContain('Confirmar y guardar');
  });
});

describe('saving field permissions through the review', () => {
  beforeEach(() => saveTabsDirectly(customersType, { cases: { layouts: [layoutOf(cases)] } }));

  it('shows exactly the field that becomes visible, writes nothing until confirmed, then saves', async () => {
    const before = await savedFields(customersType);
    const res = await submit(fieldsPage(customersType), fieldsForm({ subject: 'visible', status: 'readOnly', priority: 'visible' }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Review access changes');
    expect(html).toContain('2 active users.');
    expect(html).toMatch(/<dt>Now visible<\/dt><dd>Priority<\/dd>/);
    expect(html).not.toContain('Now read-only');
    expect(html).not.toContain('Cases: gains');
    expect(await savedFields(customersType)).toEqual(before);

    const confirmed = await submit(fieldsPage(customersType), formValues(html, 'confirm'));
    expect(confirmed.status).toBe(303);
    // Saved, the walk goes on to the next module or layout, or to the summary after the last.
    expect(confirmed.headers.get('Location')).toMatch(/[?&]saved=1$|\/summary$/);
    const visible = (await savedFields(customersType)).filter((r) => r.visible).map((r) => r.field_id);
    expect(visible.sort()).toEqual([field(cases, 'subject'), field(cases, 'status'), field(cases, 'priority')].sort());
  });

  it('goes back to the grid with the submitted boxes ticked', async () => {
    const review = await (await submit(fieldsPage(customersType), fieldsForm({ subject: 'readOnly', status: 'readOnly' }))).text();
    expect(review).toMatch(/<dt>Now read-only<\/dt><dd>Subject<\/dd>/);
    const back = await submit(fieldsPage(customersType), formValues(review, 'back'));
    expect(back.status).toBe(200);
    expect(await back.text()).toMatch(new RegExp(`id="read-only-${field(cases, 'subject')}"[^>]*checked`));
    expect((await savedFields(customersType)).find((r) => r.field_id === field(cases, 'subject'))?.read_only).toBe(false);
  });

  it('saves the same permissions at once, without a review', async () => {
    const res = await submit(fieldsPage(customersType), fieldsForm({ subject: 'visible', status: 'readOnly' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toMatch(/[?&]saved=1$|\/summary$/);
  });

  it('refuses a field that is not on the layout with the form, no review', async () => {
    const before = await savedFields(customersType);
    const res = await submit(fieldsPage(customersType), [...fieldsForm({ priority: 'visible' }), ['visible', field(deals, 'name')]]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('The form named a field that is not on this layout.');
    expect(html).not.toContain('Confirm and save');
    expect(await savedFields(customersType)).toEqual(before);
  });
});
