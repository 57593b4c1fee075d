import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPortalConfig, importPortalConfig } from '../../src/portals/config-transfer.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { seedAcme } from '../support/fixtures.js';

let source: TestApp;
let target: TestApp;
let anaSource: string;
let anaTarget: string;

const ids = async (t: TestApp) => {
  const modules = new Map((await t.db.selectFrom('modules').select(['id', 'api_name']).execute()).map((m) => [m.api_name, m.id]));
  const field = async (module: string, name: string) =>
    (
      await t.db
        .selectFrom('fields')
        .select('id')
        .where('module_id', '=', modules.get(module) as string)
        .where('api_name', '=', name)
        .where('parent_field_id', 'is', null)
        .executeTakeFirstOrThrow()
    ).id;
  const layout = async (module: string) =>
    (
      await t.db
        .selectFrom('layouts')
        .select('id')
        .where('module_id', '=', modules.get(module) as string)
        .executeTakeFirstOrThrow()
    ).id;
  return { modules, field, layout };
};

/** Acme's customer portal: contacts sign in, see their cases (canvas) and deals, and the public knowledge base. */
async function configureAcmePortal(t: TestApp) {
  const { modules, field, layout } = await ids(t);
  const portal = await t.db.insertInto('portals').values({ name: 'Acme Care', slug: 'acme-care' }).returning('id').executeTakeFirstOrThrow();
  await t.db.insertInto('portal_slugs').values({ slug: 'acme-help', portal_id: portal.id }).execute();
  const customer = await t.db
    .insertInto('portal_user_types')
    .values({ portal_id: portal.id, name: 'Customer portal', base_module_id: modules.get('contacts') as string, is_default: true })
    .returning('id')
    .executeTakeFirstOrThrow();
  const partners = await t.db
    .insertInto('portal_user_types')
    .values({ portal_id: portal.id, name: 'Partners', base_module_id: modules.get('contacts') as string, user_limit: 50, position: 1 })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.db
    .insertInto('portal_type_tabs')
    .values([
      {
        user_type_id: customer.id,
        module_id: modules.get('contacts') as string,
        kind: 'base',
        layout_ids: [await layout('contacts')],
        can_edit: true,
        position: 0,
      },
      {
        user_type_id: customer.id,
        module_id: modules.get('cases') as string,
        kind: 'related',
        filter_field_id: await field('cases', 'contact'),
        layout_ids: [await layout('cases')],
        can_create: true,
        view_mode: 'canvas',
        notes: 'add',
        attachments: 'view',
        position: 1,
      },
      { user_type_id: customer.id, module_id: modules.get('solutions') as string, kind: 'public', layout_ids: [await layout('solutions')], position: 2 },
      { user_type_id: partners.id, module_id: modules.get('contacts') as string, kind: 'base', layout_ids: [await layout('contacts')], position: 0 },
    ])
    .execute();
  await t.db
    .insertInto('portal_type_fields')
    .values([
      { user_type_id: customer.id, layout_id: await layout('cases'), field_id: await field('cases', 'subject'), visible: true },
      { user_type_id: customer.id, layout_id: await layout('cases'), field_id: await field('cases', 'status'), visible: true, read_only: true },
      { user_type_id: customer.id, layout_id: await layout('contacts'), field_id: await field('contacts', 'email'), visible: true },
    ])
    .execute();
  await t.db.insertInto('web_tabs').values({ user_type_id: customer.id, name: 'Status page', url: 'https://status.acme.example/', position: 0 }).execute();
  await t.db
    .insertInto('canvas_designs')
    .values({
      module_id: modules.get('cases') as string,
      title_field_id: await field('cases', 'subject'),
      subtitle_field_ids: [await field('cases', 'status')],
      badge_field_id: await field('cases', 'priority'),
    })
    .execute();
}

beforeAll(async () => {
  [source, target] = await Promise.all([startTestApp(), startTestApp()]);
  anaSource = (await seedAcme(source.db)).admin.id;
  anaTarget = (await seedAcme(target.db)).admin.id;
  await configureAcmePortal(source);
});
afterAll(() => Promise.all([source.close(), target.close()]));

