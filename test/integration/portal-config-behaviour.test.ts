import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessContext } from '../../src/access/context.js';
import { allowedActions, fieldMask } from '../../src/access/engine.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { Database } from '../../src/db/database.js';
import { saveCanvasDesign } from '../../src/portals/canvas.js';
import { exportPortalConfig, importPortalConfig } from '../../src/portals/config-transfer.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { portalList } from '../../src/portals/portal-list.js';
import { portalNav } from '../../src/portals/portal-nav.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, type TabInput, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { addUserType } from '../../src/portals/user-types.js';
import { addWebTab } from '../../src/portals/web-tabs.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';

// A configuration moved to another installation must make the portal behave
// the same there: same tabs, same records, same fields, same actions — checked
// through the engine and the portal's page data, by names (ids differ).

const MODULES = ['contacts', 'cases', 'deals', 'solutions', 'accounts', 'products'] as const;
let source: TestApp;
let target: TestApp;

const meta = async (db: Database, name: string) => (await loadModuleMeta(db, name)) as ModuleMeta;
const fid = (m: ModuleMeta, name: string) => m.byName.get(name)?.id as string;

async function configure(db: Database, actor: Actor) {
  const created = await createPortal(db, actor, { name: 'Acme Care' });
  if (!created.ok) throw new Error('portal not created');
  const portalId = created.portal.id;
  const contacts = await meta(db, 'contacts');
  const customer = (await db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portalId).executeTakeFirstOrThrow()).id;
  const added = await addUserType(db, actor, portalId, { name: 'Partners', baseModuleId: contacts.module.id });
  if (!added.ok) throw new Error('type not added');
  const deals = await meta(db, 'deals');
  expect(
    await saveCanvasDesign(db, actor, deals.module.id, deals.fields, {
      titleFieldId: fid(deals, 'name'),
      subtitleFieldIds: [fid(deals, 'amount')],
      badgeFieldId: fid(deals, 'stage'),
    }),
  ).toEqual({ ok: true });
  const tabs = async (typeId: string, shown: Record<string, Partial<TabInput>>) => {
    const input = tabForm((await tabOptions(db, typeId)) ?? [], shown);
    expect(await saveTabs(db, actor, typeId, input)).toEqual({ ok: true });
  };
  await tabs(customer, {
    contacts: { edit: true },
    cases: { create: true, edit: true, notes: 'add' },
    deals: { viewMode: 'canvas' },
    solutions: {},
    products: {},
  });
  await tabs(added.type.id, { contacts: {}, deals: { delete: true, edit: true } });
  const fields = async (typeId: string, module: string, visible: string[], readOnly: string[] = []) => {
    const m = await meta(db, module);
    const rows = m.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: readOnly.includes(f.api_name) }));
    expect((await saveFieldPermissions(db, actor, typeId, m.module.id, m.defaultLayout?.id as string, rows)).ok).toBe(true);
  };
  await fields(customer, 'contacts', ['first_name', 'last_name', 'email'], ['email']);
  await fields(customer, 'cases', ['subject', 'status', 'contact'], ['status']);
  await fields(customer, 'deals', ['name', 'stage']);
  await fields(customer, 'solutions', ['title', 'question', 'answer']);
  await fields(customer, 'products', ['name']);
  await fields(added.type.id, 'contacts', ['last_name']);
  await fields(added.type.id, 'deals', ['name', 'amount', 'stage', 'closing_date', 'contact'], ['amount']);
  expect((await addWebTab(db, actor, customer, { name: 'Status page', url: 'https://status.acme.example' })).ok).toBe(true);
}

