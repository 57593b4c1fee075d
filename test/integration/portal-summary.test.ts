import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleMeta, type ModuleMeta } from '../../src/crm/metadata.js';
import { saveFieldPermissions } from '../../src/portals/field-permissions.js';
import { saveTabs, type TabInput, tabOptions } from '../../src/portals/tabs.js';
import { addWebTab } from '../../src/portals/web-tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme, bruno, seedAcme, seedStandardUser } from '../support/fixtures.js';

let t: TestApp;
let ana: BrowserClient;
let anaId: string;
let portalId = '';
let typeId = '';
const PORTALS = '/admin/settings/portals';

beforeAll(async () => {
  t = await startTestApp();
  anaId = (await seedAcme(t.db)).admin.id;
  await seedStandardUser(t.db);
  ana = browserClient(t.app);
  await ana.post('/admin/login', { email: acme.admin.email, password: acme.admin.password });
});
afterAll(() => t.close());

const stepLinks = (html: string) =>
  [
    ...(/<nav class="steps"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '').matchAll(
      /<li[^>]*>(?:<a href="([^"]*)">|<span aria-current="step">|<span class="muted">)([^<]*)/g,
    ),
  ].map((m) => [m[2], m[1] ?? null]);

describe('the configuration as steps', () => {
  it('starts with the portal step, and each step leads to the next', async () => {
    const start = await (await ana.get(`${PORTALS}/new`)).text();
    expect(start).toContain('<span aria-current="step">1. Portal</span>');
    expect(stepLinks(start)).toEqual([
      ['1. Portal', null],
      ['2. User type', null],
      ['3. Tabs', null],
      ['4. Field permissions', null],
      ['5. Finish', null],
    ]);

    const created = await ana.post(PORTALS, { name: 'Acme Care', slug: '' });
    portalId = /\/([0-9a-f-]{36})/.exec(created.headers.get('Location') ?? '')?.[1] ?? '';
    typeId = (await t.db.selectFrom('portal_user_types').select('id').where('portal_id', '=', portalId).executeTakeFirstOrThrow()).id;
    const portalPage = await (await ana.get(`${PORTALS}/${portalId}`)).text();
    const typeHref = `${PORTALS}/${portalId}/types/${typeId}`;
    expect(stepLinks(portalPage)).toEqual([
      ['1. Portal', null],
      ['2. User type', typeHref],
      ['3. Tabs', `/admin/settings/portals/types/${typeId}/tabs`],
      ['4. Field permissions', `/admin/settings/portals/types/${typeId}/fields/contacts`],
      ['5. Finish', `${PORTALS}/${portalId}/summary`],
    ]);
    // The step is one form whose one primary button saves it and leads on.
    expect(portalPage).toContain(`<form method="post" action="${PORTALS}/${portalId}" enctype="multipart/form-data"`);
    expect(portalPage.match(/<button type="submit" class="button">/g)).toHaveLength(1);
    expect(portalPage).toContain('Save and continue');

    const typePage = await (await ana.get(typeHref)).text();
    expect(typePage).toContain('<span aria-current="step">2. User type</span>');
    expect(typePage).toContain(`<form method="post" action="${typeHref}"`);
    expect(typePage.match(/<button type="submit" class="button">/g)).toHaveLength(1);
    expect(typePage).toContain('Save and continue');
  });

  it('finishes on a summary of every user type, with edit links and the preview, in the admin’s language', async () => {
    const staff = { kind: 'staff' as const, id: anaId };
    const cases = (await loadModuleMeta(t.db, 'cases')) as ModuleMeta;
    const options = (await tabOptions(t.db, typeId)) ?? [];
    const input: Record<string, TabInput> = {};
    for (const o of options)
      input[o.module.id] = {
        shown: ['contacts', 'cases'].includes(o.module.api_name),
        filterFieldId: o.lookups.find((f) => f.api_name === 'contact')?.id ?? '',
        layoutIds: o.layouts.map((l) => l.id),
        view: true,
        create: o.module.api_name === 'cases',
        edit: false,
        delete: false,
        viewMode: 'list',
        notes: 'none',
        attachments: 'none',
      };
    expect(await saveTabs(t.db, staff, typeId, input)).toEqual({ ok: true });
    const layoutId = cases.defaultLayout?.id as string;
    const rows = cases.fields.map((f) => ({
      fieldId: f.id,
      visible: ['subject', 'status', 'description'].includes(f.api_name),
      readOnly: f.api_name === 'status',
    }));
    expect((await saveFieldPermissions(t.db, staff, typeId, cases.module.id, layoutId, rows)).ok).toBe(true);
    expect((await addWebTab(t.db, staff, typeId, { name: 'Status page', url: 'https://status.acme.example' })).ok).toBe(true);

    const res = await ana.get(`${PORTALS}/${portalId}/summary`, { 'Accept-Language': 'es' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<span aria-current="step">5. Finalizar</span>');
    expect(html).toContain('Acme Care: resumen');
    expect(html).toContain('href="http://porta.test/p/acme-care" target="_blank" rel="noopener"');
    expect(html).toContain('<caption>Pestañas de Customer portal</caption>');
    expect(html).toMatch(/<th scope="row">Casos <span class="hint">\(relacionado\)<\/span><\/th><td>Ver, Crear<\/td><td>Lista<\/td><td>Contacto<\/td>/);
    expect(html).toContain('Asunto, Estado (solo lectura), Descripción');
    expect(html).toContain(`href="/admin/settings/portals/types/${typeId}/fields/cases?layout=${layoutId}"`);
    expect(html).toContain(`href="/admin/settings/portals/types/${typeId}/tabs"`);
    expect(html).toContain(`href="/admin/settings/portals/preview?type=${typeId}"`);
    expect(html).toContain('Pestañas web: Status page');
    expect(html).toContain('0 activos, 0 invitados, 0 desactivados; límite 10.000');
  });

  it('answers 404 for an unknown portal and 403 to staff who may not manage portals', async () => {
    expect((await ana.get(`${PORTALS}/00000000-0000-4000-8000-000000000000/summary`)).status).toBe(404);
    const other = browserClient(t.app);
    await other.post('/admin/login', { email: bruno.email, password: bruno.password });
    expect((await other.get(`${PORTALS}/${portalId}/summary`)).status).toBe(403);
  });
});
