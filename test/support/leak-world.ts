import { hashPassword } from '../../src/auth/passwords.js';
import { addField } from '../../src/crm/field-admin.js';
import { createLayout } from '../../src/crm/layout-admin.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { createCustomModule } from '../../src/crm/module-admin.js';
import { addAttachment, addNote } from '../../src/crm/notes.js';
import { type Actor, createRecord, moveToRecycleBin, type RecordData, updateRecord } from '../../src/crm/records.js';
import type { Database } from '../../src/db/database.js';
import { DEMO_PORTAL_SLUG, seedDemoPortal } from '../../src/demo/portal.js';
import { DEMO_ADMIN, seedDemo } from '../../src/demo/seed.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { savePortalSettings } from '../../src/portals/portal-settings.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, type TabInput, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { addUserType } from '../../src/portals/user-types.js';
import { setGdprEnabled } from '../../src/privacy/compliance.js';
import { storeExport } from '../../src/privacy/export-store.js';
import type { RefWorld } from '../unit/access-reference.js';
import type { TestApp } from './app.js';

// The world the leak checker walks: three portals over one organization's
// data, user types based on contacts, leads, vendors and a custom module,
// customers of one account next to each other, and every text a record holds
// a marker naming the record and field it came from — so any marker, record
// id or file that reaches a portal user can be traced and judged.

export const PORTAL_PASSWORD = 'Leak-Check-2027';
export const FRANCHISE_HOST = 'franchise.example';

/** Where a marker came from. */
export type MarkerSource =
  | { kind: 'field'; recordId: string; field: string }
  | { kind: 'note'; noteId: string }
  | { kind: 'file-name'; attachmentId: string }
  | { kind: 'file-content'; attachmentId: string };

export type LeakUser = { id: string; email: string; slug: string; portalId: string; label: string };

export type LeakWorld = {
  adminId: string;
  users: LeakUser[];
  slugs: Map<string, string>;
  markers: Map<string, MarkerSource>;
  metas: Map<string, ModuleMeta>;
};

/** Markers look like this, and nothing else Porta writes does. */
export const MARKER = /zq[0-9a-z]{8}/g;

/** Text field types a marker is written into. */
const MARKED_TYPES = new Set(['text', 'textarea', 'email', 'url']);

