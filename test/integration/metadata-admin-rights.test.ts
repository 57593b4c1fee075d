import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { bruno, seedStandardUser } from '../support/fixtures.js';
import { buildProjectsModule, metadataOf, postEntries, SETTINGS, signedInAdministrator } from '../support/projects-module.js';

let t: TestApp;
let ana: BrowserClient;
let meta: ReturnType<typeof metadataOf>;

beforeAll(async () => {
  t = await startTestApp();
  ({ ana } = await signedInAdministrator(t));
  meta = metadataOf(t);
  await buildProjectsModule(t, ana);
});
afterAll(() => t.close());

describe('who may change metadata', () => {
  it('answers 403 to a standard user on every settings page and action, and changes nothing', async () => {
    await seedStandardUser(t.db);
    const bob = browserClient(t.app);
    await bob.post('/admin/login', { email: bruno.email, password: bruno.password });
    const projects = await meta.moduleRow('projects');
    const name = await meta.fieldNamed('projects', 'name');
    const [layout] = await meta.layoutsOf('projects');
    for (const path of [
      '/admin/settings',
      SETTINGS,
      `${SETTINGS}/new`,
      `${SETTINGS}/projects`,
      `${SETTINGS}/projects/fields/new`,
      `${SETTINGS}/projects/fields/options?type=picklist`,
      `${SETTINGS}/projects/fields/${name.id}`,
      `${SETTINGS}/projects/fields/${name.id}/purge`,
      `${SETTINGS}/projects/layouts`,
      `${SETTINGS}/projects/layouts/${layout?.id}`,
    ]) {
      expect((await bob.get(path)).status, path).toBe(403);
    }
    const before = await meta.fieldsOf('projects');
    for (const [path, form] of [
      [SETTINGS, { 'singular.en': 'Sneaky', 'plural.en': 'Sneakies' }],
      [`${SETTINGS}/projects`, { sharing: 'public_full' }],
      [`${SETTINGS}/projects/fields`, { type: 'text', 'label.en': 'Sneaky' }],
      [`${SETTINGS}/projects/fields/${name.id}`, { 'label.en': 'Sneaky', required: '' }],
      [`${SETTINGS}/projects/fields/${name.id}/remove`, {}],
      [`${SETTINGS}/projects/layouts`, { 'label.en': 'Sneaky' }],
      [`${SETTINGS}/projects/layouts/${layout?.id}/delete`, {}],
    ] as [string, Record<string, string>][]) {
      expect((await bob.post(path, form)).status, path).toBe(403);
    }
    expect(await meta.fieldsOf('projects')).toEqual(before);
    expect((await meta.moduleRow('projects')).sharing).toBe(projects.sharing);
    expect(await t.db.selectFrom('modules').select('id').where('api_name', '=', 'sneakies').execute()).toHaveLength(0);
    // The settings entry in the navigation is there, but the door is shut.
    expect(await (await bob.get('/admin')).text()).toContain('href="/admin/settings"');
  });
});

