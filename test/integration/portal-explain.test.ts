import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { type Actor, createRecord, type RecordData } from '../../src/crm/records.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

const BASE = '/admin/settings/portals/explain';

let t: TestApp;
let ana: BrowserClient;
let staff: Actor;
let staffId: string;
let brunoId: string;
let contacts: ModuleMeta;
let cases: ModuleMeta;
let solutions: ModuleMeta;
let accounts: ModuleMeta;
const ids = {} as Record<string, string>;

const field = (meta: ModuleMeta, name: string) => meta.byName.get(name)?.id as string;
const layout = (meta: ModuleMeta) => meta.defaultLayout?.id as string;
const id = (name: string) => ids[name] as string;

async function rec(meta: ModuleMeta, data: RecordData, opts: { layoutId?: string; ownerId?: string } = {}) {
  return createRecord(t.db, staff, meta, { data, layoutId: opts.layoutId ?? layout(meta), ownerId: opts.ownerId ?? staffId });
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: '\u00a0' };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, e: string) => entities[e] ?? '');
/** What a reader sees: the page's text without markup, one space between words. */
const textOf = (html: string) =>
  decode(html.replace(/<(script|style)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
/** The cells of every table row, as text (markup inside a cell is not a word break). */
const rowsOf = (html: string) =>
  [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) =>
    [...(m[1] ?? '').matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => textOf((c[1] ?? '').replace(/<[^>]+>/g, ''))),
  );

const explainUrl = (user: string, record: string) => `${BASE}?user=${user}&record=${record}`;

async function explain(user: string, record: string, headers?: Record<string, string>) {
  const res = await ana.get(explainUrl(id(user), id(record)), headers);
  const html = await res.text();
  return { status: res.status, html, text: textOf(html) };
}

beforeAll(async () => {
  t = await startTestApp();
  staffId = (await seedAcme(t.db)).admin.id;
  brunoId = (await seedStandardUser(t.db)).id;
  staff = { kind: 'staff', id: staffId };
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
  const meta = async (apiName: string) => (await loadModuleMeta(t.db, apiName)) as ModuleMeta;
  contacts = await meta('contacts');
  cases = await meta('cases');
  solutions = await meta('solutions');
  accounts = await meta('accounts');

  const portal = await t.db.insertInto('portals').values({ name: 'Acme Care', slug: 'acme-care' }).returning('id').executeTakeFirstOrThrow();
  const type = await t.db
    .insertInto('portal_user_types')
    .values({ portal_id: portal.id, name: 'Customers', base_module_id: contacts.module.id, is_default: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  ids.type = type.id;

  ids.carla = (await rec(contacts, { first_name: 'Carla', last_name: 'Núñez' })).id;
  ids.dora = (await rec(contacts, { first_name: 'Dora', last_name: 'Ortiz' })).id;
  ids.erik = (await rec(contacts, { first_name: 'Erik', last_name: 'Lund' })).id;
  for (const [user, contact, email, status] of [
    ['alicePortal', 'carla', 'carla@globex.example', 'active'],
    ['doraPortal', 'dora', 'dora@globex.example', 'active'],
    ['erikPortal', 'erik', 'erik@globex.example', 'deactivated'],
  ] as const) {
    ids[user] = randomUUID();
    await t.db
      .insertInto('portal_users')
      .values({ id: id(user), portal_id: portal.id, user_type_id: type.id, record_id: id(contact), email, status, invited_by: staffId })
      .execute();
  }

  ids.internalLayout = randomUUID();
  await t.db
    .insertInto('layouts')
    .values({
      id: id('internalLayout'),
      module_id: cases.module.id,
      api_name: 'internal',
      label_key: null,
      labels: JSON.stringify({ en: 'Internal cases' }),
      sections: JSON.stringify([]),
    })
    .execute();
  const kase = (subject: string, contact: string, opts: { layoutId?: string; ownerId?: string } = {}) =>
    rec(cases, { subject, status: 'open', contact: id(contact) }, opts);
  ids.case1 = (await kase('Printer jam', 'carla')).id;
  ids.case2 = (await kase('Dora’s invoice', 'dora')).id;
  ids.internalCase = (await kase('Internal review', 'carla', { layoutId: id('internalLayout') })).id;
  ids.binnedCase = (await kase('Binned question', 'carla')).id;
  ids.brunosCase = (await kase('Bruno’s case', 'carla', { ownerId: brunoId })).id;
  await t.db.updateTable('records').set({ deleted_at: new Date() }).where('id', '=', id('binnedCase')).execute();
  ids.solution = (await rec(solutions, { title: 'Reset the printer', question: 'How?', answer: 'Like so' })).id;
  ids.account = (await rec(accounts, { name: 'Globex' })).id;

  await t.db
    .insertInto('portal_type_tabs')
    .values([
      { user_type_id: type.id, module_id: contacts.module.id, kind: 'base', layout_ids: [layout(contacts)], can_edit: true },
      {
        user_type_id: type.id,
        module_id: cases.module.id,
        kind: 'related',
        filter_field_id: field(cases, 'contact'),
        layout_ids: [layout(cases)],
        can_create: true,
        can_edit: true,
      },
      { user_type_id: type.id, module_id: solutions.module.id, kind: 'public', layout_ids: [layout(solutions)] },
    ])
    .execute();
  const perm = (name: string, visible: boolean, read_only = false) => ({
    user_type_id: type.id,
    layout_id: layout(cases),
    field_id: field(cases, name),
    visible,
    read_only,
  });
  await t.db
    .insertInto('portal_type_fields')
    .values([perm('subject', true), perm('status', true, true), perm('contact', true, true), perm('description', true), perm('resolution', false)])
    .execute();
});
afterAll(() => t.close());

describe('explaining one user and one record', () => {
  it('explains a case linked to the user through the contact lookup, with the field mask', async () => {
    const { status, html, text } = await explain('alicePortal', 'case1');
    expect(status).toBe(200);
    expect(text).toContain('Carla Núñez can see «Printer jam»');
    expect(text).toContain("The record's «Contact» lookup points to the user's own record, or to a record they created.");
    expect(text).toContain('Tab Related module; permissions: view, create, edit');
    expect(text).toContain('Filter-by lookup Contact');
    expect(text).toContain('Layout Standard layout Allowed by the tab');
    const rows = rowsOf(html);
    expect(rows).toContainEqual(['Subject', 'Visible and editable', 'Yes']);
    expect(rows).toContainEqual(['Status', 'Read-only', 'Yes']);
    expect(rows).toContainEqual(['Contact', 'Read-only', 'No']);
    expect(rows).toContainEqual(['Description', 'Visible and editable', 'No']);
    expect(rows).toContainEqual(['Resolution', 'Hidden', 'No']);
    // A field without any permission row is hidden too.
    expect(rows).toContainEqual(['Priority', 'Hidden', 'No']);
    expect(html).toContain(`href="${BASE}/record/${id('case1')}"`);
  });

  it('explains that another user’s case is out of reach because its lookup points elsewhere', async () => {
    const { status, html, text } = await explain('alicePortal', 'case2');
    expect(status).toBe(200);
    expect(text).toContain('Carla Núñez cannot see «Dora’s invoice»');
    expect(text).toContain("This record's «Contact» points to another record and someone else created it. To show it, set its «Contact» to the user's record.");
    expect(text).toContain('The user cannot see this record, so none of its fields reach them.');
    expect(rowsOf(html)).toEqual([]);
  });

  it('names the layout the tab does not allow', async () => {
    const { text } = await explain('alicePortal', 'internalCase');
    expect(text).toContain('Carla Núñez cannot see «Internal review»');
    expect(text).toContain('The record uses layout «Internal cases», which the tab does not allow.');
    expect(text).toContain('Layout Internal cases Not allowed by the tab');
  });

  it('says a binned case is in the recycle bin', async () => {
    const { status, text } = await explain('alicePortal', 'binnedCase');
    expect(status).toBe(200);
    expect(text).toContain('Carla Núñez cannot see «Binned question»');
    expect(text).toContain('The record is in the recycle bin.');
  });

  it('says a deactivated user gets nothing, even for their own record', async () => {
    const { status, text } = await explain('erikPortal', 'erik');
    expect(status).toBe(200);
    expect(text).toContain('Erik Lund cannot see «Erik Lund»');
    expect(text).toContain('The user is not active (Deactivated), so the portal gives them nothing at all.');
  });

  it('explains the own record, a public module and a module without a tab', async () => {
    const own = await explain('alicePortal', 'carla');
    expect(own.text).toContain('Carla Núñez can see «Carla Núñez»');
    expect(own.text).toContain("It is the user's own record.");
    expect(own.text).toContain('Own record (base module); permissions: view, edit');

    const solution = await explain('doraPortal', 'solution');
    expect(solution.text).toContain('Dora Ortiz can see «Reset the printer»');
    expect(solution.text).toContain('Solutions is a public module: users of this type see all its records, view only.');
    expect(rowsOf(solution.html)).toContainEqual(['Title', 'Hidden', 'No']);

    const account = await explain('alicePortal', 'account');
    expect(account.text).toContain('Carla Núñez cannot see «Globex»');
    expect(account.text).toContain('The user type «Customers» has no tab for Accounts.');
    expect(account.text).toContain('Tab No tab for this module');
  });

  it('says when the tab is hidden', async () => {
    await t.db.updateTable('portal_type_tabs').set({ shown: false }).where('module_id', '=', cases.module.id).execute();
    try {
      const { text } = await explain('alicePortal', 'case1');
      expect(text).toContain('Carla Núñez cannot see «Printer jam»');
      expect(text).toContain('The Cases tab of the user type «Customers» is hidden.');
    } finally {
      await t.db.updateTable('portal_type_tabs').set({ shown: true }).where('module_id', '=', cases.module.id).execute();
    }
  });

  it('answers in Spanish', async () => {
    const { text } = await explain('alicePortal', 'case2', { 'Accept-Language': 'es' });
    expect(text).toContain('Carla Núñez no puede ver «Dora’s invoice»');
    expect(text).toContain('El «Contacto» de este registro apunta a otro registro y lo creó otra persona.');
    expect(text).toContain('Explicar el acceso al portal');
  });

  it('answers 404 for an unknown record or user, and 422 when the record id is missing', async () => {
    const unknownRecord = await ana.get(explainUrl(id('alicePortal'), randomUUID()));
    expect(unknownRecord.status).toBe(404);
    expect(textOf(await unknownRecord.text())).toContain('There is no such portal user or record.');
    expect((await ana.get(explainUrl(randomUUID(), id('case1')))).status).toBe(404);
    expect((await ana.get(explainUrl(id('alicePortal'), 'not-an-id'))).status).toBe(404);
    const missing = await ana.get(`${BASE}?user=${id('alicePortal')}&record=`);
    expect(missing.status).toBe(422);
    expect(textOf(await missing.text())).toContain('Enter the id of a record.');
  });

  it('accepts the record’s whole address in the record box', async () => {
    const res = await ana.get(`${BASE}?user=${id('alicePortal')}&record=${encodeURIComponent(`http://porta.test/admin/m/cases/${id('case1')}`)}`);
    expect(res.status).toBe(200);
    expect(textOf(await res.text())).toContain('Carla Núñez can see «Printer jam»');
  });

  it('offers portal users grouped by portal and type, narrowed by a search', async () => {
    const all = await ana.get(BASE);
    expect(all.status).toBe(200);
    const html = await all.text();
    expect(html).toContain('<optgroup label="Acme Care · Customers">');
    expect(html).toContain(`<option value="${id('alicePortal')}">Carla Núñez &lt;carla@globex.example&gt;</option>`);
    expect(html).toContain('Erik Lund &lt;erik@globex.example&gt; (Deactivated)');
    const searched = await (await ana.get(`${BASE}?q=dora`)).text();
    expect(searched).toContain(`value="${id('doraPortal')}"`);
    expect(searched).not.toContain(`value="${id('alicePortal')}"`);
  });
});

describe('who sees a record', () => {
  it('lists exactly the user whose contact the case points at, linking to the explanation', async () => {
    const res = await ana.get(`${BASE}/record/${id('case1')}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(textOf(html)).toContain('Who can see this record in portals');
    expect(textOf(html)).toContain('Acme Care · Customers (1)');
    expect(rowsOf(html).slice(1)).toEqual([['Carla Núñez', 'carla@globex.example', 'Explain: Carla Núñez']]);
    expect(html).toContain(`href="${BASE}?user=${id('alicePortal')}&amp;record=${id('case1')}"`);
  });

  it('lists every active user for a public module, never a deactivated one', async () => {
    const html = await (await ana.get(`${BASE}/record/${id('solution')}`)).text();
    expect(
      rowsOf(html)
        .slice(1)
        .map((r) => r[1]),
    ).toEqual(['carla@globex.example', 'dora@globex.example']);
  });

  it('says nobody sees a binned case', async () => {
    const res = await ana.get(`${BASE}/record/${id('binnedCase')}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(textOf(html)).toContain('No portal user can see this record.');
    expect(rowsOf(html)).toEqual([]);
  });

  it('answers 404 for an unknown record', async () => {
    expect((await ana.get(`${BASE}/record/${randomUUID()}`)).status).toBe(404);
    expect((await ana.get(`${BASE}/record/nope`)).status).toBe(404);
  });

  it('is linked from the staff record page for staff who manage portals only', async () => {
    const link = `href="${BASE}/record/${id('brunosCase')}"`;
    expect(await (await ana.get(`/admin/m/cases/${id('brunosCase')}`)).text()).toContain(link);
    const brunoClient = browserClient(t.app);
    expect((await brunoClient.post('/admin/login', { email: bruno.email, password: bruno.password })).status).toBe(303);
    const page = await brunoClient.get(`/admin/m/cases/${id('brunosCase')}`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(link);
  });
});

describe('who may ask', () => {
  it('refuses staff without the manage-portals permission', async () => {
    const brunoClient = browserClient(t.app);
    expect((await brunoClient.post('/admin/login', { email: bruno.email, password: bruno.password })).status).toBe(303);
    expect((await brunoClient.get(explainUrl(id('alicePortal'), id('case1')))).status).toBe(403);
    expect((await brunoClient.get(`${BASE}/record/${id('case1')}`)).status).toBe(403);
    expect((await brunoClient.get(BASE)).status).toBe(403);
  });
});