export async function seedLeakWorld(t: TestApp): Promise<LeakWorld> {
  const { db } = t;
  await seedDemo(db);
  const adminId = (await db.selectFrom('staff_users').select('id').where('email', '=', DEMO_ADMIN.email).executeTakeFirstOrThrow()).id;
  const staff: Actor = { kind: 'staff', id: adminId };
  await seedDemoPortal({ db, boss: t.boss, baseUrl: t.config.baseUrl }, adminId);
  const meta = async (name: string) => (await loadModuleMeta(db, name)) as ModuleMeta;

  // A custom module as the base of a user type, linked from cases by a lookup of its own.
  const franchiseModule = await createCustomModule(db, { singular: { en: 'Franchise' }, plural: { en: 'Franchises' } });
  if (!franchiseModule.ok) throw new Error('the custom module was refused');
  let franchises = await meta(franchiseModule.value.api_name);
  for (const label of ['Region', 'Secret terms']) {
    const added = await addField(db, franchises, {
      type: 'text',
      labels: { en: label },
      required: false,
      values: [],
      layoutIds: franchises.layouts.map((l) => l.id),
    });
    if (!added.ok) throw new Error(`field ${label} refused`);
    franchises = await meta(franchises.module.api_name);
  }
  let cases = await meta('cases');
  const lookup = await addField(db, cases, {
    type: 'lookup',
    labels: { en: 'Franchise' },
    required: false,
    values: [],
    targetModuleId: franchises.module.id,
    layoutIds: cases.layouts.map((l) => l.id),
  });
  if (!lookup.ok) throw new Error('the franchise lookup was refused');
  cases = await meta('cases');

  const rec = async (m: ModuleMeta, data: RecordData, layoutId = m.defaultLayout?.id ?? null) =>
    (await createRecord(db, staff, m, { data, layoutId, ownerId: adminId })).id;
  const contacts = await meta('contacts');
  const leads = await meta('leads');
  const vendors = await meta('vendors');
  const purchaseOrders = await meta('purchase_orders');
  const deals = await meta('deals');
  const contactOf = async (email: string) =>
    (
      await db
        .selectFrom('records')
        .select('id')
        .where('module_id', '=', contacts.module.id)
        .where((eb) => eb(eb.ref('data', '->>').key('email'), '=', email))
        .executeTakeFirstOrThrow()
    ).id;
  const alice = await contactOf('alice@acme.example');
  const bruno = await contactOf('bruno@acme.example');
  const acmeAccount =
    ((await db.selectFrom('records').select('data').where('id', '=', alice).executeTakeFirstOrThrow()).data as { account?: string }).account ?? null;
  const erin = await rec(contacts, { first_name: 'Erin', last_name: 'Partner', email: 'erin@partner.example', account: acmeAccount });
  const lena = await rec(leads, { first_name: 'Lena', last_name: 'Lead', email: 'lena@prospect.example', company: 'Prospect Co' });
  const lars = await rec(leads, { first_name: 'Lars', last_name: 'Other', email: 'lars@prospect.example', company: 'Other Co' });
  const vik = await rec(vendors, { name: 'Vik Supplies', email: 'vik@supplies.example' });
  const otherVendor = await rec(vendors, { name: 'Other Supplies', email: 'sales@other-supplies.example' });
  const f1 = await rec(franchises, { name: 'Franchise North' });
  const f2 = await rec(franchises, { name: 'Franchise South' });

  // A second cases layout no portal type allows (the tabs were saved before it existed).
  const internal = await createLayout(db, cases, { labels: { en: 'Internal' } });
  if (!internal.ok) throw new Error('the internal layout was refused');
  cases = await meta('cases');
  const product = (
    await db
      .selectFrom('records')
      .select('id')
      .where('module_id', '=', (await meta('products')).module.id)
      .executeTakeFirstOrThrow()
  ).id;
  const caseRec = (subject: string, data: RecordData, layoutId?: string) =>
    rec(cases, { subject, status: 'open', priority: 'low', description: 'd', ...data }, layoutId);
  const aliceInternal = await caseRec('Alice internal layout', { contact: alice }, internal.value.id);
  const aliceBinned = await caseRec('Alice binned', { contact: alice });
  const brunoCase = await caseRec('Bruno case', { contact: bruno, product });
  const erinCase = await caseRec('Erin case', { contact: erin, franchise: f1 });
  const f2Case = await caseRec('South case', { franchise: f2 });
  const aliceDealBinned = await rec(deals, { name: 'Alice binned deal', stage: 'proposal', contact: alice });
  await rec(purchaseOrders, { subject: 'PO Vik 1', vendor: vik });
  const vikBinned = await rec(purchaseOrders, { subject: 'PO Vik binned', vendor: vik });
  await rec(purchaseOrders, { subject: 'PO other', vendor: otherVendor });

  // Portals and types.
  const partners = await createPortal(db, staff, { name: 'Partners', slug: 'partners' });
  const franchise = await createPortal(db, staff, { name: 'Franchise network', slug: 'franchise' });
  if (!partners.ok || !franchise.ok) throw new Error('the portals were refused');
  const domain = await savePortalSettings(db, staff, franchise.portal.id, { domain: FRANCHISE_HOST }, t.config.baseUrl);
  if (!domain.ok) throw new Error(`the franchise domain was refused: ${JSON.stringify(domain.errors)}`);
  const defaultType = async (portalId: string) =>
    (await db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portalId).executeTakeFirstOrThrow()).id;
  const newType = async (portalId: string, name: string, base: ModuleMeta) => {
    const added = await addUserType(db, staff, portalId, { name, baseModuleId: base.module.id });
    if (!added.ok) throw new Error(`type ${name} refused`);
    return added.type.id;
  };
  const partnersType = await defaultType(partners.portal.id);
  const prospectsType = await newType(partners.portal.id, 'Prospects', leads);
  const suppliersType = await newType(partners.portal.id, 'Suppliers', vendors);
  const franchiseType = await newType(franchise.portal.id, 'Franchisees', franchises);

  const configure = async (
    typeId: string,
    shown: Record<string, Partial<TabInput>>,
    filterBy: string,
    fields: Record<string, string[]>,
    readOnly: string[] = [],
  ) => {
    const saved = await saveTabs(db, staff, typeId, tabForm((await tabOptions(db, typeId)) ?? [], shown, filterBy));
    if (!saved.ok) throw new Error(`tabs refused: ${JSON.stringify(saved.errors)}`);
    for (const [api, visible] of Object.entries(fields)) {
      const m = await meta(api);
      for (const layout of m.layouts) {
        const rows = m.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: readOnly.includes(`${api}.${f.api_name}`) }));
        const result = await saveFieldPermissions(db, staff, typeId, m.module.id, layout.id, rows);
        if (!result.ok) throw new Error(`fields of ${api} refused`);
      }
    }
  };
  const caseLayouts = { layoutIds: [cases.defaultLayout?.id ?? ''] };
  await configure(
    partnersType,
    {
      contacts: { edit: true },
      cases: { ...caseLayouts, create: true, edit: true, notes: 'view', attachments: 'view' },
      quotes: {},
      products: {},
      solutions: {},
    },
    'contact',
    {
      contacts: ['first_name', 'email', 'phone'],
      cases: ['subject', 'status', 'contact', 'product', 'franchise'],
      quotes: ['subject', 'line_items', 'total'],
      products: ['code'],
      solutions: ['title'],
    },
    ['contacts.email', 'cases.status'],
  );
  await configure(
    prospectsType,
    { leads: { edit: true }, solutions: {} },
    'contact',
    { leads: ['first_name', 'last_name', 'company', 'email'], solutions: ['title', 'answer'] },
    ['leads.email'],
  );
  await configure(
    suppliersType,
    { vendors: {}, purchase_orders: { edit: true, notes: 'add', attachments: 'add' } },
    'vendor',
    { vendors: ['name', 'email'], purchase_orders: ['subject', 'status', 'vendor'] },
    ['purchase_orders.status'],
  );
  await configure(
    franchiseType,
    { [franchises.module.api_name]: { edit: true }, cases: { ...caseLayouts, create: true, notes: 'add', attachments: 'add' } },
    'franchise',
    { [franchises.module.api_name]: ['name', 'region'], cases: ['subject', 'description', 'franchise'] },
  );

  // Portal users, active with a password: three customers of the demo portal (two of one account), one per other type.
  const demo = await db.selectFrom('portals').select('id').where('slug', '=', DEMO_PORTAL_SLUG).executeTakeFirstOrThrow();
  const passwordHash = await hashPassword(PORTAL_PASSWORD);
  const users: LeakUser[] = [];
  const add = async (label: string, portalId: string, slug: string, typeId: string, recordId: string, email: string) => {
    const existing = await db.selectFrom('portal_users').select('id').where('portal_id', '=', portalId).where('record_id', '=', recordId).executeTakeFirst();
    const values = { status: 'active' as const, password_hash: passwordHash, activated_at: new Date(), email };
    const id = existing
      ? (await db.updateTable('portal_users').set(values).where('id', '=', existing.id).returning('id').executeTakeFirstOrThrow()).id
      : (
          await db
            .insertInto('portal_users')
            .values({ ...values, portal_id: portalId, user_type_id: typeId, record_id: recordId, invited_by: adminId })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
    users.push({ id, email, slug, portalId, label });
  };
  const demoType = await defaultType(demo.id);
  await add('alice (demo, contacts)', demo.id, DEMO_PORTAL_SLUG, demoType, alice, 'alice@acme.example');
  await add('bruno (demo, same account)', demo.id, DEMO_PORTAL_SLUG, demoType, bruno, 'bruno@acme.example');
  await add('camille (demo, other account)', demo.id, DEMO_PORTAL_SLUG, demoType, await contactOf('camille@globex.example'), 'camille@globex.example');
  await add('erin (partners, contacts)', partners.portal.id, 'partners', partnersType, erin, 'erin@partner.example');
  await add('lena (partners, leads)', partners.portal.id, 'partners', prospectsType, lena, 'lena@prospect.example');
  await add('vik (partners, vendors)', partners.portal.id, 'partners', suppliersType, vik, 'vik@supplies.example');
  await add('f1 (franchise, custom module)', franchise.portal.id, 'franchise', franchiseType, f1, 'north@franchise.example');
  // An invited customer and a lead nobody invited: their records are other people's data.
  void lars;

  // Notes and files, shared and staff-only, on records of several customers.
  const markers = new Map<string, MarkerSource>();
  let counter = 0;
  const marker = (source: MarkerSource) => {
    counter += 1;
    const code = `zq${(0x10000000 + counter * 7919).toString(36).padStart(8, '0').slice(-8)}`;
    markers.set(code, source);
    return code;
  };
  const withNotes = [aliceInternal, aliceBinned, brunoCase, erinCase, f2Case, vikBinned];
  const aliceCases = await db
    .selectFrom('records')
    .select('id')
    .where('module_id', '=', cases.module.id)
    .where((eb) => eb(eb.ref('data', '->>').key('contact'), '=', alice))
    .execute();
  const vikOrders = await db
    .selectFrom('records')
    .select('id')
    .where('module_id', '=', purchaseOrders.module.id)
    .where((eb) => eb(eb.ref('data', '->>').key('vendor'), 'in', [vik, otherVendor]))
    .execute();
  for (const recordId of [...withNotes, ...aliceCases.map((r) => r.id), ...vikOrders.map((r) => r.id)]) {
    for (const internalOnly of [false, true]) {
      const noteId = crypto.randomUUID();
      const body = marker({ kind: 'note', noteId });
      await db
        .insertInto('notes')
        .values({ id: noteId, record_id: recordId, author_kind: 'staff', author_id: adminId, body: `Note ${body}`, internal: internalOnly })
        .execute();
      const attachmentId = await addAttachment(db, recordId, staff, { name: 'placeholder.txt', type: 'text/plain', bytes: new Uint8Array() }, internalOnly);
      const name = marker({ kind: 'file-name', attachmentId });
      const content = marker({ kind: 'file-content', attachmentId });
      await db
        .updateTable('attachments')
        .set({ filename: `${name}.txt`, content: Buffer.from(`file ${content}`), size: content.length + 5 })
        .where('id', '=', attachmentId)
        .execute();
    }
  }
  void addNote;

  // A marker in every text of every record (line items' descriptions too), written as staff would.
  const metas = new Map<string, ModuleMeta>();
  for (const m of await db.selectFrom('modules').select('api_name').where('deleted_at', 'is', null).execute()) metas.set(m.api_name, await meta(m.api_name));
  const byId = new Map([...metas.values()].map((m) => [m.module.id, m]));
  for (const r of await db.selectFrom('records').selectAll().where('deleted_at', 'is', null).orderBy('created_at').execute()) {
    const m = byId.get(r.module_id) as ModuleMeta;
    const data = { ...(r.data as RecordData) };
    for (const f of m.fields) {
      if (f.parent_field_id) continue;
      if (MARKED_TYPES.has(f.type)) {
        const code = marker({ kind: 'field', recordId: r.id, field: f.api_name });
        data[f.api_name] = f.type === 'email' ? `${code}@mark.example` : f.type === 'url' ? `https://${code}.example/` : `${f.api_name} ${code}`;
      }
      if (f.type === 'subform' && Array.isArray(data[f.api_name])) {
        data[f.api_name] = (data[f.api_name] as Record<string, unknown>[]).map((row) => ({
          ...row,
          description: marker({ kind: 'field', recordId: r.id, field: f.api_name }),
        }));
      }
    }
    const updated = await updateRecord(db, staff, m, r, data, r.version);
    if (!updated.ok) throw new Error(`markers not written on ${m.module.api_name} ${r.id}: ${updated.reason}`);
  }
  // Then the recycle bin.
  for (const id of [aliceBinned, aliceDealBinned, vikBinned]) {
    const r = await db.selectFrom('records').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    await moveToRecycleBin(db, staff, r);
  }
  // Privacy on, and each user's own export ready to download: the archive is judged like any page.
  await setGdprEnabled(db, staff, true);
  for (const user of users) {
    const recordId = (await db.selectFrom('portal_users').select('record_id').where('id', '=', user.id).executeTakeFirstOrThrow()).record_id;
    const request = await db
      .insertInto('privacy_requests')
      .values({
        record_id: recordId,
        kind: 'export',
        requested_by_kind: 'portal',
        requested_by_id: user.id,
        portal_user_id: user.id,
        language: 'en',
        due_at: new Date(Date.now() + 30 * 86_400_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await storeExport(db, request.id);
  }
  const slugs = new Map([
    [demo.id, DEMO_PORTAL_SLUG],
    [partners.portal.id, 'partners'],
    [franchise.portal.id, 'franchise'],
  ]);
  return { adminId, users, slugs, markers, metas };
}

/** The configuration and data as they are now, as the plain arrays the reference reads. */
export async function refWorldOf(db: Database): Promise<RefWorld & { notes: { id: string; recordId: string; internal: boolean }[] }> {
  const [portals, types, tabs, perms, fields, records, refs, users, attachments, notes] = await Promise.all([
    db.selectFrom('portals').select('id').execute(),
    db.selectFrom('portal_user_types').selectAll().execute(),
    db.selectFrom('portal_type_tabs').selectAll().execute(),
    db.selectFrom('portal_type_fields').selectAll().execute(),
    db.selectFrom('fields').select(['id', 'required']).where('deleted_at', 'is', null).execute(),
    db.selectFrom('records').select(['id', 'module_id', 'layout_id', 'deleted_at', 'state', 'created_by_portal_user_id']).execute(),
    db.selectFrom('record_refs').selectAll().execute(),
    db.selectFrom('portal_users').select(['id', 'portal_id', 'user_type_id', 'record_id', 'status']).execute(),
    db.selectFrom('attachments').select(['id', 'record_id', 'internal']).execute(),
    db.selectFrom('notes').select(['id', 'record_id', 'internal']).execute(),
  ]);
  const refsOf = new Map<string, { fieldId: string; targetId: string }[]>();
  for (const r of refs) refsOf.set(r.record_id, [...(refsOf.get(r.record_id) ?? []), { fieldId: r.field_id, targetId: r.target_id }]);
  return {
    portals: portals.map((p) => p.id),
    types: types.map((ty) => ({
      id: ty.id,
      portalId: ty.portal_id,
      baseModuleId: ty.base_module_id,
      tabs: tabs
        .filter((tab) => tab.user_type_id === ty.id)
        .map((tab) => ({
          moduleId: tab.module_id,
          kind: tab.kind as 'base' | 'related' | 'public',
          shown: tab.shown,
          filterFieldId: tab.filter_field_id,
          layoutIds: tab.layout_ids,
          canView: tab.can_view,
          canCreate: tab.can_create,
          canEdit: tab.can_edit,
          canDelete: tab.can_delete,
          notes: tab.notes,
          attachments: tab.attachments,
        })),
    })),
    users: users.map((u) => ({ id: u.id, portalId: u.portal_id, typeId: u.user_type_id, recordId: u.record_id, status: u.status as 'active' })),
    records: records.map((r) => ({
      id: r.id,
      moduleId: r.module_id,
      layoutId: r.layout_id,
      deleted: r.deleted_at !== null,
      state: r.state as 'active',
      createdBy: r.created_by_portal_user_id,
      refs: refsOf.get(r.id) ?? [],
    })),
    fieldPerms: perms.map((p) => ({ typeId: p.user_type_id, layoutId: p.layout_id, fieldId: p.field_id, visible: p.visible, readOnly: p.read_only })),
    requiredFields: new Set(fields.filter((f) => f.required).map((f) => f.id)),
    attachments: attachments.map((a) => ({ id: a.id, recordId: a.record_id, internal: a.internal })),
    notes: notes.map((n) => ({ id: n.id, recordId: n.record_id, internal: n.internal })),
  };
}
