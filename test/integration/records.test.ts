import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;

beforeAll(async () => {
  t = await startTestApp();
  await seedAcme(t.db);
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());

const idFrom = (location: string | null) => /\/([0-9a-f-]{36})(\?|$)/.exec(location ?? '')?.[1] ?? '';

describe('records through the staff pages', () => {
  it('creates an account and a contact linked to it by name, and shows them', async () => {
    const acc = await ana.post('/admin/m/accounts', { name: 'Globex Iberia', website: 'globex.example', industry: 'retail', employees: '1.200' });
    expect(acc.status).toBe(303);
    const accountId = idFrom(acc.headers.get('Location'));
    const res = await ana.post('/admin/m/contacts', {
      first_name: 'Carla',
      last_name: 'Núñez',
      email: 'Carla@Globex.example',
      account: 'globex iberia',
      consent_channels: 'email',
    });
    expect(res.status).toBe(303);
    const contactId = idFrom(res.headers.get('Location'));
    const row = await t.db.selectFrom('records').selectAll().where('id', '=', contactId).executeTakeFirstOrThrow();
    expect(row.display_name).toBe('Carla Núñez');
    expect(row.data).toMatchObject({ email: 'carla@globex.example', account: accountId, consent_channels: ['email'] });
    const refs = await t.db.selectFrom('record_refs').selectAll().where('record_id', '=', contactId).execute();
    expect(refs.map((r) => r.target_id)).toEqual([accountId]);

    const detail = await (await ana.get(`/admin/m/contacts/${contactId}`)).text();
    expect(detail).toContain('Carla Núñez');
    expect(detail).toContain(`href="/admin/m/accounts/${accountId}"`);
    const account = await (await ana.get(`/admin/m/accounts/${accountId}`)).text();
    expect(account).toContain(`href="/admin/m/contacts/${contactId}"`);
    const list = await (await ana.get('/admin/m/contacts?q=carl')).text();
    expect(list).toContain('Carla Núñez');
    // Chosen columns show, and are remembered for the next visit.
    const withEmail = await (await ana.get('/admin/m/contacts?col=email&col=account')).text();
    expect(withEmail).toContain('carla@globex.example');
    expect(withEmail).toContain('>Globex Iberia</a>');
    const again = await (await ana.get('/admin/m/contacts')).text();
    expect(again).toContain('carla@globex.example');
    expect(again).toMatch(/id="col-email"[^>]*checked/);
    expect((await ana.get('/admin/m/contacts?q=zzzz')).status).toBe(200);
  });

  it('shows each validation error next to its field, in Spanish', async () => {
    await ana.post('/lang', { lang: 'es', back: '/admin' });
    const res = await ana.post('/admin/m/deals', { name: '', amount: 'mucho', closing_date: '2026-02-30', stage: 'nope', probability: '140' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="f-name-error"[^>]*>Este campo es obligatorio/);
    expect(html).toContain('id="f-amount-error"');
    expect(html).toContain('id="f-closing_date-error"');
    expect(html).toContain('id="f-stage-error"');
    expect(html).toContain('id="f-probability-error"');
    expect(
      await t.db
        .selectFrom('records')
        .innerJoin('modules', 'modules.id', 'records.module_id')
        .select('records.id')
        .where('modules.api_name', '=', 'deals')
        .execute(),
    ).toHaveLength(0);
    await ana.post('/lang', { lang: 'en', back: '/admin' });
  });

  it('starts a list again at its first page for a cursor that does not fit the sort, never an error', async () => {
    const crafted = (v: unknown) => Buffer.from(JSON.stringify({ v, id: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    for (const [module, sort] of [
      ['contacts', 'created'],
      ['contacts', 'updated'],
      ['deals', 'amount'],
      ['products', 'unit_price'],
      ['contacts', 'name'],
    ] as const) {
      for (const v of ['zz', 12, null, '2026-13-45', '1e999']) {
        const res = await ana.get(`/admin/m/${module}?sort=${sort}&after=${crafted(v)}`);
        expect(res.status, `${module} by ${sort} after ${JSON.stringify(v)}`).toBe(200);
      }
    }
  });

  it('moves a record to the recycle bin, restores it, and purges it', async () => {
    const res = await ana.post('/admin/m/products', { name: 'Widget', unit_price: '12,50', active: 'on' });
    const id = idFrom(res.headers.get('Location'));
    expect((await ana.post(`/admin/m/products/${id}/delete`, {})).status).toBe(303);
    expect((await ana.get(`/admin/m/products/${id}`)).status).toBe(404);
    expect(await (await ana.get('/admin/m/products/recycle-bin')).text()).toContain('Widget');
    expect((await ana.post(`/admin/m/products/${id}/restore`, {})).status).toBe(303);
    expect((await ana.get(`/admin/m/products/${id}`)).status).toBe(200);
    await ana.post(`/admin/m/products/${id}/delete`, {});
    expect((await ana.post(`/admin/m/products/${id}/purge`, {})).status).toBe(303);
    expect(await t.db.selectFrom('records').select('id').where('id', '=', id).execute()).toHaveLength(0);
  });

  it('refuses a standard user’s forbidden actions with 403 and hides others’ private records', async () => {
    await seedStandardUser(t.db);
    const bob = browserClient(t.app);
    await bob.post('/admin/login', { email: bruno.email, password: bruno.password });
    const anaContact = await t.db
      .selectFrom('records')
      .innerJoin('modules', 'modules.id', 'records.module_id')
      .select('records.id')
      .where('modules.api_name', '=', 'contacts')
      .executeTakeFirstOrThrow();
    expect((await bob.get(`/admin/m/contacts/${anaContact.id}`)).status).toBe(404);
    expect(await (await bob.get('/admin/m/contacts')).text()).not.toContain('Carla');
    const own = await bob.post('/admin/m/contacts', { last_name: 'Own' });
    const ownId = idFrom(own.headers.get('Location'));
    expect((await bob.post(`/admin/m/contacts/${ownId}/delete`, {})).status).toBe(403);
  });

  it('resolves a restricted user’s lookups through their own scope and the lookup’s own module, prefilled or submitted', async () => {
    const bob = browserClient(t.app);
    expect((await bob.post('/admin/login', { email: bruno.email, password: bruno.password })).status).toBe(303);
    const byModule = (api: string) =>
      t.db
        .selectFrom('records')
        .innerJoin('modules', 'modules.id', 'records.module_id')
        .select(['records.id', 'records.display_name'])
        .where('modules.api_name', '=', api)
        .where('records.owner_id', '!=', (eb) => eb.selectFrom('staff_users').select('id').where('email', '=', bruno.email))
        .executeTakeFirstOrThrow();
    const account = await byModule('accounts');
    const aContact = await byModule('contacts');
    expect((await bob.get(`/admin/m/accounts/${account.id}`)).status).toBe(404);
    // Prefilled from the address: someone else's account, and a contact given where an account belongs.
    for (const id of [account.id, aContact.id]) {
      const html = await (await bob.get(`/admin/m/contacts/new?account=${id}`)).text();
      expect(html).not.toContain(account.display_name);
      expect(html).not.toContain(aContact.display_name);
      expect(html).not.toContain(id);
    }
    const res = await bob.post('/admin/m/contacts', { last_name: 'Sneaky', account: account.display_name, account__id: account.id });
    expect(res.status).toBe(422);
    const wrongModule = await bob.post('/admin/m/contacts', { last_name: 'Sneaky', account: aContact.id });
    expect(wrongModule.status).toBe(422);
    expect(await t.db.selectFrom('records').select('id').where('display_name', '=', 'Sneaky').execute()).toEqual([]);
  });

  it('lets a user who may only view a module neither add notes nor files there, nor shows them the forms', async () => {
    const bruno2 = { email: 'vera@acme.example', name: 'Vera Viewer', password: 'Viewer-Pass-2027' };
    const vera = await seedStandardUser(t.db, bruno2);
    const contacts = await t.db.selectFrom('modules').select('id').where('api_name', '=', 'contacts').executeTakeFirstOrThrow();
    const own = await t.db
      .insertInto('records')
      .values({ module_id: contacts.id, owner_id: vera.id, data: JSON.stringify({ last_name: 'Viewed' }), display_name: 'Viewed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const viewer = await t.db
      .insertInto('profiles')
      .values({ id: randomUUID(), api_name: 'viewers', name: 'Viewers', is_admin: false, created_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.insertInto('profile_permissions').values({ profile_id: viewer.id, module_id: contacts.id, can_view: true }).execute();
    await t.db.updateTable('staff_users').set({ profile_id: viewer.id }).where('id', '=', vera.id).execute();
    const client = browserClient(t.app);
    expect((await client.post('/admin/login', { email: bruno2.email, password: bruno2.password })).status).toBe(303);
    const page = await client.get(`/admin/m/contacts/${own.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain(`action="/admin/m/contacts/${own.id}/notes"`);
    expect(html).not.toContain(`action="/admin/m/contacts/${own.id}/attachments"`);
    expect((await client.post(`/admin/m/contacts/${own.id}/notes`, { body: 'I should not', visibility: 'customer' })).status).toBe(403);
    const file = new FormData();
    file.append('file', new Blob(['x'], { type: 'text/plain' }), 'x.txt');
    expect((await client.request(`/admin/m/contacts/${own.id}/attachments`, { method: 'POST', body: file })).status).toBe(403);
    expect(await t.db.selectFrom('notes').select('id').where('record_id', '=', own.id).execute()).toEqual([]);
    expect(await t.db.selectFrom('attachments').select('id').where('record_id', '=', own.id).execute()).toEqual([]);
  });

  it('edits a record, keeping hidden values, and shows who changed which field from what to what', async () => {
    const res = await ana.post('/admin/m/cases', { subject: 'Printer jams', status: 'open', priority: 'low' });
    const id = idFrom(res.headers.get('Location'));
    await t.db.updateTable('records').set({ data: sql`data || '{"legacy_code": "X-9"}'::jsonb` }).where('id', '=', id).execute();
    const version = (await t.db.selectFrom('records').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;
    const edit = await ana.post(`/admin/m/cases/${id}`, { subject: 'Printer jams daily', status: 'in_progress', priority: 'low', __version: String(version) });
    expect(edit.status).toBe(303);
    const row = await t.db.selectFrom('records').select(['data', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.data).toMatchObject({ subject: 'Printer jams daily', status: 'in_progress', legacy_code: 'X-9' });
    expect(row.version).toBe(version + 1);
    const html = await (await ana.get(`/admin/m/cases/${id}`)).text();
    expect(html).toMatch(/Subject:\s*(<[^>]+>)*Printer jams(<[^>]+>)*\s*→\s*(<[^>]+>)*Printer jams daily/);
    expect(html).toMatch(/Status:\s*(<[^>]+>)*Open(<[^>]+>)*\s*→\s*(<[^>]+>)*In Progress/);
    expect(html).toContain('Ana Admin');
    // A form drawn from an older version is refused, not silently applied.
    const stale = await ana.post(`/admin/m/cases/${id}`, { subject: 'Stale', status: 'closed', priority: 'low', __version: String(version) });
    expect(stale.status).toBe(409);
    expect(await stale.text()).toContain('Someone else saved this record');
  });

  it('sets and clears the approval states and reassigns the owner, all in the history', async () => {
    const res = await ana.post('/admin/m/deals', { name: 'Big deal', stage: 'proposal', closing_date: '2027-03-01' });
    const id = idFrom(res.headers.get('Location'));
    expect((await ana.post(`/admin/m/deals/${id}/state`, { state: 'pending_approval' })).status).toBe(303);
    expect((await t.db.selectFrom('records').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('pending_approval');
    expect(await (await ana.get('/admin/m/deals')).text()).toContain('Pending approval');
    expect((await ana.post(`/admin/m/deals/${id}/state`, { state: 'bogus' })).status).toBe(422);
    await ana.post(`/admin/m/deals/${id}/state`, { state: 'active' });
    const bruno = await t.db.selectFrom('staff_users').select('id').where('email', '=', 'bruno@acme.example').executeTakeFirstOrThrow();
    expect((await ana.post(`/admin/m/deals/${id}/owner`, { owner: bruno.id })).status).toBe(303);
    expect((await t.db.selectFrom('records').select('owner_id').where('id', '=', id).executeTakeFirstOrThrow()).owner_id).toBe(bruno.id);
    const actions = await t.db.selectFrom('record_changes').select('action').where('record_id', '=', id).orderBy('id').execute();
    expect(actions.map((a) => a.action)).toEqual(['create', 'state', 'state', 'owner']);
    const html = await (await ana.get(`/admin/m/deals/${id}`)).text();
    expect(html).toContain('Pending approval → Active');
    expect(html).toContain('Ana Admin → Bruno Standard');
  });

  it('clones a record into a new form with its values', async () => {
    const res = await ana.post('/admin/m/products', { name: 'Gadget', code: 'G-1', unit_price: '99' });
    const id = idFrom(res.headers.get('Location'));
    const clone = await ana.get(`/admin/m/products/${id}/clone`);
    expect(clone.status).toBe(303);
    const form = await (await ana.get(clone.headers.get('Location') ?? '')).text();
    expect(form).toContain('value="Gadget"');
    expect(form).toContain('value="G-1"');
  });
});
