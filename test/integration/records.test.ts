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
});
