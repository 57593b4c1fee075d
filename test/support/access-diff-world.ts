import { randomUUID } from 'node:crypto';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { AccessDiff, ModuleDiff } from '../../src/portals/access-diff.js';
import type { FieldPermissionInput } from '../../src/portals/field-permissions.js';
import type { TabInput } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from './app.js';
import { acme, seedAcme } from './fixtures.js';

// The world of the access-diff suites: the Globex portal with two user types
// over Contacts, Cases (two layouts) and Deals linked to its users, and helpers
// to save a type's tabs and field permissions directly or through the admin's
// forms. Each suite file starts its own world.

export type AccessDiffWorld = {
  t: TestApp;
  ana: BrowserClient;
  staff: Actor;
  staffId: string;
  contacts: ModuleMeta;
  cases: ModuleMeta;
  deals: ModuleMeta;
  /** Customers of the Globex portal: Carla and Dora active, Eve deactivated. */
  customersType: string;
  /** A second type of the same portal that nobody uses yet. */
  partnersType: string;
  escalationLayout: string;
};

let w: AccessDiffWorld;

export const field = (meta: ModuleMeta, name: string) => meta.byName.get(name)?.id as string;
export const layoutOf = (meta: ModuleMeta) => meta.defaultLayout?.id as string;
export const tabsPage = (typeId: string) => `/admin/settings/portals/types/${typeId}/tabs`;
export const fieldsPage = (typeId: string) => `/admin/settings/portals/types/${typeId}/fields/cases?layout=${layoutOf(w.cases)}`;

function rec(meta: ModuleMeta, data: RecordData, layoutId = layoutOf(meta)) {
  return createRecord(w.t.db, w.staff, meta, { data, layoutId, ownerId: w.staffId });
}

export async function startAccessDiffWorld(): Promise<AccessDiffWorld> {
  w = {} as AccessDiffWorld;
  w.t = await startTestApp();
  w.staffId = (await seedAcme(w.t.db)).admin.id;
  w.staff = { kind: 'staff', id: w.staffId };
  w.ana = browserClient(w.t.app);
  await w.ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  w.contacts = (await loadModuleMeta(w.t.db, 'contacts')) as ModuleMeta;
  w.cases = (await loadModuleMeta(w.t.db, 'cases')) as ModuleMeta;
  w.deals = (await loadModuleMeta(w.t.db, 'deals')) as ModuleMeta;

  const portal = await w.t.db.insertInto('portals').values({ name: 'Globex', slug: 'globex' }).returning('id').executeTakeFirstOrThrow();
  const types = await w.t.db
    .insertInto('portal_user_types')
    .values([
      { portal_id: portal.id, name: 'Customers', base_module_id: w.contacts.module.id, is_default: true, position: 0 },
      { portal_id: portal.id, name: 'Partners', base_module_id: w.contacts.module.id, position: 1 },
    ])
    .returning(['id', 'name'])
    .execute();
  w.customersType = types.find((x) => x.name === 'Customers')?.id as string;
  w.partnersType = types.find((x) => x.name === 'Partners')?.id as string;

  w.escalationLayout = randomUUID();
  await w.t.db
    .insertInto('layouts')
    .values({
      id: w.escalationLayout,
      module_id: w.cases.module.id,
      api_name: 'escalation',
      label_key: null,
      labels: JSON.stringify({ en: 'Escalation', es: 'Escalado' }),
      position: 5,
      sections: JSON.stringify([{ id: 'main', fields: [field(w.cases, 'subject')] }]),
    })
    .execute();

  const carla = await rec(w.contacts, { first_name: 'Carla', last_name: 'Núñez' });
  const dora = await rec(w.contacts, { first_name: 'Dora', last_name: 'Ortiz' });
  const eve = await rec(w.contacts, { first_name: 'Eve', last_name: 'Quintana' });
  const nobody = await rec(w.contacts, { first_name: 'Nadia', last_name: 'Sin Portal' });
  await w.t.db
    .insertInto('portal_users')
    .values([
      { portal_id: portal.id, user_type_id: w.customersType, record_id: carla.id, email: 'carla@globex.example', status: 'active', invited_by: w.staffId },
      { portal_id: portal.id, user_type_id: w.customersType, record_id: dora.id, email: 'dora@globex.example', status: 'active', invited_by: w.staffId },
      { portal_id: portal.id, user_type_id: w.customersType, record_id: eve.id, email: 'eve@globex.example', status: 'deactivated', invited_by: w.staffId },
    ])
    .execute();

  const kase = (subject: string, contact: string | null, layoutId?: string) => rec(w.cases, { subject, status: 'open', contact }, layoutId);
  // Standard layout: three cases of active users, one of Eve, one unlinked, one of a contact without a portal user, one binned.
  await kase('Printer jam', carla.id);
  await kase('Invoice copy', carla.id);
  await kase('Login trouble', dora.id);
  await kase('Eve’s refund', eve.id);
  await kase('Walk-in', null);
  await kase('Nadia’s question', nobody.id);
  const binned = await kase('Binned', carla.id);
  await w.t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', binned.id).execute();
  // Escalation layout: one of Carla, one of Eve.
  await kase('Escalated outage', carla.id, w.escalationLayout);
  await kase('Eve escalated', eve.id, w.escalationLayout);

  const deal = (name: string, contact: string) => rec(w.deals, { name, stage: 'proposal', closing_date: '2030-01-31', contact });
  await deal('Carla renewal', carla.id);
  await deal('Dora upgrade', dora.id);
  await deal('Eve expansion', eve.id);
  return w;
}

