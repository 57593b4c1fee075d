import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAccessContext } from '../../src/access/context.js';
import { allowedActions } from '../../src/access/engine.js';
import { createPortal } from '../../src/portals/portals.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, seedAcme } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;
let anaId: string;
let portalId: string;
let typeId: string;
let page: string;
const ids: Record<string, string> = {};
const layouts: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  anaId = (await seedAcme(t.db)).admin.id;
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  const created = await createPortal(t.db, { kind: 'staff', id: anaId }, {});
  if (!created.ok) throw new Error('portal not created');
  portalId = created.portal.id;
  typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portalId).executeTakeFirstOrThrow()).id;
  page = `/admin/settings/portals/types/${typeId}/tabs`;
  for (const name of ['contacts', 'cases', 'deals', 'solutions']) {
    ids[name] = (await t.db.selectFrom('modules').select('id').where('api_name', '=', name).executeTakeFirstOrThrow()).id;
    const layout = await t.db
      .selectFrom('layouts')
      .select('id')
      .where('module_id', '=', ids[name] ?? '')
      .where('deleted_at', 'is', null)
      .orderBy('position')
      .executeTakeFirstOrThrow();
    layouts[name] = layout.id;
  }
});
afterAll(() => t.close());

const id = (name: string) => ids[name] ?? '';

/** The form fields of one module's fieldset, as a browser would submit them. */
function tab(name: string, opts: { perms?: string[]; viewMode?: string; notes?: string; filter?: string } = {}): Record<string, string> {
  const m = id(name);
  const form: Record<string, string> = {
    [`${m}.shown`]: 'on',
    [`${m}.layouts`]: layouts[name] ?? '',
    [`${m}.viewMode`]: opts.viewMode ?? 'list',
    [`${m}.notes`]: opts.notes ?? 'none',
    [`${m}.attachments`]: 'none',
  };
  if (opts.filter) form[`${m}.filter`] = opts.filter;
  for (const p of opts.perms ?? ['view']) form[`${m}.${p}`] = 'on';
  return form;
}

const tabRow = (name: string) =>
  t.db.selectFrom('portal_type_tabs').selectAll().where('user_type_id', '=', typeId).where('module_id', '=', id(name)).executeTakeFirst();

describe('tab configuration per user type', () => {
  it('lists the base module, related modules and public modules, linked from the user type page', async () => {
    const typePage = await ana.get(`/admin/settings/portals/${portalId}/types/${typeId}`);
    expect(await typePage.text()).toContain(`href="${page}"`);
    const res = await ana.get(page);
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const name of ['contacts', 'cases', 'deals', 'solutions']) expect(html).toContain(`name="${id(name)}.viewMode"`);
    expect(html).not.toContain(`name="${id('solutions')}.create"`);
  });

  it('refuses canvas for a module with neither a card design nor a name field to title one, then accepts it once a design exists', async () => {
    // Without a saved design the default one is titled by the name field: take that away.
    const dealNames = (await t.db.selectFrom('modules').select('name_fields').where('id', '=', id('deals')).executeTakeFirstOrThrow()).name_fields;
    await t.db.updateTable('modules').set({ name_fields: [] }).where('id', '=', id('deals')).execute();
    const form = {
      ...tab('contacts'),
      ...tab('cases', { perms: ['view', 'create'], notes: 'add' }),
      ...tab('deals', { viewMode: 'canvas' }),
      ...tab('solutions', { perms: ['view', 'create', 'edit'] }),
    };
    const refused = await ana.post(page, form);
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain('Canvas view needs a card design for this module first.');
    expect(html).toContain('href="/admin/settings/portals/cards"');
    expect(await tabRow('cases')).toBeUndefined();

    await t.db
      .insertInto('canvas_designs')
      .values({ module_id: id('deals'), title_field_id: null, subtitle_field_ids: [] })
      .execute();
    // A change in who sees what is saved once confirmed on the review page.
    const saved = await ana.post(page, { ...form, confirm: '1' });
    expect(saved.status).toBe(303);
    await t.db.updateTable('modules').set({ name_fields: dealNames }).where('id', '=', id('deals')).execute();
    const cases = await tabRow('cases');
    const contactLookup = await t.db
      .selectFrom('fields')
      .select('id')
      .where('module_id', '=', id('cases'))
      .where('api_name', '=', 'contact')
      .executeTakeFirstOrThrow();
    expect(cases).toMatchObject({
      kind: 'related',
      shown: true,
      can_create: true,
      view_mode: 'list',
      notes: 'add',
      filter_field_id: contactLookup.id,
      layout_ids: [layouts.cases],
    });
    expect(await tabRow('deals')).toMatchObject({ kind: 'related', view_mode: 'canvas' });
    expect(await tabRow('solutions')).toMatchObject({ kind: 'public', can_view: true, can_create: false, can_edit: false, can_delete: false });
    const audit = await t.db
      .selectFrom('audit_log')
      .select('actor_id')
      .where('action', '=', 'portals.tabs_saved')
      .where('target_id', '=', typeId)
      .executeTakeFirst();
    expect(audit?.actor_id).toBe(anaId);
  });

  it('asks which lookup to filter by when a module has two lookups to the base module, in the admin language', async () => {
    const second = await t.db
      .insertInto('fields')
      .values({
        id: crypto.randomUUID(),
        module_id: id('cases'),
        api_name: 'reported_by',
        kind: 'custom',
        type: 'lookup',
        labels: JSON.stringify({ en: 'Reported by', es: 'Informado por' }),
        options: JSON.stringify({ targetModuleId: id('contacts') }),
        created_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const form = { ...tab('contacts'), ...tab('cases', { perms: ['view', 'create'], notes: 'add' }), ...tab('solutions') };
    const refused = await ana.post(page, form, { 'Accept-Language': 'es' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('Elija el campo de búsqueda por el que filtrar.');

    const saved = await ana.post(page, { ...form, ...tab('cases', { perms: ['view', 'create'], notes: 'add', filter: second.id }), confirm: '1' });
    expect(saved.status).toBe(303);
    expect(await tabRow('cases')).toMatchObject({ filter_field_id: second.id, can_create: true });
    expect(await tabRow('deals')).toBeUndefined();
  });

  it('never lets the base tab go or be deletable', async () => {
    const res = await ana.post(page, { ...tab('contacts', { perms: ['view', 'delete'] }) });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Users cannot delete their own record.');
    expect(await tabRow('cases')).toBeDefined();
  });

  it('is what the permission engine applies', async () => {
    const contact = await t.db
      .insertInto('records')
      .values({ module_id: id('contacts'), owner_id: anaId, data: JSON.stringify({ last_name: 'Pérez' }), display_name: 'Pérez', created_by_staff_id: anaId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const user = await t.db
      .insertInto('portal_users')
      .values({ portal_id: portalId, user_type_id: typeId, record_id: contact.id, email: 'perez@customer.example', status: 'active', invited_by: anaId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const ctx = await loadAccessContext(t.db, { portalUserId: user.id, portalId });
    expect(allowedActions(ctx, id('cases'))).toMatchObject({ view: true, create: true, edit: false, delete: false });
    expect(allowedActions(ctx, id('solutions'))).toEqual({ view: true, create: false, edit: false, delete: false, clone: false });
    expect(allowedActions(ctx, id('deals')).view).toBe(false);
  });
});
