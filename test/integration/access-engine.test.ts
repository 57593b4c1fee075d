import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessContext, previewContext } from '../../src/access/context.js';
import {
  allowedActions,
  attachmentInScope,
  checkWrite,
  conversationInScope,
  countInScope,
  explainAccess,
  fieldMask,
  findInScope,
  forcedLookup,
  listInScope,
  maskRecordData,
} from '../../src/access/engine.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import type { CrmRecord } from '../../src/db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';

let t: TestApp;
let staff: Actor;
let staffId: string;
let contacts: ModuleMeta;
let cases: ModuleMeta;
let solutions: ModuleMeta;
let accounts: ModuleMeta;
const ids = {} as Record<string, string>;
const field = (meta: ModuleMeta, name: string) => meta.byName.get(name)?.id as string;
const layout = (meta: ModuleMeta) => meta.defaultLayout?.id as string;

async function rec(meta: ModuleMeta, data: RecordData, opts: { by?: Actor; layoutId?: string } = {}): Promise<CrmRecord> {
  return createRecord(t.db, opts.by ?? staff, meta, { data, layoutId: opts.layoutId ?? layout(meta), ownerId: staffId });
}

const ctxOfU = () => loadAccessContext(t.db, { portalUserId: ids.u as string, portalId: ids.portal as string });

