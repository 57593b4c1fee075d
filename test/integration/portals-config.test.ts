import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortal } from '../../src/portals/portals.js';
import { publicModules, relatedModules } from '../../src/portals/user-types.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;
let anaId: string;

const PORTALS = '/admin/settings/portals';
const spanish = { 'Accept-Language': 'es' };
const idFrom = (location: string | null) => /\/([0-9a-f-]{36})(\?|$)/.exec(location ?? '')?.[1] ?? '';

beforeAll(async () => {
  t = await startTestApp();
  anaId = (await seedAcme(t.db)).admin.id;
  await seedStandardUser(t.db);
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());

async function moduleId(apiName: string) {
  return (await t.db.selectFrom('modules').select('id').where('api_name', '=', apiName).executeTakeFirstOrThrow()).id;
}

async function typesOf(portalId: string) {
  return t.db.selectFrom('portal_user_types').selectAll().where('portal_id', '=', portalId).orderBy('position').execute();
}

/** A contact who is a portal user of the given type, with the given licence status. */
async function portalUser(portalId: string, typeId: string, email: string, status: 'invited' | 'active' | 'deactivated') {
  const contacts = await moduleId('contacts');
  const record = await t.db
    .insertInto('records')
    .values({ module_id: contacts, owner_id: anaId, data: JSON.stringify({ last_name: email }), display_name: email, created_by_staff_id: anaId })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db.insertInto('portal_users').values({ portal_id: portalId, user_type_id: typeId, record_id: record.id, email, status, invited_by: anaId }).execute();
}

async function signIn(who: { email: string; password: string }) {
  const client = browserClient(t.app);
  expect((await client.post('/admin/login', who)).status).toBe(303);
  return client;
}

describe('portals, their addresses and user types', () => {
  let acmePortal: string;

  it('creates a portal named after the organization, with its address derived from the name', async () => {
    const res = await ana.post(PORTALS, { name: '', slug: '' });
    expect(res.status).toBe(303);
    acmePortal = idFrom(res.headers.get('Location'));
    const portal = await t.db.selectFrom('portals').selectAll().where('id', '=', acmePortal).executeTakeFirstOrThrow();
    expect(portal).toMatchObject({ name: 'Acme Iberia', slug: 'acme-iberia' });
    const audit = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'portal.created').where('target_id', '=', acmePortal).executeTakeFirst();
    expect(audit?.actor_id).toBe(anaId);

    const list = await (await ana.get(PORTALS)).text();
    expect(list).toContain('/p/acme-iberia');
    expect(list).toContain('Customer portal');
  });

  it('gives a new portal its default type "Customer portal" on Contacts with a base tab in the default layout', async () => {
    const [type] = await typesOf(acmePortal);
    expect(type).toMatchObject({ name: 'Customer portal', is_default: true, user_limit: 10000, base_module_id: await moduleId('contacts') });
    const tabs = await t.db
      .selectFrom('portal_type_tabs')
      .selectAll()
      .where('user_type_id', '=', type?.id ?? '')
      .execute();
    const layout = await t.db
      .selectFrom('layouts')
      .select('id')
      .where('module_id', '=', await moduleId('contacts'))
      .where('is_default', '=', true)
      .executeTakeFirstOrThrow();
    expect(tabs).toEqual([expect.objectContaining({ kind: 'base', can_view: true, can_create: false, layout_ids: [layout.id] })]);
  });

  it('says in Spanish that an address is taken, live and on submit, and changes nothing', async () => {
    const live = await ana.get(`${PORTALS}/slug-check?slug=acme-iberia`, { ...spanish, 'HX-Request': 'true' });
    expect(live.status).toBe(200);
    const fragment = await live.text();
    expect(fragment).toContain('Esta dirección ya la usa un portal. Pruebe con «acme-iberia-2».');
    expect(fragment).not.toContain('<html');

    const free = await (await ana.get(`${PORTALS}/slug-check?slug=socios`, { ...spanish, 'HX-Request': 'true' })).text();
    expect(free).toContain('Esta dirección está disponible.');

    const submitted = await ana.post(PORTALS, { name: 'Socios', slug: 'acme-iberia' }, spanish);
    expect(submitted.status).toBe(422);
    const html = await submitted.text();
    expect(html).toMatch(/id="slug-status"[^>]*>Esta dirección ya la usa un portal\. Pruebe con «acme-iberia-2»\./);
    expect(html).toContain('value="Socios"');
    expect(await t.db.selectFrom('portals').select('id').execute()).toHaveLength(1);
  });

  it('refuses a reserved address and one that is not a slug', async () => {
    const reserved = await ana.post(PORTALS, { name: 'Admin', slug: 'admin' });
    expect(reserved.status).toBe(422);
    expect(await reserved.text()).toContain('This address is reserved by Porta. Try “admin-portal”.');
    const invalid = await ana.post(PORTALS, { name: 'Café', slug: 'Café Niños' });
    expect(invalid.status).toBe(422);
    expect(await invalid.text()).toContain('Try “cafe-ninos”.');
    expect(await t.db.selectFrom('portals').select('id').execute()).toHaveLength(1);
  });

  it('renames a portal and changes its address; the old address redirects to the same page under the new one', async () => {
    expect((await ana.post(`${PORTALS}/${acmePortal}`, { name: 'Acme Clientes' })).status).toBe(303);
    const moved = await ana.post(`${PORTALS}/${acmePortal}`, { slug: 'clientes' });
    expect(moved.status).toBe(303);
    const portal = await t.db.selectFrom('portals').selectAll().where('id', '=', acmePortal).executeTakeFirstOrThrow();
    expect(portal).toMatchObject({ name: 'Acme Clientes', slug: 'clientes' });

    const visitor = browserClient(t.app);
    const old = await visitor.get('/p/acme-iberia/m/cases?page=2');
    expect(old.status).toBe(301);
    expect(old.headers.get('Location')).toBe('/p/clientes/m/cases?page=2');
    const root = await visitor.get('/p/acme-iberia');
    expect(root.headers.get('Location')).toBe('/p/clientes');
    expect((await visitor.get('/p/nobody-here/login')).status).toBe(404);

    const pageHtml = await (await ana.get(`${PORTALS}/${acmePortal}`)).text();
    expect(pageHtml).toContain('Portal users are not told automatically');
    expect(pageHtml).toContain('<code>http://porta.test/p/acme-iberia</code>');

    // The old address stays this portal's: no other portal may take it, but this one may take it back.
    expect((await ana.post(PORTALS, { name: 'Other', slug: 'acme-iberia' })).status).toBe(422);
    expect((await ana.post(`${PORTALS}/${acmePortal}`, { slug: 'acme-iberia' })).status).toBe(303);
    expect((await visitor.get('/p/clientes/login')).headers.get('Location')).toBe('/p/acme-iberia/login');
    expect((await ana.post(`${PORTALS}/${acmePortal}`, { slug: 'clientes' })).status).toBe(303);
  });

  it('adds a second user type, refusing a duplicate name and a module that cannot hold portal users', async () => {
    const vendors = await moduleId('vendors');
    expect((await ana.post(`${PORTALS}/${acmePortal}/types`, { typeName: 'Proveedores', baseModule: vendors })).status).toBe(303);
    const duplicate = await ana.post(`${PORTALS}/${acmePortal}/types`, { typeName: 'proveedores', baseModule: vendors });
    expect(duplicate.status).toBe(422);
    expect(await duplicate.text()).toContain('This portal already has a user type with this name.');
    const deals = await ana.post(`${PORTALS}/${acmePortal}/types`, { typeName: 'Deals', baseModule: await moduleId('deals') });
    expect(deals.status).toBe(422);
    expect(await deals.text()).toContain('Choose the base module.');
    const types = await typesOf(acmePortal);
    expect(types.map((x) => [x.name, x.is_default])).toEqual([
      ['Customer portal', true],
      ['Proveedores', false],
    ]);
    const tab = await t.db
      .selectFrom('portal_type_tabs')
      .selectAll()
      .where('user_type_id', '=', types[1]?.id ?? '')
      .executeTakeFirstOrThrow();
    expect(tab).toMatchObject({ module_id: vendors, kind: 'base' });
  });

  it('never deletes the default type', async () => {
    const [defaultType] = await typesOf(acmePortal);
    const res = await ana.post(`${PORTALS}/${acmePortal}/types/${defaultType?.id}/delete`, {});
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('The default user type cannot be deleted.');
    expect(await typesOf(acmePortal)).toHaveLength(2);
  });

  it('counts licences per type and refuses a limit below the users already invited or active', async () => {
    const [defaultType] = await typesOf(acmePortal);
    const id = defaultType?.id ?? '';
    await portalUser(acmePortal, id, 'carla@customer.example', 'active');
    await portalUser(acmePortal, id, 'diego@customer.example', 'invited');
    await portalUser(acmePortal, id, 'elena@customer.example', 'invited');
    await portalUser(acmePortal, id, 'fabio@customer.example', 'deactivated');

    const typePage = await (await ana.get(`${PORTALS}/${acmePortal}/types/${id}`)).text();
    expect(typePage).toMatch(/<dt>Invited<\/dt><dd>2<\/dd><dt>Active<\/dt><dd>1<\/dd><dt>Deactivated<\/dt><dd>1<\/dd>/);

    const below = await ana.post(`${PORTALS}/${acmePortal}/types/${id}`, { limit: '2' });
    expect(below.status).toBe(422);
    expect(await below.text()).toContain('The limit cannot be below the 3 users already invited or active.');
    expect((await ana.post(`${PORTALS}/${acmePortal}/types/${id}`, { limit: '3' })).status).toBe(303);
    expect((await typesOf(acmePortal))[0]?.user_limit).toBe(3);
  });

  it('deletes a type with users only once they are transferred to a type of the same base module', async () => {
    const partners = await ana.post(`${PORTALS}/${acmePortal}/types`, { typeName: 'Partners', baseModule: await moduleId('contacts') });
    expect(partners.status).toBe(303);
    const [defaultType, , partnerType] = await typesOf(acmePortal);
    const vendorType = (await typesOf(acmePortal)).find((x) => x.name === 'Proveedores');
    await portalUser(acmePortal, partnerType?.id ?? '', 'gina@partner.example', 'active');

    const refused = await ana.post(`${PORTALS}/${acmePortal}/types/${partnerType?.id}/delete`, {});
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('This type has 1 portal users: choose the type they move to.');
    // A type with another base module is no place for them.
    expect((await ana.post(`${PORTALS}/${acmePortal}/types/${partnerType?.id}/delete`, { transferTo: vendorType?.id ?? '' })).status).toBe(422);
    expect(await typesOf(acmePortal)).toHaveLength(3);

    const page = await (await ana.get(`${PORTALS}/${acmePortal}/types/${partnerType?.id}`)).text();
    expect(page).toMatch(new RegExp(`<option value="${defaultType?.id}"[^>]*>Customer portal</option>`));
    expect(page).not.toContain(`<option value="${vendorType?.id}"`);

    // The default type's limit (3) is already used up by its own users.
    const full = await ana.post(`${PORTALS}/${acmePortal}/types/${partnerType?.id}/delete`, { transferTo: defaultType?.id ?? '' });
    expect(full.status).toBe(422);
    expect(await full.text()).toContain('The chosen type would then have 4 invited or active users, above its limit of 3.');
    expect(await typesOf(acmePortal)).toHaveLength(3);

    expect((await ana.post(`${PORTALS}/${acmePortal}/types/${defaultType?.id}`, { limit: '10' })).status).toBe(303);
    const done = await ana.post(`${PORTALS}/${acmePortal}/types/${partnerType?.id}/delete`, { transferTo: defaultType?.id ?? '', confirm: '1' });
    expect(done.status).toBe(303);
    expect((await typesOf(acmePortal)).map((x) => x.name)).toEqual(['Customer portal', 'Proveedores']);
    const gina = await t.db.selectFrom('portal_users').select('user_type_id').where('email', '=', 'gina@partner.example').executeTakeFirstOrThrow();
    expect(gina.user_type_id).toBe(defaultType?.id);
  });

  it('deletes a type without users once confirmed', async () => {
    const vendorType = (await typesOf(acmePortal)).find((x) => x.name === 'Proveedores');
    expect((await ana.post(`${PORTALS}/${acmePortal}/types/${vendorType?.id}/delete`, { confirm: '1' })).status).toBe(303);
    expect((await typesOf(acmePortal)).map((x) => x.name)).toEqual(['Customer portal']);
  });

  it('refuses a sixth portal', async () => {
    for (const name of ['Dos', 'Tres', 'Cuatro', 'Cinco']) {
      const result = await createPortal(t.db, { kind: 'staff', id: anaId }, { name });
      expect(result.ok).toBe(true);
    }
    const sixth = await ana.post(PORTALS, { name: 'Seis', slug: '' }, spanish);
    expect(sixth.status).toBe(422);
    expect(await sixth.text()).toContain('Porta admite como máximo 5 portales, y los portales no se pueden eliminar.');
    expect(await t.db.selectFrom('portals').select('id').execute()).toHaveLength(5);
    expect(await (await ana.get(PORTALS)).text()).not.toContain(`href="${PORTALS}/new"`);
  });
});