describe('portal configuration export and import', () => {
  it('exports every portal, type, tab, field permission, web tab and card design by api name', async () => {
    const config = await exportPortalConfig(source.db, new Date('2026-11-22T12:00:00Z'));
    expect(config.portals).toHaveLength(1);
    const portal = config.portals[0];
    expect(portal).toMatchObject({ name: 'Acme Care', slug: 'acme-care', oldSlugs: ['acme-help'] });
    expect(portal?.userTypes.map((t) => [t.name, t.default, t.baseModule, t.userLimit])).toEqual([
      ['Customer portal', true, 'contacts', 10000],
      ['Partners', false, 'contacts', 50],
    ]);
    const cases = portal?.userTypes[0]?.tabs.find((t) => t.module === 'cases');
    expect(cases).toMatchObject({
      kind: 'related',
      filterBy: 'contact',
      layouts: ['standard'],
      create: true,
      viewMode: 'canvas',
      notes: 'add',
      attachments: 'view',
    });
    expect(portal?.userTypes[0]?.fields).toContainEqual({ module: 'cases', layout: 'standard', field: 'status', visible: true, readOnly: true });
    expect(config.canvasDesigns).toEqual([{ module: 'cases', title: 'subject', subtitles: ['status'], badge: 'priority' }]);
  });

  it('recreates the same configuration in another installation', async () => {
    const exported = await exportPortalConfig(source.db, new Date('2026-11-22T12:00:00Z'));
    const result = await importPortalConfig(target.db, { kind: 'staff', id: anaTarget }, JSON.stringify(exported));
    expect(result).toEqual({ ok: true, portals: 1 });
    const again = await exportPortalConfig(target.db, new Date('2026-11-22T12:00:00Z'));
    expect(again).toEqual(exported);
    // Ids differ between installations; the references resolve to the same named metadata.
    const tab = await target.db
      .selectFrom('portal_type_tabs')
      .innerJoin('fields', 'fields.id', 'portal_type_tabs.filter_field_id')
      .select('fields.api_name')
      .executeTakeFirstOrThrow();
    expect(tab.api_name).toBe('contact');
  });

  it('refuses a second import of the same portals, listing the taken addresses, and changes nothing', async () => {
    const exported = await exportPortalConfig(source.db);
    const before = await exportPortalConfig(target.db, new Date(0));
    const result = await importPortalConfig(target.db, { kind: 'staff', id: anaTarget }, JSON.stringify(exported));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toContainEqual({ path: 'portals.0.slug', key: 'portalconfig:errors.slugTaken', params: { slug: 'acme-care' } });
      expect(result.problems).toContainEqual({ path: 'portals.0.oldSlugs.0', key: 'portalconfig:errors.slugTaken', params: { slug: 'acme-help' } });
    }
    expect(await exportPortalConfig(target.db, new Date(0))).toEqual(before);
  });

  it('lists every reference this installation cannot resolve, and writes nothing', async () => {
    const exported = await exportPortalConfig(source.db);
    const edited = structuredClone(exported);
    const portal = edited.portals[0];
    if (!portal?.userTypes[0]) throw new Error('fixture');
    portal.slug = 'other-portal';
    portal.oldSlugs = [];
    portal.userTypes[0].tabs.push({ ...portal.userTypes[0].tabs[1], module: 'warranty_claims', filterBy: 'customer' } as never);
    portal.userTypes[0].fields.push({ module: 'cases', layout: 'standard', field: 'mood', visible: true, readOnly: false });
    const countBefore = await target.db.selectFrom('portals').select('id').execute();
    const result = await importPortalConfig(target.db, { kind: 'staff', id: anaTarget }, JSON.stringify(edited));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const keys = result.problems.map((p) => `${p.key}:${p.params?.name ?? ''}`);
      expect(keys).toContain('portalconfig:errors.unknownModule:warranty_claims');
      expect(keys).toContain('portalconfig:errors.unknownField:cases/mood');
    }
    expect(await target.db.selectFrom('portals').select('id').execute()).toHaveLength(countBefore.length);
  });

  it('refuses a web tab the web-tab form would refuse (javascript:, http:), and writes nothing', async () => {
    const exported = await exportPortalConfig(source.db);
    for (const url of ['javascript:alert(document.cookie)', 'http://status.example.com', 'data:text/html,hi']) {
      const edited = structuredClone(exported);
      const portal = edited.portals[0];
      if (!portal?.userTypes[0]) throw new Error('fixture');
      portal.slug = 'web-tab-portal';
      portal.oldSlugs = [];
      portal.userTypes[0].webTabs = [{ name: 'Status', url, position: 0 }];
      const before = await target.db.selectFrom('web_tabs').select('id').execute();
      const result = await importPortalConfig(target.db, { kind: 'staff', id: anaTarget }, JSON.stringify(edited));
      expect(result.ok, url).toBe(false);
      if (!result.ok)
        expect(result.problems).toContainEqual(expect.objectContaining({ path: 'portals.0.userTypes.0.webTabs.0.url', key: 'portalconfig:errors.shape' }));
      expect(await target.db.selectFrom('web_tabs').select('id').execute()).toHaveLength(before.length);
    }
  });

  it('refuses what is not a configuration file', async () => {
    expect(await importPortalConfig(target.db, { kind: 'staff', id: anaTarget }, 'name,slug')).toEqual({
      ok: false,
      problems: [{ path: '', key: 'portalconfig:errors.notJson' }],
    });
    const wrong = await importPortalConfig(
      target.db,
      { kind: 'staff', id: anaTarget },
      JSON.stringify({ format: 'something-else', version: 1, portals: [], canvasDesigns: [] }),
    );
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.problems[0]?.key).toBe('portalconfig:errors.shape');
    expect(anaSource).toBeTruthy();
  });
});

