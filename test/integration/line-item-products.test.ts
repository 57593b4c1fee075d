import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessContext } from '../../src/access/context.js';
import { lineItemProducts } from '../../src/access/products.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord } from '../../src/crm/records.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';

let t: TestApp;
let staff: Actor;
let products: ModuleMeta;
let typeId: string;
let portalId: string;
let userId: string;

beforeAll(async () => {
  t = await startTestApp();
  const staffId = (await seedAcme(t.db)).admin.id;
  staff = { kind: 'staff', id: staffId };
  const contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  products = (await loadModuleMeta(t.db, 'products')) as ModuleMeta;
  const created = await createPortal(t.db, staff, { name: 'Acme' });
  if (!created.ok) throw new Error('portal not created');
  portalId = created.portal.id;
  typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portalId).executeTakeFirstOrThrow()).id;
  const layout = (m: ModuleMeta) => m.defaultLayout?.id as string;
  const carla = await createRecord(t.db, staff, contacts, { data: { first_name: 'Carla', last_name: 'Núñez' }, layoutId: layout(contacts), ownerId: staffId });
  for (const [name, price] of [
    ['Widget', '12.50'],
    ['Gadget', '99.00'],
    ['Gizmo', '5.00'],
  ] as const) {
    await createRecord(t.db, staff, products, { data: { name, unit_price: price, active: true }, layoutId: layout(products), ownerId: staffId });
  }
  userId = randomUUID();
  await t.db
    .insertInto('portal_users')
    .values({
      id: userId,
      portal_id: portalId,
      user_type_id: typeId,
      record_id: carla.id,
      email: 'carla@globex.example',
      status: 'active',
      invited_by: staffId,
    })
    .execute();
});
afterAll(() => t.close());

const ctx = () => loadAccessContext(t.db, { portalUserId: userId, portalId });

async function share(products: boolean) {
  const input = tabForm((await tabOptions(t.db, typeId)) ?? [], products ? { contacts: {}, products: {} } : { contacts: {} });
  const saved = await saveTabs(t.db, staff, typeId, input);
  expect(saved).toEqual({ ok: true });
}

async function priceVisible(visible: boolean) {
  const layoutId = products.defaultLayout?.id as string;
  const rows = products.fields.map((f) => ({
    user_type_id: typeId,
    layout_id: layoutId,
    field_id: f.id,
    visible: f.api_name === 'name' || (f.api_name === 'unit_price' && visible),
    read_only: false,
  }));
  await t.db.deleteFrom('portal_type_fields').where('user_type_id', '=', typeId).where('layout_id', '=', layoutId).execute();
  await t.db.insertInto('portal_type_fields').values(rows).execute();
}

describe('Products shared for line items', () => {
  it('is offered on the tab configuration as a view-only entry, separate from the public modules', async () => {
    const options = (await tabOptions(t.db, typeId)) ?? [];
    const entry = options.find((o) => o.module.id === products.module.id);
    expect(entry?.kind).toBe('public');
    expect(entry?.forLineItems).toBe(true);
    expect(options.filter((o) => o.forLineItems)).toHaveLength(1);
  });

  it('offers no product to pick until Products are shared with the type', async () => {
    await share(false);
    expect(await lineItemProducts(t.db, await ctx())).toEqual([]);
  });

  it('offers every product once shared, with the unit price only when that field is visible', async () => {
    await share(true);
    await priceVisible(false);
    const hidden = await lineItemProducts(t.db, await ctx());
    expect(hidden.map((p) => p.name)).toEqual(['Gadget', 'Gizmo', 'Widget']);
    expect(hidden.every((p) => p.unitPrice === undefined)).toBe(true);

    await priceVisible(true);
    const shown = await lineItemProducts(t.db, await ctx(), { search: 'gi' });
    expect(shown.map((p) => [p.name, p.unitPrice])).toEqual([['Gizmo', '5.00']]);
  });

  it('keeps the shared products view only', async () => {
    const tab = (await ctx())?.tabs.get(products.module.id);
    expect(tab).toMatchObject({ kind: 'public', canView: true, canCreate: false, canEdit: false, canDelete: false });
  });
});