describe('who may configure portals', () => {
  it('refuses a standard user without "manage portals"', async () => {
    const brunoClient = await signIn(bruno);
    expect((await brunoClient.get(PORTALS)).status).toBe(403);
    expect((await brunoClient.get(`${PORTALS}/slug-check?slug=x`)).status).toBe(403);
    expect((await brunoClient.post(PORTALS, { name: 'Sneaky', slug: 'sneaky' })).status).toBe(403);
    expect(await t.db.selectFrom('portals').select('id').where('slug', '=', 'sneaky').execute()).toHaveLength(0);
  });

  it('lets a non-administrator whose profile grants "manage portals" use the pages', async () => {
    const created = await ana.post('/admin/settings/profiles', { name: 'Portal managers' });
    const profile = idFrom(created.headers.get('Location'));
    await t.db.updateTable('profiles').set({ manage_portals: true }).where('id', '=', profile).execute();
    await t.db.updateTable('staff_users').set({ profile_id: profile }).where('email', '=', bruno.email).execute();
    const brunoClient = await signIn(bruno);
    const list = await brunoClient.get(PORTALS);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('/p/clientes');
    const portal = await t.db.selectFrom('portals').select('id').where('slug', '=', 'clientes').executeTakeFirstOrThrow();
    expect((await brunoClient.post(`${PORTALS}/${portal.id}`, { name: 'Clientes Acme' })).status).toBe(303);
    expect((await t.db.selectFrom('portals').select('name').where('id', '=', portal.id).executeTakeFirstOrThrow()).name).toBe('Clientes Acme');
  });

  it('keeps preview and explain, which read records outside a profile’s own scope, for administrators: no link, 403', async () => {
    const brunoClient = await signIn(bruno);
    const list = await (await brunoClient.get(PORTALS)).text();
    expect(list).not.toContain('/admin/settings/portals/preview');
    expect(list).not.toContain('/admin/settings/portals/explain');
    const portal = await t.db.selectFrom('portals').select('id').where('slug', '=', 'clientes').executeTakeFirstOrThrow();
    const type = await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portal.id).executeTakeFirstOrThrow();
    const typePage = await brunoClient.get(`${PORTALS}/${portal.id}/types/${type.id}`);
    expect(typePage.status).toBe(200);
    expect(await typePage.text()).not.toContain('/admin/settings/portals/preview');
    for (const path of ['/admin/settings/portals/preview', `/admin/settings/portals/preview?type=${type.id}`, '/admin/settings/portals/explain'])
      expect((await brunoClient.get(path)).status, path).toBe(403);
    expect((await ana.get('/admin/settings/portals/preview')).status).toBe(200);
  });
});