/** The same records and portal users in any installation, linked by name. */
async function populate(db: Database, staffId: string) {
  const staff: Actor = { kind: 'staff', id: staffId };
  const rec = async (module: string, data: RecordData) => {
    const m = await meta(db, module);
    return (await createRecord(db, staff, m, { data, layoutId: m.defaultLayout?.id as string, ownerId: staffId })).id;
  };
  const carla = await rec('contacts', { first_name: 'Carla', last_name: 'Núñez', email: 'carla@globex.example' });
  const dora = await rec('contacts', { first_name: 'Dora', last_name: 'Ortiz', email: 'dora@initech.example' });
  await rec('contacts', { first_name: 'Eva', last_name: 'Pardo', email: 'eva@hooli.example' });
  await rec('cases', { subject: 'Printer jam', status: 'open', contact: carla });
  await rec('cases', { subject: 'Invoice copy', status: 'waiting', contact: carla, description: 'staff only' });
  await rec('cases', { subject: 'Dora outage', status: 'open', contact: dora });
  const binned = await rec('cases', { subject: 'Binned case', status: 'closed', contact: carla });
  await db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', binned).execute();
  await rec('deals', { name: 'Carla renewal', stage: 'proposal', closing_date: '2027-01-31', amount: '9000', contact: carla });
  await rec('deals', { name: 'Dora expansion', stage: 'negotiation', closing_date: '2027-03-01', amount: '25000', contact: dora });
  await rec('solutions', { title: 'Reset a password', question: 'How?', answer: 'Like so' });
  await rec('accounts', { name: 'Globex' });
  await rec('products', { name: 'Widget', unit_price: '12.50' });
  const types = new Map((await db.selectFrom('portal_user_types').select(['id', 'name', 'portal_id']).execute()).map((t) => [t.name, t]));
  const user = (email: string, record: string, type: string) => {
    const ty = types.get(type);
    if (!ty) throw new Error(`no type ${type}`);
    return { email, record_id: record, user_type_id: ty.id, portal_id: ty.portal_id, status: 'active' as const, invited_by: staffId };
  };
  await db
    .insertInto('portal_users')
    .values([user('carla@globex.example', carla, 'Customer portal'), user('dora@initech.example', dora, 'Partners')])
    .execute();
}

/** What each portal user gets, in names only. */
async function behaviour(db: Database) {
  const users = await db.selectFrom('portal_users').select(['id', 'email', 'portal_id']).orderBy('email').execute();
  const out: Record<string, unknown> = {};
  for (const u of users) {
    const ctx = await loadAccessContext(db, { portalUserId: u.id, portalId: u.portal_id });
    const nav = await portalNav(db, ctx);
    const modules: Record<string, unknown> = {};
    for (const name of MODULES) {
      const m = await meta(db, name);
      const list = await portalList(db, ctx, name, { href: (api, id) => `/${api}/${id}` });
      const mask = fieldMask(ctx, m.module.id, m.defaultLayout?.id ?? null);
      const byName = (ids: Set<string>) => [...ids].map((id) => m.byId.get(id)?.api_name).sort();
      modules[name] = list
        ? {
            total: list.total.count,
            view: list.tab.viewMode,
            columns: list.columns.map((f) => f.api_name),
            rows: list.rows
              .map((r) =>
                Object.fromEntries(Object.entries(r.data).map(([k, v]) => [k, m.byName.get(k)?.type === 'lookup' ? list.names.get(String(v))?.name : v])),
              )
              .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
            actions: allowedActions(ctx, m.module.id),
            visible: byName(mask.visible),
            readOnly: byName(mask.readOnly),
            required: byName(mask.required),
          }
        : 'no tab';
    }
    out[u.email] = { tabs: nav.modules.map((x) => x.module.api_name), webTabs: nav.webTabs.map((w) => [w.name, w.url]), modules };
  }
  return out;
}

beforeAll(async () => {
  [source, target] = await Promise.all([startTestApp(), startTestApp()]);
  const sourceStaff = (await seedAcme(source.db)).admin.id;
  await seedAcme(target.db);
  await configure(source.db, { kind: 'staff', id: sourceStaff });
  await populate(source.db, sourceStaff);
});
afterAll(() => Promise.all([source.close(), target.close()]));

describe('a configuration moved to an empty installation', () => {
  it('makes the portal behave exactly the same there', async () => {
    const before = await behaviour(source.db);
    // The comparison means something: both users reach records, with masks and read-only fields.
    expect(before['carla@globex.example']).toMatchObject({
      tabs: ['contacts', 'deals', 'cases', 'products', 'solutions'],
      webTabs: [['Status page', 'https://status.acme.example']],
      modules: {
        cases: {
          total: 2,
          rows: [
            { subject: 'Invoice copy', status: 'waiting', contact: 'Carla Núñez' },
            { subject: 'Printer jam', status: 'open', contact: 'Carla Núñez' },
          ],
          readOnly: ['status'],
        },
        deals: { total: 1, view: 'canvas' },
        accounts: 'no tab',
      },
    });
    expect(before['dora@initech.example']).toMatchObject({
      tabs: ['contacts', 'deals'],
      modules: { deals: { total: 1, readOnly: ['amount'], actions: { view: true, create: false, edit: true, delete: true, clone: false } }, cases: 'no tab' },
    });

    const targetStaff = (await target.db.selectFrom('staff_users').select('id').executeTakeFirstOrThrow()).id;
    expect(await target.db.selectFrom('portals').select('id').execute()).toEqual([]);
    const file = JSON.stringify(await exportPortalConfig(source.db));
    expect(await importPortalConfig(target.db, { kind: 'staff', id: targetStaff }, file)).toEqual({ ok: true, portals: 1 });
    await populate(target.db, targetStaff);
    expect(await behaviour(target.db)).toEqual(before);
  });
});