describe('the configuration file page', () => {
  it('downloads the configuration and imports a file, showing each problem in the admin’s language', async () => {
    const { browserClient } = await import('../support/app.js');
    const { acme } = await import('../support/fixtures.js');
    const client = browserClient(source.app);
    await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const download = await client.get('/admin/settings/portals/transfer/export');
    expect(download.headers.get('Content-Disposition')).toContain('porta-portals.json');
    const config = JSON.parse(await download.text());
    expect(config.portals[0].slug).toBe('acme-care');

    await client.post('/lang', { lang: 'fr', back: '/admin' });
    const form = new FormData();
    form.set('file', new File([JSON.stringify(config)], 'porta-portals.json', { type: 'application/json' }));
    const res = await client.request('/admin/settings/portals/transfer/import', { method: 'POST', body: form });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Rien n&#39;a été importé');
    expect(html).toContain('« acme-care » est déjà utilisée ici');
    await client.post('/lang', { lang: 'en', back: '/admin' });
  });
});

describe('portal card designs', () => {
  it('saves a card design, refuses repeated or foreign fields with messages, and exports it', async () => {
    const { browserClient } = await import('../support/app.js');
    const { acme } = await import('../support/fixtures.js');
    const client = browserClient(target.app);
    await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const { field } = await ids(target);
    const subject = await field('deals', 'name');
    const stage = await field('deals', 'stage');
    const amount = await field('deals', 'amount');
    const caseSubject = await field('cases', 'subject');
    const repeated = await client.post('/admin/settings/portals/cards/deals', { title: subject, subtitle1: subject, badge: stage });
    expect(repeated.status).toBe(422);
    expect(await repeated.text()).toContain('Use each field once on a card.');
    const foreign = await client.post('/admin/settings/portals/cards/deals', { title: caseSubject });
    expect(foreign.status).toBe(422);
    const ok = await client.post('/admin/settings/portals/cards/deals', { title: subject, subtitle1: amount, badge: stage });
    expect(ok.status).toBe(303);
    expect(await (await client.get('/admin/settings/portals/cards/deals?saved=1')).text()).toContain('The card design is saved.');
    const config = await exportPortalConfig(target.db);
    expect(config.canvasDesigns).toContainEqual({ module: 'deals', title: 'name', subtitles: ['amount'], badge: 'stage' });
  });
});

describe('web tabs', () => {
  it('adds an https web tab to a user type, refuses other addresses with a message, and removes it', async () => {
    const { browserClient } = await import('../support/app.js');
    const { acme } = await import('../support/fixtures.js');
    const client = browserClient(source.app);
    await client.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
    const partners = await source.db.selectFrom('portal_user_types').select('id').where('name', '=', 'Partners').executeTakeFirstOrThrow();
    const base = `/admin/settings/portals/types/${partners.id}/web-tabs`;
    const bad = await client.post(base, { name: 'Docs', url: 'http://docs.acme.example' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('Enter a secure web address beginning with https://.');
    expect((await client.post(base, { name: 'Docs', url: 'https://docs.acme.example/partners' })).status).toBe(303);
    const tabs = await source.db.selectFrom('web_tabs').selectAll().where('user_type_id', '=', partners.id).execute();
    expect(tabs.map((t) => [t.name, t.url])).toEqual([['Docs', 'https://docs.acme.example/partners']]);
    expect(await (await client.get(base)).text()).toContain('https://docs.acme.example/partners');
    expect((await client.post(`${base}/${tabs[0]?.id}/remove`, {})).status).toBe(303);
    expect(await source.db.selectFrom('web_tabs').select('id').where('user_type_id', '=', partners.id).execute()).toHaveLength(0);
  });
});
