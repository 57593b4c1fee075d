import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { addAttachment, addNote } from '../../src/crm/notes.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import { saveCanvasDesign } from '../../src/portals/canvas.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { createPortal } from '../../src/portals/portals.js';
import { saveTabs, type TabInput, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;
let staff: Actor;
let staffId: string;
const m = {} as Record<'contacts' | 'cases' | 'deals', ModuleMeta>;
const ids = {} as Record<string, string>;
const PREVIEW = '/admin/settings/portals/preview';
const fieldId = (meta: ModuleMeta, name: string) => meta.byName.get(name)?.id as string;
const layout = (meta: ModuleMeta) => meta.defaultLayout?.id as string;

async function rec(meta: ModuleMeta, data: RecordData): Promise<string> {
  return (await createRecord(t.db, staff, meta, { data, layoutId: layout(meta), ownerId: staffId })).id;
}

beforeAll(async () => {
  t = await startTestApp();
  staffId = (await seedAcme(t.db)).admin.id;
  await seedStandardUser(t.db);
  staff = { kind: 'staff', id: staffId };
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  for (const name of ['contacts', 'cases', 'deals'] as const) m[name] = (await loadModuleMeta(t.db, name)) as ModuleMeta;

  const created = await createPortal(t.db, staff, { name: 'Acme Help' });
  if (!created.ok) throw new Error('portal not created');
  ids.portal = created.portal.id;
  ids.type = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', ids.portal).executeTakeFirstOrThrow()).id;

  // Cases as a list (view + edit, notes and files shared), Deals as cards; Solutions (public) left off.
  expect(
    await saveCanvasDesign(t.db, staff, m.deals.module.id, m.deals.fields, {
      titleFieldId: fieldId(m.deals, 'name'),
      subtitleFieldIds: [fieldId(m.deals, 'amount')],
      badgeFieldId: fieldId(m.deals, 'stage'),
    }),
  ).toEqual({ ok: true });
  const options = (await tabOptions(t.db, ids.type)) ?? [];
  const input: Record<string, TabInput> = {};
  for (const o of options) {
    const name = o.module.api_name;
    input[o.module.id] = {
      shown: ['contacts', 'cases', 'deals'].includes(name),
      filterFieldId: o.lookups.find((f) => f.api_name === 'contact')?.id ?? '',
      layoutIds: o.layouts.map((l) => l.id),
      view: true,
      create: false,
      edit: name === 'cases',
      delete: false,
      viewMode: name === 'deals' ? 'canvas' : 'list',
      notes: name === 'cases' ? 'view' : 'none',
      attachments: name === 'cases' ? 'view' : 'none',
    };
  }
  expect(await saveTabs(t.db, staff, ids.type as string, input)).toEqual({ ok: true });
  const perms = async (meta: ModuleMeta, visible: string[], readOnly: string[] = []) => {
    const rows = meta.fields.map((f) => ({ fieldId: f.id, visible: visible.includes(f.api_name), readOnly: readOnly.includes(f.api_name) }));
    const saved = await saveFieldPermissions(t.db, staff, ids.type as string, meta.module.id, layout(meta), rows);
    expect(saved.ok).toBe(true);
  };
  await perms(m.contacts, ['first_name', 'last_name', 'email']);
  await perms(m.cases, ['subject', 'status', 'contact'], ['status']);
  await perms(m.deals, ['name', 'stage']);

  ids.carla = await rec(m.contacts, { first_name: 'Carla', last_name: 'Núñez', email: 'carla@globex.example', phone: '+34 600 000 001' });
  ids.dora = await rec(m.contacts, { first_name: 'Dora', last_name: 'Ortiz', email: 'dora@initech.example' });
  ids.case1 = await rec(m.cases, { subject: 'Printer jam', status: 'open', description: 'Secret staff analysis', contact: ids.carla });
  ids.case2 = await rec(m.cases, { subject: 'Invoice copy', status: 'waiting', contact: ids.carla });
  ids.case3 = await rec(m.cases, { subject: 'Dora’s outage', status: 'open', contact: ids.dora });
  ids.deal = await rec(m.deals, { name: 'Renewal 2027', stage: 'proposal', closing_date: '2027-01-31', amount: '9000', contact: ids.carla });
  await addNote(t.db, ids.case1, staff, 'We ordered a new drum.', false);
  await addNote(t.db, ids.case1, staff, 'Internal: customer is difficult.', true);
  ids.file = await addAttachment(t.db, ids.case1, staff, { name: 'manual.txt', type: 'text/plain', bytes: new TextEncoder().encode('drum manual') }, false);
  ids.internalFile = await addAttachment(t.db, ids.case1, staff, { name: 'internal.txt', type: 'text/plain', bytes: new TextEncoder().encode('x') }, true);

  ids.user = randomUUID();
  ids.gone = randomUUID();
  await t.db
    .insertInto('portal_users')
    .values([
      {
        id: ids.user,
        portal_id: ids.portal,
        user_type_id: ids.type,
        record_id: ids.dora,
        email: 'dora@initech.example',
        status: 'active',
        invited_by: staffId,
      },
      {
        id: ids.gone,
        portal_id: ids.portal,
        user_type_id: ids.type,
        record_id: ids.carla,
        email: 'carla@globex.example',
        status: 'deactivated',
        invited_by: staffId,
      },
    ])
    .execute();
});
afterAll(() => t.close());

const asCarla = () => `${PREVIEW}/type/${ids.type}/${ids.carla}`;
const navLabels = (html: string) =>
  [...(/<nav aria-label="Portal navigation">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '').matchAll(/<a [^>]*>([^<]*)<\/a>/g)].map((x) => x[1]);

describe('preview as a user type, standing in for a record', () => {
  it('offers the user types and then the base module records to stand in for', async () => {
    const first = await (await ana.get(PREVIEW)).text();
    expect(first).toContain(`<option value="${ids.type}"`);
    const second = await (await ana.get(`${PREVIEW}?type=${ids.type}`)).text();
    expect(second).toContain(`<option value="${ids.carla}">Carla Núñez</option>`);
    const go = await ana.get(`${PREVIEW}?type=${ids.type}&record=${ids.carla}`);
    expect(go.headers.get('Location')).toBe(asCarla());
    const landing = await ana.get(asCarla());
    expect(landing.status).toBe(200);
    const home = await landing.text();
    expect(home).toContain(`<a class="tile" href="${asCarla()}/m/contacts">`);
    expect(home).toContain(`href="${asCarla()}/m/cases/`);
  });

  it('shows exactly the configured tabs, with the banner', async () => {
    const html = await (await ana.get(`${asCarla()}/m/cases`)).text();
    // In the configuration's order: the base tab, then related modules in module order.
    expect(navLabels(html)).toEqual(['Contacts', 'Deals', 'Cases']);
    expect(html).toContain('class="preview-banner"');
    expect(html).toContain('Preview of Acme Help as «Customer portal», standing in for Carla Núñez.');
  });

  it('lists only the records linked to the stood-in record, with only visible fields', async () => {
    const html = await (await ana.get(`${asCarla()}/m/cases`)).text();
    expect(html).toContain('2 records');
    expect(html).toContain('Printer jam');
    expect(html).toContain('Invoice copy');
    expect(html).not.toContain('Dora’s outage');
    expect(html).not.toContain('Secret staff analysis');
    expect(html).toContain('aria-label="Order by Status">Status</a></th>');
    expect(html).not.toContain('Priority');
  });

  it('shows a record with read-only fields marked, shared notes and files, and nothing hidden or internal', async () => {
    const html = await (await ana.get(`${asCarla()}/m/cases/${ids.case1}`)).text();
    expect(html).toContain('Printer jam');
    expect(html).toMatch(/data-field="status"><dt>Status <span class="badge read-only">read-only<\/span><\/dt>/);
    expect(html).toMatch(/data-field="subject"><dt>Subject<\/dt>/);
    expect(html).not.toContain('Secret staff analysis');
    expect(html).not.toContain('data-field="description"');
    expect(html).toContain('We ordered a new drum.');
    expect(html).not.toContain('customer is difficult');
    expect(html).toContain('manual.txt');
    expect(html).not.toContain('internal.txt');
    // The configuration grants edit: the preview shows the same button as the portal (its form is inert).
    expect(html).toContain(`/m/cases/${ids.case1}/edit"`);
    const file = await ana.get(`${asCarla()}/m/cases/${ids.case1}/files/${ids.file}`);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe('drum manual');
    expect((await ana.get(`${asCarla()}/m/cases/${ids.case1}/files/${ids.internalFile}`)).status).toBe(404);
  });

  it('answers 404 for a record outside the scope, a hidden tab and a foreign module', async () => {
    expect((await ana.get(`${asCarla()}/m/cases/${ids.case3}`)).status).toBe(404);
    expect((await ana.get(`${asCarla()}/m/solutions`)).status).toBe(404);
    expect((await ana.get(`${asCarla()}/m/deals/${ids.case1}`)).status).toBe(404);
    expect((await ana.get(`${asCarla()}/m/cases/not-a-uuid`)).status).toBe(404);
    expect((await ana.get(`${PREVIEW}/type/${ids.type}/${ids.case1}/m/cases`)).status).toBe(404);
  });

  it('shows a canvas tab as cards with the visible design fields only', async () => {
    const html = await (await ana.get(`${asCarla()}/m/deals`)).text();
    expect(html).toContain('<ul class="cards canvas">');
    expect(html).toContain('Renewal 2027');
    expect(html).toContain('Proposal');
    // Amount is on the card design but hidden for this type.
    expect(html).not.toMatch(/9[.,]?000/);
  });

  it('writes nothing: every POST through the preview answers 403 in the portal’s frame and changes no record', async () => {
    const before = await t.db.selectFrom('records').select(['id', 'version']).orderBy('id').execute();
    for (const path of [`/m/cases/${ids.case1}`, `/m/cases/${ids.case1}/edit`, '/m/cases', `/m/cases/${ids.case1}/notes`]) {
      const res = await ana.post(`${asCarla()}${path}`, { subject: 'Changed' });
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('This is a preview');
      expect(html).toContain('Preview of Acme Help as');
    }
    expect(await t.db.selectFrom('records').select(['id', 'version']).orderBy('id').execute()).toEqual(before);
  });
});

describe('preview as a portal user', () => {
  it('shows what that user sees, through the same pages', async () => {
    const res = await ana.get(`${PREVIEW}?user=${ids.user}`);
    const base = `${PREVIEW}/user/${ids.user}`;
    expect(res.headers.get('Location')).toBe(base);
    const html = await (await ana.get(`${base}/m/cases`)).text();
    expect(html).toContain('Preview of Acme Help as Dora Ortiz (dora@initech.example, Customer portal).');
    expect(html).toContain('1 record');
    expect(html).toContain('Dora’s outage');
    expect(html).not.toContain('Printer jam');
    expect((await ana.get(`${base}/m/cases/${ids.case1}`)).status).toBe(404);
  });

  it('explains that a deactivated user sees nothing, in the admin’s language', async () => {
    const res = await ana.get(`${PREVIEW}/user/${ids.gone}/m/cases`, { 'Accept-Language': 'es' });
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('Este usuario del portal no ve nada');
    expect(html).not.toContain('Printer jam');
  });

  it('is refused to staff who may not manage portals', async () => {
    const bruno_ = browserClient(t.app);
    await bruno_.post('/admin/login', { email: bruno.email, password: bruno.password });
    expect((await bruno_.get(`${asCarla()}/m/cases`)).status).toBe(403);
  });
});
