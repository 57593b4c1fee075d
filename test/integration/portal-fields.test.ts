import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewContext } from '../../src/access/context.js';
import { fieldMask } from '../../src/access/engine.js';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { fieldPermissionGrid, saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';

let t: TestApp;
let anaId: string;
let cases: ModuleMeta;
let accounts: ModuleMeta;
let typeId: string;
let layoutId: string;
let contactId: string;
let ana: BrowserClient;

const id = (meta: ModuleMeta, name: string) => meta.byName.get(name)?.id as string;
const actor = () => ({ kind: 'staff' as const, id: anaId });

beforeAll(async () => {
  t = await startTestApp();
  anaId = (await seedAcme(t.db)).admin.id;
  cases = (await loadModuleMeta(t.db, 'cases')) as ModuleMeta;
  accounts = (await loadModuleMeta(t.db, 'accounts')) as ModuleMeta;
  const contacts = (await loadModuleMeta(t.db, 'contacts')) as ModuleMeta;
  layoutId = cases.defaultLayout?.id as string;
  const created = await createPortal(t.db, actor(), { name: 'Help centre' });
  if (!created.ok) throw new Error('portal not created');
  typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', created.portal.id).executeTakeFirstOrThrow()).id;
  await t.db
    .insertInto('portal_type_tabs')
    .values({
      user_type_id: typeId,
      module_id: cases.module.id,
      kind: 'related',
      filter_field_id: id(cases, 'contact'),
      layout_ids: [layoutId],
      can_create: true,
    })
    .execute();
  contactId = (
    await t.db
      .insertInto('records')
      .values({ module_id: contacts.module.id, owner_id: anaId, data: JSON.stringify({ last_name: 'Dora' }), display_name: 'Dora', created_by_staff_id: anaId })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());

describe('field permissions per type, module and layout', () => {
  it('lists the layout’s fields in order, all hidden at first, with the CRM required flag', async () => {
    const grid = await fieldPermissionGrid(t.db, typeId, cases.module.id, layoutId);
    const rows = (grid ?? []).flatMap((s) => s.rows);
    expect(rows.map((r) => r.field.api_name)).toEqual([
      'subject',
      'status',
      'priority',
      'contact',
      'account',
      'product',
      'previous_case',
      'description',
      'resolution',
    ]);
    expect(rows.every((r) => !r.visible && !r.readOnly)).toBe(true);
    expect(rows.filter((r) => r.required).map((r) => r.field.api_name)).toEqual(['subject', 'status']);
    expect(rows.find((r) => r.field.api_name === 'contact')?.type).toBe('lookup');
    expect(await fieldPermissionGrid(t.db, typeId, cases.module.id, accounts.defaultLayout?.id as string)).toBeUndefined();
  });

  it('refuses a field that is not on the layout and writes nothing', async () => {
    const result = await saveFieldPermissions(t.db, actor(), typeId, cases.module.id, layoutId, [
      { fieldId: id(cases, 'subject'), visible: true, readOnly: false },
      { fieldId: id(accounts, 'name'), visible: true, readOnly: false },
    ]);
    expect(result).toMatchObject({ ok: false, error: 'portalfields:errors.unknownField', fieldId: id(accounts, 'name') });
    const rows = await t.db.selectFrom('portal_type_fields').selectAll().where('user_type_id', '=', typeId).where('layout_id', '=', layoutId).execute();
    expect(rows).toEqual([]);
  });

  it('saves: read-only implies visible, warns when a required field is hidden while the tab can create, and audits', async () => {
    const result = await saveFieldPermissions(t.db, actor(), typeId, cases.module.id, layoutId, [
      { fieldId: id(cases, 'subject'), visible: true, readOnly: false },
      { fieldId: id(cases, 'priority'), visible: false, readOnly: true },
      { fieldId: id(cases, 'description'), visible: true, readOnly: false },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.warnings.map((w) => ({ key: w.key, fields: w.fields.map((f) => f.api_name) }))).toEqual([
      { key: 'portalfields:warnings.requiredHidden', fields: ['status'] },
    ]);
    const rows = (await fieldPermissionGrid(t.db, typeId, cases.module.id, layoutId))?.flatMap((s) => s.rows) ?? [];
    const perm = (name: string) => rows.find((r) => r.field.api_name === name);
    expect(perm('priority')).toMatchObject({ visible: true, readOnly: true });
    expect(perm('subject')).toMatchObject({ visible: true, readOnly: false });
    expect(perm('status')).toMatchObject({ visible: false, readOnly: false });
    const entry = await t.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'portals.field_permissions')
      .where('target_id', '=', typeId)
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(anaId);
    expect(entry.details).toMatchObject({ module: 'cases', readOnly: ['priority'] });
  });

  it('gives no warning once the tab cannot create', async () => {
    await t.db.updateTable('portal_type_tabs').set({ can_create: false }).where('user_type_id', '=', typeId).where('module_id', '=', cases.module.id).execute();
    const result = await saveFieldPermissions(t.db, actor(), typeId, cases.module.id, layoutId, []);
    expect(result).toEqual({ ok: true, warnings: [] });
    await t.db.updateTable('portal_type_tabs').set({ can_create: true }).where('user_type_id', '=', typeId).where('module_id', '=', cases.module.id).execute();
  });

  it('is exactly what the permission engine applies', async () => {
    const result = await saveFieldPermissions(t.db, actor(), typeId, cases.module.id, layoutId, [
      { fieldId: id(cases, 'subject'), visible: true, readOnly: false },
      { fieldId: id(cases, 'status'), visible: true, readOnly: true },
      { fieldId: id(cases, 'description'), visible: false, readOnly: false },
    ]);
    expect(result).toEqual({ ok: true, warnings: [] });
    const ctx = await previewContext(t.db, { userTypeId: typeId, sampleRecordId: contactId });
    const mask = fieldMask(ctx, cases.module.id, layoutId);
    expect([...mask.visible].sort()).toEqual([id(cases, 'subject'), id(cases, 'status')].sort());
    expect([...mask.readOnly]).toEqual([id(cases, 'status')]);
  });
});

describe('the field permissions page', () => {
  const path = () => `/admin/settings/portals/types/${typeId}/fields/cases`;
  const submit = (pairs: [string, string][]) =>
    ana.request(`${path()}?layout=${layoutId}`, {
      method: 'POST',
      body: new URLSearchParams(pairs),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });

  it('shows each field with labelled visible and read-only boxes and a layout switcher', async () => {
    const res = await ana.get(`${path()}?layout=${layoutId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('aria-label="Subject visible"');
    expect(html).toContain('aria-label="Status read-only"');
    expect(html).toMatch(/<select[^>]*name="layout"/);
    expect(html).toContain(`value="${layoutId}"`);
  });

  it('saves from the form and redirects, or shows the warning', async () => {
    const saved = await submit([
      ['visible', id(cases, 'subject')],
      ['visible', id(cases, 'status')],
      ['read_only', id(cases, 'status')],
      ['confirm', '1'],
    ]);
    expect(saved.status).toBe(303);
    // Saved, the walk goes on to the next module or layout, or to the summary after the last.
    expect(saved.headers.get('Location')).toMatch(/[?&]saved=1$|\/summary$/);
    const warned = await submit([
      ['visible', id(cases, 'description')],
      ['confirm', '1'],
    ]);
    expect(warned.status).toBe(200);
    const rows = await t.db
      .selectFrom('portal_type_fields')
      .select('field_id')
      .where('user_type_id', '=', typeId)
      .where('layout_id', '=', layoutId)
      .where('visible', '=', true)
      .execute();
    expect(rows.map((r) => r.field_id)).toEqual([id(cases, 'description')]);
    expect(await warned.text()).toContain('these required fields are hidden, so they cannot fill them in: Subject, Status');
  });

  it('answers 404 for an unknown type, module or layout', async () => {
    expect((await ana.get(`/admin/settings/portals/types/${typeId}/fields/nothing`)).status).toBe(404);
    expect((await ana.get(`${path()}?layout=${accounts.defaultLayout?.id}`)).status).toBe(404);
    expect((await ana.get(`/admin/settings/portals/types/${contactId}/fields/cases`)).status).toBe(404);
  });
});