export type SavedTab = { layouts: string[]; create?: boolean };
export type SavedTabs = { cases?: SavedTab; deals?: SavedTab };

/** Replaces a type's saved tabs: Contacts as the base tab, and Cases and Deals related through their Contact lookup when given. */
export async function saveTabsDirectly(typeId: string, tabs: SavedTabs) {
  await w.t.db.deleteFrom('portal_type_tabs').where('user_type_id', '=', typeId).execute();
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
  await w.t.db
    .insertInto('portal_type_tabs')
    .values([
      { user_type_id: typeId, module_id: w.contacts.module.id, kind: 'base', layout_ids: [layoutOf(w.contacts)], can_view: true },
      ...related(w.cases, tabs.cases),
      ...related(w.deals, tabs.deals),
    ])
    .execute();
}

export type Perm = 'visible' | 'readOnly';

/** Replaces a type's saved field permissions on one layout. */
export async function saveFieldsDirectly(typeId: string, layoutId: string, meta: ModuleMeta, perms: Record<string, Perm>) {
  await w.t.db.deleteFrom('portal_type_fields').where('user_type_id', '=', typeId).where('layout_id', '=', layoutId).execute();
  const rows = Object.entries(perms).map(([name, perm]) => ({
    user_type_id: typeId,
    layout_id: layoutId,
    field_id: field(meta, name),
    visible: true,
    read_only: perm === 'readOnly',
  }));
  if (rows.length) await w.t.db.insertInto('portal_type_fields').values(rows).execute();
}

/** The tab form as the page submits it: every shown module with its layouts and permissions. */
export function tabsForm(tabs: SavedTabs): [string, string][] {
  const pairs: [string, string][] = [];
  const module = (id: string, layouts: string[], perms: string[]) => {
    pairs.push([`${id}.shown`, 'on']);
    for (const l of layouts) pairs.push([`${id}.layouts`, l]);
    for (const p of perms) pairs.push([`${id}.${p}`, 'on']);
    pairs.push([`${id}.viewMode`, 'list'], [`${id}.notes`, 'none'], [`${id}.attachments`, 'none']);
  };
  module(w.contacts.module.id, [layoutOf(w.contacts)], ['view']);
  if (tabs.cases) module(w.cases.module.id, tabs.cases.layouts, tabs.cases.create ? ['view', 'create'] : ['view']);
  if (tabs.deals) module(w.deals.module.id, tabs.deals.layouts, tabs.deals.create ? ['view', 'create'] : ['view']);
  return pairs;
}

/** The same form as the domain reads it. */
export function tabsInput(tabs: SavedTabs): Record<string, TabInput> {
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
    [w.contacts.module.id]: input([layoutOf(w.contacts)]),
    ...(tabs.cases ? { [w.cases.module.id]: input(tabs.cases.layouts, tabs.cases.create) } : {}),
    ...(tabs.deals ? { [w.deals.module.id]: input(tabs.deals.layouts, tabs.deals.create) } : {}),
  };
}

export function fieldsForm(perms: Record<string, Perm>): [string, string][] {
  return Object.entries(perms).flatMap(([name, perm]): [string, string][] =>
    perm === 'readOnly'
      ? [
          ['visible', field(w.cases, name)],
          ['read_only', field(w.cases, name)],
        ]
      : [['visible', field(w.cases, name)]],
  );
}

export const fieldsInput = (perms: Record<string, Perm>): FieldPermissionInput[] =>
  Object.entries(perms).map(([name, perm]) => ({ fieldId: field(w.cases, name), visible: true, readOnly: perm === 'readOnly' }));

export function submit(path: string, pairs: [string, string][], headers: Record<string, string> = {}) {
  return w.ana.request(path, {
    method: 'POST',
    body: new URLSearchParams(pairs),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
  });
}

/** The hidden values of the review's form holding the given button, as a browser would post them. */
export function formValues(html: string, marker: 'confirm' | 'back'): [string, string][] {
  const form = html.split('<form').find((f) => f.includes(`name="${marker}" value="1"`)) ?? '';
  return [...form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']);
}

export const savedTabs = (typeId: string) =>
  w.t.db.selectFrom('portal_type_tabs').select(['module_id', 'layout_ids', 'can_create']).where('user_type_id', '=', typeId).orderBy('module_id').execute();

export const savedFields = (typeId: string) =>
  w.t.db
    .selectFrom('portal_type_fields')
    .select(['field_id', 'visible', 'read_only'])
    .where('user_type_id', '=', typeId)
    .where('layout_id', '=', layoutOf(w.cases))
    .orderBy('field_id')
    .execute();

export function diffOf(result: { ok: true; diff: AccessDiff } | { ok: false }): AccessDiff {
  if (!result.ok) throw new Error('the proposal was refused');
  return result.diff;
}

/** A module's changes with field api names, for exact comparisons. */
export function summary(m: ModuleDiff) {
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

/** Every test starts from the same saved access: Customers see Deals only, Partners nothing beyond Contacts. */
export async function resetSavedAccess() {
  await saveTabsDirectly(w.customersType, { deals: { layouts: [layoutOf(w.deals)] } });
  await saveTabsDirectly(w.partnersType, {});
  await saveFieldsDirectly(w.customersType, layoutOf(w.cases), w.cases, { subject: 'visible', status: 'readOnly' });
  await saveFieldsDirectly(w.customersType, layoutOf(w.deals), w.deals, { name: 'visible' });
}