beforeAll(async () => {
  t = await startTestApp();
  staffId = (await seedAcme(t.db)).admin.id;
  staff = { kind: 'staff', id: staffId };
  const meta = async (apiName: string) => (await loadModuleMeta(t.db, apiName)) as ModuleMeta;
  contacts = await meta('contacts');
  cases = await meta('cases');
  solutions = await meta('solutions');
  accounts = await meta('accounts');

  const portals = await t.db
    .insertInto('portals')
    .values([
      { name: 'Acme', slug: 'acme' },
      { name: 'Partners', slug: 'partners' },
    ])
    .returning('id')
    .execute();
  ids.portal = portals[0]?.id as string;
  ids.otherPortal = portals[1]?.id as string;
  const type = await t.db
    .insertInto('portal_user_types')
    .values({ portal_id: ids.portal, name: 'Customer portal', base_module_id: contacts.module.id, is_default: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.type = type.id;

  const carla = await rec(contacts, { first_name: 'Carla', last_name: 'Núñez' });
  const dora = await rec(contacts, { first_name: 'Dora', last_name: 'Ortiz' });
  ids.carla = carla.id;
  ids.dora = dora.id;
  ids.u = randomUUID();
  ids.v = randomUUID();
  await t.db
    .insertInto('portal_users')
    .values([
      { id: ids.u, portal_id: ids.portal, user_type_id: ids.type, record_id: carla.id, email: 'carla@globex.example', status: 'active', invited_by: staffId },
      {
        id: ids.v,
        portal_id: ids.portal,
        user_type_id: ids.type,
        record_id: dora.id,
        email: 'dora@globex.example',
        status: 'deactivated',
        invited_by: staffId,
      },
    ])
    .execute();
  const asU: Actor = { kind: 'portal', id: ids.u, ownerId: staffId };
  ids.eva = (await rec(contacts, { first_name: 'Eva', last_name: 'Pardo' }, { by: asU })).id;

  ids.hiddenLayout = randomUUID();
  await t.db
    .insertInto('layouts')
    .values({ id: ids.hiddenLayout, module_id: cases.module.id, api_name: 'internal', label_key: null, labels: {}, sections: [] })
    .execute();
  const kase = (subject: string, contact: string | null, opts: { by?: Actor; layoutId?: string } = {}) =>
    rec(cases, { subject, status: 'open', description: `about ${subject}`, contact }, opts);
  ids.c1 = (await kase('Printer jam', carla.id)).id;
  ids.c2 = (await kase('Dora’s invoice', dora.id)).id;
  ids.c3 = (await kase('Eva’s order', ids.eva)).id;
  ids.c4 = (await kase('Opened on the portal', null, { by: asU })).id;
  ids.c5 = (await kase('Internal layout', carla.id, { layoutId: ids.hiddenLayout })).id;
  ids.c6 = (await kase('Binned', carla.id)).id;
  ids.c7 = (await kase('Awaiting approval', carla.id)).id;
  await t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', ids.c6).execute();
  await t.db.updateTable('records').set({ state: 'pending_approval' }).where('id', '=', ids.c7).execute();
  ids.s1 = (await rec(solutions, { title: 'Reset', question: 'How?', answer: 'Like so' })).id;
  ids.s2 = (await rec(solutions, { title: 'Old', question: 'Why?', answer: 'Because' })).id;
  await t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', ids.s2).execute();
  ids.acc = (await rec(accounts, { name: 'Globex' })).id;

  await t.db
    .insertInto('portal_type_tabs')
    .values([
      { user_type_id: ids.type, module_id: contacts.module.id, kind: 'base', layout_ids: [layout(contacts)], can_edit: true, can_delete: true },
      {
        user_type_id: ids.type,
        module_id: cases.module.id,
        kind: 'related',
        filter_field_id: field(cases, 'contact'),
        layout_ids: [layout(cases)],
        can_create: true,
        can_edit: true,
        notes: 'view',
        attachments: 'view',
      },
      // Whatever else is configured, a public module is view only.
      {
        user_type_id: ids.type,
        module_id: solutions.module.id,
        kind: 'public',
        layout_ids: [layout(solutions)],
        can_create: true,
        can_edit: true,
        can_delete: true,
      },
    ])
    .execute();
  const perm = (fieldName: string, visible: boolean, read_only = false) => ({
    user_type_id: ids.type as string,
    layout_id: layout(cases),
    field_id: field(cases, fieldName),
    visible,
    read_only,
  });
  await t.db
    .insertInto('portal_type_fields')
    .values([perm('subject', true), perm('status', true, true), perm('contact', true, true), perm('resolution', false)])
    .execute();
});
afterAll(() => t.close());

describe('rows', () => {
  it('reaches the own record and the base records the user created, nothing else of the base module', async () => {
    const ctx = await ctxOfU();
    const listed = await listInScope(t.db, ctx, contacts.module.id);
    expect(listed.map((r) => r.display_name).sort()).toEqual(['Carla Núñez', 'Eva Pardo']);
    expect(await countInScope(t.db, ctx, contacts.module.id)).toBe(2);
    expect(await findInScope(t.db, ctx, contacts.module.id, ids.dora as string)).toBeUndefined();
    expect((await explainAccess(t.db, { portalUserId: ids.u as string }, ids.carla as string)).reason).toBe('own_record');
    expect((await explainAccess(t.db, { portalUserId: ids.u as string }, ids.eva as string)).reason).toBe('created_by_user');
    expect(await explainAccess(t.db, { portalUserId: ids.u as string }, ids.dora as string)).toMatchObject({ inScope: false, reason: 'not_own_record' });
  });

  it('reaches related records through the lookup into X_U and those the user created, not those pointing elsewhere', async () => {
    const ctx = await ctxOfU();
    const listed = await listInScope(t.db, ctx, cases.module.id);
    expect(listed.map((r) => r.display_name).sort()).toEqual(['Awaiting approval', 'Eva’s order', 'Opened on the portal', 'Printer jam']);
    expect(await countInScope(t.db, ctx, cases.module.id)).toBe(4);
    expect(await findInScope(t.db, ctx, cases.module.id, ids.c2 as string)).toBeUndefined();
    // The right id under the wrong module is not found either.
    expect(await findInScope(t.db, ctx, contacts.module.id, ids.c1 as string)).toBeUndefined();
    const explain = (id: string) => explainAccess(t.db, { portalUserId: ids.u as string }, id);
    expect(await explain(ids.c1 as string)).toMatchObject({ inScope: true, reason: 'linked_through_lookup', lookupFieldId: field(cases, 'contact') });
    expect(await explain(ids.c3 as string)).toMatchObject({ inScope: true, reason: 'linked_through_lookup' });
    expect(await explain(ids.c4 as string)).toMatchObject({ inScope: true, reason: 'created_by_user' });
    expect(await explain(ids.c2 as string)).toMatchObject({ inScope: false, reason: 'lookup_elsewhere', lookupFieldId: field(cases, 'contact') });
  });

  it('leaves out records in layouts the tab does not allow and records in the recycle bin', async () => {
    const ctx = await ctxOfU();
    expect(await findInScope(t.db, ctx, cases.module.id, ids.c5 as string)).toBeUndefined();
    expect(await findInScope(t.db, ctx, cases.module.id, ids.c6 as string)).toBeUndefined();
    expect(await explainAccess(t.db, { portalUserId: ids.u as string }, ids.c5 as string)).toMatchObject({ inScope: false, reason: 'layout_not_allowed' });
    expect(await explainAccess(t.db, { portalUserId: ids.u as string }, ids.c6 as string)).toMatchObject({ inScope: false, reason: 'recycle_bin' });
  });

  it('shows every live record of a public module, view only', async () => {
    const ctx = await ctxOfU();
    expect((await listInScope(t.db, ctx, solutions.module.id)).map((r) => r.id)).toEqual([ids.s1]);
    const s1 = (await findInScope(t.db, ctx, solutions.module.id, ids.s1 as string)) as CrmRecord;
    expect(allowedActions(ctx, solutions.module.id, s1)).toEqual({ view: true, create: false, edit: false, delete: false, clone: false });
    expect((await explainAccess(t.db, { portalUserId: ids.u as string }, ids.s1 as string)).reason).toBe('public_module');
    expect((await explainAccess(t.db, { portalUserId: ids.u as string }, ids.acc as string)).reason).toBe('no_tab');
    expect(await countInScope(t.db, ctx, accounts.module.id)).toBe(0);
  });
});

describe('who gets anything at all', () => {
  it('gives a deactivated user nothing', async () => {
    const ctx = await loadAccessContext(t.db, { portalUserId: ids.v as string, portalId: ids.portal as string });
    expect(ctx).toBeUndefined();
    expect(await listInScope(t.db, ctx, contacts.module.id)).toEqual([]);
    expect(await findInScope(t.db, ctx, contacts.module.id, ids.dora as string)).toBeUndefined();
    expect(await explainAccess(t.db, { portalUserId: ids.v as string }, ids.dora as string)).toMatchObject({ inScope: false, reason: 'user_inactive' });
  });

  it('gives nothing on another portal', async () => {
    expect(await loadAccessContext(t.db, { portalUserId: ids.u as string, portalId: ids.otherPortal as string })).toBeUndefined();
  });
});

describe('actions', () => {
  it('never deletes the own record, and locks records awaiting approval', async () => {
    const ctx = await ctxOfU();
    const carla = (await findInScope(t.db, ctx, contacts.module.id, ids.carla as string)) as CrmRecord;
    expect(allowedActions(ctx, contacts.module.id, carla)).toMatchObject({ view: true, edit: true, delete: false });
    const eva = (await findInScope(t.db, ctx, contacts.module.id, ids.eva as string)) as CrmRecord;
    expect(allowedActions(ctx, contacts.module.id, eva)).toMatchObject({ view: true, edit: true, delete: true });
    const locked = (await findInScope(t.db, ctx, cases.module.id, ids.c7 as string)) as CrmRecord;
    expect(allowedActions(ctx, cases.module.id, locked)).toMatchObject({ view: true, edit: false, delete: false, clone: true });
    const open = (await findInScope(t.db, ctx, cases.module.id, ids.c1 as string)) as CrmRecord;
    expect(allowedActions(ctx, cases.module.id, open)).toMatchObject({ edit: true });
  });

  it('refuses a write naming a hidden or read-only field, and strips hidden fields from data', async () => {
    const ctx = await ctxOfU();
    const mask = fieldMask(ctx, cases.module.id, layout(cases));
    expect([...mask.visible].sort()).toEqual([field(cases, 'subject'), field(cases, 'status'), field(cases, 'contact')].sort());
    expect([...mask.required].sort()).toEqual([field(cases, 'subject'), field(cases, 'status')].sort());
    expect(checkWrite(ctx, mask, [field(cases, 'subject')])).toEqual({ ok: true });
    expect(checkWrite(ctx, mask, [field(cases, 'subject'), field(cases, 'description')])).toMatchObject({ ok: false, status: 422, reason: 'hidden_field' });
    expect(checkWrite(ctx, mask, [field(cases, 'status')])).toMatchObject({ ok: false, status: 422, reason: 'read_only_field' });
    const c1 = (await findInScope(t.db, ctx, cases.module.id, ids.c1 as string)) as CrmRecord;
    expect(maskRecordData(mask, cases, c1.data)).toEqual({ subject: 'Printer jam', status: 'open', contact: ids.carla });
    // A layout the tab does not allow shows nothing.
    expect(fieldMask(ctx, cases.module.id, ids.hiddenLayout as string).visible.size).toBe(0);
  });
});

describe('creating on a related module', () => {
  it('forces the filter lookup into X_U and refuses a target outside it', async () => {
    const ctx = (await ctxOfU()) as NonNullable<Awaited<ReturnType<typeof ctxOfU>>>;
    const contact = field(cases, 'contact');
    expect(await forcedLookup(t.db, ctx, cases.module.id, undefined)).toEqual({ ok: true, fieldId: contact, value: ids.carla });
    expect(await forcedLookup(t.db, ctx, cases.module.id, ids.eva)).toEqual({ ok: true, fieldId: contact, value: ids.eva });
    expect(await forcedLookup(t.db, ctx, cases.module.id, ids.dora)).toEqual({ ok: false, status: 422, reason: 'lookup_outside_scope' });
    expect(await forcedLookup(t.db, ctx, contacts.module.id, ids.dora)).toEqual({ ok: true, fieldId: null, value: null });
  });
});

describe('notes and attachments', () => {
  it('returns public notes of records in scope only, never internal ones', async () => {
    await t.db
      .insertInto('notes')
      .values([
        { record_id: ids.c1 as string, author_kind: 'staff', author_id: staffId, body: 'We are on it' },
        { record_id: ids.c1 as string, author_kind: 'staff', author_id: staffId, body: 'Customer is difficult', internal: true },
        { record_id: ids.c2 as string, author_kind: 'staff', author_id: staffId, body: 'Dora’s note' },
      ])
      .execute();
    const ctx = await ctxOfU();
    expect(((await conversationInScope(t.db, ctx, cases.module.id, ids.c1 as string)).notes ?? []).map((n) => n.body)).toEqual(['We are on it']);
    expect((await conversationInScope(t.db, ctx, cases.module.id, ids.c2 as string)).notes ?? []).toEqual([]);
    expect((await conversationInScope(t.db, ctx, contacts.module.id, ids.carla as string)).notes ?? []).toEqual([]);
  });

  it('downloads an attachment only through the scope, by id under its own record', async () => {
    const att = (recordId: string, internal = false) => ({
      record_id: recordId,
      author_kind: 'staff' as const,
      author_id: staffId,
      filename: 'a.txt',
      content_type: 'text/plain',
      size: 1,
      content: Buffer.from('a'),
      internal,
    });
    const [shared, internal, elsewhere, onC3] = await t.db
      .insertInto('attachments')
      .values([att(ids.c1 as string), att(ids.c1 as string, true), att(ids.c2 as string), att(ids.c3 as string)])
      .returning('id')
      .execute();
    const ctx = await ctxOfU();
    expect((await attachmentInScope(t.db, ctx, cases.module.id, ids.c1 as string, shared?.id as string))?.content.toString()).toBe('a');
    expect(await attachmentInScope(t.db, ctx, cases.module.id, ids.c1 as string, internal?.id as string)).toBeUndefined();
    expect(await attachmentInScope(t.db, ctx, cases.module.id, ids.c2 as string, elsewhere?.id as string)).toBeUndefined();
    // Naming a record in scope does not unlock another record's file.
    expect(await attachmentInScope(t.db, ctx, cases.module.id, ids.c1 as string, elsewhere?.id as string)).toBeUndefined();
    expect(await attachmentInScope(t.db, ctx, cases.module.id, ids.c1 as string, onC3?.id as string)).toBeUndefined();
    expect(await attachmentInScope(t.db, ctx, cases.module.id, ids.c3 as string, onC3?.id as string)).toBeDefined();
  });
});

describe('configuration changes and previews', () => {
  it('applies a change to the tab on the next context', async () => {
    await t.db.updateTable('portal_type_tabs').set({ shown: false }).where('module_id', '=', cases.module.id).execute();
    try {
      const ctx = await ctxOfU();
      expect(await countInScope(t.db, ctx, cases.module.id)).toBe(0);
      expect((await explainAccess(t.db, { portalUserId: ids.u as string }, ids.c1 as string)).reason).toBe('tab_hidden');
      await t.db.updateTable('portal_type_tabs').set({ shown: true, can_view: false }).where('module_id', '=', cases.module.id).execute();
      expect((await explainAccess(t.db, { portalUserId: ids.u as string }, ids.c1 as string)).reason).toBe('no_view_permission');
    } finally {
      await t.db.updateTable('portal_type_tabs').set({ shown: true, can_view: true }).where('module_id', '=', cases.module.id).execute();
    }
  });

  it('previews a user type with a sample record, read-only', async () => {
    const ctx = await previewContext(t.db, { userTypeId: ids.type as string, sampleRecordId: ids.dora as string });
    expect((await listInScope(t.db, ctx, contacts.module.id)).map((r) => r.id)).toEqual([ids.dora]);
    expect((await listInScope(t.db, ctx, cases.module.id)).map((r) => r.id)).toEqual([ids.c2]);
    const c2 = (await findInScope(t.db, ctx, cases.module.id, ids.c2 as string)) as CrmRecord;
    expect(allowedActions(ctx, cases.module.id, c2)).toEqual({ view: true, create: false, edit: false, delete: false, clone: false });
    expect(checkWrite(ctx, fieldMask(ctx, cases.module.id, layout(cases)), [field(cases, 'subject')])).toMatchObject({ ok: false, status: 422 });
  });
});