describe('what a user type can be given as tabs', () => {
  it('lists as related the live modules with a lookup to the base module, with those lookups', async () => {
    const contacts = await moduleId('contacts');
    const related = await relatedModules(t.db, contacts);
    const byModule = Object.fromEntries(related.map((r) => [r.module.api_name, r.lookups.map((f) => f.api_name)]));
    expect(byModule.cases).toEqual(['contact']);
    expect(byModule.products).toBeUndefined();
    expect(byModule.accounts).toBeUndefined();
    for (const r of related) for (const f of r.lookups) expect(f.options.targetModuleId).toBe(contacts);

    await t.db.updateTable('modules').set({ deleted_at: new Date() }).where('api_name', '=', 'cases').execute();
    expect((await relatedModules(t.db, contacts)).map((r) => r.module.api_name)).not.toContain('cases');
    await t.db.updateTable('modules').set({ deleted_at: null }).where('api_name', '=', 'cases').execute();
  });

  it('lists as public the modules shared as public', async () => {
    await t.db.updateTable('modules').set({ sharing: 'private' }).execute();
    expect(await publicModules(t.db)).toEqual([]);
    await t.db.updateTable('modules').set({ sharing: 'public_read' }).where('api_name', '=', 'products').execute();
    await t.db.updateTable('modules').set({ sharing: 'public_full' }).where('api_name', '=', 'cases').execute();
    expect((await publicModules(t.db)).map((m) => m.api_name).sort()).toEqual(['cases', 'products']);
  });
});