describe('validation in the administrator’s language', () => {
  beforeAll(async () => {
    await ana.post('/lang', { lang: 'es', back: '/admin' });
  });
  afterAll(async () => {
    await ana.post('/lang', { lang: 'en', back: '/admin' });
  });

  it('names a module: no name at all, and a name another module has', async () => {
    const empty = await ana.post(SETTINGS, { 'singular.es': ' ', 'plural.es': '' });
    expect(empty.status).toBe(422);
    const html = await empty.text();
    expect(html).toContain('<html lang="es"');
    expect(html).toMatch(/id="singular-error"[^>]*>Indique un nombre en al menos un idioma\./);

    const taken = await ana.post(SETTINGS, { 'singular.es': 'Contacto', 'plural.es': 'Contactos' });
    expect(taken.status).toBe(422);
    const dup = await taken.text();
    expect(dup).toMatch(/id="plural-es-error"[^>]*>Ya hay otro módulo con este nombre\./);
    expect(dup).toMatch(/id="singular-es-error"[^>]*>Ya hay otro módulo con este nombre\./);

    const half = await ana.post(SETTINGS, { 'singular.fr': 'Chantier' });
    expect(await half.text()).toMatch(/id="plural-fr-error"[^>]*>Indique también el nombre en plural en este idioma\./);
    expect(await t.db.selectFrom('modules').select('id').where('kind', '=', 'custom').execute()).toHaveLength(1);
  });

  it('adds a field: empty and duplicate labels, a picklist without values, a lookup without target', async () => {
    const before = (await meta.fieldsOf('projects')).length;
    const noLabel = await ana.post(`${SETTINGS}/projects/fields`, { type: 'text', 'label.es': '' });
    expect(noLabel.status).toBe(422);
    expect(await noLabel.text()).toMatch(/id="label-error"[^>]*>Indique un nombre en al menos un idioma\./);

    // The name field is called "Nombre" in Spanish.
    const duplicate = await ana.post(`${SETTINGS}/projects/fields`, { type: 'text', 'label.es': 'nombre' });
    expect(await duplicate.text()).toMatch(/id="label-es-error"[^>]*>Ya hay otro con este nombre\. Elija un nombre distinto\./);

    const picklist = await ana.post(`${SETTINGS}/projects/fields`, { type: 'picklist', 'label.es': 'Prioridad', 'values.0.es': '' });
    expect(picklist.status).toBe(422);
    const picklistHtml = await picklist.text();
    expect(picklistHtml).toMatch(/id="values-error"[^>]*>Una lista de selección necesita al menos un valor\./);
    // What was typed comes back.
    expect(picklistHtml).toContain('value="Prioridad"');

    const twice = await ana.post(`${SETTINGS}/projects/fields`, { type: 'picklist', 'label.es': 'Prioridad', 'values.0.es': 'Alta', 'values.1.es': 'alta' });
    expect(await twice.text()).toMatch(/id="values-1-es-error"[^>]*>Dos valores tienen este nombre\./);

    const lookup = await ana.post(`${SETTINGS}/projects/fields`, { type: 'lookup', 'label.es': 'Proveedor', target: '' });
    expect(lookup.status).toBe(422);
    expect(await lookup.text()).toMatch(/id="target-error"[^>]*>Elija el módulo al que apunta esta búsqueda\./);

    const unknown = await ana.post(`${SETTINGS}/projects/fields`, { type: 'lookup', 'label.es': 'Proveedor', target: 'no-such-module' });
    expect(await unknown.text()).toMatch(/id="target-error"[^>]*>Este módulo ya no existe\. Elija otro\./);

    const scale = await ana.post(`${SETTINGS}/projects/fields`, { type: 'decimal', 'label.es': 'Peso bruto', scale: '9' });
    expect(await scale.text()).toMatch(/id="scale-error"[^>]*>Introduzca un número entero de 0 a 6\./);
    expect(await meta.fieldsOf('projects')).toHaveLength(before);
  });

  it('saves a layout: a bad position and a section that still has fields are refused', async () => {
    const [layout] = await meta.layoutsOf('projects');
    if (!layout) throw new Error('no layout');
    const name = await meta.fieldNamed('projects', 'name');
    const res = await postEntries(ana, `${SETTINGS}/projects/layouts/${layout.id}`, [
      ['sections.0.id', layout.sections[0]?.id ?? ''],
      ['sections.0.label.en', 'Planning'],
      ['sections.0.remove', 'on'],
      ['sections.0.position', '10'],
      ['sections.1.id', layout.sections[1]?.id ?? ''],
      ['sections.1.label.en', 'Basics'],
      ['sections.1.position', 'primero'],
      [`field.${name.id}.section`, '0'],
      [`field.${name.id}.position`, 'diez'],
    ]);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/id="sections-0-remove-error"[^>]*>Esta sección todavía tiene campos\./);
    expect(html).toMatch(/id="sections-1-position-error"[^>]*>Introduzca un número entero de 0 a 99999\./);
    expect(html).toMatch(new RegExp(`id="field-${name.id}-position-error"[^>]*>Introduzca un número entero de 0 a 99999\\.`));
    expect((await meta.layoutsOf('projects'))[0]?.sections).toEqual(layout.sections);
  });
});
